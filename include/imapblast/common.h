/*
 * common.h: types every module shares: string slices, status codes,
 * error records, layers and outcome categories.
 *
 * Invariant: an ib_str never owns its bytes. It points into a buffer that
 * somebody else owns (usually the reader's line buffer) and is valid only
 * as long as that buffer is. Whoever keeps a string copies it.
 */
#ifndef IMAPBLAST_COMMON_H
#define IMAPBLAST_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IB_VERSION "0.1.0"

/* A slice: (ptr, len). ptr may be NULL only when len is 0. */
struct ib_str {
	const char *ptr;
	size_t len;
};

#define IB_STR_NULL ((struct ib_str){NULL, 0})
/* Slice of a string literal, without its NUL. */
#define IB_STR_LIT(s) ((struct ib_str){(s), sizeof(s) - 1})

/*
 * Return codes. A function that can fail returns int: IB_OK (0), a positive
 * benign result, or a negative enum ib_status. Test with `if (rc < 0)`.
 */
enum ib_status {
	IB_OK = 0,
	IB_EOF = 1,	/* no more data */
	IB_SKIP = 2,	/* line understood, not an event (ignored) */
	IB_BAD = 3,	/* line not understood (unparseable); see reason */
	IB_DECLINE = 4, /* "not my line": let another parser try */

	IB_ERR_NOMEM = -1,
	IB_ERR_IO = -2,
	IB_ERR_FORMAT = -3,  /* corrupt input: gzip, state file, rules file */
	IB_ERR_USAGE = -4,   /* bad option or argument */
	IB_ERR_INTERNAL = -5 /* programmer error, should not happen */
};

/* Sentinel for "no time known". */
#define IB_TIME_NONE INT64_MIN

/*
 * Detail of a failure. The error path allocates nothing: fields are fixed
 * arrays, truncated when too long. Any function taking a
 * `struct ib_error *err` accepts NULL.
 */
struct ib_error {
	int code;	 /* enum ib_status, negative */
	int errnum;	 /* errno, or 0 */
	char path[512];	 /* file concerned, or "" */
	uint64_t offset; /* byte offset in the file (compressed bytes for gzip) */
	uint64_t line;	 /* line number (1-based) or 0 when not line-related */
	char msg[256];	 /* short reason, git style: lower case, no final dot */
};

/*
 * Fill err (when not NULL) and return code. fmt is a printf format; never
 * pass log data as fmt. Example:
 *   return ib_error_set(err, IB_ERR_IO, errno, path, 0, "cannot open '%s': %s", path, strerror(errno));
 */
int ib_error_set(struct ib_error *err, int code, int errnum, const char *path, uint64_t offset,
		 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* The layer a log line comes from. */
enum ib_layer { IB_LAYER_CLIENT = 0, IB_LAYER_PROXY = 1, IB_LAYER_SERVER = 2, IB_LAYER_COUNT = 3 };

/*
 * Outcome categories, DESIGN.md section 2. IB_CAT_NONE means "not decided"
 * (the classifier will decide) on an event, and "matched no rule" after
 * classification.
 */
enum ib_category {
	IB_CAT_NONE = 0,
	IB_CAT_OK = 1,
	IB_CAT_CREDENTIALS = 2,
	IB_CAT_TEMPORARY = 3,
	IB_CAT_TIMEOUT = 4,
	IB_CAT_POLICY = 5,
	IB_CAT_OTHER = 6,
	IB_CAT_COUNT = 7
};

/* "client", "proxy", "server". */
const char *ib_layer_name(enum ib_layer l);
/* Parse a layer name; returns 0 and sets *out, or -1. */
int ib_layer_parse(struct ib_str s, enum ib_layer *out);
/* "none", "ok", "credentials", "temporary", "timeout", "policy", "other". */
const char *ib_category_name(enum ib_category c);
/* Parse a category name (not "none"); returns 0 and sets *out, or -1. */
int ib_category_parse(struct ib_str s, enum ib_category *out);
/* 1 for every category that is a failure (credentials .. other). */
int ib_category_is_failure(enum ib_category c);
/* 1 for the categories that are always outage failures (temporary, timeout). */
static inline int ib_category_is_outage(enum ib_category c)
{
	return c == IB_CAT_TEMPORARY || c == IB_CAT_TIMEOUT;
}

/*
 * Make room for need elements of elem bytes in the array *p of *cap
 * elements, doubling from 16. Returns IB_OK, or IB_ERR_NOMEM with *p and
 * *cap unchanged. Inline when there is room: hot paths call it per event.
 */
int ib_grow_realloc(void **p, size_t *cap, size_t need, size_t elem);
static inline int ib_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap ? IB_OK : ib_grow_realloc(p, cap, need, elem);
}

/* Slice helpers. */
struct ib_str ib_str_from(const char *nul_terminated);
/* Inline: parsers compare slices several times a line. */
static inline int ib_str_eq(struct ib_str a, struct ib_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}
/*
 * !memcmp(a, b, n) without a call for the short names, programs and
 * addresses compared on every line: two overlapping loads per side.
 */
static inline int ib_bytes_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y, z, w;
	uint32_t p, q, r, t;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&z, a + n - 8, 8);
		memcpy(&w, b + n - 8, 8);
		return !((x ^ y) | (z ^ w));
	}
	if (n >= 4 && n < 8) {
		memcpy(&p, a, 4);
		memcpy(&q, b, 4);
		memcpy(&r, a + n - 4, 4);
		memcpy(&t, b + n - 4, 4);
		return !((p ^ q) | (r ^ t));
	}
	return !n || !memcmp(a, b, n);
}
int ib_str_eq_lit(struct ib_str a, const char *lit); /* lit NUL-terminated */
int ib_str_starts(struct ib_str a, const char *lit);
int ib_str_casestarts(struct ib_str a, const char *lit);
/*
 * Index of needle in hay, or -1: memmem's first match, found by memchr on
 * the needle's rarest byte (remembered per needle) and a memcmp per hit.
 */
long ib_str_find(struct ib_str hay, const char *needle, size_t nlen);

/* How common byte c is in log text (higher: more common): which byte to memchr for. */
static inline int ib_byte_rank(unsigned char c)
{
	if (c == ' ' || (c >= '0' && c <= '9') || c == '.')
		return 4;
	if (c == 'e' || c == 't' || c == 'a' || c == 'o' || c == 'i' || c == 'n' || c == 's' || c == 'r')
		return 3;
	if (c >= 'a' && c <= 'z')
		return 2;
	if (c == ',' || c == ':' || c == '=' || c == '-' || c == '/')
		return 2;
	return 1;
}

/* Index of the rarest byte of needle (nlen >= 1) by ib_byte_rank; the last one on ties. */
static inline size_t ib_str_rare(const char *needle, size_t nlen)
{
	size_t best = 0;

	for (size_t i = 1; i < nlen; i++)
		if (ib_byte_rank((unsigned char)needle[i]) <= ib_byte_rank((unsigned char)needle[best]))
			best = i;
	return best;
}

/*
 * Pointer to the first occurrence of needle (nlen >= 1) in hay, or NULL,
 * found by memchr on needle[r] (r < nlen; a byte rare in the text) and a
 * memcmp per hit. glibc's memmem builds a shift table on every call, which
 * costs more than the whole scan of a log line. Worst case nlen compares
 * per byte of hay (a line full of needle[r]): linear in the line.
 */
static inline const char *ib_str_find_at(struct ib_str hay, const char *needle, size_t nlen, size_t r)
{
	const char *p, *last;

	if (hay.len < nlen || !nlen)
		return NULL;
	p = hay.ptr + r;
	last = hay.ptr + (hay.len - nlen) + r; /* the rare byte of the last possible start */
	for (;;) {
		p = memchr(p, (unsigned char)needle[r], (size_t)(last - p) + 1);
		if (!p)
			return NULL;
		if (!memcmp(p - r, needle, nlen))
			return p - r;
		if (p == last)
			return NULL;
		p++;
	}
}
/* Without leading and trailing spaces and tabs. Inline: parsers call it many times a line. */
static inline struct ib_str ib_str_trim(struct ib_str s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

#endif
