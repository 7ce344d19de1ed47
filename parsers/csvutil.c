/*
 * csvutil.c: private CSV and slice helpers of the export-format parsers
 * (see csvutil.h). Nothing here allocates.
 */
#include <string.h>
#include <strings.h>
#include "csvutil.h"

long ib_csv_split(struct ib_str line, struct ib_csv_field *f, size_t max, const char **why)
{
	const char *p = line.ptr, *end = line.ptr + line.len;
	size_t n = 0;

	for (;;) {
		struct ib_csv_field cur = {{p, 0}, 0};

		if (n == max) {
			*why = "too many fields";
			return -1;
		}
		if (p < end && *p == '"') {
			const char *s = ++p;

			for (;;) {
				const char *q = p < end ? memchr(p, '"', (size_t)(end - p)) : NULL;

				if (!q) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (q + 1 < end && q[1] == '"') {
					cur.escaped = 1;
					p = q + 2;
					continue;
				}
				cur.raw.ptr = s;
				cur.raw.len = (size_t)(q - s);
				p = q + 1;
				break;
			}
			if (p < end && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			const char *c = p < end ? memchr(p, ',', (size_t)(end - p)) : NULL;
			const char *e = c ? c : end;

			/* a bare quote inside an unquoted field is kept as data */
			cur.raw.ptr = p;
			cur.raw.len = (size_t)(e - p);
			p = e;
		}
		f[n++] = cur;
		if (p >= end)
			break;
		p++; /* the comma */
		if (p == end) {
			if (n == max) {
				*why = "too many fields";
				return -1;
			}
			f[n].raw.ptr = p;
			f[n].raw.len = 0;
			f[n].escaped = 0;
			n++;
			break;
		}
	}
	return (long)n;
}

struct ib_str ib_csv_value(const struct ib_csv_field *f, char *buf, size_t cap, size_t *used)
{
	struct ib_str out = {NULL, 0};
	char *w;

	if (!f->escaped)
		return f->raw;
	if (cap - *used < f->raw.len)
		return out;
	w = buf + *used;
	out.ptr = w;
	for (size_t i = 0; i < f->raw.len; i++) {
		*w++ = f->raw.ptr[i];
		if (f->raw.ptr[i] == '"' && i + 1 < f->raw.len && f->raw.ptr[i + 1] == '"')
			i++;
	}
	out.len = (size_t)(w - out.ptr);
	*used += out.len;
	return out;
}

struct ib_str ib_line_clean(struct ib_str line)
{
	if (line.len >= 3 && !memcmp(line.ptr, "\xEF\xBB\xBF", 3)) {
		line.ptr += 3;
		line.len -= 3;
	}
	while (line.len && (line.ptr[line.len - 1] == '\r' || line.ptr[line.len - 1] == '\n'))
		line.len--;
	return line;
}

int ib_str_caseeq(struct ib_str a, const char *lit)
{
	size_t n = strlen(lit);

	return a.len == n && (!n || !strncasecmp(a.ptr, lit, n));
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

struct ib_str ib_addr_host(struct ib_str s)
{
	const char *colon;

	s = ib_str_trim(s);
	if (s.len && s.ptr[0] == '[') {
		const char *rb = memchr(s.ptr, ']', s.len);

		if (rb) {
			s.len = (size_t)(rb - s.ptr) - 1;
			s.ptr++;
		}
	} else if ((colon = memchr(s.ptr ? s.ptr : "", ':', s.len)) != NULL &&
		   !memchr(colon + 1, ':', s.len - (size_t)(colon + 1 - s.ptr))) {
		s.len = (size_t)(colon - s.ptr); /* exactly one colon: host:port */
	}
	if (s.len > 7 && !strncasecmp(s.ptr, "::ffff:", 7) && memchr(s.ptr + 7, '.', s.len - 7)) {
		s.ptr += 7;
		s.len -= 7;
	}
	return s;
}

int ib_parse_u64(struct ib_str s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s.len || s.len > 19)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s.ptr[i] - '0');
	}
	*out = v;
	return 0;
}
