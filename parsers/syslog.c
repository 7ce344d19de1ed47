/*
 * syslog.c: the syslog envelope. Reads timestamp, host and tag; the
 * runtime hands the message to the message parsers whose programs match:
 *   Mar  8 05:25:21 host imap[22130]: badlogin: [192.0.2.4] plain [...]
 *   <34>1 2026-01-14T09:00:00Z host dovecot - - - imap-login: Login: ...
 *   @400000004c91b044077a9e94 imap-login: Info: Aborted login (...)
 * Rule for a missing host (Dovecot log_path files, TAI64N): when the first
 * token after the timestamp is a tag ending in ':', there is no host.
 * Dovecot 1.x log_path files put the level first and may start with the
 * master's "dovecot: ": the prefix is skipped and the level steps aside,
 * so the process is the program as in 2.x files:
 *   dovecot: Mar 13 15:25:07 Info: auth(default): passwd-file(u,1.2.3.4): unknown user
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

static int is_open_br(char c)
{
	return c == '[' || c == '(' || c == '<';
}

static char close_of(char c)
{
	return c == '[' ? ']' : c == '(' ? ')' : '>';
}

/* Bytes of a tag's name: 0 a name byte, 1 ends the name (' ', ':', '[', '(', '<'), 2 invalid. */
static const unsigned char tag_class[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    /* 0x80..0xff: name bytes (zero) */
};

#define TAG_AT_SPACE (-2)

/* Length of the tag name at the start of s; *k is the class of the byte after it (1 at the end). */
static inline size_t name_len(struct ib_str s, unsigned *k)
{
	const unsigned char *u = (const unsigned char *)s.ptr;
	size_t i = 0;

	*k = 1;
	/* four name bytes a step while they last (hot: every line, twice) */
	while (i + 4 <= s.len &&
	       !(tag_class[u[i]] | tag_class[u[i + 1]] | tag_class[u[i + 2]] | tag_class[u[i + 3]]))
		i += 4;
	while (i < s.len && (*k = tag_class[u[i]]) == 0)
		i++;
	return i;
}

/*
 * Read a tag at the start of s: a name, then any "[...]", "(...)" or
 * "<...>" groups, then ':' followed by a space or the end. Sets tag (as
 * written, no ':'), program (the name) and *after (index past ": ").
 * Returns 0, or -1; or TAG_AT_SPACE with *after = the length of the name
 * when a non-empty name ended at a space (so s starts with a host word).
 */
static int read_tag(struct ib_str s, struct ib_str *tag, struct ib_str *prog, size_t *after)
{
	unsigned k;
	size_t i = name_len(s, &k);

	if (i < s.len && k == 2)
		return -1;
	if (!i)
		return -1;
	*prog = ib_sp_span(s.ptr, s.ptr + i);
	if (i < s.len && s.ptr[i] == ' ') {
		*after = i;
		return TAG_AT_SPACE;
	}
	while (i < s.len && is_open_br(s.ptr[i])) {
		const char *e = memchr(s.ptr + i + 1, close_of(s.ptr[i]), s.len - i - 1);

		if (!e)
			return -1;
		i = (size_t)(e - s.ptr) + 1;
	}
	if (i >= s.len || s.ptr[i] != ':' || (i + 1 < s.len && s.ptr[i + 1] != ' '))
		return -1;
	*tag = ib_sp_span(s.ptr, s.ptr + i);
	i++;
	while (i < s.len && s.ptr[i] == ' ')
		i++;
	*after = i;
	return 0;
}

/* "<PRI>": 1-3 digits; advances s. */
static int read_pri(struct ib_str *s)
{
	size_t i = 1;

	if (!s->len || s->ptr[0] != '<')
		return -1;
	while (i < s->len && i < 4 && s->ptr[i] >= '0' && s->ptr[i] <= '9')
		i++;
	if (i == 1 || i >= s->len || s->ptr[i] != '>')
		return -1;
	s->ptr += i + 1;
	s->len -= i + 1;
	return 0;
}

/* RFC 5424 after "<PRI>": "1 TS HOST APP PROCID MSGID SD [MSG]". */
static int read_5424(struct ib_time_policy *tp, struct ib_str s, struct ib_syslog_hdr *hdr,
		     struct ib_str *msg, const char **reason)
{
	struct ib_str w;

	s.ptr += 2;
	s.len -= 2;
	if (IB_SP_SKIP(&s, "- ") == 0) {
		hdr->time_ms = IB_TIME_NONE;
	} else if (ib_ts_iso(&s, tp, &hdr->time_ms) < 0) {
		*reason = "bad RFC 5424 timestamp";
		return IB_BAD;
	}
	(void)ib_sp_word(&s, &w);
	hdr->host = IB_SP_EQ(w, "-") ? IB_STR_NULL : w;
	(void)ib_sp_word(&s, &w);
	hdr->program = hdr->tag = IB_SP_EQ(w, "-") ? IB_STR_NULL : w;
	(void)ib_sp_word(&s, &w); /* procid */
	(void)ib_sp_word(&s, &w); /* msgid */
	if (!s.len) {
		*reason = "truncated RFC 5424 header";
		return IB_BAD;
	}
	if (s.ptr[0] == '-') {
		s.ptr++;
		s.len--;
	} else {
		size_t i = 0;

		while (i < s.len && s.ptr[i] == '[') {
			int quoted = 0;

			for (i++; i < s.len; i++) {
				char c = s.ptr[i];

				if (c == '\\' && i + 1 < s.len)
					i++;
				else if (c == '"')
					quoted = !quoted;
				else if (c == ']' && !quoted)
					break;
			}
			if (i >= s.len) {
				*reason = "unterminated RFC 5424 structured data";
				return IB_BAD;
			}
			i++;
		}
		if (!i) {
			*reason = "bad RFC 5424 structured data";
			return IB_BAD;
		}
		s = ib_sp_from(s, i);
	}
	if (s.len && s.ptr[0] == ' ') {
		s.ptr++;
		s.len--;
	}
	(void)IB_SP_SKIP(&s, "\xEF\xBB\xBF");
	*msg = s;
	return IB_OK;
}

/* 1 when tag is a Dovecot log level ("Info", "Warning"...), written first by 1.x. */
static int dovecot1_level(struct ib_str tag)
{
	return IB_SP_EQ(tag, "Info") || IB_SP_EQ(tag, "Warning") || IB_SP_EQ(tag, "Warn") ||
	       IB_SP_EQ(tag, "Error") || IB_SP_EQ(tag, "Fatal") || IB_SP_EQ(tag, "Panic") ||
	       IB_SP_EQ(tag, "Debug");
}

/*
 * Per file: what followed the stamp on recent lines, "host tag: " up to
 * the message, and where host, tag and program lie in it. Lines of one
 * host and program repeat it. Every byte the host rule and read_tag look
 * at lies in it, and after it only whether the next byte is a space, so a
 * line whose bytes after the stamp start with a memo's, and go on with
 * no space, reads the same: the memo is the answer. Only headers with a
 * host are kept. A tag with a pid ("postfix/smtpd[8464]") is kept up to
 * its '[' (pid 1): the rest, up to "]: ", is read as read_tag would (the
 * first ']', then ':' and a space or the end; anything else: no memo).
 * A mail server's syslog has a few hosts times a few programs: memos
 * are found by their first 8 bytes (a set of MEMO_WAYS; shorter headers
 * are not kept), and the set's oldest is replaced.
 */
#define MEMO_MAX 64
#define MEMO_SETS 8 /* set_of() gives 3 bits */
#define MEMO_WAYS 8

struct memo {
	uint64_t w0; /* b's first 8 bytes */
	char b[MEMO_MAX];
	unsigned char len, host, tag_at, tag, prog, pid; /* len 0: empty; tag unused with pid */
};

struct syslog_state {
	struct memo m[MEMO_SETS][MEMO_WAYS];
	unsigned char next[MEMO_SETS]; /* the way replaced next */
};

static inline unsigned set_of(uint64_t w0)
{
	return (unsigned)((w0 * 0x9E3779B97F4A7C15ull) >> 61); /* MEMO_SETS 8 */
}

static void *syslog_open(void)
{
	return calloc(1, sizeof(struct syslog_state));
}

static void syslog_close(void *st)
{
	free(st);
}

/* 1 when m fits s, whose first 8 bytes (s.len >= 8) are w0. */
static inline int memo_fits(const struct memo *m, struct ib_str s, uint64_t w0)
{
	return m->w0 == w0 && m->len && s.len >= m->len &&
	       (m->pid || s.len == m->len || s.ptr[m->len] != ' ') &&
	       ib_bytes_eq(s.ptr + 8, m->b + 8, m->len - 8u);
}

/* The header after the stamp from a memo, or 0 when none fits s. */
static int recall(struct syslog_state *st, struct ib_str s, struct ib_syslog_hdr *hdr, struct ib_str *msg)
{
	const struct memo *m, *set;
	uint64_t w0;
	unsigned k;

	if (s.len < 8)
		return 0;
	memcpy(&w0, s.ptr, 8);
	set = st->m[set_of(w0)];
	for (k = 0; k < MEMO_WAYS && !memo_fits(&set[k], s, w0); k++)
		;
	if (k == MEMO_WAYS)
		return 0;
	m = &set[k];
	if (m->pid) {
		/* read_tag's group after the '[', then ':' and a space or the end */
		const char *e = memchr(s.ptr + m->len, ']', s.len - m->len);
		size_t at;

		if (!e)
			return 0;
		at = (size_t)(e - s.ptr) + 1;
		if (at >= s.len || s.ptr[at] != ':' || (at + 1 < s.len && s.ptr[at + 1] != ' '))
			return 0;
		hdr->tag = ib_sp_span(s.ptr + m->tag_at, s.ptr + at);
		for (at++; at < s.len && s.ptr[at] == ' '; at++)
			;
		*msg = ib_sp_from(s, at);
	} else {
		hdr->tag = ib_sp_span(s.ptr + m->tag_at, s.ptr + m->tag_at + m->tag);
		*msg = ib_sp_from(s, m->len);
	}
	hdr->host = ib_sp_span(s.ptr, s.ptr + m->host);
	hdr->program = ib_sp_span(s.ptr + m->tag_at, s.ptr + m->tag_at + m->prog);
	return 1;
}

/* Keep the header of s read into hdr and msg (s: the line after its stamp). */
static void remember(struct syslog_state *st, struct ib_str s, const struct ib_syslog_hdr *hdr,
		     struct ib_str msg)
{
	size_t len = (size_t)(msg.ptr - s.ptr), p = hdr->program.len;
	const struct ib_str *t = &hdr->tag;
	int pid = 0;
	struct memo *m;
	uint64_t w0;
	unsigned set;

	if (t->len != p) {
		/* one "[...]" group: the first ']' after the '[' ends the tag */
		if (t->len < p + 2 || t->ptr[p] != '[' ||
		    memchr(t->ptr + p + 1, ']', t->len - p - 1) != t->ptr + t->len - 1)
			return;
		len = (size_t)(t->ptr - s.ptr) + p + 1;
		pid = 1;
	}
	if (len > MEMO_MAX || len < 8 || (!pid && s.ptr[len - 1] != ' '))
		return;
	memcpy(&w0, s.ptr, 8);
	set = set_of(w0);
	m = &st->m[set][st->next[set]++ % MEMO_WAYS];
	m->w0 = w0;
	memcpy(m->b, s.ptr, len);
	m->len = (unsigned char)len;
	m->pid = (unsigned char)pid;
	m->host = (unsigned char)hdr->host.len;
	m->tag_at = (unsigned char)(hdr->tag.ptr - s.ptr);
	m->tag = (unsigned char)hdr->tag.len;
	m->prog = (unsigned char)hdr->program.len;
}

static int envelope(struct ib_time_policy *tp, struct syslog_state *st, struct ib_str line,
		    struct ib_syslog_hdr *hdr, struct ib_str *msg, const char **reason)
{
	struct ib_str s = line, w, stamped;
	size_t after;
	unsigned k;
	int rc;

	hdr->time_ms = IB_TIME_NONE;
	hdr->host = hdr->program = hdr->tag = IB_STR_NULL;
	*msg = IB_STR_NULL;
	if (read_pri(&s) == 0 && s.len >= 2 && s.ptr[0] >= '1' && s.ptr[0] <= '9' && s.ptr[1] == ' ')
		return read_5424(tp, s, hdr, msg, reason);
	if (!s.len) {
		*reason = "empty line";
		return IB_BAD;
	}
	if (s.ptr[0] == 'd' && IB_SP_STARTS(s, "dovecot: ") && s.len > 9 && s.ptr[9] >= 'A' &&
	    s.ptr[9] <= 'Z')
		s = ib_sp_from(s, 9); /* 1.x log_path: "dovecot: Mar 13 15:25:07 Info: ..." */
	if (s.ptr[0] == '@')
		rc = ib_ts_tai64n(&s, &hdr->time_ms);
	else if (s.ptr[0] >= '0' && s.ptr[0] <= '9')
		rc = ib_ts_iso(&s, tp, &hdr->time_ms);
	else
		rc = ib_ts_rfc3164(&s, tp, &hdr->time_ms);
	if (rc < 0) {
		*reason = "no syslog timestamp";
		return IB_BAD;
	}
	if (st && recall(st, s, hdr, msg))
		return IB_OK;
	/* the usual case, a host word, without a call: read_tag's TAG_AT_SPACE */
	after = name_len(s, &k);
	if (after && after < s.len && s.ptr[after] == ' ')
		rc = TAG_AT_SPACE;
	else
		rc = read_tag(s, &hdr->tag, &hdr->program, &after);
	if (rc == 0) {
		struct ib_syslog_hdr h1 = *hdr;
		size_t a1;

		*msg = ib_sp_from(s, after);
		if (dovecot1_level(hdr->tag) && read_tag(*msg, &h1.tag, &h1.program, &a1) == 0) {
			*hdr = h1;
			*msg = ib_sp_from(*msg, a1);
		}
		return IB_OK;
	}
	stamped = s;
	if (rc == TAG_AT_SPACE) {
		/* the word up to that space is the host (what ib_sp_word would take) */
		w = ib_sp_span(s.ptr, s.ptr + after);
		s = ib_sp_from(s, after);
		ib_sp_skip_ws(&s);
	} else {
		(void)ib_sp_word(&s, &w);
	}
	if (!w.len) {
		*reason = "no syslog host or tag";
		return IB_BAD;
	}
	hdr->host = w;
	if (read_tag(s, &hdr->tag, &hdr->program, &after) == 0) {
		*msg = ib_sp_from(s, after);
		if (st && rc == TAG_AT_SPACE)
			remember(st, stamped, hdr, *msg);
		return IB_OK;
	}
	/* syslogd's own chatter: a valid line that carries no tag */
	if (IB_SP_STARTS(s, "last message repeated") || IB_SP_STARTS(s, "-- MARK --") ||
	    IB_SP_STARTS(s, "message repeated")) {
		*msg = s;
		return IB_SKIP;
	}
	*reason = "no syslog program tag";
	return IB_BAD;
}

static int syslog_envelope(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_syslog_hdr *hdr,
			   struct ib_str *msg)
{
	if (!line.ptr)
		return IB_SKIP; /* end of file: syslog holds no record */
	return envelope(ctx->time, ctx->state, line, hdr, msg, &ctx->reason);
}

/*
 * 80 for a readable envelope: above generic guesses, below a format
 * parser that is certain (100). Validates only; the time is not used.
 */
static int syslog_probe(struct ib_str line)
{
	struct ib_time_policy tp;
	struct ib_syslog_hdr hdr;
	struct ib_str msg;
	const char *reason;

	ib_time_policy_init(&tp, NULL, 2000, 0);
	if (envelope(&tp, NULL, line, &hdr, &msg, &reason) != IB_OK)
		return 0;
	return 80;
}

const struct ib_parser ib_parser_syslog = {
    .name = "syslog",
    .description = "syslog envelope (RFC 3164, RFC 5424, ISO 8601, TAI64N), dispatching by program",
    .layer = IB_LAYER_SERVER,
    .probe = syslog_probe,
    .envelope = syslog_envelope,
    .lone_lines = 1,
    .open = syslog_open,
    .close = syslog_close,
};
