/*
 * event.h: one authentication-related log line, as a parser fills it.
 *
 * Every string is a slice into the current line (or into the parser's own
 * per-file state, for values carried from an earlier line). Slices are
 * valid until the next line is read. Empty slice = not known.
 */
#ifndef IMAPBLAST_EVENT_H
#define IMAPBLAST_EVENT_H

#include <string.h>
#include "common.h"

enum ib_event_flags {
	/* A connection outcome without a login result (HAProxy tcplog): counts
	 * toward server health, never toward a user. */
	IB_EV_CONNECTION = 1,
	/* The parser knows this line is about authentication (it carries a
	 * login result or auth reason), so "matched no rule" is worth listing
	 * in `imapblast rules --test`. */
	IB_EV_AUTH_HINT = 2
};

/*
 * The protocol of a login: what the client logged in to. IB_PROTO_NONE
 * (zero, what ib_event_clear leaves) means not known. Parsers take it from
 * the line (a listen port, "imap-login", "protocol=IMAP", Entra's client
 * app), else their parser's default (struct ib_parser.protocol). Only IMAP,
 * POP3 and unknown logins count toward the blast radius by default
 * (--protocols, docs/method.md).
 */
enum ib_proto {
	IB_PROTO_NONE = 0, /* unknown */
	IB_PROTO_IMAP,
	IB_PROTO_POP3,
	IB_PROTO_SMTP,	/* SMTP AUTH, submission */
	IB_PROTO_EAS,	/* Exchange ActiveSync */
	IB_PROTO_HTTP,	/* browser, web services (EWS, MAPI/HTTP, webmail's own login) */
	IB_PROTO_OTHER, /* ManageSieve, LMTP, anything else named */
	IB_PROTO_COUNT
};

/* "none", "imap", "pop3", "smtp", "eas", "http", "other"; "?" when out of range. */
const char *ib_proto_name(enum ib_proto p);
/* For people: "IMAP", "POP3", "SMTP AUTH", "ActiveSync", "HTTP" (browser,
 * web services), "other", "not stated"; "?" when out of range. */
const char *ib_proto_label(enum ib_proto p);
/* Parse a protocol name (case ignored, "none" included); 0 and *out, or -1. */
int ib_proto_parse(struct ib_str s, enum ib_proto *out);
/*
 * The protocol of a well-known server port: 143/993 IMAP, 110/995 POP3,
 * 25/465/587 SMTP, 4190 OTHER (ManageSieve); IB_PROTO_NONE otherwise.
 */
enum ib_proto ib_proto_of_port(unsigned long port);
/*
 * The same for the port at the end of an address ("0.0.0.0:993",
 * "[::1]:110", "10.0.0.5:143"); IB_PROTO_NONE without a known port.
 */
enum ib_proto ib_proto_of_addr(struct ib_str addr);
/*
 * The protocol a syslog program or Dovecot process name serves, from its
 * part after the last '/' (case ignored): a name holding "imap"
 * ("imapd", "cyrus/imaps", "imap-login", "perdition.imap4") is IMAP, one
 * holding "pop" ("ipop3d", "courierpop3login") POP3, "submission*" and
 * "smtp*" SMTP, "managesieve*" and "lmtp*" OTHER; else IB_PROTO_NONE.
 */
enum ib_proto ib_proto_of_program(struct ib_str program);

struct ib_event {
	int64_t time_ms;	  /* UTC ms, IB_TIME_NONE when the line has none */
	enum ib_layer layer;	  /* client, proxy or server */
	const char *format;	  /* parser name (static string) */
	struct ib_str program;	  /* syslog program ("dovecot", "imapd"...), or empty */
	struct ib_str host;	  /* host that wrote the log (syslog host) */
	struct ib_str server;	  /* backend that served or failed the login */
	struct ib_str local;	  /* the server's own address as it logs it (Dovecot lip=), or empty */
	struct ib_str user;	  /* login name as logged (case kept) */
	struct ib_str ip;	  /* client IP, no port, no "::ffff:" */
	struct ib_str session;	  /* session / connection id */
	struct ib_str message;	  /* text the classifier matches (see parser.h) */
	enum ib_category outcome; /* explicit outcome stated by the format, else IB_CAT_NONE */
	const char *signature;	  /* with an explicit outcome: a static signature name */
	unsigned flags;		  /* enum ib_event_flags */
	enum ib_proto protocol;	  /* IB_PROTO_NONE when not known */
};

/* Zero an event: IB_TIME_NONE, empty slices, IB_CAT_NONE. Inline: it runs
 * once or twice per line. */
static inline void ib_event_clear(struct ib_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ms = IB_TIME_NONE;
	ev->outcome = IB_CAT_NONE;
}

#endif
