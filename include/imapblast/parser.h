/*
 * parser.h: the parser interface, the registry and the parser runtime.
 *
 * A parser turns one line into one struct ib_event. There are three kinds,
 * and one parser may be more than one:
 * - a file format parser (probe + parse): nginx error_log, Exchange CSV,
 *   Entra exports, Thunderbird MOZ_LOG...
 * - an envelope (probe + envelope): the syslog envelope ("syslog") reads
 *   the timestamp, host and program (the journal's exports, "journal_json"
 *   and "journal_export", read them from their fields); the runtime then
 *   hands the message to the first message parser whose `programs` match
 *   and that does not return IB_DECLINE;
 * - a syslog message parser (programs + parse_msg).
 *
 * The runtime (parsers/runtime.c) is the only caller of parse, parse_msg
 * and drain: it clears the event and fills format, layer, protocol (and, for a
 * syslog message, time, host and program) before the call, owns the
 * reason, and drains after every line and at end of file. Parsers fill
 * only content fields (and the time of formats that carry their own).
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
 *              returned before writing to ev (the next parser gets the
 *              same event, not cleared again);
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
	uint64_t lineno;	     /* 1-based line number in the file; a parser releasing an
					event held from an earlier line may set it to that line,
					the event's evidence */
	int partial;		     /* stream parsers: a piece of a long line, more follows */
	/*
	 * drain: set to 1 when the result (IB_OK or IB_BAD) is a line the
	 * parser held, named by lineno, and that was counted as ignored when
	 * it was read: the line then counts as an event or as unparseable.
	 * The runtime clears it before every drain call.
	 */
	int held_line;
	/*
	 * records the parser holds back after this call: a parser with a
	 * mark sets it on every return of parse_msg and drain, and the
	 * runtime reads it then (see mark); others leave it alone
	 */
	size_t held;
};

struct ib_parser {
	/* required: short unique name, [a-z0-9_]+ ("dovecot", "nginx_mail") */
	const char *name;
	/* required: one line for `imapblast formats` */
	const char *description;
	/* required: layer of the events, unless parse sets ev->layer otherwise */
	enum ib_layer layer;
	/*
	 * optional: protocol of the events unless parse sets ev->protocol
	 * otherwise (IB_PROTO_NONE, 0: not known). Set for formats that
	 * speak one protocol (client tools: IMAP).
	 */
	enum ib_proto protocol;
	/*
	 * optional: how sure the parser is that `line` (one of the first
	 * lines of a file) is in its format: 0 (no) .. 100 (certain). NULL for
	 * message-only parsers. Must be cheap and pure.
	 */
	int (*probe)(struct ib_str line);
	/*
	 * parse one line of a file in this format (a parser whose probe can
	 * score needs parse or envelope). ev arrives cleared (ib_event_clear)
	 * with format and layer set to this parser's.
	 */
	int (*parse)(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev);
	/*
	 * optional, instead of parse: the line is an envelope around a
	 * message of a message parser (syslog, the systemd journal's
	 * exports). Read the envelope into hdr and msg. Returns IB_OK,
	 * IB_SKIP (a valid line that carries no message, or one field of a
	 * record that spans lines) or IB_BAD with ctx->reason set. ctx->time
	 * is read for the year and zone of the timestamp; ctx->state is this
	 * parser's (from open) and may hold what hdr and msg point to, valid
	 * until the next call. With open set, the runtime calls it once more
	 * at end of file with an empty line whose ptr is NULL, to hand over a
	 * record still pending (IB_OK) or nothing (IB_SKIP).
	 */
	int (*envelope)(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_syslog_hdr *hdr,
			struct ib_str *msg);
	/*
	 * optional, with envelope: 1 when it reads each line on its own: its
	 * result depends on the line and ctx->time alone (its state from
	 * open only a cache), and hdr and msg point into the line. The
	 * runtime may then read the envelopes ahead, on another thread, with
	 * a state of its own (ib_runtime_ahead_new).
	 */
	int lone_lines;
	/*
	 * optional: syslog program names this parser reads, NULL-terminated.
	 * A name matches the program exactly or its part after the last '/';
	 * a name ending in '*' matches as a prefix ("perdition*").
	 */
	const char *const *programs;
	/*
	 * required with programs: parse the message of a syslog line. ev
	 * arrives cleared with format and layer set to this parser's and
	 * time, host and program set from hdr. A message parser without
	 * open, mark and drain reads only its arguments and ctx->time, and
	 * writes only ev and ctx->reason: the runtime may call it ahead, on
	 * another thread (ib_runtime_ahead_new).
	 */
	int (*parse_msg)(struct ib_parse_ctx *ctx, const struct ib_syslog_hdr *hdr, struct ib_str msg,
			 struct ib_event *ev);
	/*
	 * optional, with parse_msg: a literal that every message the parser
	 * takes carries at its start or right after a process prefix (the
	 * message's first ':' within 32 bytes, then a space: "auth: ",
	 * "auth-worker(3): "). While ctx->held is 0 the runtime offers no
	 * other message, without a call (PAM: "pam_unix(" among every
	 * daemon line); while it holds records it sees every message of its
	 * programs. A parser with a mark sets ctx->held on every return.
	 */
	const char *mark;
	/* optional: per-file state. Returns NULL on out-of-memory. */
	void *(*open)(void);
	/* optional: frees what open returned; accepts NULL. */
	void (*close)(void *state);
	/*
	 * optional: events the parser holds back. The runtime calls it after
	 * every parse call (eof 0), and after the last line of the file
	 * (eof 1), repeatedly until it returns IB_EOF; ev arrives cleared
	 * with format and layer set. IB_OK: ev is filled
	 * (slices valid until the next parse or drain call); IB_BAD: one
	 * malformed record (ctx->reason); < 0: whole-run failure. It lets a
	 * parser yield several events for one line (a one-line JSON array)
	 * and events decided by a later line (an Exchange login followed by
	 * "authenticated but not connected"), and release those at EOF.
	 */
	int (*drain)(struct ib_parse_ctx *ctx, int eof, struct ib_event *ev);
	/*
	 * optional: 1 when parse reads a byte stream (JSON) rather than lines:
	 * a line longer than --max-line then reaches it in pieces (ctx->partial
	 * 1 on all but the last; ib_runtime_piece) instead of being skipped,
	 * and the parser bounds each record itself. 0 for line formats.
	 */
	int stream;
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
 * 1 when syslog program `program` matches the program pattern `name`:
 * exactly, or its part after the last '/' ("cyrus/imap" matches "imap"),
 * or as a prefix when name ends in '*' ("perdition*"). The one matcher of
 * syslog dispatch and rule scopes.
 */
int ib_program_match(struct ib_str name, struct ib_str program);

/* 1 when `program` matches one of p->programs (ib_program_match). */
int ib_parser_program_match(const struct ib_parser *p, struct ib_str program);

/*
 * 1 when some registered parser reads syslog program `item`, a rule's
 * program scope: a program name, or a prefix ending in '*' that some
 * parser's program (or program prefix) shares.
 */
int ib_parser_program_known(struct ib_str item);

/*
 * The parser runtime (parsers/runtime.c), in the spirit of git's
 * run-command: one struct per file, started with the file's first lines,
 * fed every line, finished at end of file and released.
 *
 * The runtime hands each result to fn, in order:
 * - held 0: the line's own result, exactly once per ib_runtime_line:
 *   IB_OK (ev filled), IB_SKIP (ignored) or IB_BAD (reason, never NULL);
 * - held 1: what a parser's drain released after the line or at end of
 *   file: IB_OK (ev) or IB_BAD (reason, never NULL).
 * ev is NULL unless rc is IB_OK; it and its slices are valid during the
 * call only. fn returns 0, or a negative code that stops the runtime and
 * is returned to its caller.
 */
typedef int (*ib_runtime_fn)(void *arg, int rc, struct ib_event *ev, const char *reason, int held);

struct ib_runtime_slot;
struct ib_runtime_prog;

struct ib_runtime {
	/* the file's parser, detected or forced; NULL when none (read only) */
	const struct ib_parser *parser;
	/* ctx.lineno is the line being read, or drained after (read only) */
	struct ib_parse_ctx ctx;
	/*
	 * ib_runtime_ahead_scan's result for line scan_line, when the
	 * record of that line held it (0: none): 0 or 1 (read only)
	 */
	uint64_t scan_line;
	int scan;
	/* private to parsers/runtime.c */
	const struct ib_parser *envelope; /* envelope reader, or NULL */
	size_t envx;			  /* its registry index */
	const struct ib_parser *only;	  /* forced message parser, or NULL */
	ib_runtime_fn fn;
	void *arg;
	size_t nslot;		       /* registry size */
	size_t self;		       /* registry index of parser */
	struct ib_runtime_slot *slot;  /* per registry parser */
	struct ib_runtime_prog *cache; /* recent programs and their parsers */
	size_t *ids;		       /* the cache's parser lists */
	unsigned next;		       /* the cache's next victim */
	int prefix;		       /* enum ib_prefix (parsers/prefix.h) stripped from every line */
	int64_t prefix_ms;	       /* the time of the current line's prefix, or IB_TIME_NONE */
	uint64_t skip;		       /* ib_runtime_skip's line, or 0 */
};

/*
 * Start a file: pick its parser, by name when force is not NULL (a
 * message parser, such as "haproxy", then reads the messages of a syslog
 * file, or of the envelope format that fits the first lines best,
 * restricted to itself, unless its own format fits the file's first
 * lines better), else by detection (ib_parser_detect) over the
 * first lines (lines[0..n), only read during the call). tp is the file's
 * time policy and must outlive the runtime. Returns IB_OK (rt->parser
 * may be NULL: every line is then IB_BAD), IB_ERR_USAGE for an unknown
 * name, or IB_ERR_NOMEM. Call ib_runtime_release in every case.
 */
int ib_runtime_start(struct ib_runtime *rt, const char *force, const struct ib_str *lines, size_t n,
		     struct ib_time_policy *tp, ib_runtime_fn fn, void *arg);

/*
 * One line (lineno 1-based): parse it, hand its result to fn, then drain.
 * Returns IB_OK or a negative code (out of memory, or fn's).
 */
int ib_runtime_line(struct ib_runtime *rt, struct ib_str line, uint64_t lineno);

/*
 * A piece of a line longer than --max-line, more of which follows, for a
 * stream parser (rt->parser->stream; the pipeline drops the pieces of
 * over-long lines for the others). parse sees it with ctx.partial 1; its
 * results go to fn as held (the line's own result comes with its last
 * piece, through ib_runtime_line), then the parser is drained. Returns
 * IB_OK, IB_ERR_USAGE for a parser that does not stream, or a negative
 * code (out of memory, or fn's).
 */
int ib_runtime_piece(struct ib_runtime *rt, struct ib_str piece, uint64_t lineno);

/*
 * Work on a file's lines that another thread can do ahead of
 * ib_runtime_line, in file order (the reader's reading thread,
 * ib_reader_ahead): the envelope of a line (lone_lines), whether a parser
 * takes its program, and the message of the first that does without
 * per-file state. ib_runtime_line_ahead then reaches the results
 * ib_runtime_line would, without that work.
 *
 * ib_runtime_ahead_new makes one for a started runtime, independent of
 * it (rt may be released first): IB_OK with *out and *rec_size (the
 * bytes of one line's record), IB_OK with *out NULL when the file's
 * format leaves nothing to do ahead, or IB_ERR_NOMEM.
 */
struct ib_runtime_ahead;
int ib_runtime_ahead_new(const struct ib_runtime *rt, struct ib_runtime_ahead **out, size_t *rec_size);
/* Fill rec for line (an ib_reader_line_fn): one thread at a time, lines in file order. */
void ib_runtime_ahead_line(void *ahead, struct ib_str line, void *rec);
/*
 * Have the ahead also call scan (NULL: none) on each line that is most
 * likely no event: the envelope skips or rejects it, no parser takes its
 * program, or the first parser it reads the message with finds no event.
 * scan is the caller's own test of such lines, a pure function of the
 * line's bytes. Set before the ahead's first line.
 */
void ib_runtime_ahead_scan(struct ib_runtime_ahead *ah, int (*scan)(struct ib_str line));
/* Free; accepts NULL. */
void ib_runtime_ahead_free(struct ib_runtime_ahead *ah);
/*
 * ib_runtime_line, with rec the record ib_runtime_ahead_line wrote for
 * this line, by an ahead made from rt (NULL: none, the same as
 * ib_runtime_line). Sets rt->scan_line and rt->scan when rec holds the
 * line's scan.
 */
int ib_runtime_line_ahead(struct ib_runtime *rt, struct ib_str line, uint64_t lineno, const void *rec);

/* End of file: drain what parsers hold (held events get lineno). */
int ib_runtime_finish(struct ib_runtime *rt, uint64_t lineno);

/*
 * Lines before lineno need give no event (a re-read that wants only the
 * later ones): with a lone_lines envelope, a line whose message would be
 * offered only to parsers without per-file state is not dispatched but
 * handed over as IB_SKIP. Lines of parsers with state are read as ever,
 * so the results of the lines from lineno on do not change.
 */
void ib_runtime_skip(struct ib_runtime *rt, uint64_t lineno);

/*
 * 1 when every line read so far gave its result from that line alone:
 * no prefix, and either a lone_lines envelope whose programs went to no
 * parser with per-file state (open, mark, drain, stream), or a file
 * parser without such state. Reading the same file again from any line
 * on then gives the same results for the lines read (ib_observer.skip).
 */
int ib_runtime_lone(const struct ib_runtime *rt);

/* Close every parser state; rt may be zeroed or half-started. */
void ib_runtime_release(struct ib_runtime *rt);

#endif
