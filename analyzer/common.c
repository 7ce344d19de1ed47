/*
 * common.c: error records, layer and category names, slice helpers.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/common.h"
#include "imapblast/event.h"

int ib_error_set(struct ib_error *err, int code, int errnum, const char *path, uint64_t offset,
		 const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->errnum = errnum;
	err->offset = offset;
	err->line = 0;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static const char *const layer_names[IB_LAYER_COUNT] = {"client", "proxy", "server"};
static const char *const cat_names[IB_CAT_COUNT] = {"none",    "ok",	 "credentials", "temporary",
						    "timeout", "policy", "other"};

const char *ib_layer_name(enum ib_layer l)
{
	return (unsigned)l < IB_LAYER_COUNT ? layer_names[l] : "?";
}

int ib_layer_parse(struct ib_str s, enum ib_layer *out)
{
	for (int i = 0; i < IB_LAYER_COUNT; i++)
		if (ib_str_eq_lit(s, layer_names[i])) {
			*out = (enum ib_layer)i;
			return 0;
		}
	return -1;
}

const char *ib_category_name(enum ib_category c)
{
	return (unsigned)c < IB_CAT_COUNT ? cat_names[c] : "?";
}

int ib_category_parse(struct ib_str s, enum ib_category *out)
{
	for (int i = 1; i < IB_CAT_COUNT; i++)
		if (ib_str_eq_lit(s, cat_names[i])) {
			*out = (enum ib_category)i;
			return 0;
		}
	return -1;
}

int ib_category_is_failure(enum ib_category c)
{
	return c >= IB_CAT_CREDENTIALS && c < IB_CAT_COUNT;
}

int ib_grow_realloc(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return IB_OK;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return IB_ERR_NOMEM;
		ncap *= 2;
	}
	np = realloc(*p, ncap * elem);
	if (!np)
		return IB_ERR_NOMEM;
	*p = np;
	*cap = ncap;
	return IB_OK;
}

struct ib_str ib_str_from(const char *s)
{
	struct ib_str r = {s, s ? strlen(s) : 0};
	return r;
}

int ib_str_eq_lit(struct ib_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len == n && (!n || !memcmp(a.ptr, lit, n));
}

int ib_str_starts(struct ib_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len >= n && (!n || !memcmp(a.ptr, lit, n));
}

int ib_str_casestarts(struct ib_str a, const char *lit)
{
	size_t n = strlen(lit);
	return a.len >= n && (!n || !strncasecmp(a.ptr, lit, n));
}

/* How common a byte is in log text (higher: more common); as ib_u_byte_rank in parsers/util.h. */
static const unsigned char byte_rank[256] = {
    [' '] = 4, ['0'] = 4, ['1'] = 4, ['2'] = 4, ['3'] = 4, ['4'] = 4, ['5'] = 4, ['6'] = 4, ['7'] = 4,
    ['8'] = 4, ['9'] = 4, ['.'] = 4, ['e'] = 3, ['t'] = 3, ['a'] = 3, ['o'] = 3, ['i'] = 3, ['n'] = 3,
    ['s'] = 3, ['r'] = 3, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['j'] = 2,
    ['k'] = 2, ['l'] = 2, ['m'] = 2, ['p'] = 2, ['q'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2,
    ['y'] = 2, ['z'] = 2, [','] = 2, [':'] = 2, ['='] = 2, ['-'] = 2, ['/'] = 2,
};

/*
 * The rarest byte of each needle, remembered per thread by the needle's
 * address (callers pass literals, so the same few addresses come back on
 * every line). The choice only decides which byte memchr looks for: a
 * stale entry (another needle at a reused address) costs speed, never the
 * result.
 */
#define RARE_SLOTS 64
static _Thread_local struct {
	const char *needle;
	size_t nlen, r;
} rare_cache[RARE_SLOTS];

static size_t rare_byte(const char *needle, size_t nlen)
{
	size_t slot = ((uintptr_t)needle >> 3 ^ nlen) % RARE_SLOTS, r = 0;

	if (rare_cache[slot].needle == needle && rare_cache[slot].nlen == nlen)
		return rare_cache[slot].r;
	for (size_t i = 1; i < nlen; i++) /* the last of the rarest: as ib_u_rare */
		if (byte_rank[(unsigned char)needle[i]] <= byte_rank[(unsigned char)needle[r]])
			r = i;
	rare_cache[slot].needle = needle;
	rare_cache[slot].nlen = nlen;
	rare_cache[slot].r = r;
	return r;
}

/*
 * First match, as memmem gives it, found by memchr on the needle's rarest
 * byte and a memcmp per hit: glibc's memmem builds a shift table on every
 * call, which costs more than the whole scan of a log line. The technique
 * of ib_u_find_at (parsers/util.h), copied so the analyzer does not depend
 * on parsers/. Worst case nlen compares per byte of hay (a line full of
 * the rare byte): linear in the line.
 */
long ib_str_find(struct ib_str hay, const char *needle, size_t nlen)
{
	const char *p, *last;
	size_t r;

	if (!nlen)
		return 0;
	if (hay.len < nlen)
		return -1;
	r = rare_byte(needle, nlen);
	p = hay.ptr + r;
	last = hay.ptr + (hay.len - nlen) + r; /* the rare byte of the last possible start */
	for (;;) {
		p = memchr(p, (unsigned char)needle[r], (size_t)(last - p) + 1);
		if (!p)
			return -1;
		if (!memcmp(p - r, needle, nlen))
			return (long)(p - r - hay.ptr);
		if (p == last)
			return -1;
		p++;
	}
}
