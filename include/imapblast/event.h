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
