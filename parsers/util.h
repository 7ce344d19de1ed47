/*
 * util.h: private tokenizers shared by the parsers (not a public API).
 * Tokenizers advance a slice and return non-zero on error, so calls chain
 * with ||. Everything works on (ptr, len) slices and never allocates.
 */
#ifndef IB_PARSERS_UTIL_H
#define IB_PARSERS_UTIL_H

#include <string.h>
#include "imapblast/common.h"
#include "imapblast/event.h"
#include "imapblast/parser.h"
#include "imapblast/timeutil.h"

/* The slice [b, e) (e >= b). */
static inline struct ib_str ib_u_span(const char *b, const char *e)
{
	struct ib_str r = {b, (size_t)(e - b)};
	return r;
}

/* The part of s from byte i on (empty when i >= s.len). */
static inline struct ib_str ib_u_from(struct ib_str s, size_t i)
{
	if (i >= s.len)
		return ib_u_span(s.ptr + s.len, s.ptr + s.len);
	return ib_u_span(s.ptr + i, s.ptr + s.len);
}

#define IB_U_FIND_AT(s, lit, r) ib_str_find_at((s), (lit), sizeof(lit) - 1, (r))

/* Pointer to the first occurrence of lit (length n) in s, or NULL. */
static inline const char *ib_u_find(struct ib_str s, const char *lit, size_t n)
{
	if (!s.len || !n)
		return !n && s.len ? s.ptr : NULL;
	return ib_str_find_at(s, lit, n, ib_str_rare(lit, n));
}
#define IB_U_FIND(s, lit) ib_u_find((s), (lit), sizeof(lit) - 1)

/* 1 when s starts with the literal (length n). */
static inline int ib_u_starts(struct ib_str s, const char *lit, size_t n)
{
	return s.len >= n && !memcmp(s.ptr, lit, n);
}
#define IB_U_STARTS(s, lit) ib_u_starts((s), (lit), sizeof(lit) - 1)

/* 1 when s equals the literal (length n). */
static inline int ib_u_eq(struct ib_str s, const char *lit, size_t n)
{
	return s.len == n && !memcmp(s.ptr, lit, n);
}
#define IB_U_EQ(s, lit) ib_u_eq((s), (lit), sizeof(lit) - 1)

/* If s starts with lit, advance past it and return 0; else -1. */
static inline int ib_u_skip(struct ib_str *s, const char *lit, size_t n)
{
	if (!ib_u_starts(*s, lit, n))
		return -1;
	s->ptr += n;
	s->len -= n;
	return 0;
}
#define IB_U_SKIP(s, lit) ib_u_skip((s), (lit), sizeof(lit) - 1)

/* Advance past spaces and tabs. */
static inline void ib_u_skip_ws(struct ib_str *s)
{
	while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
		s->ptr++;
		s->len--;
	}
}

/* Take the token up to the first space (or the end); advances past it and the spaces after. */
static inline struct ib_str ib_u_word(struct ib_str *s)
{
	const char *sp = s->len ? memchr(s->ptr, ' ', s->len) : NULL;
	struct ib_str w = ib_u_span(s->ptr, sp ? sp : s->ptr + s->len);

	s->ptr += w.len;
	s->len -= w.len;
	ib_u_skip_ws(s);
	return w;
}

/* Remove an IPv4-mapped IPv6 prefix: "::ffff:1.2.3.4" -> "1.2.3.4". */
static inline struct ib_str ib_u_strip_ffff(struct ib_str ip)
{
	if (ip.len > 7 && (ib_str_casestarts(ip, "::ffff:")) && memchr(ip.ptr + 7, '.', ip.len - 7)) {
		ip.ptr += 7;
		ip.len -= 7;
	}
	return ip;
}

/*
 * Value of key (e.g. "user=<") in s, ending at the byte `end` (e.g. '>'),
 * searched where key follows the start of s, a space or a comma. Returns
 * 0 and sets *out, or -1 when the key is absent or unterminated.
 */
int ib_u_field(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out);
#define IB_U_FIELD(s, key, end, out) ib_u_field((s), (key), sizeof(key) - 1, (end), (out))

/*
 * Value of key (e.g. "rip=") ending at the first ',' or ' ' or the end of
 * s; same key rule as ib_u_field. Returns 0 and sets *out, or -1.
 */
int ib_u_field_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out);
#define IB_U_FIELD_WORD(s, key, out) ib_u_field_word((s), (key), sizeof(key) - 1, (out))

/* Like ib_u_field_word, but the LAST occurrence of key (fields an attacker
 * could inject earlier in the line, e.g. inside a user name, lose). */
int ib_u_rfield_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out);
#define IB_U_RFIELD_WORD(s, key, out) ib_u_rfield_word((s), (key), sizeof(key) - 1, (out))

/* Like ib_u_field, the LAST occurrence of key. */
int ib_u_rfield(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out);
#define IB_U_RFIELD(s, key, end, out) ib_u_rfield((s), (key), sizeof(key) - 1, (end), (out))

/* 1 when s looks like an IPv4/IPv6 address (hex digits, '.', ':', 2..45 bytes). */
int ib_u_is_ip(struct ib_str s);

#endif
