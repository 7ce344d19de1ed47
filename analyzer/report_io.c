/*
 * report_io.c: what every report writer shares: the escapers (one byte
 * string to CSV, Markdown, XML, JSON or terminal text), time formatting,
 * and ib_report_write, which puts the files in place safely: no symlink
 * is followed, a file imapblast did not write is never overwritten
 * without --force, and every file appears by an atomic rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/atomic.h"
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

/* ---- putting files in place ---- */

enum { F_AFF, F_EXC, F_MD, F_JSON, F_SVG, F_COUNT };

static const char *const fname[F_COUNT] = {"affected-users.csv", "excluded.csv", "summary.md", "summary.json",
					   "timeline.svg"};

static int selected(unsigned outputs, int f)
{
	switch (f) {
	case F_AFF:
	case F_EXC:
		return (outputs & IB_OUT_CSV) != 0;
	case F_MD:
		return (outputs & IB_OUT_MD) != 0;
	case F_JSON:
		return (outputs & IB_OUT_JSON) != 0;
	default:
		return (outputs & IB_OUT_SVG) != 0;
	}
}

/* 1 when the head of an existing file is what we write first. */
static int ours(int f, const char *head, size_t n)
{
	const char *m = NULL;

	switch (f) {
	case F_AFF:
		m = IB_CSV_AFFECTED_HEADER;
		break;
	case F_EXC:
		m = IB_CSV_EXCLUDED_HEADER;
		break;
	case F_MD:
		m = IB_MD_MARKER;
		break;
	case F_SVG:
		m = IB_SVG_MARKER;
		break;
	default:
		return n >= strlen(IB_JSON_MARKER) && !memcmp(head, IB_JSON_MARKER, strlen(IB_JSON_MARKER)) &&
		       memmem(head, n, IB_JSON_TOOL, strlen(IB_JSON_TOOL)) != NULL;
	}
	return n >= strlen(m) && !memcmp(head, m, strlen(m));
}

/* May we replace dir/name? IB_OK when absent or ours (or --force). */
static int check_target(int dfd, const char *dir, int f, int force, struct ib_error *err)
{
	char head[256];
	struct stat st;
	ssize_t n;
	int fd;

	if (fstatat(dfd, fname[f], &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return IB_OK;
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot stat '%s/%s': %s", dir, fname[f],
				    strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
				    "refusing to overwrite '%s/%s' (a directory)", dir, fname[f]);
	if (force)
		return IB_OK; /* a symlink is replaced by rename, never followed */
	if (!S_ISREG(st.st_mode))
		goto refuse;
	fd = openat(dfd, fname[f], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot open '%s/%s': %s", dir, fname[f],
				    strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n > 0 && ours(f, head, (size_t)n))
		return IB_OK;
refuse:
	return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
			    "refusing to overwrite '%s/%s' (not written by imapblast; use --force)", dir,
			    fname[f]);
}

static int write_one(int dfd, const char *dir, int f, const struct ib_result *r, const struct ib_config *cfg,
		     struct ib_error *err)
{
	struct ib_atomic w;
	char label[4096];
	FILE *fp;
	int rc, saved;

	snprintf(label, sizeof(label), "%s/%s", dir, fname[f]);
	rc = ib_atomic_open(&w, dfd, fname[f], label, 0644, 0, err);
	if (rc < 0)
		return rc;
	fp = w.fp;
	/* one writer per stream: no lock per call (a report makes millions of small ones) */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	switch (f) {
	case F_AFF:
		rc = ib_write_affected_csv(fp, r);
		break;
	case F_EXC:
		rc = ib_write_excluded_csv(fp, r);
		break;
	case F_MD:
		rc = ib_write_summary_md(fp, r, cfg);
		break;
	case F_JSON:
		rc = ib_write_summary_json(fp, r, cfg);
		break;
	default:
		rc = ib_write_timeline_svg(fp, r, cfg);
		break;
	}
	saved = errno;
	if (rc < 0) {
		ib_atomic_abort(&w);
		if (rc == IB_ERR_NOMEM)
			return ib_error_set(err, rc, 0, dir, 0, "out of memory writing '%s/%s'", dir,
					    fname[f]);
		return ib_error_set(err, rc, saved, dir, 0, "cannot write '%s/%s': %s", dir, fname[f],
				    saved ? strerror(saved) : "write error");
	}
	return ib_atomic_commit(&w, err);
}

/* mkdir -p, mode 0755; existing components are fine. */
static int make_dirs(const char *dir, struct ib_error *err)
{
	char path[4096];
	size_t n = strlen(dir), i;

	if (n == 0 || n >= sizeof(path))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0, "bad output directory '%s'", dir);
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return ib_error_set(err, IB_ERR_IO, errno, dir, 0, "cannot create directory '%s': %s",
					    path, strerror(errno));
		path[i] = i < n ? '/' : 0;
	}
	return IB_OK;
}

/* One report file written on a thread of its own. */
struct wjob {
	int dfd, f, rc;
	const char *dir;
	const struct ib_result *r;
	const struct ib_config *cfg;
	struct ib_error err;
};

static void *write_job(void *arg)
{
	struct wjob *j = arg;

	j->rc = write_one(j->dfd, j->dir, j->f, j->r, j->cfg, &j->err);
	return NULL;
}

int ib_report_write(const struct ib_result *r, const struct ib_config *cfg, struct ib_error *err)
{
	struct wjob job;
	pthread_t tid;
	int threaded = 0;
	const char *dir = cfg && cfg->out_dir ? cfg->out_dir : "imapblast-report";
	unsigned outputs = cfg ? cfg->outputs : IB_OUT_ALL;
	int force = cfg ? cfg->force : 0;
	struct stat st;
	int dfd, f, rc = IB_OK;

	if (!r)
		return ib_error_set(err, IB_ERR_INTERNAL, 0, NULL, 0, "no result to write");
	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
		return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
				    "refusing to write into '%s': it is a symbolic link", dir);
	rc = make_dirs(dir, err);
	if (rc < 0)
		return rc;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;
		if (e == ELOOP)
			return ib_error_set(err, IB_ERR_USAGE, 0, dir, 0,
					    "refusing to write into '%s': it is a symbolic link", dir);
		return ib_error_set(err, e == ENOTDIR ? IB_ERR_USAGE : IB_ERR_IO, e, dir, 0,
				    "cannot open directory '%s': %s", dir, strerror(e));
	}
	/* check every target before writing any, so a refusal leaves nothing half-done */
	for (f = 0; f < F_COUNT && rc >= 0; f++)
		if (selected(outputs, f))
			rc = check_target(dfd, dir, f, force, err);
	/*
	 * With threads to use (-j 2 and up), summary.json, the largest, is
	 * written beside the others. Errors are reported in file order
	 * either way.
	 */
	if (rc >= 0 && cfg && cfg->jobs > 1 && selected(outputs, F_JSON)) {
		memset(&job, 0, sizeof(job));
		job.dfd = dfd;
		job.f = F_JSON;
		job.dir = dir;
		job.r = r;
		job.cfg = cfg;
		threaded = pthread_create(&tid, NULL, write_job, &job) == 0;
	}
	for (f = 0; f < F_COUNT && rc >= 0; f++) {
		if (!selected(outputs, f) || (threaded && f == F_JSON))
			continue;
		if (threaded && f > F_JSON) {
			pthread_join(tid, NULL);
			threaded = 0;
			if ((rc = job.rc) < 0) {
				if (err)
					*err = job.err;
				break;
			}
		}
		rc = write_one(dfd, dir, f, r, cfg, err);
	}
	if (threaded) {
		pthread_join(tid, NULL);
		if (rc >= 0 && job.rc < 0) {
			rc = job.rc;
			if (err)
				*err = job.err;
		}
	}
	close(dfd);
	return rc;
}
