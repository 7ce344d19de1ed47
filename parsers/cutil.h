/*
 * cutil.h: private helpers of the proxy- and client-layer parsers
 * (nginx_mail, haproxy, perdition, fetchmail, thunderbird, mbsync,
 * offlineimap, imapsync, imaplib, roundcube, horde). Not a public API.
 * Slices in, slices out; nothing allocates. Carried strings live in
 * fixed-size struct ib_cu_buf (truncated, never grown).
 */
#ifndef IB_PARSERS_CUTIL_H
#define IB_PARSERS_CUTIL_H

#include <stdint.h>
#include <string.h>
#include "imapblast/common.h"
#include "imapblast/event.h"
#include "imapblast/parser.h"
#include "imapblast/timeutil.h"

/* A bounded copy of a carried string (user, host) kept across lines. */
#define IB_CU_BUF_CAP 256
struct ib_cu_buf {
	size_t len;
	char buf[IB_CU_BUF_CAP];
};

/* Copy s into b, truncated to the capacity. */
void ib_cu_buf_set(struct ib_cu_buf *b, struct ib_str s);
/* The buffer as a slice (empty when unset). */
struct ib_str ib_cu_buf_str(const struct ib_cu_buf *b);

/* The small slice helpers are inline: parsers call them several times a line. */

/* s[from, to) clamped to s. */
static inline struct ib_str ib_cu_sub(struct ib_str s, size_t from, size_t to)
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
/* s without its first n bytes (empty when n >= len). */
static inline struct ib_str ib_cu_skip(struct ib_str s, size_t n)
{
	return ib_cu_sub(s, n, s.len);
}
/* Index of the last occurrence of needle in s, or -1. */
long ib_cu_rfind(struct ib_str s, const char *needle, size_t nlen);
/* Index of byte c in s, or -1. */
static inline long ib_cu_chr(struct ib_str s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}
/* Index of the last byte c in s, or -1. */
static inline long ib_cu_rchr(struct ib_str s, char c)
{
	const char *p = s.len ? memrchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}
/* 1 when s ends with lit (NUL-terminated literal). */
int ib_cu_ends(struct ib_str s, const char *lit);
/* Leading run of bytes that are not ' ' (a token). */
static inline struct ib_str ib_cu_token(struct ib_str s)
{
	long sp = ib_cu_chr(s, ' ');
	if (sp >= 0)
		s.len = (size_t)sp;
	return s;
}

/*
 * Length of the IP address at the start of p (IPv4 dotted quad or IPv6,
 * optionally "::ffff:a.b.c.d"), 0 when there is none. The address must
 * end at len or at a byte that cannot continue it.
 */
size_t ib_cu_ip_len(const char *p, size_t len);
/* 1 when the whole of s is one IP address. */
int ib_cu_ip_valid(struct ib_str s);
/* Drop a "::ffff:" prefix of an IPv4-mapped address. */
struct ib_str ib_cu_ip_norm(struct ib_str s);
/*
 * Split "ip:port" (IPv6 written bare as "::1:143", or "[::1]:143") at
 * the last ':'; *ip gets the normalised address. Returns 0, or -1 when
 * the address is not a valid IP.
 */
int ib_cu_ip_port(struct ib_str s, struct ib_str *ip);

/* Parse a run of 1..18 decimal digits at the start of s; returns digits used, 0 on none. */
size_t ib_cu_u64(struct ib_str s, uint64_t *out);

/*
 * Exchange greeting "* OK The Microsoft Exchange IMAP4 service is ready.
 * [base64]": decode the base64 UTF-16LE backend name into out (ASCII
 * letters, digits, '.', '-', '_' only; cap includes the NUL). Returns the
 * name length, 0 when s holds no such banner or the name is not ASCII.
 */
size_t ib_cu_exchange_banner(struct ib_str s, char *out, size_t cap);

/*
 * Optional timestamp prefix (ts(1), logging): tries ib_ts_any at the start
 * of *s; on success advances *s and stores the time, else leaves both.
 */
void ib_cu_opt_time(struct ib_str *s, struct ib_time_policy *p, int64_t *out);

#endif
