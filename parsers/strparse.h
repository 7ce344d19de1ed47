/*
 * strparse.h: the one helper vocabulary of the parsers (private to
 * parsers/, in the spirit of curl's docs/internals/STRPARSE.md).
 *
 * Two kinds of function, one name per operation:
 * - tokenizers take `struct ib_str *s`, read from its start, advance it
 *   past what they read and return 0, or -1 with *s unchanged, so calls
 *   chain with ||:
 *     if (IB_SP_SKIP(&s, "user=") || ib_sp_word(&s, &user)) return IB_SKIP;
 * - slice functions are pure: they return a slice, an index (-1: none) or
 *   a truth value and change nothing.
 * Everything works on (ptr, len) slices: no allocation, no strlen on log
 * data. Macros named IB_SP_* take a string literal (checked: `"" lit`).
 * The small ones are inline: parsers call them several times a line.
 * Slices of the event (common.h) complete it: ib_str_eq, ib_str_trim,
 * ib_str_from (NUL-terminated, never log data).
 */
#ifndef IB_PARSERS_STRPARSE_H
#define IB_PARSERS_STRPARSE_H

#include <stdint.h>
#include <string.h>
#include "imapblast/common.h"
#include "imapblast/timeutil.h"

/* ---- bytes */

static inline int ib_sp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int ib_sp_ishex(char c)
{
	return ib_sp_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ASCII lower case (as in the C locale). */
static inline unsigned char ib_sp_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ---- pure slice functions */

/* The slice [b, e) (e >= b). */
static inline struct ib_str ib_sp_span(const char *b, const char *e)
{
	struct ib_str r = {b, (size_t)(e - b)};
	return r;
}

/* s[from, to) clamped to s. */
static inline struct ib_str ib_sp_sub(struct ib_str s, size_t from, size_t to)
{
	struct ib_str r;

	if (to > s.len)
		to = s.len;
	if (from > to)
		from = to;
	r.ptr = s.ptr ? s.ptr + from : NULL;
	r.len = to - from;
	return r;
}

/* s without its first n bytes (empty, at its end, when n >= len). */
static inline struct ib_str ib_sp_from(struct ib_str s, size_t n)
{
	return ib_sp_sub(s, n, s.len);
}

/* Index of byte c in s, or -1. */
static inline long ib_sp_chr(struct ib_str s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}

/* Index of the last byte c in s, or -1. */
static inline long ib_sp_rchr(struct ib_str s, char c)
{
	const char *p = s.len ? memrchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}

/*
 * Index of the first occurrence of lit (n bytes) in s, or -1. The finder
 * of common.h (memchr on the needle's rarest byte, remembered per needle).
 */
static inline long ib_sp_find(struct ib_str s, const char *lit, size_t n)
{
	return ib_str_find(s, lit, n);
}
#define IB_SP_FIND(s, lit) ib_sp_find((s), "" lit, sizeof(lit) - 1)

/*
 * The same, inline, for hot paths: r is the index in lit of a byte that
 * is rare in the lines searched, the one memchr looks for.
 */
static inline long ib_sp_find_at(struct ib_str s, const char *lit, size_t n, size_t r)
{
	const char *p = ib_str_find_at(s, lit, n, r);
	return p ? (long)(p - s.ptr) : -1;
}
#define IB_SP_FIND_AT(s, lit, r) ib_sp_find_at((s), "" lit, sizeof(lit) - 1, (r))

/* Index of the last occurrence of lit (n bytes) in s, or -1. */
long ib_sp_rfind(struct ib_str s, const char *lit, size_t n);
#define IB_SP_RFIND(s, lit) ib_sp_rfind((s), "" lit, sizeof(lit) - 1)

/* 1 when s starts with lit (n bytes). */
static inline int ib_sp_starts(struct ib_str s, const char *lit, size_t n)
{
	return s.len >= n && (!n || !memcmp(s.ptr, lit, n));
}
#define IB_SP_STARTS(s, lit) ib_sp_starts((s), "" lit, sizeof(lit) - 1)

/* 1 when s ends with lit (n bytes). */
static inline int ib_sp_ends(struct ib_str s, const char *lit, size_t n)
{
	return s.len >= n && (!n || !memcmp(s.ptr + s.len - n, lit, n));
}
#define IB_SP_ENDS(s, lit) ib_sp_ends((s), "" lit, sizeof(lit) - 1)

/* 1 when s equals lit (n bytes). */
static inline int ib_sp_eq(struct ib_str s, const char *lit, size_t n)
{
	return s.len == n && (!n || !memcmp(s.ptr, lit, n));
}
#define IB_SP_EQ(s, lit) ib_sp_eq((s), "" lit, sizeof(lit) - 1)

/* 1 when s starts with lit (n bytes), ASCII case ignored. */
static inline int ib_sp_casestarts(struct ib_str s, const char *lit, size_t n)
{
	if (s.len < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ib_sp_lower((unsigned char)s.ptr[i]) != ib_sp_lower((unsigned char)lit[i]))
			return 0;
	return 1;
}
#define IB_SP_CASESTARTS(s, lit) ib_sp_casestarts((s), "" lit, sizeof(lit) - 1)

/* 1 when s equals lit (n bytes), ASCII case ignored. */
static inline int ib_sp_caseeq(struct ib_str s, const char *lit, size_t n)
{
	return s.len == n && ib_sp_casestarts(s, lit, n);
}
#define IB_SP_CASEEQ(s, lit) ib_sp_caseeq((s), "" lit, sizeof(lit) - 1)

/* The leading run of bytes that are not ' ' (a token). */
static inline struct ib_str ib_sp_token(struct ib_str s)
{
	long sp = ib_sp_chr(s, ' ');
	if (sp >= 0)
		s.len = (size_t)sp;
	return s;
}

/* The line without a trailing CR (CRLF files) and, when first, a UTF-8 BOM. */
struct ib_str ib_sp_line_clean(struct ib_str line);

/*
 * Fields "key=value" in free text, where key (e.g. "user=<") follows the
 * start of s, a space or a comma. Each returns 0 and sets *out, or -1.
 * ib_sp_field: the value up to the byte `end` (e.g. '>'), -1 when
 * unterminated; ib_sp_field_word: up to ',', ' ' or the end of s. The
 * rfield forms take the LAST occurrence of key (fields an attacker could
 * inject earlier in the line, e.g. inside a user name, lose).
 */
int ib_sp_field(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out);
int ib_sp_field_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out);
int ib_sp_rfield(struct ib_str s, const char *key, size_t klen, char end, struct ib_str *out);
int ib_sp_rfield_word(struct ib_str s, const char *key, size_t klen, struct ib_str *out);
#define IB_SP_FIELD(s, key, end, out) ib_sp_field((s), "" key, sizeof(key) - 1, (end), (out))
#define IB_SP_FIELD_WORD(s, key, out) ib_sp_field_word((s), "" key, sizeof(key) - 1, (out))
#define IB_SP_RFIELD(s, key, end, out) ib_sp_rfield((s), "" key, sizeof(key) - 1, (end), (out))
#define IB_SP_RFIELD_WORD(s, key, out) ib_sp_rfield_word((s), "" key, sizeof(key) - 1, (out))

/* ---- tokenizers */

/* Skip lit (n bytes) at the start of *s. */
static inline int ib_sp_skip(struct ib_str *s, const char *lit, size_t n)
{
	if (!ib_sp_starts(*s, lit, n))
		return -1;
	s->ptr += n;
	s->len -= n;
	return 0;
}
#define IB_SP_SKIP(s, lit) ib_sp_skip((s), "" lit, sizeof(lit) - 1)

/* Skip spaces and tabs (none is fine: never fails). */
static inline int ib_sp_skip_ws(struct ib_str *s)
{
	while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
		s->ptr++;
		s->len--;
	}
	return 0;
}

/*
 * Take the token up to the first space (or the end) into *w and skip it
 * and the spaces after; -1 when the token is empty (*s then only loses
 * its leading spaces).
 */
static inline int ib_sp_word(struct ib_str *s, struct ib_str *w)
{
	const char *sp = s->len ? memchr(s->ptr, ' ', s->len) : NULL;

	*w = ib_sp_span(s->ptr, sp ? sp : s->ptr + s->len);
	s->ptr += w->len;
	s->len -= w->len;
	(void)ib_sp_skip_ws(s);
	return w->len ? 0 : -1;
}

/*
 * The number parser: 1 to 19 decimal digits (no sign) into *out; -1 when
 * there is no digit or the value does not fit in 64 bits.
 */
int ib_sp_u64(struct ib_str *s, uint64_t *out);

/*
 * A timestamp prefix (ts(1), logging, ISO 8601, syslog: ib_ts_any) into
 * *out; -1 when *s does not start with one.
 */
int ib_sp_time(struct ib_str *s, struct ib_time_policy *p, int64_t *out);

/*
 * The address parser. An IP is a dotted quad, or IPv6 (which may end in a
 * dotted quad); "::ffff:a.b.c.d" is normalised to "a.b.c.d".
 *
 * ib_sp_ip: the IP at the start of *s into *ip (normalised); it must end
 * at the end of *s or at a byte that cannot continue it.
 */
int ib_sp_ip(struct ib_str *s, struct ib_str *ip);

/* Length of the IP at the start of s (ib_sp_ip's rule), 0 when none. */
size_t ib_sp_ip_len(struct ib_str s);

/* 1 when the whole of s is one IP. */
static inline int ib_sp_is_ip(struct ib_str s)
{
	return s.len && ib_sp_ip_len(s) == s.len;
}

/* ip without a "::ffff:" prefix when it maps an IPv4 address. */
struct ib_str ib_sp_ip_norm(struct ib_str ip);

/*
 * The whole of s (blanks trimmed) as an address, with brackets or not
 * ("[ip]"), and a port:
 * - IB_SP_PORT: "ip:port" (split at the last ':', so bare IPv6 works:
 *   "::1:143"), or an IPv4 address alone;
 * - IB_SP_PORT_MAYBE: "ip", "[ip]", "[ip]:port" or "a.b.c.d:port" (a
 *   bare IPv6 address is taken whole).
 * Sets *ip (normalised) and returns 0, or -1 when it is not an address.
 */
enum { IB_SP_PORT, IB_SP_PORT_MAYBE };
int ib_sp_addr(struct ib_str s, int port, struct ib_str *ip);

/* ---- carried strings */

/* A bounded copy of a string kept across lines (user, host). */
#define IB_SP_BUF_CAP 256
struct ib_sp_buf {
	size_t len;
	char buf[IB_SP_BUF_CAP];
};

/* Copy s into b, truncated to the capacity. */
void ib_sp_buf_set(struct ib_sp_buf *b, struct ib_str s);
/* The buffer as a slice (empty when unset). */
struct ib_str ib_sp_buf_str(const struct ib_sp_buf *b);

#endif
