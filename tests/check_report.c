/*
 * check_report.c: the report writers (analyzer/report*.c, sha256.c):
 * SHA-256/HMAC against the standard vectors, the escapers byte for byte,
 * a golden CSV, hostile user names read back through an RFC 4180 reader,
 * Markdown tables that keep their shape, --redact, determinism, and the
 * file-placement safety rules (symlinks, foreign files, --force), and
 * the table of writers (every row complete, one bit per name).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/config.h"
#include "imapblast/report.h"
#include "../analyzer/report_int.h"
#include "report_fixture.h"
#include "testutil.h"

/* ---- helpers ---- */

static void hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

typedef int (*writer_fn)(FILE *, const struct ib_result *, const struct ib_config *);

/* The writer of a report file: the tests reach every writer through the table. */
static const struct ib_writer *writer(const char *file)
{
	const struct ib_writer *w = ib_writer_find(file);

	ck_assert(w != NULL);
	return w;
}

#define W_AFF writer("affected-users.csv")->write
#define W_EXC writer("excluded.csv")->write
#define W_MD writer("summary.md")->write
#define W_JSON writer("summary.json")->write
#define W_SVG writer("timeline.svg")->write
#define MD_MARKER writer("summary.md")->marker

/* Run a writer into memory; returns a malloc'd buffer. */
static char *render(writer_fn fn, const struct ib_result *r, const struct ib_config *cfg, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	ck_assert(f != NULL);
	ck_assert_int_eq(fn(f, r, cfg), IB_OK);
	ck_assert_int_eq(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

static char *tmpdir_new(void)
{
	char tmpl[512];
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/ibreportXXXXXX", base);
	ck_assert(mkdtemp(tmpl) != NULL);
	return strdup(tmpl);
}

static void rm_tree(const char *dir)
{
	static const char *const names[] = {"out", "link", "outside.txt", NULL};
	char p[1024];
	int i;

	for (i = 0; ib_writers[i]; i++) {
		snprintf(p, sizeof(p), "%s/out/%s", dir, ib_writers[i]->file);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s", dir, ib_writers[i]->file);
		unlink(p);
	}
	for (i = 0; names[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (unlink(p) < 0 && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(dir);
}

/* ---- SHA-256 and HMAC ---- */

static const struct {
	const char *msg;
	const char *digest;
} sha_cases[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrs"
     "t"
     "nopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

START_TEST(test_sha256_vectors)
{
	unsigned char d[32];
	char h[65];
	struct ib_sha256 c;
	const char *m = sha_cases[_i].msg;
	size_t i, n = strlen(m);

	ib_sha256(m, n, d);
	hex(d, 32, h);
	ck_assert_str_eq(h, sha_cases[_i].digest);
	/* the same digest when fed one byte at a time */
	ib_sha256_init(&c);
	for (i = 0; i < n; i++)
		ib_sha256_update(&c, m + i, 1);
	ib_sha256_final(&c, d);
	hex(d, 32, h);
	ck_assert_str_eq(h, sha_cases[_i].digest);
}
END_TEST

START_TEST(test_sha256_million_a)
{
	static char block[1000];
	struct ib_sha256 c;
	unsigned char d[32];
	char h[65];
	int i;

	memset(block, 'a', sizeof(block));
	ib_sha256_init(&c);
	for (i = 0; i < 1000; i++)
		ib_sha256_update(&c, block, sizeof(block));
	ib_sha256_final(&c, d);
	hex(d, 32, h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* RFC 4231 test cases 1-4, 6 and 7 (5 is a truncated output). */
static const struct {
	int keyfill, keylen; /* key = keylen bytes of keyfill, or keyfill < 0: "Jefe" */
	const char *data;
	int datafill, datalen; /* data = datalen bytes of datafill when data is NULL */
	const char *mac;
} hmac_cases[] = {
    {0x0b, 20, "Hi There", 0, 0, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {-1, 4, "what do ya want for nothing?", 0, 0,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {0xaa, 20, NULL, 0xdd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {0, 25, NULL, 0xcd, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {0xaa, 131,
     "This is a test using a larger than block-size key and a larger than block-size data. The key needs to "
     "be hashed before being used by the HMAC algorithm.",
     0, 0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

START_TEST(test_hmac_rfc4231)
{
	unsigned char key[200], data[200], mac[32];
	char h[65];
	size_t klen = (size_t)hmac_cases[_i].keylen, dlen;
	int i;

	if (hmac_cases[_i].keyfill < 0)
		memcpy(key, "Jefe", 4);
	else if (hmac_cases[_i].keyfill == 0) /* case 4: 0x01..0x19 */
		for (i = 0; i < 25; i++)
			key[i] = (unsigned char)(i + 1);
	else
		memset(key, hmac_cases[_i].keyfill, klen);
	if (hmac_cases[_i].data) {
		dlen = strlen(hmac_cases[_i].data);
		memcpy(data, hmac_cases[_i].data, dlen);
	} else {
		dlen = (size_t)hmac_cases[_i].datalen;
		memset(data, hmac_cases[_i].datafill, dlen);
	}
	ib_hmac_sha256(key, klen, data, dlen, mac);
	hex(mac, 32, h);
	ck_assert_str_eq(h, hmac_cases[_i].mac);
}
END_TEST

START_TEST(test_redact_user)
{
	static const unsigned char k1[] = "secret-one", k2[] = "secret-two";
	unsigned char mac[32];
	char a[32], b[32], c[32], h[65], want[32];
	size_t i;

	ib_redact_user(k1, 10, "alice@example.com", a, sizeof(a));
	ib_redact_user(k1, 10, "ALICE@Example.COM", b, sizeof(b));
	ib_redact_user(k2, 10, "alice@example.com", c, sizeof(c));
	ck_assert_uint_eq(strlen(a), 14);
	ck_assert(!strncmp(a, "u-", 2));
	for (i = 2; i < 14; i++)
		ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
	ck_assert_str_eq(a, b); /* case-insensitive */
	ck_assert_str_ne(a, c); /* depends on the key */
	ib_hmac_sha256(k1, 10, (const unsigned char *)"alice@example.com", 17, mac);
	hex(mac, 32, h);
	snprintf(want, sizeof(want), "u-%.12s", h);
	ck_assert_str_eq(a, want); /* exactly the documented construction */
	ib_redact_user(k1, 10, "bob@example.com", b, sizeof(b));
	ck_assert_str_ne(a, b);
	ib_redact_user(k1, 10, "alice@example.com", c, 8); /* truncates, stays terminated */
	ck_assert_uint_eq(strlen(c), 7);
	ck_assert(!strncmp(c, a, 7));
}
END_TEST

/* ---- escapers ---- */

static const struct {
	const char *in;
	size_t len;
	enum ib_esc_mode mode;
	const char *out;
} esc_cases[] = {
    {"plain", 5, IB_ESC_CSV, "plain"},
    {"a\\b", 3, IB_ESC_CSV, "a\\\\b"},
    {"a\0b", 3, IB_ESC_CSV, "a\\x00b"},
    {"\xff\xfe", 2, IB_ESC_CSV, "\\xff\\xfe"},
    {"\xc0\xaf", 2, IB_ESC_CSV, "\\xc0\\xaf"},		/* overlong '/' */
    {"\xed\xa0\x80", 3, IB_ESC_CSV, "\\xed\\xa0\\x80"}, /* surrogate */
    {"\xe2\x82", 2, IB_ESC_CSV, "\\xe2\\x82"},		/* truncated */
    {"caf\xc3\xa9", 5, IB_ESC_CSV, "caf\xc3\xa9"},
    {"\xf0\x9f\x98\x80", 4, IB_ESC_CSV, "\xf0\x9f\x98\x80"},
    {"a|b", 3, IB_ESC_MD, "a\\|b"},
    {"<b>*x*</b>", 10, IB_ESC_MD, "\\<b\\>\\*x\\*\\</b\\>"},
    {"[l](u)", 6, IB_ESC_MD, "\\[l\\]\\(u\\)"},
    {"a\r\n\tb", 5, IB_ESC_MD, "a   b"},
    {"a\\b", 3, IB_ESC_MD, "a\\\\\\\\b"},
    {"\xff", 1, IB_ESC_MD, "\\\\xff"},
    {"a\0b\x1b", 4, IB_ESC_MD, "a\\\\x00b\\\\x1b"},
    {"<a href='x'>&</a>", 17, IB_ESC_XML, "&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;"},
    {"\"q\"\x01\n", 5, IB_ESC_XML, "&quot;q&quot;\\x01 "},
    {"\xef\xbf\xbf", 3, IB_ESC_XML, "\\xef\\xbf\\xbf"},
    {"\xff", 1, IB_ESC_XML, "\\xff"},
    {"q\"\\", 3, IB_ESC_JSON, "q\\\"\\\\\\\\"},
    {"\n\x01\x1f", 3, IB_ESC_JSON, "\\u000a\\u0001\\u001f"},
    {"\0\xff", 2, IB_ESC_JSON, "\\\\x00\\\\xff"},
    {"\x1b[31m\x7f", 6, IB_ESC_TERM, "\\x1b[31m\\x7f"},
};

START_TEST(test_esc_table)
{
	struct ib_rbuf b = {0};

	ib_esc(&b, esc_cases[_i].in, esc_cases[_i].len, esc_cases[_i].mode);
	ck_assert(!b.oom);
	ck_assert_str_eq(b.p ? b.p : "", esc_cases[_i].out);
	ib_rbuf_release(&b);
}
END_TEST

/*
 * Every byte alone and inside a run of plain letters: a byte a mode must
 * escape never comes out as itself, whichever path (runs copied whole, or
 * byte by byte) the escaper took.
 */
START_TEST(test_esc_every_byte)
{
	static const struct {
		enum ib_esc_mode mode;
		const char *must; /* bytes that must not pass raw, besides < 0x20, 0x7f, >= 0x80, '\\' */
		int ctl_ok;	  /* control bytes may pass (CSV quotes them later) */
		int del_ok;	  /* 0x7f may pass (JSON allows it) */
	} modes[] = {
	    {IB_ESC_CSV, "", 1, 1},
	    {IB_ESC_TERM, "", 0, 0},
	    {IB_ESC_MD, "`*_{}[]<>()#+-.!|&~:$\"'=^", 0, 0},
	    {IB_ESC_XML, "&<>\"'", 0, 0},
	    {IB_ESC_JSON, "\"", 0, 1},
	};

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (int c = 0; c < 256; c++) {
			char in[16];
			struct ib_rbuf b = {0};
			int must = c == '\\' || c >= 0x80 || (c && strchr(modes[m].must, c)) ||
				   (!modes[m].ctl_ok && c < 0x20) || (!modes[m].del_ok && c == 0x7f) ||
				   c == 0;

			memcpy(in, "abcdefg", 7);
			in[7] = (char)c;
			memcpy(in + 8, "hijklmn", 7);
			ib_esc(&b, in, 15, modes[m].mode);
			ck_assert(!b.oom);
			if (must)
				ck_assert_msg(b.len != 15 || memcmp(b.p, in, 15) != 0,
					      "mode %zu byte %d passed raw", m, c);
			if (c >= 'a' && c <= 'z')
				ck_assert(b.len == 15 && memcmp(b.p, in, 15) == 0);
			ib_rbuf_release(&b);
		}
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *out;
} cell_cases[] = {
    {"alice", 5, "alice"},
    {"", 0, ""},
    {"a,b", 3, "\"a,b\""},
    {"q\"t", 3, "\"q\"\"t\""},
    {"=1+2", 4, "'=1+2"},
    {"+1", 2, "'+1"},
    {"-2", 2, "'-2"},
    {"@SUM(1)", 7, "'@SUM(1)"},
    {"\tx", 2, "'\tx"},
    {"\rx", 2, "\"'\rx\""},
    {"'q", 2, "''q"},
    {"a\nb", 3, "\"a\nb\""},
    {"=HYPERLINK(\"u\",\"y\")", 19, "\"'=HYPERLINK(\"\"u\"\",\"\"y\"\")\""},
    {"n\0l", 3, "n\\x00l"},
    {"-\\", 2, "'-\\\\"},
};

START_TEST(test_csv_cell_table)
{
	struct ib_rbuf b = {0};

	ib_csv_cell(&b, cell_cases[_i].in, cell_cases[_i].len);
	ck_assert(!b.oom);
	ck_assert_str_eq(b.p ? b.p : "", cell_cases[_i].out);
	ib_rbuf_release(&b);
}
END_TEST

/* ---- CSV ---- */

START_TEST(test_csv_golden)
{
	struct ib_result *r = fx_two_users();
	char *out = render(W_AFF, r, NULL, NULL), *exc;

	ck_assert_str_eq(
	    out,
	    "user,first_failure,last_failure,failures,successes,impacted_minutes,recovered_at,servers,"
	    "layers,categories,evidence\r\n"
	    "alice@example.com,2026-01-14T08:01:01Z,2026-01-14T08:12:00Z,7,2,15,2026-01-14T08:13:00Z,"
	    "mbox1;mbox2,proxy;server,temporary;timeout,/var/log/mail.log:1042\r\n"
	    "\"bob,smith\",2026-01-14T08:05:00Z,2026-01-14T08:05:00Z,1,0,5,,mbox1,proxy;server,temporary,"
	    "\"logs/a \"\"b\"\".log:7\"\r\n");
	exc = render(W_EXC, r, NULL, NULL);
	ck_assert_str_eq(exc, "kind,id,users,failures,successes,first,last,reason\r\n"
			      "attack-source,203.0.113.9,25,300,0,2026-01-14T08:00:00Z,2026-01-14T08:30:00Z,"
			      "\"failed for 25 users, no success\"\r\n"
			      "unverified,'-carol,,3,,,,\"credentials failures only, never a success\"\r\n");
	free(out);
	free(exc);
	ib_result_free(r);
}
END_TEST

/* A strict RFC 4180 reader: fields of the next record into fields[]; returns the count, 0 at the end. */
static size_t csv_record(const char **pp, const char *end, struct ib_rbuf *fields, size_t max)
{
	const char *p = *pp;
	size_t n = 0;

	if (p >= end)
		return 0;
	for (;;) {
		struct ib_rbuf *f = &fields[n];
		ck_assert_uint_lt(n, max);
		f->len = 0;
		ib_rbuf_put(f, "", 0);
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				ck_assert(p < end); /* unterminated quote */
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						ib_rbuf_putc(f, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				ib_rbuf_putc(f, *p++);
			}
		} else {
			while (p < end && *p != ',' && *p != '\r' && *p != '\n') {
				ck_assert(*p != '"'); /* a quote in an unquoted field */
				ib_rbuf_putc(f, *p++);
			}
		}
		n++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		ck_assert(p + 1 < end + 1 && p[0] == '\r' && p[1] == '\n'); /* CRLF ends every record */
		*pp = p + 2;
		return n;
	}
}

/* Undo the documented escapes: one leading ', then \\ and \xHH. */
static void unescape(const struct ib_rbuf *f, struct ib_rbuf *out)
{
	size_t i = 0;

	out->len = 0;
	ib_rbuf_put(out, "", 0);
	if (f->len && f->p[0] == '\'')
		i = 1;
	for (; i < f->len; i++) {
		if (f->p[i] != '\\') {
			ib_rbuf_putc(out, f->p[i]);
			continue;
		}
		ck_assert_uint_lt(i + 1, f->len);
		if (f->p[i + 1] == '\\') {
			ib_rbuf_putc(out, '\\');
			i++;
		} else {
			char h[3] = {f->p[i + 2], f->p[i + 3], 0};
			ck_assert(f->p[i + 1] == 'x' && i + 3 < f->len);
			ib_rbuf_putc(out, (char)strtol(h, NULL, 16));
			i += 3;
		}
	}
}

START_TEST(test_csv_hostile_roundtrip)
{
	struct ib_result *r = fx_incident(1);
	struct ib_rbuf fields[16] = {{0}}, u = {0};
	size_t len, n, row = 0, i, nh = 0;
	char *out = render(W_AFF, r, NULL, &len);
	const char *p = out, *end = out + len;

	while (fx_hostile[nh])
		nh++;
	ck_assert_uint_eq(r->nusers, 6 + nh + 1);
	n = csv_record(&p, end, fields, 16);
	ck_assert_uint_eq(n, 11);
	ck_assert_str_eq(fields[0].p, "user");
	ck_assert_str_eq(fields[10].p, "evidence");
	while ((n = csv_record(&p, end, fields, 16)) > 0) {
		ck_assert_uint_lt(row, r->nusers);
		ck_assert_uint_eq(n, 11);
		unescape(&fields[0], &u);
		ck_assert_uint_eq(u.len, strlen(r->users[row].user));
		ck_assert(!memcmp(u.p, r->users[row].user, u.len));
		unescape(&fields[7], &u);
		ck_assert_str_eq(u.p, r->users[row].servers);
		unescape(&fields[10], &u);
		ck_assert_str_eq(u.p, r->users[row].evidence);
		/* no cell starts with a formula trigger */
		for (i = 0; i < 11; i++)
			ck_assert(!fields[i].len || !strchr("=+-@\t\r", fields[i].p[0]));
		row++;
	}
	ck_assert_uint_eq(row, r->nusers);
	for (i = 0; i < 16; i++)
		ib_rbuf_release(&fields[i]);
	ib_rbuf_release(&u);
	free(out);
	ib_result_free(r);
}
END_TEST

/* ---- Markdown ---- */

/* Unescaped '|' in a line. */
static int pipes(const char *s, size_t n)
{
	size_t i;
	int c = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		c += s[i] == '|';
	}
	return c;
}

START_TEST(test_md_tables_hold)
{
	struct ib_result *r = fx_incident(1);
	char *md = render(W_MD, r, NULL, NULL), *p = md, *nl;
	int cols = -1, rows = 0;

	ck_assert(!strncmp(md, MD_MARKER, strlen(MD_MARKER)));
	for (p = md + strlen(MD_MARKER); *p; p = nl + 1) {
		size_t i, n;
		nl = strchr(p, '\n');
		ck_assert(nl != NULL);
		n = (size_t)(nl - p);
		for (i = 0; i < n; i++) {
			/* no raw HTML, no stray control characters */
			if (p[i] == '<' || p[i] == '>')
				ck_assert(i > 0 && p[i - 1] == '\\');
			ck_assert((unsigned char)p[i] >= 0x20);
		}
		if (n && p[0] == '|') {
			if (cols < 0)
				cols = pipes(p, n);
			ck_assert_int_eq(pipes(p, n), cols);
			rows++;
		} else {
			cols = -1;
		}
	}
	ck_assert_int_gt(rows, 50);
	ck_assert(strstr(md, "\\<script\\>alert\\(1\\)\\</script\\>") != NULL);
	ck_assert(strstr(md, "\\=HYPERLINK\\(\\\"http\\://x\\\"") != NULL);
	ck_assert(strstr(md, "![timeline](timeline.svg)") != NULL);
	ck_assert(strstr(md, "**FLAGGED**") != NULL);
	ck_assert(strstr(md, "truncated gzip member") != NULL);
	ck_assert(strstr(md, "Redacted") == NULL);
	free(md);
	ib_result_free(r);
}
END_TEST

START_TEST(test_md_long_range)
{
	struct ib_result *r = fx_incident(0);
	struct ib_bucket_row *b = calloc(2000, sizeof(*b));
	char *md, *s;
	size_t i;
	int rows = 0;

	for (i = 0; i < 2000; i++) {
		b[i].start_ms = FX_T0 + (int64_t)i * r->bucket_ms;
		b[i].in_window = i >= 1000 && i < 1009;
		b[i].successes = 10;
		b[i].failures[IB_CAT_TEMPORARY] = b[i].in_window ? 40 : 1;
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = 2000;
	md = render(W_MD, r, NULL, NULL);
	ck_assert(strstr(md, "the full series is in summary.json") != NULL);
	s = strstr(md, "| Bucket start (UTC)");
	ck_assert(s != NULL);
	for (s = strchr(s, '\n') + 1; *s == '|'; s = strchr(s, '\n') + 1)
		rows++;
	ck_assert_int_eq(rows, 1 + 9 + 12); /* separator, window, 6 either side */
	free(md);
	ib_result_free(r);
}
END_TEST

/* ---- JSON and SVG (shape; tests/e2e.d/report-tools.sh parses and validates them) ---- */

START_TEST(test_json_basics)
{
	struct ib_result *r = fx_incident(1);
	char *js = render(W_JSON, r, NULL, NULL);
	const struct ib_writer *w = writer("summary.json");
	char head[256];
	size_t i;

	snprintf(head, sizeof(head), "%s1,%s", w->marker, w->marker_also);
	ck_assert(!strncmp(js, head, strlen(head)));
	for (i = 0; js[i]; i++)
		ck_assert((unsigned char)js[i] >= 0x20 || js[i] == '\n');
	ck_assert(strstr(js, "\"user\": \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"") != NULL);
	ck_assert(strstr(js, "\"user\": \"bad\\\\xff\\\\xfeutf8\"") != NULL);
	ck_assert(strstr(js, "\"user\": \"new\\u000aline\"") != NULL);
	ck_assert(strstr(js, "\"redacted\": false") != NULL);
	ck_assert(strstr(js, "\"generated_at\": null") != NULL);
	ck_assert(strstr(js, "\"source\": \"detected\"") != NULL);
	free(js);
	ib_result_free(r);
}
END_TEST

START_TEST(test_svg_basics)
{
	struct ib_result *r = fx_incident(1);
	char *svg = render(W_SVG, r, NULL, NULL);
	const char *m = writer("timeline.svg")->marker;
	size_t i;

	ck_assert(!strncmp(svg, m, strlen(m)) && !strncmp(svg + strlen(m), "<svg ", 5));
	ck_assert(strstr(svg, "</svg>\n") != NULL);
	ck_assert(strstr(svg, "Incident window 2026-01-14T09:00:00Z .. 2026-01-14T09:45:00Z") != NULL);
	ck_assert(strstr(svg, ">09:00</text>") != NULL);
	ck_assert(strstr(svg, "<polyline") != NULL);
	ck_assert(strstr(svg, "script") == NULL);
	for (i = 0; svg[i]; i++)
		ck_assert((unsigned char)svg[i] >= 0x20 || svg[i] == '\n');
	free(svg);
	ib_result_free(r);
}
END_TEST

/*
 * Two windows (buckets 12-14 and 18-20 of the fixture) have a row each in
 * summary.md and summary.json and a shaded band each in timeline.svg; a
 * spray campaign and a stale client have their rows in excluded.csv.
 */
START_TEST(test_two_windows)
{
	struct ib_result *r = fx_incident(1);
	char *md, *js, *svg, *exc, *p;
	int bands = 0;

	r->nwindows = 2;
	r->windows = calloc(2, sizeof(*r->windows));
	ck_assert(r->windows != NULL);
	for (size_t w = 0; w < 2; w++) {
		r->windows[w].start_ms = r->buckets[12 + 6 * w].start_ms;
		r->windows[w].end_ms = r->buckets[15 + 6 * w].start_ms;
		r->windows[w].outage_failures = 10 + w;
		r->windows[w].affected_users = 3 + w;
		r->windows[w].peak_bucket_ms = r->buckets[13 + 6 * w].start_ms;
		r->windows[w].peak_users = 2 + w;
	}
	for (size_t b = 0; b < r->nbuckets; b++)
		r->buckets[b].in_window = b >= 12 && b < 15 ? 1 : b >= 18 && b < 21 ? 2 : 0;
	r->window_start_ms = r->windows[0].start_ms;
	r->window_end_ms = r->windows[1].end_ms;
	r->campaign.addresses = 300;
	r->campaign.users = 180;
	r->campaign.failures = 600;
	r->campaign.first_ms = r->range_start_ms;
	r->campaign.last_ms = r->range_end_ms;
	r->campaign.reason = strdup("slow distributed spray");
	r->nstale = 1;
	r->stale = calloc(1, sizeof(*r->stale));
	ck_assert(r->stale != NULL);
	r->stale[0].user = strdup("old.phone@example.com");
	r->stale[0].ip = strdup("10.40.0.1");
	r->stale[0].failures = 72;
	r->stale[0].first_ms = r->range_start_ms;
	r->stale[0].last_ms = r->range_end_ms;
	r->stale[0].reason = strdup("stale client at 10.40.0.1");

	md = render(W_MD, r, NULL, NULL);
	ck_assert(strstr(md, "2 windows; a user affected in any of them is affected.") != NULL);
	ck_assert(strstr(md, "| Windows | 2 |\n| First start | 2026-01-14T09:00:00Z |\n"
			     "| Last end (exclusive) | 2026-01-14T09:45:00Z |\n| Span | 45 min |\n") != NULL);
	ck_assert(strstr(md, "| 1 | 2026-01-14T09:00:00Z | 2026-01-14T09:15:00Z | 15 min | 10 | 3 | "
			     "2026-01-14T09:05:00Z | 2 |") != NULL);
	ck_assert(strstr(md, "| 2 | 2026-01-14T09:30:00Z | 2026-01-14T09:45:00Z | 15 min | 11 | 4 | ") !=
		  NULL);
	ck_assert(strstr(md, "| **2** |") != NULL); /* the timeline names each bucket's window */
	js = render(W_JSON, r, NULL, NULL);
	p = strstr(js, "\"windows\": [");
	ck_assert(p != NULL);
	ck_assert(strstr(p, "\"start\": \"2026-01-14T09:00:00Z\"") != NULL);
	ck_assert(strstr(p, "\"start\": \"2026-01-14T09:30:00Z\"") != NULL);
	ck_assert(strstr(p, "\"peak_users\": 3") != NULL);
	svg = render(W_SVG, r, NULL, NULL);
	ck_assert(strstr(svg, "2 incident windows 2026-01-14T09:00:00Z .. 2026-01-14T09:45:00Z") != NULL);
	for (p = svg; (p = strstr(p, "fill=\"#ffe9a8\"/>")) != NULL; p++)
		bands++;
	ck_assert_int_eq(bands, 2);
	exc = render(W_EXC, r, NULL, NULL);
	ck_assert(strstr(exc, "\nspray-campaign,300 addresses,180,600,0,") != NULL);
	ck_assert(strstr(exc, "\nstale-client,old.phone@example.com,,72,0,") != NULL);
	free(md);
	free(js);
	free(svg);
	free(exc);
	ib_result_free(r);
}
END_TEST

START_TEST(test_svg_empty_and_huge)
{
	struct ib_result *r = fx_two_users();
	struct ib_bucket_row *b;
	char *svg = render(W_SVG, r, NULL, NULL), *s;
	size_t i;
	int bars = 0;

	ck_assert(strstr(svg, ">no events</text>") != NULL);
	free(svg);
	b = calloc(100000, sizeof(*b));
	for (i = 0; i < 100000; i++) {
		b[i].start_ms = FX_T0 + (int64_t)i * r->bucket_ms;
		b[i].failures[IB_CAT_TIMEOUT] = i % 5;
	}
	r->buckets = b;
	r->nbuckets = 100000;
	svg = render(W_SVG, r, NULL, NULL);
	ck_assert(strstr(svg, "(230 buckets per bar)") != NULL);
	for (s = svg; (s = strstr(s, "fill=\"#ff7f0e\"/>")) != NULL; s++)
		bars++;
	ck_assert_int_le(bars, 436); /* the bars plus the legend swatch */
	ck_assert_int_gt(bars, 400);
	free(svg);
	ib_result_free(r);
}
END_TEST

START_TEST(test_stdout_summary)
{
	struct ib_result *r = fx_incident(1);
	struct ib_config cfg;
	char *out, *p;
	int lines = 0;

	ib_config_init(&cfg);
	out = render(ib_write_stdout_summary, r, &cfg, NULL);
	ck_assert(strstr(out, "affected users:  22 (intermittent 18, hard 4)") != NULL);
	ck_assert(
	    strstr(out, "window:          2026-01-14T09:00:00Z .. 2026-01-14T09:45:00Z (detected, 45 min)") !=
	    NULL);
	ck_assert(strstr(out, "'logs/evil|name\\x0a[x](y).log.gz' at byte 119876") != NULL);
	ck_assert(strstr(out, "report:          'imapblast-report/'") != NULL);
	for (p = out; *p; p++)
		lines += *p == '\n';
	ck_assert_int_le(lines, 12);
	free(out);
	ib_result_free(r);
}
END_TEST

/* ---- redaction and determinism ---- */

START_TEST(test_redact_outputs)
{
	struct ib_result *r = fx_incident(0);
	struct ib_config cfg;
	static const unsigned char key[] = "0123456789abcdef";
	char pseudo[32], *md, *js, *svg, *csv;
	size_t i;

	ib_config_init(&cfg);
	cfg.redact_key = key;
	cfg.redact_key_len = 16;
	md = render(W_MD, r, &cfg, NULL);
	js = render(W_JSON, r, &cfg, NULL);
	svg = render(W_SVG, r, &cfg, NULL);
	csv = render(W_AFF, r, &cfg, NULL);
	for (i = 0; i < r->nusers; i++) {
		const char *local = r->users[i].user;
		char bare[64];
		snprintf(bare, sizeof(bare), "%.*s", (int)(strchr(local, '@') - local), local);
		ck_assert(strstr(md, bare) == NULL);
		ck_assert(strstr(js, bare) == NULL);
		ck_assert(strstr(svg, bare) == NULL);
		ck_assert(strstr(csv, local) != NULL); /* the claims list stays exact */
		ib_redact_user(key, 16, local, pseudo, sizeof(pseudo));
		ck_assert(strstr(js, pseudo) != NULL);
		ck_assert(strstr(md, pseudo + 2) != NULL); /* "u\\-" in Markdown */
	}
	ck_assert(strstr(md, "mallory") == NULL && strstr(js, "mallory") == NULL);
	ck_assert(strstr(md, "**Redacted.**") != NULL);
	ck_assert(strstr(js, "\"redacted\": true") != NULL);
	free(md);
	free(js);
	free(svg);
	free(csv);
	ib_result_free(r);
}
END_TEST

static char *slurp_in(const char *dir, const char *name, size_t *len)
{
	char p[2100];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return ib_test_slurp(p, len);
}

START_TEST(test_write_deterministic)
{
	struct ib_result *r = fx_incident(1);
	struct ib_config cfg;
	struct ib_error err;
	char *base = tmpdir_new(), d1[1024], d2[1024];
	size_t i;

	ib_config_init(&cfg);
	snprintf(d1, sizeof(d1), "%s/out", base);
	snprintf(d2, sizeof(d2), "%s/link", base); /* just a second directory name */
	cfg.out_dir = d1;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	cfg.out_dir = d2;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	/* and a second run into the same directory replaces our own files */
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	for (i = 0; ib_writers[i]; i++) {
		const char *file = ib_writers[i]->file;
		size_t n1, n2;
		char *a = slurp_in(d1, file, &n1), *b = slurp_in(d2, file, &n2);
		struct stat st;
		char p[1100];
		ck_assert(a != NULL && b != NULL);
		ck_assert_uint_gt(n1, 0);
		ck_assert_uint_eq(n1, n2);
		ck_assert(!memcmp(a, b, n1));
		snprintf(p, sizeof(p), "%s/%s", d1, file);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_mode & 0022, 0);
		free(a);
		free(b);
	}
	for (i = 0; ib_writers[i]; i++) {
		char p[1100];
		snprintf(p, sizeof(p), "%s/%s", d2, ib_writers[i]->file);
		unlink(p);
	}
	rmdir(d2);
	rm_tree(base);
	free(base);
	ib_result_free(r);
}
END_TEST

/* ---- safety ---- */

START_TEST(test_refuse_symlink_dir)
{
	struct ib_result *r = fx_two_users();
	struct ib_config cfg;
	struct ib_error err;
	char *base = tmpdir_new(), target[1024], link[1024], p[1100];

	snprintf(target, sizeof(target), "%s/out", base);
	snprintf(link, sizeof(link), "%s/link", base);
	ck_assert_int_eq(mkdir(target, 0755), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	ib_config_init(&cfg);
	cfg.out_dir = link;
	cfg.force = 1;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_ERR_USAGE);
	ck_assert(strstr(err.msg, "symbolic link") != NULL);
	snprintf(p, sizeof(p), "%s/summary.md", target);
	ck_assert_int_ne(access(p, F_OK), 0);
	rm_tree(base);
	free(base);
	ib_result_free(r);
}
END_TEST

START_TEST(test_refuse_foreign_and_force)
{
	struct ib_result *r = fx_two_users();
	struct ib_config cfg;
	struct ib_error err;
	char *base = tmpdir_new(), dir[1024], p[1100], want[1300], *s;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/out", base);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/summary.md", dir);
	f = fopen(p, "w");
	ck_assert(f != NULL);
	fputs("my own notes\n", f);
	fclose(f);
	ib_config_init(&cfg);
	cfg.out_dir = dir;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_ERR_USAGE);
	snprintf(want, sizeof(want),
		 "refusing to overwrite '%s/summary.md' (not written by imapblast; use --force)", dir);
	ck_assert_str_eq(err.msg, want);
	s = ib_test_slurp(p, NULL);
	ck_assert_str_eq(s, "my own notes\n");
	free(s);
	/* nothing was written before the refusal */
	snprintf(p, sizeof(p), "%s/affected-users.csv", dir);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* selecting only other outputs leaves the foreign file alone and succeeds */
	cfg.outputs = IB_OUT_CSV | IB_OUT_JSON;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	ck_assert_int_eq(access(p, F_OK), 0);
	cfg.outputs = IB_OUT_ALL;
	cfg.force = 1;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	snprintf(p, sizeof(p), "%s/summary.md", dir);
	s = ib_test_slurp(p, NULL);
	ck_assert(!strncmp(s, MD_MARKER, strlen(MD_MARKER)));
	free(s);
	/* now ours: a run without --force may replace it */
	cfg.force = 0;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	rm_tree(base);
	free(base);
	ib_result_free(r);
}
END_TEST

START_TEST(test_refuse_symlinked_file)
{
	struct ib_result *r = fx_two_users();
	struct ib_config cfg;
	struct ib_error err;
	char *base = tmpdir_new(), dir[1024], outside[1024], p[1100], want[256], *s;
	struct stat st;
	FILE *f;

	snprintf(want, sizeof(want), "%sprecious\n", MD_MARKER);

	snprintf(dir, sizeof(dir), "%s/out", base);
	snprintf(outside, sizeof(outside), "%s/outside.txt", base);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	f = fopen(outside, "w");
	ck_assert(f != NULL);
	fputs(want, f); /* even with our marker, a link is not ours */
	fclose(f);
	snprintf(p, sizeof(p), "%s/summary.md", dir);
	ck_assert_int_eq(symlink(outside, p), 0);
	ib_config_init(&cfg);
	cfg.out_dir = dir;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_ERR_USAGE);
	ck_assert(strstr(err.msg, "refusing to overwrite") != NULL);
	cfg.force = 1;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode)); /* the link was replaced, not followed */
	s = ib_test_slurp(outside, NULL);
	ck_assert_str_eq(s, want);
	free(s);
	rm_tree(base);
	free(base);
	ib_result_free(r);
}
END_TEST

START_TEST(test_creates_missing_dirs)
{
	struct ib_result *r = fx_two_users();
	struct ib_config cfg;
	struct ib_error err;
	char *base = tmpdir_new(), dir[1024], p[1100];
	struct stat st;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/out/link", base); /* two levels, both missing */
	ib_config_init(&cfg);
	cfg.out_dir = dir;
	cfg.outputs = IB_OUT_SVG;
	ck_assert_int_eq(ib_report_write(r, &cfg, &err), IB_OK);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "%s/timeline.svg", dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	for (i = 0; ib_writers[i]; i++) {
		if (ib_writers[i]->bit & cfg.outputs)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, ib_writers[i]->file);
		ck_assert_int_ne(access(p, F_OK), 0); /* only what was selected */
	}
	snprintf(p, sizeof(p), "%s/timeline.svg", dir);
	unlink(p);
	rmdir(dir);
	rm_tree(base);
	free(base);
	ib_result_free(r);
}
END_TEST

/* ---- the table of writers ---- */

START_TEST(test_writer_table)
{
	size_t i, k;

	ck_assert(ib_writers[0] != NULL);
	for (i = 0; ib_writers[i]; i++) {
		const struct ib_writer *w = ib_writers[i];

		ck_assert(w->name != NULL && w->name[0]);
		ck_assert_uint_eq(strspn(w->name, "abcdefghijklmnopqrstuvwxyz"), strlen(w->name));
		ck_assert(w->file != NULL && w->file[0]);
		ck_assert(!strchr(w->file, '/'));
		ck_assert_uint_lt(strlen(w->file), 40); /* the temporary name has room for it */
		ck_assert(w->marker != NULL && w->marker[0]);
		ck_assert_uint_le(strlen(w->marker), IB_WRITER_HEAD);
		ck_assert(!w->marker_also || strlen(w->marker) + strlen(w->marker_also) <= IB_WRITER_HEAD);
		ck_assert(w->write != NULL);
		ck_assert(w->bit != 0 && (w->bit & (w->bit - 1)) == 0); /* one bit */
		ck_assert_uint_eq(w->bit & ~(unsigned)IB_OUT_ALL, 0);	/* selected by default */
		ck_assert_ptr_eq(ib_writer_find(w->file), w);
		for (k = 0; k < i; k++) {
			ck_assert_str_ne(ib_writers[k]->file, w->file);
			/* one bit per name: rows of a name share it, other names do not */
			if (!strcmp(ib_writers[k]->name, w->name))
				ck_assert_uint_eq(ib_writers[k]->bit, w->bit);
			else
				ck_assert_uint_ne(ib_writers[k]->bit, w->bit);
		}
	}
	ck_assert_ptr_null(ib_writer_find("nope.txt"));
}
END_TEST

START_TEST(test_writer_select)
{
	unsigned all = 0, mask = 99;
	char buf[512], want[512] = ",", tok[64];
	size_t i, len;

	len = ib_report_names(buf, sizeof(buf));
	ck_assert_uint_eq(len, strlen(buf));
	ck_assert_uint_lt(len, sizeof(want) - 2);
	memcpy(want + 1, buf, len);
	memcpy(want + 1 + len, ",", 2); /* ",csv,md,json,svg," */
	for (i = 0; ib_writers[i]; i++) {
		all |= ib_writers[i]->bit;
		/* each name alone selects its bit */
		ck_assert_int_eq(ib_report_select(ib_writers[i]->name, &mask), IB_OK);
		ck_assert_uint_eq(mask, ib_writers[i]->bit);
		/* and appears once in the list of names */
		snprintf(tok, sizeof(tok), ",%s,", ib_writers[i]->name);
		ck_assert(strstr(want, tok) != NULL);
		ck_assert(strstr(strstr(want, tok) + 1, tok) == NULL);
	}
	/* today's names, in the order --help has always shown them */
	ck_assert(!strncmp(buf, "csv,md,json,svg", 15));
	ck_assert_uint_eq(ib_report_names(NULL, 0), strlen(buf));
	ck_assert_int_eq(ib_report_select(buf, &mask), IB_OK);
	ck_assert_uint_eq(mask, all);
	ck_assert_int_eq(ib_report_select("svg,csv,", &mask), IB_OK);
	ck_assert_uint_eq(mask, IB_OUT_SVG | IB_OUT_CSV);
	ck_assert_int_eq(ib_report_select("", &mask), IB_OK);
	ck_assert_uint_eq(mask, 0);
	ck_assert_int_eq(ib_report_select("csv,,md", &mask), IB_ERR_USAGE);
	ck_assert_int_eq(ib_report_select("cs", &mask), IB_ERR_USAGE);
	ck_assert_int_eq(ib_report_select("csvx", &mask), IB_ERR_USAGE);
	ck_assert_int_eq(ib_report_select(",", &mask), IB_ERR_USAGE);

	want[0] = 0;
	for (i = 0, len = 0; ib_writers[i]; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s", i ? ", " : "",
					ib_writers[i]->file);
	ck_assert_uint_eq(ib_report_files(buf, sizeof(buf)), strlen(want));
	ck_assert_str_eq(buf, want);
	/* truncated like snprintf: the full length back, what fits written */
	ck_assert_uint_eq(ib_report_files(buf, 10), strlen(want));
	ck_assert_uint_eq(strlen(buf), 9);
	ck_assert(!strncmp(buf, want, 9));
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("hash");
	tcase_add_loop_test(tc, test_sha256_vectors, 0, (int)(sizeof(sha_cases) / sizeof(sha_cases[0])));
	tcase_add_test(tc, test_sha256_million_a);
	tcase_add_loop_test(tc, test_hmac_rfc4231, 0, (int)(sizeof(hmac_cases) / sizeof(hmac_cases[0])));
	tcase_add_test(tc, test_redact_user);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_test(tc, test_esc_every_byte);
	tcase_add_loop_test(tc, test_esc_table, 0, (int)(sizeof(esc_cases) / sizeof(esc_cases[0])));
	tcase_add_loop_test(tc, test_csv_cell_table, 0, (int)(sizeof(cell_cases) / sizeof(cell_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("writers");
	tcase_add_test(tc, test_writer_table);
	tcase_add_test(tc, test_writer_select);
	tcase_add_test(tc, test_csv_golden);
	tcase_add_test(tc, test_csv_hostile_roundtrip);
	tcase_add_test(tc, test_md_tables_hold);
	tcase_add_test(tc, test_md_long_range);
	tcase_add_test(tc, test_json_basics);
	tcase_add_test(tc, test_svg_basics);
	tcase_add_test(tc, test_two_windows);
	tcase_add_test(tc, test_svg_empty_and_huge);
	tcase_add_test(tc, test_stdout_summary);
	tcase_add_test(tc, test_redact_outputs);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_write_deterministic);
	tcase_add_test(tc, test_refuse_symlink_dir);
	tcase_add_test(tc, test_refuse_foreign_and_force);
	tcase_add_test(tc, test_refuse_symlinked_file);
	tcase_add_test(tc, test_creates_missing_dirs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(report_suite());
}
