/*
 * prefix.c: the timestamp prefixes of prefix.h. Each form ends with one
 * space before the original line; a line without the form has no prefix.
 */
#include "prefix.h"
#include "strparse.h"

/* An ISO date at the start of s: "YYYY-MM-DD" then 'T' or ' ' then a digit. */
static int iso_start(struct ib_str s)
{
	return s.len > 12 && ib_sp_isdigit(s.ptr[0]) && ib_sp_isdigit(s.ptr[3]) && s.ptr[4] == '-' &&
	       s.ptr[7] == '-' && (s.ptr[10] == 'T' || s.ptr[10] == ' ') && ib_sp_isdigit(s.ptr[11]);
}

/* One word of [A-Za-z0-9._-] (a host name) and its space; 0 when none. */
static size_t word(struct ib_str s)
{
	size_t i = 0;

	while (i < s.len && i < 256 &&
	       ((s.ptr[i] >= 'a' && s.ptr[i] <= 'z') || (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') ||
		ib_sp_isdigit(s.ptr[i]) || s.ptr[i] == '.' || s.ptr[i] == '-' || s.ptr[i] == '_'))
		i++;
	return i && i < s.len && s.ptr[i] == ' ' ? i + 1 : 0;
}

size_t ib_prefix_len(enum ib_prefix k, struct ib_str line, struct ib_time_policy *tp, int64_t *t)
{
	struct ib_str s = line;
	size_t w;

	switch (k) {
	case IB_PREFIX_TS:
		/* "Jan 14 08:41:02 ": a month name, two digits, a clock */
		if (line.len < 16 || line.ptr[3] != ' ' || line.ptr[6] != ' ' || line.ptr[9] != ':' ||
		    ib_ts_rfc3164(&s, tp, t) < 0)
			return 0;
		break;
	case IB_PREFIX_ISO:
	case IB_PREFIX_ISO_HOST:
	case IB_PREFIX_CRI:
		if (!iso_start(line) || ib_ts_iso(&s, tp, t) < 0)
			return 0;
		break;
	default:
		return 0;
	}
	/* the tokenizers ate the spaces after the stamp: exactly one is the separator */
	if (s.ptr == line.ptr || s.ptr[-1] != ' ')
		return 0;
	if (k == IB_PREFIX_ISO_HOST) {
		if (!(w = word(s)))
			return 0;
		s = ib_sp_from(s, w);
	} else if (k == IB_PREFIX_CRI) {
		if (IB_SP_SKIP(&s, "stdout ") && IB_SP_SKIP(&s, "stderr "))
			return 0;
		if (IB_SP_SKIP(&s, "F ") && IB_SP_SKIP(&s, "P "))
			return 0;
	}
	return (size_t)(s.ptr - line.ptr);
}
