/*
 * json.c: small strict JSON parser (see json.h). Recursive descent with a
 * depth cap; nodes go to the caller's array, strings stay raw until
 * ib_json_string decodes them. Nothing here allocates.
 */
#include <string.h>
#include "json.h"

struct jp {
	struct ib_json_doc *d;
	const char *s;
	size_t len, pos;
};

static int fail(struct jp *p, const char *why)
{
	if (!p->d->error) {
		p->d->error = why;
		p->d->error_off = p->pos;
	}
	return -1;
}

static void ws(struct jp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0; /* overlong, or a UTF-8-encoded surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Scan a string starting at the opening quote; sets [*start, *len) of its raw body. */
static int scan_string(struct jp *p, size_t *start, size_t *len)
{
	p->pos++; /* opening quote */
	*start = p->pos;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			*len = p->pos - *start;
			p->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(p, "control character in string");
		if (c == '\\') {
			char e;

			if (p->pos + 1 >= p->len)
				return fail(p, "unterminated string");
			e = p->s[p->pos + 1];
			if (e == 'u') {
				unsigned u, lo;

				if (p->pos + 6 > p->len || hex4(p->s + p->pos + 2, &u))
					return fail(p, "bad \\u escape");
				p->pos += 6;
				if (u >= 0xDC00 && u <= 0xDFFF)
					return fail(p, "lone low surrogate");
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (p->pos + 6 > p->len || p->s[p->pos] != '\\' ||
					    p->s[p->pos + 1] != 'u' || hex4(p->s + p->pos + 2, &lo) ||
					    lo < 0xDC00 || lo > 0xDFFF)
						return fail(p, "lone high surrogate");
					p->pos += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || !e)
				return fail(p, "bad escape");
			p->pos += 2;
			continue;
		}
		if (c < 0x80) {
			p->pos++;
		} else {
			size_t n = utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);

			if (!n)
				return fail(p, "invalid UTF-8 in string");
			p->pos += n;
		}
	}
	return fail(p, "unterminated string");
}

static int digits(struct jp *p)
{
	size_t s = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > s ? 0 : fail(p, "bad number");
}

static int scan_number(struct jp *p)
{
	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (digits(p))
		return -1;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (digits(p))
			return -1;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (digits(p))
			return -1;
	}
	return 0;
}

static long new_node(struct jp *p, enum ib_json_type t)
{
	struct ib_json_node *n;

	if (p->d->n >= p->d->cap)
		return fail(p, "too many values");
	n = &p->d->nodes[p->d->n];
	n->type = t;
	n->start = p->pos;
	n->len = 0;
	n->key_start = n->key_len = 0;
	n->child = n->next = -1;
	return (long)p->d->n++;
}

static int value(struct jp *p, unsigned depth, long *out);

static int container(struct jp *p, unsigned depth, long self, int is_obj)
{
	char close = is_obj ? '}' : ']';
	long prev = -1;

	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		size_t ks = 0, kl = 0;
		long child;

		if (is_obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name");
			if (scan_string(p, &ks, &kl))
				return -1;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
			ws(p);
		}
		if (value(p, depth + 1, &child))
			return -1;
		p->d->nodes[child].key_start = ks;
		p->d->nodes[child].key_len = kl;
		if (prev < 0)
			p->d->nodes[self].child = child;
		else
			p->d->nodes[prev].next = child;
		prev = child;
		ws(p);
		if (p->pos >= p->len)
			return fail(p, is_obj ? "unterminated object" : "unterminated array");
		if (p->s[p->pos] == ',') {
			p->pos++;
			ws(p);
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int lit(struct jp *p, const char *w, size_t n)
{
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n))
		return fail(p, "bad literal");
	p->pos += n;
	return 0;
}

static int value(struct jp *p, unsigned depth, long *out)
{
	long i;
	char c;

	if (depth > IB_JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	if (p->pos >= p->len)
		return fail(p, "expected a value");
	c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if ((i = new_node(p, c == '{' ? IB_JSON_OBJECT : IB_JSON_ARRAY)) < 0 ||
		    container(p, depth, i, c == '{'))
			return -1;
		break;
	case '"': {
		size_t s, l;

		if ((i = new_node(p, IB_JSON_STRING)) < 0 || scan_string(p, &s, &l))
			return -1;
		p->d->nodes[i].start = s;
		p->d->nodes[i].len = l;
		*out = i;
		return 0;
	}
	case 't':
		if ((i = new_node(p, IB_JSON_TRUE)) < 0 || lit(p, "true", 4))
			return -1;
		break;
	case 'f':
		if ((i = new_node(p, IB_JSON_FALSE)) < 0 || lit(p, "false", 5))
			return -1;
		break;
	case 'n':
		if ((i = new_node(p, IB_JSON_NULL)) < 0 || lit(p, "null", 4))
			return -1;
		break;
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return fail(p, "unexpected character");
		if ((i = new_node(p, IB_JSON_NUMBER)) < 0 || scan_number(p))
			return -1;
		break;
	}
	p->d->nodes[i].len = p->pos - p->d->nodes[i].start;
	*out = i;
	return 0;
}

int ib_json_parse(struct ib_json_doc *doc, const char *text, size_t len, struct ib_json_node *nodes,
		  size_t cap)
{
	struct jp p = {doc, text, len, 0};
	long root;

	doc->text = text;
	doc->len = len;
	doc->nodes = nodes;
	doc->cap = cap;
	doc->n = 0;
	doc->error = NULL;
	doc->error_off = 0;
	ws(&p);
	if (value(&p, 1, &root))
		return -1;
	ws(&p);
	if (p.pos != len)
		return fail(&p, "trailing characters after the value");
	return 0;
}

static void put_utf8(char *w, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		w[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		w[(*n)++] = (char)(0xC0 | (cp >> 6));
		w[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		w[(*n)++] = (char)(0xE0 | (cp >> 12));
		w[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		w[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		w[(*n)++] = (char)(0xF0 | (cp >> 18));
		w[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		w[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		w[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/* Decode a raw string body (already validated by the parser). Output is never longer than input. */
static size_t decode(const char *s, size_t len, char *w)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned cp, lo;

		if (s[i] != '\\') {
			w[n++] = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 'b':
			w[n++] = '\b';
			break;
		case 'f':
			w[n++] = '\f';
			break;
		case 'n':
			w[n++] = '\n';
			break;
		case 'r':
			w[n++] = '\r';
			break;
		case 't':
			w[n++] = '\t';
			break;
		case 'u':
			hex4(s + i + 1, &cp);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				hex4(s + i + 3, &lo);
				i += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			put_utf8(w, &n, cp);
			break;
		default:
			w[n++] = s[i];
			break;
		}
	}
	return n;
}

long ib_json_get(const struct ib_json_doc *doc, long obj, const char *key)
{
	size_t klen = strlen(key);

	if (obj < 0 || (size_t)obj >= doc->n || doc->nodes[obj].type != IB_JSON_OBJECT)
		return -1;
	for (long c = doc->nodes[obj].child; c >= 0; c = doc->nodes[c].next) {
		const struct ib_json_node *n = &doc->nodes[c];
		const char *k = doc->text + n->key_start;

		if (!memchr(k, '\\', n->key_len)) {
			if (n->key_len == klen && !memcmp(k, key, klen))
				return c;
		} else if (n->key_len < 256) {
			char buf[256];
			size_t dl = decode(k, n->key_len, buf);

			if (dl == klen && !memcmp(buf, key, klen))
				return c;
		}
	}
	return -1;
}

long ib_json_get_ci(const struct ib_json_doc *doc, long obj, const char *key)
{
	size_t klen = strlen(key);

	if (obj < 0 || (size_t)obj >= doc->n || doc->nodes[obj].type != IB_JSON_OBJECT)
		return -1;
	for (long c = doc->nodes[obj].child; c >= 0; c = doc->nodes[c].next) {
		const struct ib_json_node *n = &doc->nodes[c];
		const char *k = doc->text + n->key_start;
		size_t i = 0;

		if (n->key_len != klen || memchr(k, '\\', n->key_len))
			continue;
		while (i < klen && ((unsigned char)k[i] | 0x20) == ((unsigned char)key[i] | 0x20))
			i++;
		if (i == klen)
			return c;
	}
	return -1;
}

int ib_json_string(const struct ib_json_doc *doc, long i, char *buf, size_t cap, size_t *used,
		   struct ib_str *out)
{
	const struct ib_json_node *n;

	if (i < 0 || (size_t)i >= doc->n || doc->nodes[i].type != IB_JSON_STRING)
		return -1;
	n = &doc->nodes[i];
	if (!memchr(doc->text + n->start, '\\', n->len)) {
		out->ptr = doc->text + n->start;
		out->len = n->len;
		return 0;
	}
	if (cap - *used < n->len)
		return -1;
	out->ptr = buf + *used;
	out->len = decode(doc->text + n->start, n->len, buf + *used);
	*used += out->len;
	return 0;
}

int ib_json_int(const struct ib_json_doc *doc, long i, int64_t *out)
{
	const struct ib_json_node *n;
	const char *s;
	size_t k = 0;
	int neg = 0;
	uint64_t v = 0, lim;

	if (i < 0 || (size_t)i >= doc->n || doc->nodes[i].type != IB_JSON_NUMBER)
		return -1;
	n = &doc->nodes[i];
	s = doc->text + n->start;
	if (s[0] == '-') {
		neg = 1;
		k = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; k < n->len; k++) {
		unsigned d;

		if (s[k] < '0' || s[k] > '9')
			return -1; /* fraction or exponent */
		d = (unsigned)(s[k] - '0');
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}
