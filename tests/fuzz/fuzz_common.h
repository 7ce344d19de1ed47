/*
 * fuzz_common.h: what the parser harnesses share: one parser, by name, run
 * over the lines of a buffer through the parser runtime, as the pipeline
 * runs it (open, parse or envelope and parse_msg, drain after every line
 * and at the end, close). Each line is copied to
 * its own exact-size allocation and freed after use, so ASan sees any
 * read past a line and any slice kept across lines. The harnesses are
 * also compiled into tests/check_adversarial.c (renamed by a macro) to
 * replay tests/regress/.
 */
#ifndef IB_FUZZ_COMMON_H
#define IB_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"

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

static int fuzz_result(void *arg, int rc, struct ib_event *ev, const char *reason, int held)
{
	(void)arg;
	(void)held;
	if (rc == IB_OK)
		fuzz_touch(ev);
	if (reason)
		fuzz_sink += (unsigned char)reason[0];
	return 0;
}

/* Run the parser named name over the lines of data[0..size), as the pipeline does. */
static void fuzz_lines(const char *name, const uint8_t *data, size_t size)
{
	struct ib_time_policy tp;
	struct ib_runtime rt;
	struct ib_str probe[8];
	size_t nprobe = 0;
	uint64_t lineno = 0;
	const char *s = (const char *)data, *end = s + size;

	/* the first lines choose between a message parser's file and syslog forms */
	for (const char *q = s; q < end && nprobe < 8;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);

		probe[nprobe++] = (struct ib_str){q, len};
		q += len + 1;
	}
	ib_time_policy_init(&tp, NULL, 0, 1700000000000);
	if (ib_runtime_start(&rt, name, probe, nprobe, &tp, fuzz_result, NULL) < 0)
		goto out;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		char *line = malloc(len ? len : 1);

		if (!line)
			break;
		memcpy(line, s, len);
		(void)ib_runtime_line(&rt, (struct ib_str){line, len}, ++lineno);
		free(line);
		s += len + 1;
	}
	(void)ib_runtime_finish(&rt, lineno);
out:
	ib_runtime_release(&rt);
}

#endif
