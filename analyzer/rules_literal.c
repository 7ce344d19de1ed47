/*
 * rules_literal.c: the literals of the rule prefilter. Parses the quoted
 * literals a rules file gives, derives a literal every match of a pattern
 * must contain when it gives none, and writes literals back quoted for
 * `imapblast rules`. Pure functions over (pointer, length); no allocation.
 */
#include <string.h>
#include "rules_priv.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One `"text"` with \\ \" \t \xHH escapes at s, decoded into out (room
 * for len bytes). Sets *used to the bytes consumed. NULL or why not.
 */
const char *ib_lit_unquote(const char *s, size_t len, char *out, size_t *outlen, size_t *used)
{
	size_t o = 0, i;

	if (len < 2 || s[0] != '"')
		return "literal must be double-quoted or 'none'";
	for (i = 1; i < len && s[i] != '"'; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i >= len)
			break;
		if (s[i] == '\\' || s[i] == '"') {
			out[o++] = s[i];
		} else if (s[i] == 't') {
			out[o++] = '\t';
		} else if (s[i] == 'x' && i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] =
			    (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			return "unknown escape in literal (use \\\\ \\\" \\t \\xHH)";
		}
	}
	if (i >= len)
		return "unterminated literal";
	if (o == 0)
		return "empty literal (write: literal none)";
	*outlen = o;
	*used = i + 1;
	return NULL;
}

/* p[i] is the '[' of a character class: the index just past its closing ']' (may pass len). */
static size_t class_end(const char *p, size_t len, size_t i)
{
	size_t j = i + 1;

	if (j < len && p[j] == '^')
		j++;
	if (j < len && p[j] == ']')
		j++;
	while (j < len && p[j] != ']') {
		if (p[j] == '\\')
			j++;
		j++;
	}
	return j + 1;
}

/*
 * Derive a literal every match must contain: the longest run of plain
 * characters in the top-level sequence of the pattern. Conservative: any
 * construct it does not understand ends the run, and a top-level '|',
 * inline options or verbs give up (none). Writes into out (>= len + 1).
 */
size_t ib_lit_derive(const char *p, size_t len, char *out)
{
	char run[512];
	size_t rl = 0, best = 0, depth = 0;

	if (len >= 2 && p[0] == '(' && p[1] == '*')
		return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (p[i] == '(' && p[i + 1] == '?' && i + 2 < len && p[i + 2] != '\0' &&
		    strchr("imnsxJU-^", p[i + 2]))
			return 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)p[i];
		int lit = -1; /* literal byte, or -1 = run breaker */
		size_t next = i + 1;

		if (depth) {
			/* inside a group: skip, honouring escapes and classes */
			if (c == '\\') {
				next = i + 2;
			} else if (c == '[') {
				next = class_end(p, len, i);
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				depth--;
			}
			i = next;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return 0;
			c = (unsigned char)p[i + 1];
			next = i + 2;
			if (c == 'Q' || c == 'E')
				return 0;
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
				lit = c;
		} else if (c == '[') {
			next = class_end(p, len, i);
		} else if (c == '(') {
			depth = 1;
		} else if (c == '|') {
			return 0;
		} else if (c == ')') {
			return 0; /* unbalanced; PCRE2 will say so */
		} else if (c == '{') {
			/* a quantifier {n}, {n,}, {n,m}: skip it whole */
			size_t j = i + 1;
			while (j < len && ((p[j] >= '0' && p[j] <= '9') || p[j] == ','))
				j++;
			if (j < len && p[j] == '}' && j > i + 1)
				next = j + 1;
		} else if (!strchr(".^$*+?{", c)) {
			lit = c;
		}
		/* a quantifier after this atom? */
		if (lit >= 0 && next < len && strchr("?*{", p[next])) {
			lit = -1;
		}
		if (lit >= 0) {
			if (rl < sizeof(run))
				run[rl++] = (char)lit;
			if (next < len && p[next] == '+') {
				/* required once, but the run cannot continue */
				if (rl > best) {
					best = rl;
					memcpy(out, run, rl);
				}
				rl = 0;
			}
		} else {
			if (rl > best) {
				best = rl;
				memcpy(out, run, rl);
			}
			rl = 0;
		}
		i = next;
	}
	if (depth)
		return 0;
	if (rl > best) {
		best = rl;
		memcpy(out, run, rl);
	}
	if (best < 3)
		best = 0;
	out[best] = '\0';
	return best;
}

/* Write `"text"` (escaping \\, " and bytes outside printable ASCII). */
void ib_lit_quote(char *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}
