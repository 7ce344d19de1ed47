/*
 * coverage.c: login-looking lines, their shapes and samples (coverage.h).
 * Called only on lines that did not become events, so a bounded scan per
 * line is fine; nothing here allocates.
 * Example: "imapd: LOGIN FAILURE user=bob host=[192.0.2.7]" looks like a
 * login outcome; its shape is "imapd: LOGIN FAILURE user=* host=[*]".
 */
#include "imapblast/coverage.h"

static inline unsigned char low(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* 1 when the lower-case word w (wlen bytes) is at p (n bytes left), any case. */
static int at_word(const char *p, size_t n, const char *w, size_t wlen)
{
	if (n < wlen)
		return 0;
	for (size_t i = 0; i < wlen; i++)
		if (low((unsigned char)p[i]) != (unsigned char)w[i])
			return 0;
	return 1;
}

static int isdig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int ishex(unsigned char c)
{
	return isdig(c) || (low(c) >= 'a' && low(c) <= 'f');
}

/* A dotted quad starts at p: 1-3 digits, '.', three times, then 1-3 digits. */
static int at_ipv4(const char *p, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t d = 0;

		while (i < n && d < 4 && isdig((unsigned char)p[i])) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			return 0;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	return 1;
}

/*
 * The word that starts with the wlen bytes at p is a field name ("login:
 * x", "auth=x", "authorisation_id=x"), not a verb.
 */
static int is_key(const char *p, size_t n, size_t wlen)
{
	size_t i = wlen;

	while (i < n && ((low((unsigned char)p[i]) >= 'a' && low((unsigned char)p[i]) <= 'z') || p[i] == '_'))
		i++;
	return i < n && (p[i] == ':' || p[i] == '=');
}

int ib_login_looking(struct ib_str line)
{
	const char *s = line.ptr;
	size_t n = line.len;
	int word = 0, who = 0;

	for (size_t i = 0; i < n && !(word && who); i++) {
		unsigned char c = low((unsigned char)s[i]);
		const char *p = s + i;
		size_t left = n - i;

		switch (c) {
		case 'l':
			if (at_word(p, left, "login", 5) && !(i && s[i - 1] == '-') && !is_key(p, left, 5))
				word = 1;
			else if (at_word(p, left, "logon", 5) || at_word(p, left, "logged in", 9))
				word = 1;
			break;
		case 'a':
			if (at_word(p, left, "auth", 4) && !is_key(p, left, 4))
				word = 1;
			break;
		case 'p':
			if (at_word(p, left, "passw", 5))
				word = 1;
			break;
		case 'd':
			if (at_word(p, left, "denied", 6))
				word = 1;
			break;
		case 'r':
			if (at_word(p, left, "refused", 7))
				word = 1;
			break;
		case 'f':
			if (at_word(p, left, "fail", 4))
				word = 1;
			break;
		case 'u':
			if (at_word(p, left, "user", 4))
				who = 1;
			break;
		case ':':
			if (left > 2 && s[i + 1] == ':' && ishex((unsigned char)s[i + 2]))
				who = 1;
			break;
		default:
			if (isdig(c) && (i == 0 || !isdig((unsigned char)s[i - 1])) && at_ipv4(p, left))
				who = 1;
			break;
		}
	}
	return word && who;
}

/* The word after which the next word is a name to hide. */
static int hides_next(const char *w, size_t len)
{
	static const char *const words[] = {"user", "for", "as", "account", NULL};

	for (size_t k = 0; words[k]; k++) {
		size_t wl = strlen(words[k]);

		if (len == wl && at_word(w, len, words[k], wl))
			return 1;
	}
	return 0;
}

static int is_delim(unsigned char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == ')' || c == '(' || c == '"' || c == '\'' ||
	       c == '<' || c == '>' || c == '[' || c == ']';
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size && o->len < IB_SHAPE_MAX)
		o->buf[o->len++] = c;
}

/* Index past the closing byte `close` from i, or n when it is not closed. */
static size_t skip_to(const char *s, size_t n, size_t i, char close)
{
	const char *e = memchr(s + i, close, n - i);

	return e ? (size_t)(e - s) + 1 : n;
}

size_t ib_line_shape(struct ib_str line, char *buf, size_t size)
{
	const char *s = line.ptr;
	size_t n = line.len, i = 0, wstart = 0;
	struct out o = {buf, size, 0};
	int hide = 0; /* the next word is a name */

	while (i < n && o.len < IB_SHAPE_MAX) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\'' || c == '<' || c == '[') {
			char close = c == '<' ? '>' : c == '[' ? ']' : (char)c;

			put(&o, (char)c);
			put(&o, '*');
			put(&o, close);
			i = skip_to(s, n, i + 1, close);
			hide = 0;
			continue;
		}
		if (c == '=') {
			put(&o, '=');
			hide = 0;
			if (++i < n && is_delim((unsigned char)s[i]))
				continue;
			put(&o, '*');
			for (; i < n && !is_delim((unsigned char)s[i]); i++)
				;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			put(&o, c == '\t' ? ' ' : '?');
			i++;
			continue;
		}
		if (is_delim(c) || c == '/') {
			put(&o, (char)c);
			i++;
			continue;
		}
		/* a word: up to a delimiter (':' stays inside: times, IPv6) */
		wstart = i;
		{
			size_t e = i, wl;
			int at = 0;

			while (e < n && !is_delim((unsigned char)s[e]) && s[e] != '=' && s[e] != '/' &&
			       (unsigned char)s[e] >= 0x20 && s[e] != 0x7f) {
				at |= s[e] == '@';
				e++;
			}
			if (hide || at) {
				put(&o, '*');
				if (e > wstart && s[e - 1] == ':')
					put(&o, ':');
			} else {
				/* a run of hex digits, '.' and ':' that holds a digit becomes '#' */
				for (size_t k = wstart; k < e;) {
					size_t r = k;
					int digit = 0;

					while (r < e && (ishex((unsigned char)s[r]) || s[r] == '.' || s[r] == ':')) {
						digit |= isdig((unsigned char)s[r]);
						r++;
					}
					if (digit) {
						put(&o, '#');
						if (s[r - 1] == ':' || s[r - 1] == '.')
							put(&o, s[r - 1]);
						k = r;
						continue;
					}
					if (r == k)
						r++;
					while (k < r)
						put(&o, s[k++]);
				}
			}
			wl = e - wstart;
			if (wl && s[wstart + wl - 1] == ':')
				wl--;
			hide = hides_next(s + wstart, wl);
			i = e;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t ib_line_sample(struct ib_str line, char *buf, size_t size)
{
	size_t n = line.len, i = 0;

	if (n > IB_SAMPLE_MAX)
		n = IB_SAMPLE_MAX;
	if (n > size - 1)
		n = size - 1;
	/* do not cut a UTF-8 sequence: back up over its continuation bytes */
	if (n < line.len) {
		size_t k = n;

		while (k > 0 && ((unsigned char)line.ptr[k] & 0xc0) == 0x80)
			k--;
		if (n - k < 4)
			n = k;
	}
	for (; i < n; i++)
		buf[i] = line.ptr[i] ? line.ptr[i] : '?';
	buf[n] = '\0';
	return n;
}
