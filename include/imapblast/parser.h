/*
 * parser.h: the parser interface and the registry.
 *
 * A parser turns one line into one struct ib_event. There are two kinds,
 * and one parser may be both:
 * - a file format parser (probe + parse): nginx error_log, Exchange CSV,
 *   Entra exports, Thunderbird MOZ_LOG, the syslog envelope itself...
 * - a syslog message parser (programs + parse_msg): the syslog envelope
 *   parser ("syslog") reads the timestamp, host and program, then hands the
 *   message to the first message parser whose `programs` match and that
 *   does not return IB_DECLINE.
 *
 * Message convention (what the rules match, parsers/README is this text):
 *   ev->message is the log message with the envelope removed: for syslog,
 *   everything after "program[pid]: "; for a format parser, the free-text
 *   part of the line (the reason / response text), documented at the top
 *   of each parser file. Fields the parser extracts stay inside the
 *   message too (rules may capture them as a fallback).
 *
 * Return codes of parse / parse_msg:
 *   IB_OK      ev filled: an event (the classifier decides its outcome
 *              unless ev->outcome is set);
 *   IB_SKIP    the line is well-formed but not an event (ignored);
 *   IB_BAD     the line is malformed; ctx->reason says why (static string);
 *   IB_DECLINE (parse_msg only) not this parser's line, try the next;
 *   < 0        a whole-run failure (out of memory) only.
 */
#ifndef IMAPBLAST_PARSER_H
#define IMAPBLAST_PARSER_H

#include "common.h"
#include "event.h"
#include "timeutil.h"

/* The syslog envelope, as read by parsers/syslog.c. */
struct ib_syslog_hdr {
	int64_t time_ms;
	struct ib_str host;    /* empty for Dovecot log_path files, TAI64N */
	struct ib_str program; /* "dovecot", "imapd", "cyrus/imap", "auth-worker" */
	struct ib_str tag;     /* the whole tag as written: "auth-worker(304)", "imapd[666]" */
};

struct ib_parse_ctx {
	struct ib_time_policy *time; /* the file's time policy (required) */
	void *state;		     /* per-file state from open(), or NULL */
	const char *reason;	     /* set with IB_BAD: why the line is unparseable */
	uint64_t lineno;	     /* 1-based line number in the file */
};

struct ib_parser {
	/* required: short unique name, [a-z0-9_]+ ("dovecot", "nginx_mail") */
	const char *name;
	/* required: one line for `imapblast formats` */
	const char *description;
	/* required: layer of the events, unless parse sets ev->layer otherwise */
	enum ib_layer layer;
	/*
	 * optional: how sure the parser is that `line` (one of the first
	 * lines of a file) is in its format: 0 (no) .. 100 (certain). NULL for
	 * message-only parsers. Must be cheap and pure.
	 */
	int (*probe)(struct ib_str line);
	/*
	 * required with probe: parse one line of a file in this format. ev
	 * arrives cleared (ib_event_clear) with ev->layer set to this
	 * parser's layer.
	 */
	int (*parse)(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev);
	/*
	 * optional: syslog program names this parser reads, NULL-terminated.
	 * A name matches the program exactly or its part after the last '/';
	 * a name ending in '*' matches as a prefix ("perdition*").
	 */
	const char *const *programs;
	/* required with programs: parse the message of a syslog line. */
	int (*parse_msg)(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			 struct ib_event *ev);
	/* optional: per-file state. Returns NULL on out-of-memory. */
	void *(*open)(void);
	/* optional: frees what open returned; accepts NULL. */
	void (*close)(void *state);
	/*
	 * optional: events the parser holds back. The caller calls it after
	 * every parse call (eof 0), and after the last line of the file
	 * (eof 1), repeatedly until it returns IB_EOF. IB_OK: ev is filled
	 * (slices valid until the next parse or drain call); IB_BAD: one
	 * malformed record (ctx->reason); < 0: whole-run failure. It lets a
	 * parser yield several events for one line (a one-line JSON array)
	 * and events decided by a later line (an Exchange login followed by
	 * "authenticated but not connected"), and release those at EOF.
	 */
	int (*drain)(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev);
};

/* The registry (parsers/registry.c): a NULL-terminated list. */
extern const struct ib_parser *const ib_parsers[];

/* Parser by name, or NULL. */
const struct ib_parser *ib_parser_find(const char *name);

/*
 * Pick the format parser for a file from its first lines (up to n).
 * Returns the parser with the highest summed probe score, ties broken by
 * registry order, or NULL when every score is 0.
 */
const struct ib_parser *ib_parser_detect(const struct ib_str *lines, size_t n);

/*
 * 1 when `program` matches one of p->programs (rules above).
 */
int ib_parser_program_match(const struct ib_parser *p, struct ib_str program);

#endif
