/*
 * check_reader.c: the reader and the input walk. Test files are made here
 * with mkstemp and zlib; nothing depends on files outside the tree.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "imapblast/reader.h"
#include "testutil.h"

struct lines {
	char **v;
	size_t *len;
	size_t n;
	int rc; /* final rc: IB_EOF or the error */
	struct ib_error err;
	struct ib_reader_stats st;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
	memset(l, 0, sizeof(*l));
}

/* Set by the "async" test case's fixture: read in a second thread. */
static int async_mode;

static void set_async(void)
{
	async_mode = 1;
}

/* What the reading thread notes of a line (ib_reader_ahead): where it is, and a checksum. */
struct seen {
	const char *ptr;
	size_t len;
	unsigned sum;
	unsigned calls; /* the arg's: lines seen ahead so far */
};

static unsigned sum_of(struct ib_str line)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < line.len; i++)
		h = (h ^ (unsigned char)line.ptr[i]) * 16777619u;
	return h;
}

static void note_ahead(void *arg, struct ib_str line, void *rec)
{
	struct seen *s = rec;

	((struct seen *)arg)->calls++;
	s->ptr = line.ptr;
	s->len = line.len;
	s->sum = sum_of(line);
}

/* Lines handed out with a record (read_all_mode with a reading thread). */
static size_t with_rec;

/*
 * async: 0 without the reading thread, 1 with it from the start, k > 1
 * from line k - 1 on; with the thread, lines are also read ahead
 * (ib_reader_ahead) and every record must be its line's.
 */
static void read_all_mode(const char *path, size_t max_line, struct lines *out, size_t async)
{
	struct ib_reader *r = NULL;
	struct ib_str line;
	struct seen calls = {0};
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	with_rec = 0;
	rc = ib_reader_open(&r, path, max_line, &out->err);
	if (rc < 0) {
		out->rc = rc;
		return;
	}
	if (async) {
		ck_assert_int_eq(ib_reader_ahead(r, note_ahead, &calls, sizeof(struct seen)), IB_OK);
		ck_assert_int_eq(ib_reader_ahead(r, note_ahead, &calls, sizeof(struct seen)), IB_ERR_USAGE);
	}
	if (async == 1)
		ck_assert_int_eq(ib_reader_async(r), IB_OK);
	while ((rc = ib_reader_next(r, &line, &out->err)) == IB_OK) {
		const struct seen *sn = ib_reader_rec(r);

		if (sn) {
			ck_assert(sn->ptr == line.ptr);
			ck_assert_uint_eq(sn->len, line.len);
			ck_assert_uint_eq(sn->sum, sum_of(line));
			with_rec++;
		}
		if (async > 1 && out->n + 1 == async - 1) {
			/* switch with a line in hand: it must stay valid */
			ck_assert_int_eq(ib_reader_async(r), IB_OK);
			ck_assert_int_eq(ib_reader_async(r), IB_ERR_USAGE);
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = realloc(out->v, cap * sizeof(*out->v));
			out->len = realloc(out->len, cap * sizeof(*out->len));
			ck_assert(out->v && out->len);
		}
		out->v[out->n] = malloc(line.len + 1);
		ck_assert(out->v[out->n] != NULL);
		memcpy(out->v[out->n], line.ptr, line.len);
		out->v[out->n][line.len] = 0;
		out->len[out->n] = line.len;
		out->n++;
	}
	out->rc = rc;
	ib_reader_stats(r, &out->st);
	ib_reader_close(r);
}

static void read_all(const char *path, size_t max_line, struct lines *out)
{
	read_all_mode(path, max_line, out, async_mode);
}

/* One gzip member of data; returns malloc'd bytes, *outlen set. */
static unsigned char *gz(const void *data, size_t len, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound(len) + 64;
	unsigned char *out = malloc(cap);

	ck_assert(out != NULL);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static const char TEXT[] = "Jan 14 09:00:01 imap1 dovecot: imap-login: Login: user=<a>\n"
			   "second line\n"
			   "\n"
			   "fourth line with a NUL \0 inside\n"
			   "last line\n";

static void check_text_lines(const struct lines *l)
{
	ck_assert_int_eq(l->rc, IB_EOF);
	ck_assert_uint_eq(l->n, 5);
	ck_assert_str_eq(l->v[0], "Jan 14 09:00:01 imap1 dovecot: imap-login: Login: user=<a>");
	ck_assert_str_eq(l->v[1], "second line");
	ck_assert_uint_eq(l->len[2], 0);
	ck_assert_uint_eq(l->len[3], strlen("fourth line with a NUL ") + 1 + strlen(" inside"));
	ck_assert(memcmp(l->v[3] + 23, "\0 inside", 8) == 0);
	ck_assert_str_eq(l->v[4], "last line");
}

START_TEST(plain_gzip_multimember_same)
{
	size_t tl = sizeof(TEXT) - 1, g1, g2, half = 61;
	unsigned char *a = gz(TEXT, tl, &g1);
	unsigned char *b1 = gz(TEXT, half, &g1), *b2 = gz(TEXT + half, tl - half, &g2);
	unsigned char *multi = malloc(g1 + g2);
	size_t ga;
	char *p1, *p2, *p3;
	struct lines l;

	free(a);
	a = gz(TEXT, tl, &ga);
	memcpy(multi, b1, g1);
	memcpy(multi + g1, b2, g2);
	p1 = ib_test_tmpfile(TEXT, tl, ".log");
	p2 = ib_test_tmpfile(a, ga, ".log"); /* gzip detected by magic, not name */
	p3 = ib_test_tmpfile(multi, g1 + g2, ".gz");
	read_all(p1, 0, &l);
	check_text_lines(&l);
	ck_assert_int_eq(l.st.gzip, 0);
	lines_free(&l);
	read_all(p2, 0, &l);
	check_text_lines(&l);
	ck_assert_int_eq(l.st.gzip, 1);
	ck_assert_uint_eq(l.st.bytes_out, tl);
	ck_assert_uint_eq(l.st.bytes_in, ga);
	lines_free(&l);
	read_all(p3, 0, &l);
	check_text_lines(&l);
	ck_assert_uint_eq(l.st.members, 2);
	lines_free(&l);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	free(p1);
	free(p2);
	free(p3);
	free(a);
	free(b1);
	free(b2);
	free(multi);
}
END_TEST

START_TEST(crlf_and_no_final_newline)
{
	const char t[] = "one\r\ntwo\r\nthree";
	char *p = ib_test_tmpfile(t, sizeof(t) - 1, NULL);
	struct lines l;

	read_all(p, 0, &l);
	ck_assert_int_eq(l.rc, IB_EOF);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.v[0], "one");
	ck_assert_str_eq(l.v[1], "two");
	ck_assert_str_eq(l.v[2], "three");
	ck_assert_uint_eq(l.st.lines, 3);
	lines_free(&l);
	unlink(p);
	free(p);
}
END_TEST

START_TEST(empty_files)
{
	char *p = ib_test_tmpfile("", 0, NULL);
	char *q = ib_test_tmpfile("", 0, ".gz");
	size_t gl;
	unsigned char *g = gz("", 0, &gl);
	char *e = ib_test_tmpfile(g, gl, ".gz");
	struct lines l;

	read_all(p, 0, &l);
	ck_assert_int_eq(l.rc, IB_EOF);
	ck_assert_uint_eq(l.n, 0);
	lines_free(&l);
	read_all(q, 0, &l); /* zero-byte .gz: empty, not an error */
	ck_assert_int_eq(l.rc, IB_EOF);
	ck_assert_uint_eq(l.n, 0);
	lines_free(&l);
	read_all(e, 0, &l); /* a member holding nothing */
	ck_assert_int_eq(l.rc, IB_EOF);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_uint_eq(l.st.members, 1);
	lines_free(&l);
	unlink(p);
	unlink(q);
	unlink(e);
	free(p);
	free(q);
	free(e);
	free(g);
}
END_TEST

static void long_line_case(int gzip)
{
	size_t big = 10 * 1024 * 1024, n = big + 64, gl = 0;
	char *t = malloc(n);
	unsigned char *g = NULL;
	char *p;
	struct lines l;

	memcpy(t, "before\n", 7);
	memset(t + 7, 'x', big);
	memcpy(t + 7 + big, "\nafter\n", 7);
	n = 7 + big + 7;
	if (gzip)
		g = gz(t, n, &gl);
	p = gzip ? ib_test_tmpfile(g, gl, ".gz") : ib_test_tmpfile(t, n, NULL);
	read_all(p, 0, &l);
	ck_assert_int_eq(l.rc, IB_EOF);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0], "before");
	ck_assert_str_eq(l.v[1], "after");
	ck_assert_uint_eq(l.st.lines, 3);
	ck_assert_uint_eq(l.st.overlong, 1);
	lines_free(&l);
	unlink(p);
	free(p);
	free(t);
	free(g);
}

START_TEST(long_line_plain)
{
	long_line_case(0);
}
END_TEST

START_TEST(long_line_gzip)
{
	long_line_case(1);
}
END_TEST

START_TEST(max_line_option)
{
	const char t[] = "short\n0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-\nend";
	char *p = ib_test_tmpfile(t, sizeof(t) - 1, NULL);
	struct lines l;

	read_all(p, 256, &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[1], "end");
	ck_assert_uint_eq(l.st.overlong, 1);
	lines_free(&l);
	unlink(p);
	free(p);
}
END_TEST

/* Many numbered lines, so prefixes are easy to check. */
static char *numbered(size_t count, size_t *len)
{
	char *t = malloc(count * 64);
	size_t n = 0;

	for (size_t i = 0; i < count; i++)
		n += (size_t)snprintf(t + n, 64, "line %06zu of the truncation test\n", i);
	*len = n;
	return t;
}

static void check_prefix(const struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "line %06zu of the truncation test", i);
		ck_assert_str_eq(l->v[i], want);
	}
}

START_TEST(truncated_gzip)
{
	size_t tl, gl;
	char *t = numbered(20000, &tl);
	unsigned char *g = gz(t, tl, &gl);
	size_t cuts[] = {gl / 10, gl / 3, gl / 2, gl - 9, gl - 1};

	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		char *p = ib_test_tmpfile(g, cuts[k], ".gz");
		struct lines l;

		read_all(p, 0, &l);
		ck_assert_int_eq(l.rc, IB_ERR_FORMAT);
		ck_assert_str_eq(l.err.path, p);
		ck_assert_msg(strstr(l.err.msg, "truncated gzip member") != NULL, "msg: %s", l.err.msg);
		ck_assert_uint_le(l.err.offset, cuts[k]);
		check_prefix(&l);
		/* everything inflated before the cut is kept */
		if (cuts[k] >= gl - 9)
			ck_assert_uint_eq(l.n, 20000);
		else
			ck_assert_uint_gt(l.n, 0);
		lines_free(&l);
		unlink(p);
		free(p);
	}
	free(t);
	free(g);
}
END_TEST

START_TEST(bad_crc_and_garbage)
{
	size_t tl, gl;
	char *t = numbered(1000, &tl);
	unsigned char *g = gz(t, tl, &gl);
	unsigned char *bad = malloc(gl + 16);
	char *p;
	struct lines l;

	memcpy(bad, g, gl);
	bad[gl - 8] ^= 0x55; /* CRC32 of the trailer */
	p = ib_test_tmpfile(bad, gl, ".gz");
	read_all(p, 0, &l);
	ck_assert_int_eq(l.rc, IB_ERR_FORMAT);
	ck_assert_msg(strstr(l.err.msg, "CRC") != NULL, "msg: %s", l.err.msg);
	ck_assert_uint_eq(l.n, 1000);
	check_prefix(&l);
	lines_free(&l);
	unlink(p);
	free(p);

	memcpy(bad, g, gl);
	memcpy(bad + gl, "GARBAGE TRAILING", 16);
	p = ib_test_tmpfile(bad, gl + 16, ".gz");
	read_all(p, 0, &l);
	ck_assert_int_eq(l.rc, IB_ERR_FORMAT);
	ck_assert_msg(strstr(l.err.msg, "garbage after gzip member") != NULL, "msg: %s", l.err.msg);
	ck_assert_uint_eq(l.err.offset, gl);
	ck_assert_uint_eq(l.n, 1000);
	lines_free(&l);
	unlink(p);
	free(p);
	free(t);
	free(g);
	free(bad);
}
END_TEST

START_TEST(missing_file)
{
	struct lines l;

	read_all("/nonexistent/dir/x.log.gz", 0, &l);
	ck_assert_int_eq(l.rc, IB_ERR_IO);
	ck_assert_str_eq(l.err.path, "/nonexistent/dir/x.log.gz");
	ck_assert_msg(strstr(l.err.msg, "cannot open '/nonexistent/dir/x.log.gz'") != NULL, "msg: %s",
		      l.err.msg);
}
END_TEST

START_TEST(stdin_reads)
{
	size_t gl;
	unsigned char *g = gz(TEXT, sizeof(TEXT) - 1, &gl);
	char *p = ib_test_tmpfile(g, gl, ".gz");
	int saved = dup(0), fd = open(p, O_RDONLY);
	struct lines l;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(dup2(fd, 0), 0);
	close(fd);
	read_all("-", 0, &l);
	dup2(saved, 0);
	close(saved);
	check_text_lines(&l);
	lines_free(&l);
	unlink(p);
	free(p);
	free(g);
}
END_TEST

static void touch(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs("x\n", f);
	fclose(f);
}

START_TEST(walk_order_and_loops)
{
	char dir[] = "/tmp/ibwalkXXXXXX";
	char path[512];
	struct ib_inputs in;
	size_t len = strlen(mkdtemp(dir));

	ck_assert_uint_gt(len, 0);
	touch(dir, "b.log");
	touch(dir, "a.log.gz");
	snprintf(path, sizeof(path), "%s/sub", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	touch(path, "c.log");
	snprintf(path, sizeof(path), "%s/sub/loop", dir);
	ck_assert_int_eq(symlink(dir, path), 0);
	ib_inputs_init(&in);
	ck_assert_int_eq(ib_inputs_add(&in, dir), IB_OK);
	ck_assert_int_eq(ib_inputs_add(&in, "/nonexistent-ib-file"), IB_OK);
	ck_assert_uint_eq(in.n, 3);
	snprintf(path, sizeof(path), "%s/a.log.gz", dir);
	ck_assert_str_eq(in.paths[0], path);
	snprintf(path, sizeof(path), "%s/b.log", dir);
	ck_assert_str_eq(in.paths[1], path);
	snprintf(path, sizeof(path), "%s/sub/c.log", dir);
	ck_assert_str_eq(in.paths[2], path);
	ck_assert_uint_eq(in.nerrors, 2);
	ck_assert_msg(strstr(in.errors[0].msg, "loop") != NULL, "msg: %s", in.errors[0].msg);
	ck_assert_msg(strstr(in.errors[1].msg, "cannot open '/nonexistent-ib-file'") != NULL, "msg: %s",
		      in.errors[1].msg);
	ib_inputs_release(&in);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/*
 * Several MiB of lines of every length (some over max_line) across the
 * reading thread's block edges: async and plain reading give the same
 * lines, counts and errors, for text, gzip, and gzip cut short, with the
 * thread from the start or switched on after some lines.
 */
START_TEST(async_same_as_sync)
{
	enum { SIZE = 5 * 1024 * 1024 + 12345 };
	char *text = malloc(SIZE), path[] = "/tmp/check_reader_asyncXXXXXX";
	uint64_t x = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	size_t glen, i = 0, n = 0;
	unsigned char *g;
	struct lines a, b;
	int fd;

	ck_assert(text != NULL);
	while (i < SIZE) {
		size_t len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = x % 9 == 0 ? (size_t)(x >> 20) % 6000 : (size_t)(x >> 20) % 300;
		for (size_t j = 0; j < len && i < SIZE; j++, i++)
			text[i] = (char)('a' + (n + j) % 26);
		if (i < SIZE)
			text[i++] = x % 5 == 0 ? '\r' : '\n';
		if (i < SIZE && text[i - 1] == '\r')
			text[i++] = '\n';
		n++;
	}
	g = gz(text, SIZE, &glen);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	if (_i % 3 == 0)
		ck_assert_int_eq(write(fd, text, SIZE), SIZE);
	else if (_i % 3 == 1)
		ck_assert_int_eq(write(fd, g, glen), (ssize_t)glen);
	else
		ck_assert_int_eq(write(fd, g, glen * 3 / 4), (ssize_t)(glen * 3 / 4));
	close(fd);
	read_all_mode(path, 4096, &a, 0);
	read_all_mode(path, 4096, &b, _i < 3 ? 1 : 2 + (size_t)(x % 4000));
	unlink(path);
	/*
	 * lines were read ahead, and their records came back with them (how
	 * many follows who waits: the share starts at half a block and moves
	 * a 16th a block, so every block has some)
	 */
	ck_assert_uint_gt(with_rec, 0);
	ck_assert_uint_gt(a.n, 5000);
	ck_assert_int_eq(a.rc, _i % 3 == 2 ? IB_ERR_FORMAT : IB_EOF);
	ck_assert_int_eq(b.rc, a.rc);
	ck_assert_uint_eq(b.n, a.n);
	for (size_t k = 0; k < a.n; k++) {
		ck_assert_uint_eq(b.len[k], a.len[k]);
		ck_assert(memcmp(a.v[k], b.v[k], a.len[k]) == 0);
	}
	ck_assert_uint_gt(a.st.overlong, 0);
	ck_assert(memcmp(&a.st, &b.st, sizeof(a.st)) == 0);
	if (_i % 3 == 2) {
		ck_assert_uint_eq(b.err.offset, a.err.offset);
		ck_assert_uint_eq(b.err.line, a.err.line);
		ck_assert_str_eq(b.err.msg, a.err.msg);
	}
	lines_free(&a);
	lines_free(&b);
	free(g);
	free(text);
}
END_TEST

/* A reader closed before its end stops its reading thread (ASan/valgrind see leaks). */
START_TEST(async_close_early)
{
	char path[] = "/tmp/check_reader_earlyXXXXXX";
	size_t len = 8u << 20;
	char *text = malloc(len);
	struct ib_reader *r = NULL;
	struct ib_error err;
	struct ib_str line;
	int fd = mkstemp(path);

	ck_assert(text != NULL && fd >= 0);
	for (size_t i = 0; i < len; i++)
		text[i] = i % 80 == 79 ? '\n' : 'x';
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(ib_reader_open(&r, path, 0, &err), IB_OK);
	ck_assert_int_eq(ib_reader_async(r), IB_OK);
	ck_assert_int_eq(ib_reader_async(r), IB_ERR_USAGE);
	ck_assert_int_eq(ib_reader_next(r, &line, &err), IB_OK);
	ck_assert_uint_eq(line.len, 79);
	ib_reader_close(r);
	unlink(path);
	free(text);
}
END_TEST

/*
 * Lines read ahead while the reader yields over-long lines in pieces (as
 * the pipeline reads): a record comes only with a whole line, and is its
 * line's; no piece has one.
 */
START_TEST(async_ahead_pieces)
{
	enum { SIZE = 4 * 1024 * 1024 + 777 };
	char *text = malloc(SIZE), path[] = "/tmp/check_reader_piecesXXXXXX";
	struct seen calls = {0};
	struct ib_reader *r = NULL;
	struct ib_error err;
	struct ib_str line;
	size_t i = 0, n = 0, recs = 0, lines = 0;
	int fd, in_piece = 0;

	ck_assert(text != NULL);
	while (i < SIZE) {
		size_t len = n % 23 == 0 ? 5000 + n % 3000 : n % 200;

		for (size_t j = 0; j < len && i < SIZE; j++, i++)
			text[i] = (char)('a' + (n + j) % 26);
		if (i < SIZE)
			text[i++] = '\n';
		n++;
	}
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, SIZE), SIZE);
	close(fd);
	ck_assert_int_eq(ib_reader_open(&r, path, 4096, &err), IB_OK);
	ib_reader_pieces(r);
	ck_assert_int_eq(ib_reader_ahead(r, note_ahead, &calls, sizeof(struct seen)), IB_OK);
	ck_assert_int_eq(ib_reader_async(r), IB_OK);
	while (ib_reader_next(r, &line, &err) == IB_OK) {
		const struct seen *sn = ib_reader_rec(r);

		if (sn) {
			ck_assert(!in_piece && !ib_reader_partial(r));
			ck_assert(sn->ptr == line.ptr);
			ck_assert_uint_eq(sn->len, line.len);
			ck_assert_uint_eq(sn->sum, sum_of(line));
			recs++;
		}
		in_piece = ib_reader_partial(r);
		lines += !in_piece;
	}
	ib_reader_close(r);
	unlink(path);
	free(text);
	ck_assert_uint_gt(recs, 0);
	ck_assert_uint_le(recs, calls.calls);
}
END_TEST

static void add_reader_tests(TCase *tc)
{
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain_gzip_multimember_same);
	tcase_add_test(tc, crlf_and_no_final_newline);
	tcase_add_test(tc, empty_files);
	tcase_add_test(tc, long_line_plain);
	tcase_add_test(tc, long_line_gzip);
	tcase_add_test(tc, max_line_option);
	tcase_add_test(tc, truncated_gzip);
	tcase_add_test(tc, bad_crc_and_garbage);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, stdin_reads);
}

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("core");
	TCase *ta = tcase_create("async");

	add_reader_tests(tc);
	tcase_add_test(tc, walk_order_and_loops);
	/* 0-2: the thread from the start; 3-8: switched on mid-file */
	tcase_add_loop_test(tc, async_same_as_sync, 0, 9);
	tcase_add_test(tc, async_close_early);
	tcase_add_test(tc, async_ahead_pieces);
	suite_add_tcase(s, tc);
	/* every reading test again, with the reading thread */
	tcase_add_checked_fixture(ta, set_async, NULL);
	add_reader_tests(ta);
	suite_add_tcase(s, ta);
	return s;
}

int main(void)
{
	return ib_test_run(reader_suite());
}
