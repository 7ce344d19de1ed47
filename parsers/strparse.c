/*
 * strparse.c: the parsers' helper vocabulary (see strparse.h): the field
 * finders, the number, time and address parsers and the carried strings.
 * Pure functions on slices; no allocation, no strlen on log data.
 */
#include "strparse.h"

long ib_sp_rfind(struct ib_str s, const char *lit, size_t n)
{
	size_t i;

	if (!n)
		return (long)s.len;
	if (n > s.len)
		return -1;
	i = s.len - n + 1;
	while (i > 0) {
		const char *p = memrchr(s.ptr, lit[0], i);

		if (!p)
			return -1;
		i = (size_t)(p - s.ptr);
		if (!memcmp(p, lit, n))
			return (long)i;
	}
	return -1;
}

struct ib_str ib_sp_line_clean(struct ib_str line)
{
	if (line.len >= 3 && !memcmp(line.ptr, "\xEF\xBB\xBF", 3)) {
		line.ptr += 3;
		line.len -= 3;
	}
	while (line.len && (line.ptr[line.len - 1] == '\r' || line.ptr[line.len - 1] == '\n'))
		line.len--;
	return line;
}

/* Position of the value of key in s (key preceded by start, ' ' or ','), or NULL. */
static const char *key_value(struct ib_str s, const char *key, size_t klen)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	size_t r;

	if (!klen)
		return s.len ? s.ptr : NULL;
	r = ib_str_rare(key, klen);
	while (p < end) {
		const char *k = ib_str_find_at(ib_sp_span(p, end), key, klen, r);

		if (!k)
			return NULL;
		if (k == s.ptr || k[-1] == ' ' || k[-1] == ',')
			return k + klen;
		p = k + 1;
	}
	return NULL;
}

/* The value at v (NULL: no key) up to the first end byte of s; -1 when either is missing. */
static int value_to(struct ib_str s, const char *v, char end, struct ib_str *out)
{
	const char *e;

	if (!v)
		return -1;
	e = memchr(v, end, (size_t)(s.ptr + s.len - v));
	if (!e)
		return -1;
	*out = ib_sp_span(v, e);
	return 0;
}

/* The value at v (NULL: no key) up to ',', ' ' or the end of s; -1 when there is no key. */
static int value_word(struct ib_str s, const char *v, struct ib_str *out)
{
	const char *e, *end = s.ptr + s.len;

	if (!v)
		return -1;
	for (e = v; e < end && *e != ',' && *e != ' '; e++)
		;
	*out = ib_sp_span(v, e);
	return 0;
}

int ib_sp_field(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out)
{
	return value_to(s, key_value(s, key, klen), end, out);
}

int ib_sp_field_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out)
{
	return value_word(s, key_value(s, key, klen), out);
}

/* Position of the value of the last key in s (same key rule), or NULL. */
static const char *rkey_value(struct ib_str s, const char *key, size_t klen)
{
	/* from the end backwards: the last field is usually near the end */
	size_t n = s.len; /* candidates start in [s.ptr, s.ptr + n - klen] */

	if (!klen)
		return NULL;
	while (n >= klen) {
		const char *k = memrchr(s.ptr, key[0], n - klen + 1);

		if (!k)
			return NULL;
		if (!memcmp(k, key, klen) && (k == s.ptr || k[-1] == ' ' || k[-1] == ','))
			return k + klen;
		n = (size_t)(k - s.ptr) + klen - 1; /* next candidates start before k */
	}
	return NULL;
}

int ib_sp_rfield_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out)
{
	return value_word(s, rkey_value(s, key, klen), out);
}

int ib_sp_rfield(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out)
{
	return value_to(s, rkey_value(s, key, klen), end, out);
}

int ib_sp_u64(struct ib_str *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, lim = s->len < 19 ? s->len : 19;
	unsigned d;

	/* 19 digits always fit: only a 20th can overflow */
	for (; i < lim && (d = (unsigned)(unsigned char)s->ptr[i] - '0') <= 9; i++)
		v = v * 10 + d;
	if (!i)
		return -1;
	if (i == 19 && i < s->len && (d = (unsigned)(unsigned char)s->ptr[i] - '0') <= 9) {
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		if (++i < s->len && ib_sp_isdigit(s->ptr[i]))
			return -1;
	}
	s->ptr += i;
	s->len -= i;
	*out = v;
	return 0;
}

int ib_sp_time(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	struct ib_str t = *s;
	int64_t v;

	/* cheap first-byte test: most lines have no prefix */
	if (!t.len || !(ib_sp_isdigit(t.ptr[0]) || t.ptr[0] == '@' || (t.ptr[0] >= 'A' && t.ptr[0] <= 'Z')))
		return -1;
	if (ib_ts_any(&t, p, &v) < 0)
		return -1;
	*s = t;
	*out = v;
	return 0;
}

/* Dotted quad at p; returns its length or 0. Does not look past it. Unrolled: it runs per line. */
static size_t ipv4_len(const char *p, size_t len)
{
	size_t i = 0;

	for (int oct = 0; oct < 4; oct++) {
		unsigned v, d;

		if (oct) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
		if (i >= len || (v = (unsigned)(unsigned char)p[i] - '0') > 9)
			return 0;
		i++;
		if (i < len && (d = (unsigned)(unsigned char)p[i] - '0') <= 9) {
			v = v * 10 + d;
			i++;
			if (i < len && (d = (unsigned)(unsigned char)p[i] - '0') <= 9) {
				v = v * 10 + d;
				i++;
				if (v > 255 || (i < len && ib_sp_isdigit(p[i])))
					return 0;
			}
		}
	}
	return i;
}

/* 1 when p[0..len) is exactly one IPv6 address (may end in a dotted quad). */
static int ipv6_valid(const char *p, size_t len)
{
	size_t i = 0, groups = 0;
	int dbl = 0;

	if (len < 2 || len > 45)
		return 0;
	if (p[0] == ':') {
		if (p[1] != ':')
			return 0;
		dbl = 1;
		i = 2;
		if (i == len)
			return 1;
	}
	while (i < len) {
		size_t start = i, nd = 0;

		while (i < len && ib_sp_ishex(p[i]) && nd < 5) {
			i++;
			nd++;
		}
		if (i < len && p[i] == '.') {
			size_t v4 = ipv4_len(p + start, len - start);

			if (!v4 || start + v4 != len)
				return 0;
			groups += 2;
			i = len;
			break;
		}
		if (!nd || nd > 4)
			return 0;
		groups++;
		if (i == len)
			break;
		if (p[i] != ':')
			return 0;
		i++;
		if (i < len && p[i] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return 0;
		}
	}
	return dbl ? groups < 8 : groups == 8;
}

size_t ib_sp_ip_len(struct ib_str s)
{
	const char *p = s.ptr;
	size_t len = s.len, v4 = ipv4_len(p, len), n = 0;

	if (v4 && (v4 == len || !(ib_sp_ishex(p[v4]) || p[v4] == ':' ||
				  (p[v4] == '.' && v4 + 1 < len && ib_sp_isdigit(p[v4 + 1])))))
		return v4;
	while (n < len && n < 46 && (ib_sp_ishex(p[n]) || p[n] == ':' || p[n] == '.'))
		n++;
	while (n && p[n - 1] == '.')
		n--;
	if (n < len && (ib_sp_ishex(p[n]) || p[n] == ':'))
		return 0;
	return ipv6_valid(p, n) ? n : 0;
}

struct ib_str ib_sp_ip_norm(struct ib_str ip)
{
	if (ip.len > 7 && ip.ptr[0] == ':' && IB_SP_CASESTARTS(ip, "::ffff:") &&
	    ipv4_len(ip.ptr + 7, ip.len - 7) == ip.len - 7) {
		ip.ptr += 7;
		ip.len -= 7;
	}
	return ip;
}

int ib_sp_ip(struct ib_str *s, struct ib_str *ip)
{
	size_t n = ib_sp_ip_len(*s);

	if (!n)
		return -1;
	*ip = ib_sp_ip_norm(ib_sp_sub(*s, 0, n));
	*s = ib_sp_from(*s, n);
	return 0;
}

/* s without one pair of enclosing brackets. */
static struct ib_str unbracket(struct ib_str s)
{
	if (s.len >= 2 && s.ptr[0] == '[' && s.ptr[s.len - 1] == ']') {
		s.ptr++;
		s.len -= 2;
	}
	return s;
}

int ib_sp_addr(struct ib_str s, int port, struct ib_str *ip)
{
	struct ib_str a = ib_str_trim(s);
	long c = ib_sp_rchr(a, ':');

	if (port == IB_SP_PORT_MAYBE) {
		/* a port only after "]" or after the one ':' of an IPv4 address */
		if (a.len && a.ptr[0] == '[') {
			long rb = ib_sp_chr(a, ']');

			if (rb > 0 && ((size_t)rb + 1 == a.len || a.ptr[rb + 1] == ':'))
				a.len = (size_t)rb + 1;
		} else if (c > 0 && ib_sp_chr(a, ':') == c) {
			a.len = (size_t)c;
		}
	} else if (c > 0) {
		a.len = (size_t)c;
	}
	a = unbracket(a);
	if (!ib_sp_is_ip(a))
		return -1;
	*ip = ib_sp_ip_norm(a);
	return 0;
}

void ib_sp_buf_set(struct ib_sp_buf *b, struct ib_str s)
{
	size_t n = s.len < IB_SP_BUF_CAP ? s.len : IB_SP_BUF_CAP;

	if (n)
		memcpy(b->buf, s.ptr, n);
	b->len = n;
}

struct ib_str ib_sp_buf_str(const struct ib_sp_buf *b)
{
	struct ib_str r = {b->len ? b->buf : NULL, b->len};
	return r;
}
