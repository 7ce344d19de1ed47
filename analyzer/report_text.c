/*
 * report_text.c: the text helpers every writer shares: a growable buffer,
 * the escapers (one byte string to CSV, Markdown, XML, JSON or terminal
 * text), the CSV cell with formula neutralising, the shown user, and time
 * and duration formatting. A leaf: it knows no writer and no file.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/coverage.h"
#include "imapblast/report.h"
#include "imapblast/timeutil.h"
#include "report_int.h"

void ib_rbuf_put(struct ib_rbuf *b, const void *data, size_t n)
{
	if (b->oom || !n)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;
		while (cap < b->len + n + 1) {
			if (cap > SIZE_MAX / 2) {
				b->oom = 1;
				return;
			}
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

void ib_rbuf_putc(struct ib_rbuf *b, char c)
{
	ib_rbuf_put(b, &c, 1);
}

void ib_rbuf_release(struct ib_rbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

size_t ib_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t need, i;
	uint32_t cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, cp = c & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

static void put_hex(struct ib_rbuf *b, const char *prefix, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char t[2] = {hex[c >> 4], hex[c & 15]};

	ib_rbuf_put(b, prefix, strlen(prefix));
	ib_rbuf_put(b, t, 2);
}

/* A byte that mode writes as itself: runs of them are copied in one go. */
static int plain(enum ib_esc_mode mode, unsigned char c)
{
	if (c == '\\' || c >= 0x80)
		return 0;
	switch (mode) {
	case IB_ESC_CSV:
		return c != 0;
	case IB_ESC_TERM:
		return c >= 0x20 && c != 0x7f;
	case IB_ESC_MD:
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '@' || c == ' ' || c == ',' || c == '/';
	case IB_ESC_XML:
		return c >= 0x20 && c != 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
	case IB_ESC_JSON:
		return c >= 0x20 && c != '"';
	}
	return 0;
}

void ib_esc(struct ib_rbuf *b, const char *s, size_t n, enum ib_esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	/* how "\xHH" and "\\" are spelled so that they read as such after decoding */
	const char *hx = (mode == IB_ESC_MD || mode == IB_ESC_JSON) ? "\\\\x" : "\\x";
	const char *bs = (mode == IB_ESC_MD || mode == IB_ESC_JSON) ? "\\\\\\\\" : "\\\\";
	size_t i = 0;

	while (i < n) {
		size_t k, j = i;
		unsigned char c;

		while (j < n && plain(mode, p[j]))
			j++;
		if (j > i) {
			ib_rbuf_put(b, p + i, j - i);
			i = j;
			if (i == n)
				break;
		}
		k = ib_utf8_seq(p + i, n - i);
		c = p[i];

		if (k == 0) {
			put_hex(b, hx, c);
			i++;
			continue;
		}
		if (k > 1) {
			/* U+FFFE and U+FFFF are not XML characters */
			if (mode == IB_ESC_XML && k == 3 && c == 0xef && p[i + 1] == 0xbf &&
			    p[i + 2] >= 0xbe) {
				put_hex(b, hx, p[i]);
				put_hex(b, hx, p[i + 1]);
				put_hex(b, hx, p[i + 2]);
			} else {
				ib_rbuf_put(b, p + i, k);
			}
			i += k;
			continue;
		}
		i++;
		if (c == '\\') {
			ib_rbuf_put(b, bs, strlen(bs));
			continue;
		}
		switch (mode) {
		case IB_ESC_CSV:
			ib_rbuf_putc(b, (char)c);
			break;
		case IB_ESC_TERM:
			if (c < 0x20 || c == 0x7f)
				put_hex(b, hx, c);
			else
				ib_rbuf_putc(b, (char)c);
			break;
		case IB_ESC_MD:
			if (c == '\r' || c == '\n' || c == '\t')
				ib_rbuf_putc(b, ' ');
			else if (c < 0x20 || c == 0x7f)
				put_hex(b, hx, c);
			else {
				if (strchr("`*_{}[]<>()#+-.!|&~:$\"'=^", c))
					ib_rbuf_putc(b, '\\');
				ib_rbuf_putc(b, (char)c);
			}
			break;
		case IB_ESC_XML:
			if (c == '\r' || c == '\n' || c == '\t')
				ib_rbuf_putc(b, ' ');
			else if (c < 0x20 || c == 0x7f)
				put_hex(b, hx, c);
			else if (c == '&')
				ib_rbuf_put(b, "&amp;", 5);
			else if (c == '<')
				ib_rbuf_put(b, "&lt;", 4);
			else if (c == '>')
				ib_rbuf_put(b, "&gt;", 4);
			else if (c == '"')
				ib_rbuf_put(b, "&quot;", 6);
			else if (c == '\'')
				ib_rbuf_put(b, "&apos;", 6);
			else
				ib_rbuf_putc(b, (char)c);
			break;
		case IB_ESC_JSON:
			if (c == '"')
				ib_rbuf_put(b, "\\\"", 2);
			else if (c < 0x20)
				put_hex(b, "\\u00", c);
			else
				ib_rbuf_putc(b, (char)c);
			break;
		}
	}
}

void ib_csv_cell(struct ib_rbuf *b, const char *s, size_t n)
{
	struct ib_rbuf t = {0};
	size_t i;
	int quote = 0;

	/* the common cell (a plain name, a number, a time) is written as is */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == ',' || c == '"')
			break;
	}
	if (i == n && !(n && strchr("=+-@'", s[0]))) {
		ib_rbuf_put(b, s, n);
		return;
	}

	ib_esc(&t, s, n, IB_ESC_CSV);
	if (t.oom) {
		b->oom = 1;
		ib_rbuf_release(&t);
		return;
	}
	for (i = 0; i < t.len; i++)
		if (t.p[i] == ',' || t.p[i] == '"' || t.p[i] == '\r' || t.p[i] == '\n') {
			quote = 1;
			break;
		}
	if (quote)
		ib_rbuf_putc(b, '"');
	if (t.len && strchr("=+-@\t\r'", t.p[0]))
		ib_rbuf_putc(b, '\'');
	for (i = 0; i < t.len; i++) {
		if (t.p[i] == '"')
			ib_rbuf_putc(b, '"');
		ib_rbuf_putc(b, t.p[i]);
	}
	if (quote)
		ib_rbuf_putc(b, '"');
	ib_rbuf_release(&t);
}

void ib_fput_esc(FILE *f, struct ib_rbuf *scratch, const char *s, enum ib_esc_mode mode)
{
	scratch->len = 0;
	if (s)
		ib_esc(scratch, s, strlen(s), mode);
	if (scratch->len)
		fwrite(scratch->p, 1, scratch->len, f);
}

const char *ib_shown_user(const struct ib_config *cfg, const char *user, char buf[32])
{
	if (cfg && cfg->redact_key) {
		ib_redact_user(cfg->redact_key, cfg->redact_key_len, user, buf, 32);
		return buf;
	}
	return user ? user : "";
}

const char *ib_shown_line(const struct ib_config *cfg, const char *line, char *buf)
{
	if (!line)
		return "";
	if (cfg && cfg->redact_key) {
		ib_line_shape(ib_str_from(line), buf, IB_SHAPE_MAX + 1);
		return buf;
	}
	return line;
}

double ib_login_share(const struct ib_file_counts *c)
{
	uint64_t all = c->events + c->login_unmatched;

	return all ? (double)c->login_unmatched / (double)all : 0.0;
}

const char *ib_rep_time(int64_t ms, char *buf, size_t size)
{
	if (size)
		buf[0] = 0;
	if (ms != IB_TIME_NONE)
		ib_time_format(ms, buf, size);
	return buf;
}

const char *ib_rep_dur(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	if (ms == IB_TIME_NONE)
		snprintf(buf, size, "n/a");
	else if (ms < 0)
		snprintf(buf, size, "%lld ms", (long long)ms);
	else if (s < 60)
		snprintf(buf, size, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lld min", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, size, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	return buf;
}

int ib_svg_window_line(FILE *f, const struct ib_result *r, int x)
{
	char a[64], b[64];
	const char *how = r->window_source == IB_WIN_GIVEN ? "given" : "detected";

	if (r->window_start_ms == IB_TIME_NONE || r->window_end_ms == IB_TIME_NONE)
		return 0;
	if (r->nwindows > 1)
		fprintf(f,
			"<text x=\"%d\" y=\"44\" font-size=\"12\" text-anchor=\"middle\">%zu incident "
			"windows %s .. %s (%s)</text>\n",
			x, r->nwindows, ib_rep_time(r->window_start_ms, a, sizeof(a)),
			ib_rep_time(r->window_end_ms, b, sizeof(b)), how);
	else
		fprintf(f,
			"<text x=\"%d\" y=\"44\" font-size=\"12\" text-anchor=\"middle\">Incident window %s "
			".. %s (%s)</text>\n",
			x, ib_rep_time(r->window_start_ms, a, sizeof(a)),
			ib_rep_time(r->window_end_ms, b, sizeof(b)), how);
	return 1;
}
