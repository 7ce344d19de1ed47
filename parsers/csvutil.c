/*
 * csvutil.c: private CSV and slice helpers of the export-format parsers
 * (see csvutil.h). Nothing here allocates.
 */
#include <string.h>
#include "csvutil.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * First byte c in [p, end), or end; never reads past end. Sixteen bytes a
 * step with SSE2, then eight where words are little-endian (a word holds c
 * where w ^ c*0x01.. has a zero byte; the lowest byte the zero test flags
 * is exact), then bytes.
 */
static inline const char *find_byte(const char *p, const char *end, unsigned char c)
{
#ifdef __SSE2__
	const __m128i vc = _mm_set1_epi8((char)c);

	while (end - p >= 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), vc));

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (end - p >= 8) {
		const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
		uint64_t w;

		memcpy(&w, p, 8);
		w ^= ones * c;
		w = (w - ones) & ~w & highs;
		if (w)
			return p + (__builtin_ctzll(w) >> 3);
		p += 8;
	}
#endif
	while (p < end && (unsigned char)*p != c)
		p++;
	return p;
}

/*
 * Fields are short: the comma and quote searches are inline (find_byte);
 * a memchr call per field cost more than the scan. A bit-mask walk over the whole line (SSE2 compare of ','
 * and '"', one ctz per special byte) was tried and cost more instructions than this.
 */
long ib_csv_split(struct ib_str line, struct ib_csv_field *f, size_t max, const char **why)
{
	const char *p = line.ptr, *end = line.ptr + line.len;
	size_t n = 0;

	for (;;) {
		if (n == max) {
			*why = "too many fields";
			return -1;
		}
		f[n].escaped = 0;
		if (p < end && *p == '"') {
			const char *b = ++p;

			for (;;) {
				const char *q = find_byte(p, end, '"');

				if (q == end) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (q + 1 < end && q[1] == '"') {
					f[n].escaped = 1;
					p = q + 2;
					continue;
				}
				f[n].raw = (struct ib_str){b, (size_t)(q - b)};
				p = q + 1;
				break;
			}
			if (p < end && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			const char *e = find_byte(p, end, ',');

			/* a bare quote inside an unquoted field is kept as data */
			f[n].raw = (struct ib_str){p, (size_t)(e - p)};
			p = e;
		}
		n++;
		if (p >= end)
			break;
		p++; /* the comma */
		if (p == end) {
			if (n == max) {
				*why = "too many fields";
				return -1;
			}
			f[n].raw = (struct ib_str){p, 0};
			f[n].escaped = 0;
			n++;
			break;
		}
	}
	return (long)n;
}

struct ib_str ib_csv_value(const struct ib_csv_field *f, char *buf, size_t cap, size_t *used)
{
	const char *p, *end;
	char *w;
	struct ib_str out;

	if (!f->escaped)
		return f->raw;
	if (cap - *used < f->raw.len)
		return (struct ib_str){NULL, 0};
	/* copy the runs between quotes whole; "" -> " */
	p = f->raw.ptr;
	end = p + f->raw.len;
	w = buf + *used;
	out.ptr = w;
	while (p < end) {
		const char *q = find_byte(p, end, '"');
		size_t k = (size_t)(q - p) + (q < end); /* the run and its quote */

		memcpy(w, p, k);
		w += k;
		p += k;
		if (q < end && p < end && *p == '"')
			p++; /* "" -> " */
	}
	out.len = (size_t)(w - out.ptr);
	*used += out.len;
	return out;
}

struct ib_str ib_name_norm(struct ib_str name, char *buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < name.len && n < cap; i++) {
		unsigned char c = (unsigned char)name.ptr[i];

		if (c >= 'A' && c <= 'Z')
			buf[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf[n++] = (char)c;
	}
	return (struct ib_str){buf, n};
}
