/*
 * fuzz_common.h: what the parser harnesses share: one parser run over the
 * lines of a buffer like the pipeline does (open, parse or parse_msg,
 * drain after every line and at the end, close). Each line is copied to
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

static void fuzz_drain(const struct ib_parser *p, struct ib_parse_ctx *ctx, int eof)
{
	struct ib_event ev;
	int rc;

	while (p->drain) {
		ib_event_clear(&ev);
		ev.layer = p->layer;
		rc = p->drain(ctx, eof, &ev);
		if (rc == IB_EOF || rc < 0)
			return;
		if (rc == IB_OK)
			fuzz_touch(&ev);
	}
}

/* Run parser p over the lines of data[0..size). */
static void fuzz_lines(const struct ib_parser *p, const uint8_t *data, size_t size)
{
	struct ib_time_policy tp;
	struct ib_parse_ctx ctx;
	struct ib_syslog_hdr hdr;
	const char *s = (const char *)data, *end = s + size;

	ib_time_policy_init(&tp, NULL, 0, 1700000000000);
	memset(&ctx, 0, sizeof(ctx));
	memset(&hdr, 0, sizeof(hdr));
	ctx.time = &tp;
	ctx.state = p->open ? p->open() : NULL;
	if (p->open && !ctx.state)
		return;
	hdr.time_ms = 1700000000000;
	hdr.program = hdr.tag = ib_str_from(p->programs ? p->programs[0] : "x");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		char *line = malloc(len ? len : 1);
		struct ib_event ev;

		if (!line)
			break;
		memcpy(line, s, len);
		ib_event_clear(&ev);
		ev.layer = p->layer;
		ctx.lineno++;
		ctx.reason = NULL;
		if (p->parse ? p->parse(&ctx, (struct ib_str){line, len}, &ev) == IB_OK
			     : p->parse_msg(&ctx, &hdr, (struct ib_str){line, len}, &ev) == IB_OK)
			fuzz_touch(&ev);
		if (ctx.reason)
			fuzz_sink += (unsigned char)ctx.reason[0];
		fuzz_drain(p, &ctx, 0);
		free(line);
		s += len + 1;
	}
	fuzz_drain(p, &ctx, 1);
	if (p->close)
		p->close(ctx.state);
}

#endif
