/*
 * check_adversarial.c: hostile input at the library level, through
 * ib_pipeline_file and the reader: broken gzip, a gzip bomb, huge and odd
 * lines, odd timestamps, a million users, unreadable and special files,
 * the accounting identity on every sample, and the replay of the fuzzers'
 * regression inputs (tests/regress/<harness>/). Files are made here with
 * mkstemp and zlib. Bounds and results: docs/robustness.md.
 */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "imapblast/agg.h"
#include "imapblast/classify.h"
#include "imapblast/config.h"
#include "imapblast/pipeline.h"
#include "imapblast/reader.h"
#include "testutil.h"

/* The fuzz harnesses, renamed, to replay tests/regress/. */
#define LLVMFuzzerTestOneInput fuzz_parser_one
#include "fuzz/fuzz_parser.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_syslog_one
#include "fuzz/fuzz_syslog.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_rules_one
#include "fuzz/fuzz_rules.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_classify_one
#include "fuzz/fuzz_classify.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_reader_one
#include "fuzz/fuzz_reader.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_state_one
#include "fuzz/fuzz_state.c"
#undef LLVMFuzzerTestOneInput

#if defined(__SANITIZE_ADDRESS__)
#define IB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IB_SANITIZED 1
#endif
#endif
#ifndef IB_SANITIZED
#define IB_SANITIZED 0
#endif

/* Under valgrind (make valgrind sets IB_VALGRIND=1) or a sanitizer, big cases shrink. */
static int slow_mode(void)
{
	const char *v = getenv("IB_VALGRIND");

	return IB_SANITIZED || (v && *v == '1');
}

#define OK_LINE                                                                                              \
	"2026-01-14T09:00:01Z imap1 dovecot: imap-login: Login: user=<alice@example.com>, "                  \
	"method=PLAIN, rip=192.0.2.10, lip=10.0.0.1, mpid=100, TLS, session=<AAAA>\n"
#define FAIL_LINE                                                                                            \
	"2026-01-14T09:00:02Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in "          \
	"2 secs): user=<bob@example.com>, method=PLAIN, rip=192.0.2.11, lip=10.0.0.1, TLS, "                 \
	"session=<BBBB>\n"
/* Ten lines, ten events. */
#define GOOD10 OK_LINE FAIL_LINE OK_LINE FAIL_LINE OK_LINE FAIL_LINE OK_LINE FAIL_LINE OK_LINE FAIL_LINE

/* ---- a growable byte buffer for building test files ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *data, size_t len)
{
	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert(b->p != NULL);
	}
	if (len)
		memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Append one gzip member of data (level 0 = stored blocks). */
static void put_gz(struct buf *b, const void *data, size_t len, int level)
{
	z_stream z;
	size_t cap = deflateBound(NULL, (uLong)len) + 64;
	unsigned char *out = malloc(cap);

	ck_assert(out != NULL);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	put(b, out, cap - z.avail_out);
	deflateEnd(&z);
	free(out);
}

/* ---- running the pipeline on one file ---- */

struct outcome {
	int rc;
	struct ib_file_counts c;
	size_t nerrors;
	struct ib_error err; /* the first input error */
	size_t users;	     /* distinct users interned (id 0 = none excluded) */
	size_t reasons;
};

static struct ib_rules *rules;
static struct ib_classifier *cls;

static void setup(void)
{
	ck_assert_int_eq(ib_rules_new(&rules, 1, NULL), IB_OK);
	ck_assert_int_eq(ib_rules_compile(rules, NULL), IB_OK);
	ck_assert_int_eq(ib_classifier_new(&cls, rules, NULL), IB_OK);
}

static void teardown(void)
{
	ib_classifier_free(cls);
	ib_rules_free(rules);
	cls = NULL;
	rules = NULL;
}

static void check_identity(const struct ib_file_counts *c)
{
	ck_assert_uint_eq(c->lines, c->events + c->ignored + c->unparseable + c->overlong);
}

static void run_cfg(const struct ib_config *cfg, const char *path, struct outcome *o)
{
	struct ib_agg *agg = NULL;
	struct ib_error err;
	uint32_t id;

	memset(o, 0, sizeof(*o));
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ib_agg_new(&agg, cfg->bucket_ms), IB_OK);
	o->rc = ib_pipeline_file(cfg, cls, path, agg, &err);
	ck_assert_int_eq(ib_agg_file(agg, path, &id), IB_OK);
	ck_assert(ib_agg_file_get(agg, id) != NULL);
	o->c = *ib_agg_file_get(agg, id);
	o->c.format = NULL; /* points into the aggregator */
	o->nerrors = ib_agg_nerrors(agg);
	if (o->nerrors)
		o->err = *ib_agg_error(agg, 0);
	o->users = ib_agg_nstr(agg, IB_S_USER) - 1;
	o->reasons = ib_agg_nreasons(agg);
	ib_agg_free(agg);
	check_identity(&o->c);
}

static void run(const char *path, struct outcome *o)
{
	struct ib_config cfg;

	ib_config_init(&cfg);
	run_cfg(&cfg, path, o);
}

/* The error record names the file, the offset (or up to slack bytes before) and the reason. */
static void check_error_near(const struct outcome *o, const char *path, uint64_t offset, uint64_t slack,
			     const char *reason)
{
	ck_assert_int_eq(o->rc, IB_BAD);
	ck_assert_uint_eq(o->nerrors, 1);
	ck_assert_str_eq(o->err.path, path);
	ck_assert_msg(strstr(o->err.msg, path) != NULL, "message lacks the path: %s", o->err.msg);
	ck_assert_msg(strstr(o->err.msg, reason) != NULL, "message lacks '%s': %s", reason, o->err.msg);
	ck_assert_uint_le(o->err.offset, offset);
	ck_assert_uint_ge(o->err.offset + slack, offset);
}

static void check_error(const struct outcome *o, const char *path, uint64_t offset, const char *reason)
{
	check_error_near(o, path, offset, 0, reason);
}

/* ---- table: built files with an exact expected outcome ---- */

enum build {
	B_TRUNC_MID,
	B_TRUNC_TRAILER,
	B_BAD_CRC,
	B_GARBAGE,
	B_EMPTY_MEMBER,
	B_EMPTY_GZ,
	B_MAGIC_ONLY,
	B_NOT_GZIP,
	B_NUL,
	B_UTF8,
	B_CR_ONLY,
	B_USER64K,
	B_USER64K_BIG,
	B_OUT_OF_ORDER,
	B_FUTURE,
	B_EPOCH,
	B_Y2038,
	B_FEB30
};

struct build_case {
	const char *name;
	enum build how;
	const char *suffix;
	int rc; /* IB_OK or IB_BAD */
	uint64_t lines, events, unparseable, overlong;
	const char *reason; /* error reason with IB_BAD */
	long offset;	    /* error offset; -1: end of file, -2: computed */
};

static const struct build_case build_cases[] = {
    {"gzip truncated mid-member", B_TRUNC_MID, ".gz", IB_BAD, 15, 15, 0, 0, "truncated gzip member", -1},
    {"gzip truncated in the trailer", B_TRUNC_TRAILER, ".gz", IB_BAD, 20, 20, 0, 0, "truncated gzip member",
     -1},
    {"gzip bad CRC", B_BAD_CRC, ".gz", IB_BAD, 20, 20, 0, 0, "CRC", -2},
    {"gzip trailing garbage", B_GARBAGE, ".gz", IB_BAD, 10, 10, 0, 0, "garbage after gzip member", -2},
    {"gzip zero-length member", B_EMPTY_MEMBER, ".gz", IB_OK, 20, 20, 0, 0, NULL, 0},
    {"empty .gz file", B_EMPTY_GZ, ".gz", IB_OK, 0, 0, 0, 0, NULL, 0},
    {"gzip magic only", B_MAGIC_ONLY, ".gz", IB_BAD, 0, 0, 0, 0, "gzip", -1},
    {"plain text named .gz", B_NOT_GZIP, ".gz", IB_OK, 10, 10, 0, 0, NULL, 0},
    {"NUL bytes", B_NUL, ".log", IB_OK, 23, 21, 2, 0, NULL, 0},
    {"invalid UTF-8", B_UTF8, ".log", IB_OK, 23, 22, 1, 0, NULL, 0},
    {"CR-only line ends", B_CR_ONLY, ".log", IB_OK, 1, 1, 0, 0, NULL, 0},
    {"64 KiB user name", B_USER64K, ".log", IB_OK, 21, 20, 0, 1, NULL, 0},
    {"64 KiB user name, --max-line 1M", B_USER64K_BIG, ".log", IB_OK, 21, 21, 0, 0, NULL, 0},
    {"timestamps out of order", B_OUT_OF_ORDER, ".log", IB_OK, 3, 3, 0, 0, NULL, 0},
    {"timestamps in the future", B_FUTURE, ".log", IB_OK, 12, 12, 0, 0, NULL, 0},
    {"timestamp at 1970", B_EPOCH, ".log", IB_OK, 12, 12, 0, 0, NULL, 0},
    {"timestamps at 2038 and later", B_Y2038, ".log", IB_OK, 13, 13, 0, 0, NULL, 0},
    {"invalid Feb 30", B_FEB30, ".log", IB_OK, 21, 20, 1, 0, NULL, 0},
};

static const char *fail_at(const char *ts)
{
	static char line[512];

	snprintf(line, sizeof(line),
		 "%s imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
		 "user=<carol@example.com>, method=PLAIN, rip=192.0.2.12, lip=10.0.0.1, TLS\n",
		 ts);
	return line;
}

/* Build the file of case c into b; *offset gets a computed error offset. */
static void build(const struct build_case *c, struct buf *b, long *offset)
{
	static const char good[] = GOOD10;
	struct buf m = {0};

	switch (c->how) {
	case B_TRUNC_MID: {
		/* member 2 in stored blocks, cut 8 bytes into its sixth line */
		unsigned char *data;

		put_gz(b, good, sizeof(good) - 1, 6);
		put_gz(&m, good, sizeof(good) - 1, 0);
		data = memmem(m.p, m.n, good, 16);
		ck_assert(data != NULL);
		put(b, m.p,
		    (size_t)(data - m.p) + 3 * (sizeof(OK_LINE) - 1) + 2 * (sizeof(FAIL_LINE) - 1) + 8);
		break;
	}
	case B_TRUNC_TRAILER:
		put_gz(b, good, sizeof(good) - 1, 6);
		put_gz(&m, good, sizeof(good) - 1, 6);
		put(b, m.p, m.n - 3);
		break;
	case B_BAD_CRC:
		put_gz(b, good, sizeof(good) - 1, 6);
		put_gz(&m, good, sizeof(good) - 1, 6);
		m.p[m.n - 8] ^= 0x55; /* the CRC32 of member 2 */
		put(b, m.p, m.n);
		*offset = (long)b->n;		      /* after the trailer (zlib may stop 4 bytes earlier) */
		put_gz(b, good, sizeof(good) - 1, 6); /* never reached: the error ends the file */
		break;
	case B_GARBAGE:
		put_gz(b, good, sizeof(good) - 1, 6);
		*offset = (long)b->n;
		puts_(b, "this is not gzip\n" GOOD10);
		break;
	case B_EMPTY_MEMBER:
		put_gz(b, good, sizeof(good) - 1, 6);
		put_gz(b, "", 0, 6);
		put_gz(b, good, sizeof(good) - 1, 6);
		break;
	case B_EMPTY_GZ:
		break;
	case B_MAGIC_ONLY:
		put(b, "\x1f\x8b", 2);
		break;
	case B_NOT_GZIP:
		puts_(b, good);
		break;
	case B_NUL: {
		static const char nul_user[] =
		    "2026-01-14T09:00:03Z imap1 dovecot: imap-login: Disconnected (auth "
		    "failed, 1 attempts in 2 secs): user=<da\0ve>, rip=192.0.2.13\n";
		static const char nul_host[] = "2026-01-14T09:00:04Z imap1\0dovecot: x\n";

		puts_(b, good);
		put(b, "\0\0" OK_LINE, 2 + sizeof(OK_LINE) - 1); /* no timestamp: unparseable */
		put(b, nul_user, sizeof(nul_user) - 1);
		put(b, nul_host, sizeof(nul_host) - 1);
		puts_(b, good);
		break;
	}
	case B_UTF8:
		puts_(b, good);
		puts_(
		    b,
		    "2026-01-14T09:00:05Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts "
		    "in 2 secs): user=<\xff\xfe\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80>, rip=192.0.2.14\n");
		puts_(b, "\xc3\x28\xa0\xa1 \xe2\x28\xa1 not a log line\n");
		puts_(b, fail_at("2026-01-14T09:00:06Z"));
		puts_(b, good);
		break;
	case B_CR_ONLY:
		puts_(b, "2026-01-14T09:00:01Z imap1 dovecot: imap-login: Login: user=<alice@example.com>, "
			 "rip=192.0.2.10\r"
			 "2026-01-14T09:00:02Z imap1 dovecot: imap-login: Login: user=<bob@example.com>, "
			 "rip=192.0.2.11\r");
		break;
	case B_USER64K:
	case B_USER64K_BIG: {
		char *u = malloc(65536 + 1);

		ck_assert(u != NULL);
		memset(u, 'u', 65536);
		u[65536] = 0;
		puts_(b, good);
		puts_(b, "2026-01-14T09:00:03Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 "
			 "attempts in 2 secs): user=<");
		puts_(b, u);
		puts_(b, ">, method=PLAIN, rip=192.0.2.15, lip=10.0.0.1, TLS\n");
		puts_(b, good);
		free(u);
		break;
	}
	case B_OUT_OF_ORDER:
		puts_(b, fail_at("2026-01-14T09:05:00Z"));
		puts_(b, fail_at("2026-01-14T09:00:00Z"));
		puts_(b, fail_at("2026-01-14T09:03:00Z"));
		break;
	case B_FUTURE:
		puts_(b, good);
		puts_(b, fail_at("2099-12-31T23:59:59Z"));
		puts_(b, fail_at("2031-06-01T00:00:00Z"));
		break;
	case B_EPOCH:
		puts_(b, fail_at("1970-01-01T00:00:00Z"));
		puts_(b, good);
		puts_(b, fail_at("1970-01-01T00:00:01.5Z"));
		break;
	case B_Y2038:
		puts_(b, good);
		puts_(b, fail_at("2038-01-19T03:14:07Z"));
		puts_(b, fail_at("2038-01-19T03:14:08Z"));
		puts_(b, fail_at("2106-02-07T06:28:16Z"));
		break;
	case B_FEB30:
		puts_(b, good);
		puts_(b, fail_at("2026-02-30T09:00:00Z"));
		puts_(b, good);
		break;
	}
	free(m.p);
}

START_TEST(built_files)
{
	const struct build_case *c = &build_cases[_i];
	struct buf b = {0};
	struct outcome o;
	struct ib_config cfg;
	long offset = 0;
	char *path;

	build(c, &b, &offset);
	path = ib_test_tmpfile(b.p, b.n, c->suffix);
	ck_assert(path != NULL);
	ib_config_init(&cfg);
	if (c->how == B_USER64K_BIG)
		cfg.max_line = 1 << 20;
	run_cfg(&cfg, path, &o);
	ck_assert_msg(o.c.lines == c->lines && o.c.events == c->events && o.c.unparseable == c->unparseable &&
			  o.c.overlong == c->overlong,
		      "%s: lines %llu events %llu unparseable %llu overlong %llu", c->name,
		      (unsigned long long)o.c.lines, (unsigned long long)o.c.events,
		      (unsigned long long)o.c.unparseable, (unsigned long long)o.c.overlong);
	if (c->rc == IB_OK) {
		ck_assert_int_eq(o.rc, IB_OK);
		ck_assert_uint_eq(o.nerrors, 0);
	} else {
		check_error_near(&o, path, c->offset == -1 ? b.n : (uint64_t)offset,
				 c->how == B_BAD_CRC ? 8 : 0, c->reason);
		ck_assert_uint_eq(o.err.line, c->lines);
	}
	unlink(path);
	free(path);
	free(b.p);
}
END_TEST

/* ---- big inputs, measured in a forked child ---- */

struct child_report {
	struct outcome o;
	long rss_before_kb, rss_after_kb;
};

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * Run the pipeline on path in a child and return its outcome and the
 * growth of its peak RSS (the child starts with the parent's pages).
 */
static void run_measured(const struct ib_config *cfg, const char *path, struct child_report *rep)
{
	int fds[2];
	pid_t pid;
	int status;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct child_report r;

		close(fds[0]);
		memset(&r, 0, sizeof(r));
		r.rss_before_kb = maxrss_kb();
		run_cfg(cfg, path, &r.o);
		r.rss_after_kb = maxrss_kb();
		_exit(write(fds[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	memset(rep, 0, sizeof(*rep));
	ck_assert_int_eq(read(fds[0], rep, sizeof(*rep)), (ssize_t)sizeof(*rep));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ~1 MB of gzip (1024 members of 1 MiB of zeros; fewer when slow) to 1 GiB of zeros. */
START_TEST(gzip_bomb)
{
	static unsigned char zeros[1 << 20];
	struct buf member = {0};
	struct ib_config cfg;
	struct child_report rep;
	char path[] = "/tmp/ibbombXXXXXX.gz";
	int fd = mkstemps(path, 3);
	size_t n = slow_mode() ? 64 : 1024;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	put_gz(&member, zeros, sizeof(zeros), 9);
	f = fdopen(fd, "wb");
	ck_assert(f != NULL);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(fwrite(member.p, 1, member.n, f), member.n);
	ck_assert_int_eq(fclose(f), 0);
	free(member.p);
	ib_config_init(&cfg);
	run_measured(&cfg, path, &rep);
	/* one NUL-only line of n MiB: over-long, counted, skipped at flat memory */
	ck_assert_int_eq(rep.o.rc, IB_OK);
	ck_assert_uint_eq(rep.o.c.bytes_in, n * member.n);
	ck_assert_uint_eq(rep.o.c.bytes_out, (uint64_t)n << 20);
	ck_assert_uint_eq(rep.o.c.lines, 1);
	ck_assert_uint_eq(rep.o.c.overlong, 1);
	ck_assert_msg(rep.rss_after_kb - rep.rss_before_kb < 100 * 1024, "peak RSS grew by %ld kB",
		      rep.rss_after_kb - rep.rss_before_kb);
	printf("gzip bomb: %zu kB of gzip -> %zu MiB, peak RSS growth %ld kB\n", n * member.n / 1024, n,
	       rep.rss_after_kb - rep.rss_before_kb);
	unlink(path);
}
END_TEST

/* 100 MB without a newline between good lines, and alone at the end of a file. */
START_TEST(huge_line)
{
	static const char good[] = GOOD10;
	size_t big = slow_mode() ? (8u << 20) : 100000000u;
	char *a = malloc(1 << 20);
	char path[] = "/tmp/ibhugeXXXXXX.log";
	int fd = mkstemps(path, 4);
	struct ib_config cfg;
	struct child_report rep;

	ck_assert(a != NULL && fd >= 0);
	memset(a, 'A', 1 << 20);
	ck_assert_int_eq(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	for (size_t done = 0; done < big; done += 1 << 20) {
		size_t k = big - done < (1u << 20) ? big - done : 1u << 20;

		ck_assert_int_eq(write(fd, a, k), (ssize_t)k);
	}
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	ck_assert_int_eq(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	ck_assert_int_eq(write(fd, a, 1 << 20), 1 << 20); /* a last line without newline */
	close(fd);
	free(a);
	ib_config_init(&cfg);
	run_measured(&cfg, path, &rep);
	ck_assert_int_eq(rep.o.rc, IB_OK);
	ck_assert_uint_eq(rep.o.c.lines, 22);
	ck_assert_uint_eq(rep.o.c.events, 20);
	ck_assert_uint_eq(rep.o.c.overlong, 2);
	ck_assert_msg(rep.rss_after_kb - rep.rss_before_kb < 100 * 1024, "peak RSS grew by %ld kB",
		      rep.rss_after_kb - rep.rss_before_kb);
	unlink(path);
}
END_TEST

/*
 * One million distinct users (fewer when slow), one failed login each:
 * the aggregator's memory per user stays under IB_BYTES_PER_USER
 * (docs/robustness.md), measured as the peak RSS growth of a child.
 */
#define IB_BYTES_PER_USER 512

START_TEST(million_users)
{
	size_t n = slow_mode() ? 20000 : 1000000;
	char path[] = "/tmp/ibusersXXXXXX.log";
	int fd = mkstemps(path, 4);
	struct ib_config cfg;
	struct child_report rep;
	FILE *f;
	long per_user;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert(f != NULL);
	for (size_t i = 0; i < n; i++)
		fprintf(f,
			"2026-01-14T09:%02zu:%02zuZ imap1 dovecot: imap-login: Disconnected (auth failed, 1 "
			"attempts in 2 secs): user=<user%07zu@example.com>, rip=10.%zu.%zu.%zu\n",
			(i / 60) % 60, i % 60, i, (i >> 16) & 255, (i >> 8) & 255, i & 255);
	ck_assert_int_eq(fclose(f), 0);
	ib_config_init(&cfg);
	run_measured(&cfg, path, &rep);
	ck_assert_int_eq(rep.o.rc, IB_OK);
	ck_assert_uint_eq(rep.o.c.lines, n);
	ck_assert_uint_eq(rep.o.c.events, n);
	ck_assert_uint_eq(rep.o.users, n);
	per_user = (rep.rss_after_kb - rep.rss_before_kb) * 1024 / (long)n;
	printf("%zu users: peak RSS growth %ld kB, %ld bytes per user\n", n,
	       rep.rss_after_kb - rep.rss_before_kb, per_user);
	if (!slow_mode())
		ck_assert_msg(per_user <= IB_BYTES_PER_USER, "%ld bytes per user (bound %d)", per_user,
			      IB_BYTES_PER_USER);
	unlink(path);
}
END_TEST

/* ---- files that are not plain files ---- */

START_TEST(missing_file)
{
	struct outcome o;
	const char *path = "/tmp/ib-no-such-dir/no-such-file.log";

	run(path, &o);
	check_error(&o, path, 0, "No such file or directory");
	ck_assert_uint_eq(o.c.lines, 0);
}
END_TEST

START_TEST(unreadable_file)
{
	static const char good[] = GOOD10;
	char *tmp = ib_test_tmpfile(good, sizeof(good) - 1, ".log");
	char path[512];
	int fds[2], status;
	pid_t pid;
	struct outcome o;

	ck_assert(tmp != NULL);
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s", tmp), (int)sizeof(path));
	free(tmp);
	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		run(path, &o);
		check_error(&o, path, 0, "Permission denied");
		goto out;
	}
	/* root reads mode 000: drop to nobody in a child */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		run(path, &o);
		_exit(write(fds[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		printf("skip: unreadable file (running as root and cannot drop privileges)\n");
		close(fds[0]);
		goto out;
	}
	ck_assert_int_eq(read(fds[0], &o, sizeof(o)), (ssize_t)sizeof(o));
	close(fds[0]);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_error(&o, path, 0, "Permission denied");
out:
	unlink(path);
}
END_TEST

/* Forked children must not hold heap blocks (valgrind checks their leaks too). */
static void make_tmpdir(char *dir, size_t size)
{
	ck_assert_int_lt(snprintf(dir, size, "/tmp/ibadvXXXXXX"), (int)size);
	ck_assert(mkdtemp(dir) != NULL);
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(out, size, "%s/%s", dir, name), (int)size);
}

START_TEST(symlink_loop)
{
	static const char good[] = GOOD10;
	char dir[64];
	char p[600], q[600];
	struct ib_inputs in;
	FILE *f;
	int loop = 0;

	make_tmpdir(dir, sizeof(dir));
	join(p, sizeof(p), dir, "a.log");
	f = fopen(p, "w");
	ck_assert(f != NULL);
	fputs(good, f);
	fclose(f);
	join(p, sizeof(p), dir, "loop");
	ck_assert_int_eq(symlink(dir, p), 0); /* dir/loop -> dir */
	join(q, sizeof(q), dir, "self");
	ck_assert_int_eq(symlink(q, q), 0); /* dir/self -> itself */
	ib_inputs_init(&in);
	ck_assert_int_eq(ib_inputs_add(&in, dir), IB_OK);
	ck_assert_uint_eq(in.n, 1); /* a.log once, not again through loop/ */
	ck_assert(strstr(in.paths[0], "a.log") != NULL);
	ck_assert_uint_eq(in.nerrors, 2);
	for (size_t i = 0; i < in.nerrors; i++)
		loop += strstr(in.errors[i].msg, "loop") != NULL;
	ck_assert_int_eq(loop, 2);
	ib_inputs_release(&in);
	unlink(q);
	unlink(p);
	join(p, sizeof(p), dir, "a.log");
	unlink(p);
	rmdir(dir);
}
END_TEST

/* A FIFO written by a child: `bytes` of fill (0 = GOOD10 x 100). */
static void fifo_case(size_t zeros, struct outcome *o)
{
	static const char good[] = GOOD10;
	char dir[64];
	char p[600];
	pid_t pid;
	int status;

	make_tmpdir(dir, sizeof(dir));
	join(p, sizeof(p), dir, "fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char z[65536];
		int fd = open(p, O_WRONLY);

		if (fd < 0)
			_exit(1);
		for (size_t i = 0; !zeros && i < 100; i++)
			if (write(fd, good, sizeof(good) - 1) != (ssize_t)sizeof(good) - 1)
				_exit(1);
		for (size_t done = 0; done < zeros; done += sizeof(z))
			if (write(fd, z, sizeof(z)) != (ssize_t)sizeof(z))
				_exit(1);
		_exit(0);
	}
	run(p, o);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(p);
	rmdir(dir);
}

START_TEST(fifo_input)
{
	struct outcome o;

	fifo_case(0, &o);
	ck_assert_int_eq(o.rc, IB_OK);
	ck_assert_uint_eq(o.c.lines, 1000);
	ck_assert_uint_eq(o.c.events, 1000);
}
END_TEST

/* /dev/zero with a cap: 50 MiB of zeros through a FIFO (4 MiB when slow). */
START_TEST(dev_zero_capped)
{
	struct outcome o;
	size_t n = slow_mode() ? (4u << 20) : (50u << 20);

	fifo_case(n, &o);
	ck_assert_int_eq(o.rc, IB_OK);
	ck_assert_uint_eq(o.c.bytes_in, n);
	ck_assert_uint_eq(o.c.lines, 1);
	ck_assert_uint_eq(o.c.overlong, 1);
}
END_TEST

/* /dev/zero itself is accepted by the input walk (a character device). */
START_TEST(dev_zero_listed)
{
	struct ib_inputs in;

	ib_inputs_init(&in);
	ck_assert_int_eq(ib_inputs_add(&in, "/dev/zero"), IB_OK);
	ck_assert_uint_eq(in.n, 1);
	ck_assert_uint_eq(in.nerrors, 0);
	ib_inputs_release(&in);
}
END_TEST

/* ---- every sample file keeps the accounting identity ---- */

START_TEST(samples_identity)
{
	struct ib_inputs in;
	size_t n = 0;

	ib_inputs_init(&in);
	ck_assert_int_eq(ib_inputs_add(&in, IB_SAMPLES_DIR), IB_OK);
	for (size_t i = 0; i < in.n; i++) {
		struct outcome o;

		run(in.paths[i], &o); /* asserts lines = events + ignored + unparseable + overlong */
		ck_assert_msg(o.rc == IB_OK, "%s: %s", in.paths[i], o.err.msg);
		ck_assert_msg(o.c.lines > 0, "%s: no lines", in.paths[i]);
		n++;
	}
	ib_inputs_release(&in);
	printf("samples: %zu files, accounting identity holds\n", n);
}
END_TEST

/* ---- replay of the fuzzers' regression inputs ---- */

struct harness {
	const char *name;
	int (*one)(const uint8_t *, size_t);
};

static const struct harness harnesses[] = {
    {"parser", fuzz_parser_one},     {"syslog", fuzz_syslog_one}, {"rules", fuzz_rules_one},
    {"classify", fuzz_classify_one}, {"reader", fuzz_reader_one}, {"state", fuzz_state_one},
};

START_TEST(regress_replay)
{
	const struct harness *h = &harnesses[_i];
	char dir[1024];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	ck_assert(h->one != NULL);
	snprintf(dir, sizeof(dir), "%s/tests/regress/%s", IB_SOURCE_DIR, h->name);
	d = opendir(dir);
	if (!d) {
		/* no input found by this harness yet: run it on an empty and a tiny input */
		ck_assert_int_eq(h->one((const uint8_t *)"", 0), 0);
		ck_assert_int_eq(h->one((const uint8_t *)"\x01x\n", 3), 0);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char p[1400];
		size_t len;
		char *data;

		if (e->d_name[0] == '.')
			continue;
		join(p, sizeof(p), dir, e->d_name);
		data = ib_test_slurp(p, &len);
		ck_assert_msg(data != NULL, "cannot read %s", p);
		ck_assert_int_eq(h->one((const uint8_t *)data, len), 0); /* crashes fail the test */
		free(data);
		n++;
	}
	closedir(d);
	ck_assert_uint_gt(n, 0);
}
END_TEST

static Suite *adversarial_suite(void)
{
	Suite *s = suite_create("adversarial");
	TCase *tc = tcase_create("files");
	TCase *big = tcase_create("big");
	TCase *rg = tcase_create("regress");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, built_files, 0, (int)(sizeof(build_cases) / sizeof(build_cases[0])));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, symlink_loop);
	tcase_add_test(tc, fifo_input);
	tcase_add_test(tc, dev_zero_capped);
	tcase_add_test(tc, dev_zero_listed);
	tcase_add_test(tc, samples_identity);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 300);
	tcase_add_test(big, gzip_bomb);
	tcase_add_test(big, huge_line);
	tcase_add_test(big, million_users);
	suite_add_tcase(s, big);

	tcase_set_timeout(rg, 120);
	tcase_add_loop_test(rg, regress_replay, 0, (int)(sizeof(harnesses) / sizeof(harnesses[0])));
	suite_add_tcase(s, rg);
	return s;
}

int main(void)
{
	return ib_test_run(adversarial_suite());
}
