/*
 * fuzz_common.h: what the parser harnesses share: one parser, by name, run
 * over the lines of a buffer through the parser runtime, as the pipeline
 * runs it (open, parse or envelope and parse_msg, drain after every line
 * and at the end, close). Each line is copied to
 * its own exact-size allocation and freed after use, so ASan sees any
 * read past a line and any slice kept across lines. The harnesses are
 * also compiled into tests/check_adversarial.c (renamed by a macro) to
 * replay tests/regress/. fuzz_same_ahead runs the lines once more with
 * the work read ahead (ib_runtime_ahead_new) and aborts when any result
 * differs, the login-looking scan (ib_runtime_ahead_scan) included.
 */
#ifndef IB_FUZZ_COMMON_H
#define IB_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>
#include "imapblast/coverage.h"
#include "imapblast/parser.h"
#include "../result_hash.h"

static volatile unsigned fuzz_sink;

/* Touch every byte of an event's slices so ASan checks them. */
static void fuzz_touch(const struct ib_event *ev)
{
	const struct ib_str *s[] = {&ev->program, &ev->host,	&ev->server, &ev->user,
				    &ev->ip,	  &ev->session, &ev->message};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		for (size_t k = 0; k < s[i]->len; k++)
			fuzz_sink += (unsigned char)s[i]->ptr[k];
}

/* Everything a result tells, hashed into *h (the runtime's arg, when not NULL). */
static int fuzz_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	uint64_t *h = arg;

	if (rc == IB_OK)
		fuzz_touch(ev);
	if (reason)
		fuzz_sink += (unsigned char)reason[0];
	if (h)
		*h = ib_test_result_hash(*h, rc, ev, reason, held);
	return 0;
}

/*
 * Run the parser named name over the lines of data[0..size), as the
 * pipeline does; ahead 1: with what ib_runtime_ahead_line reads of each
 * line first. Returns the hash of every result.
 */
static uint64_t fuzz_run(const char *name, const uint8_t *data, size_t size, int ahead)
{
	struct ib_runtime_ahead *ah = NULL;
	void *rec = NULL;
	size_t rec_size = 0;
	uint64_t hash = 0xcbf29ce484222325ull;
	struct ib_time_policy tp;
	struct ib_runtime rt;
	struct ib_str probe[8];
	size_t nprobe = 0;
	uint64_t lineno = 0;
	const char *s = (const char *)data, *end = s + size;
	int looking;

	/* the first lines choose between a message parser's file and syslog forms */
	for (const char *q = s; q < end && nprobe < 8;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);

		probe[nprobe++] = (struct ib_str){q, len};
		q += len + 1;
	}
	ib_time_policy_init(&tp, NULL, 0, 1700000000000);
	if (ib_runtime_start(&rt, name, probe, nprobe, &tp, fuzz_result, &hash) < 0)
		goto out;
	if (ahead && (ib_runtime_ahead_new(&rt, &ah, &rec_size) < 0 || (ah && !(rec = malloc(rec_size)))))
		goto out;
	if (ah)
		ib_runtime_ahead_scan(ah, ib_login_looking);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		char *line = malloc(len ? len : 1);

		if (!line)
			break;
		memcpy(line, s, len);
		if (ah)
			ib_runtime_ahead_line(ah, (struct ib_str){line, len}, rec);
		(void)ib_runtime_line_ahead(&rt, (struct ib_str){line, len}, ++lineno, rec);
		/* the scan the pipeline's miss() reads: the record's, else its own */
		looking = rt.scan_line == lineno ? rt.scan : ib_login_looking((struct ib_str){line, len});
		hash = ib_test_mix(hash, &looking, sizeof(looking));
		free(line);
		s += len + 1;
	}
	(void)ib_runtime_finish(&rt, lineno);
out:
	ib_runtime_release(&rt);
	ib_runtime_ahead_free(ah);
	free(rec);
	return hash;
}

/* Run the lines both ways; abort when reading ahead changes any result. */
static void fuzz_same_ahead(const char *name, const uint8_t *data, size_t size)
{
	if (fuzz_run(name, data, size, 0) != fuzz_run(name, data, size, 1))
		abort();
}

#endif
