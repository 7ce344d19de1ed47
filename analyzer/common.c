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
	size_t slot = ((uintptr_t)needle >> 3 ^ nlen) % RARE_SLOTS, r;

	if (rare_cache[slot].needle == needle && rare_cache[slot].nlen == nlen)
		return rare_cache[slot].r;
	r = ib_str_rare(needle, nlen);
	rare_cache[slot].needle = needle;
	rare_cache[slot].nlen = nlen;
	rare_cache[slot].r = r;
	return r;
}

long ib_str_find(struct ib_str hay, const char *needle, size_t nlen)
{
	const char *p;

	if (!nlen)
		return 0;
	p = ib_str_find_at(hay, needle, nlen, rare_byte(needle, nlen));
	return p ? (long)(p - hay.ptr) : -1;
}
