/*
 * util.c: private tokenizers shared by the parsers (see util.h). They
 * search slices with memchr/memcmp and never allocate.
 */
#include "util.h"

/* Position of the value of key in s (key preceded by start, ' ' or ','), or NULL. */
static const char *key_value(struct ib_str s, const char *key, size_t klen)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	size_t r;

	if (!klen)
		return s.len ? s.ptr : NULL;
	r = ib_str_rare(key, klen);
	while (p < end) {
		const char *k = ib_str_find_at(ib_u_span(p, end), key, klen, r);

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
	*out = ib_u_span(v, e);
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
	*out = ib_u_span(v, e);
	return 0;
}

int ib_u_field(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out)
{
	return value_to(s, key_value(s, key, klen), end, out);
}

int ib_u_field_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out)
{
	return value_word(s, key_value(s, key, klen), out);
}

int ib_u_is_ip(struct ib_str s)
{
	int dots = 0, colons = 0;

	if (s.len < 2 || s.len > 45)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];

		if (c == '.')
			dots++;
		else if (c == ':')
			colons++;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return dots == 3 || colons >= 2;
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

int ib_u_rfield_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out)
{
	return value_word(s, rkey_value(s, key, klen), out);
}

int ib_u_rfield(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out)
{
	return value_to(s, rkey_value(s, key, klen), end, out);
}
