/*
 * events.c: the lines each event writes, per layer and format (Dovecot,
 * nginx, fetchmail, Exchange, mbsync, Entra), and the events they schedule.
 */
#include "gen_int.h"

static const char *const spray_names[] = {"admin",   "test",	"info",	     "support",	   "sales",
					  "office",  "contact", "webmaster", "postmaster", "root",
					  "user",    "mail",	"billing",   "hr",	   "marketing",
					  "noreply", "backup",	"service",   "guest",	   "demo"};

/* ---- Dovecot server layer ---- */

static unsigned mail_pid(uint64_t sid)
{
	return 1000 + (unsigned)(sid >> 20) % 59000;
}

static void dovecot_login_line(struct gen *g, const struct user *u, unsigned b, int64_t t, const char *what,
			       uint32_t rip, int with_mpid, const char *sec)
{
	char ip[20], lip[20], sid[17];
	uint64_t v = rnext(&g->r);

	gen_ip_str(rip, ip, sizeof(ip));
	gen_ip_str(gen_backend_ip(b), lip, sizeof(lip));
	gen_session_id(v, sid);
	g->last_sid = v;
	if (with_mpid)
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: imap-login: %s: user=<%s>, method=PLAIN, rip=%s, lip=%s, "
			 "mpid=%u, %s, session=<%s>",
			 gen_ts_syslog(g, t), b + 1, what, u->name, ip, lip, mail_pid(v), sec, sid);
	else
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: imap-login: %s: user=<%s>, method=PLAIN, rip=%s, lip=%s, "
			 "%s, session=<%s>",
			 gen_ts_syslog(g, t), b + 1, what, u->name, ip, lip, sec, sid);
}

/* An outage failure as the backend logs it: a proxied user comes from the proxy, "secured", not "TLS". */
static void outage_login_line(struct gen *g, const struct user *u, unsigned b, int64_t t, const char *what)
{
	dovecot_login_line(g, u, b, t, what, u->via_proxy ? PROXY_IP : u->ip, 0,
			   u->via_proxy ? "secured" : "TLS");
}

/* nginx error_log line for a proxied connection. */
__attribute__((format(printf, 5, 6))) static void nginx(struct gen *g, int64_t t, const char *level,
							uint64_t conn, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gen_emit(g, gen_proxy_out(g), "%s [%s] 2471#2471: *%llu %s", gen_ts_nginx(g, t), level,
		 (unsigned long long)conn, msg);
}

static void nginx_connect(struct gen *g, int64_t t, uint64_t conn, uint32_t cip)
{
	char ip[20];

	gen_ip_str(cip, ip, sizeof(ip));
	nginx(g, t, "info", conn, "client %s:%u connected to 0.0.0.0:993", ip,
	      (unsigned)rrange(&g->r, 32768, 60999));
}

__attribute__((format(printf, 4, 5))) static void fetchmail_line(struct gen *g, const struct user *u,
								 int64_t t, const char *fmt, ...)
{
	unsigned idx = (unsigned)(u - g->u), host = idx % 3 + 1;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one fetchmail daemon per user (each user's own ~/.fetchmailrc), so a
	 * line that names no user belongs to the pid's user */
	gen_emit(g, gen_client_out(g), "%s client%u fetchmail[%u]: %s",
		 gen_ts_syslog_in(g, t, gen_local_tz(g), 3), host, 2000 + idx % 60000, msg);
}

static const char *mail_host(const struct gen *g)
{
	return g->o.style == STYLE_EXCHANGE ? "mail.example.com" : "imap.example.com";
}

/* ---- Exchange server layer ---- */

static void exch_line(struct gen *g, unsigned b, int64_t t, uint64_t sid, unsigned seq, uint32_t cip,
		      unsigned cport, const char *user, const char *rest)
{
	char ip[20], sip[20];

	if (g->o.client_side) /* Exchange Online: the admin has no protocol logs */
		return;
	gen_ip_str(cip, ip, sizeof(ip));
	gen_ip_str(gen_backend_ip(b), sip, sizeof(sip));
	gen_emit(g, gen_server_out(g, b), "%s,%016llX,%u,%s:993,%s:%u,%s,%s", gen_ts_exch(g, t),
		 (unsigned long long)sid, seq, sip, ip, cport, user, rest);
}

/* ---- unnamed client logs (mbsync: the user is redacted) ---- */

/* mbsync's stderr with a ts(1) stamp, one file per user: clients/mbsync-NAME.log. */
static void mbsync_line(struct gen *g, struct user *u, int64_t t, const char *msg)
{
	char name[96];

	if (!u->mb) {
		size_t at = strcspn(u->lower, "@");

		u->mb = calloc(1, sizeof(*u->mb));
		if (!u->mb)
			gen_die("out of memory", "mbsync");
		snprintf(name, sizeof(name), "clients/mbsync-%.*s.log", (int)at, u->lower);
		gen_out_open(g, u->mb, name);
	}
	gen_emit(g, u->mb, "%s %s", gen_ts_syslog_in(g, t, gen_local_tz(g), 3), msg);
}

/* ---- Entra ID sign-in export (the identity provider) ---- */

/* One IMAP sign-in row; code 0 is a success (the token was fine, whatever IMAP did next). */
static void entra_row(struct gen *g, int64_t t, const char *user, uint32_t cip, unsigned code)
{
	char ip[20], d[32];

	if (!g->o.entra)
		return;
	if (!g->entra.open) {
		gen_out_open(g, &g->entra, "entra-signins.csv");
		gen_emit(g, &g->entra,
			 "Date (UTC),Request ID,Correlation ID,User,Username,Application,Resource,"
			 "IP address,Location,Status,Sign-in error code,Failure reason,Client app,"
			 "Session ID");
	}
	gen_ip_str(cip, ip, sizeof(ip));
	ib_time_format(t - t % 1000, d, sizeof(d));
	gen_emit(g, &g->entra,
		 "%s,r%llu,c%llu,%s,%s,Office 365 Exchange Online,Office 365 Exchange Online,%s,"
		 "\"Berlin, BE, DE\",%s,%u,%s,IMAP4,s%llu",
		 d, (unsigned long long)g->evseq, (unsigned long long)g->evseq, user, user, ip,
		 code ? "Failure" : "Success", code,
		 code ? "Error validating credentials due to invalid username or password." : "",
		 (unsigned long long)g->evseq);
}

/* ---- the events ---- */

static void schedule_next_login(struct gen *g, uint32_t ui, int64_t t)
{
	struct user *u = &g->u[ui];

	if (u->fetch)
		gen_push(g, t + rrange(&g->r, 290000, 310000), EV_LOGIN, ui, 0, 0);
	else
		gen_push(g, t + rexp(&g->r, g->o.mean_interval), EV_LOGIN, ui, 0, 0);
}

static void schedule_noise(struct gen *g, uint32_t ui, int64_t t, uint64_t sid)
{
	double n = g->o.bg_rate - 1.0; /* the logout line is one background line */
	int k;

	if (n < 0)
		n = 0;
	k = (int)n;
	if (runit(&g->r) < n - k)
		k++;
	for (int i = 0; i < k; i++)
		gen_push(g, t + rrange(&g->r, 1000, 20 * MIN_MS), EV_NOISE, ui, 0, sid);
}

/* Outcome of one login attempt by a real user: 0 ok, 1 typo, 2 temp, 3 timeout, 4 exch-NO,
 * 5 exch OK-then-BAD. */
static int decide(struct gen *g, struct user *u, int64_t t)
{
	if (u->typo_left > 0)
		return 1;
	for (int i = 0; i < 2; i++)
		if (u->typo_at[i] && t >= u->typo_at[i]) {
			u->typo_at[i] = 0;
			u->typo_left = (int)rrange(&g->r, 1, 3);
			return 1;
		}
	if (g->o.dead_b == (int)u->backend && gen_in_incident(g, t))
		return 3; /* dead: every login times out at the proxy */
	if (g->o.failing[u->backend] && gen_in_incident(g, t) &&
	    runit(&g->r) < g->o.fail_prob * gen_fail_factor(g, u->backend, t)) {
		if (g->o.style == STYLE_EXCHANGE)
			/* seen from the client side, every outage attempt is an authentication
			 * failure naming the account (a BYE line names none) */
			return runit(&g->r) < 0.25 && !g->o.client_side ? 5 : 4;
		return runit(&g->r) < 0.3 ? 3 : 2;
	}
	return 0;
}

static void login_temp(struct gen *g, uint32_t ui, int64_t t, unsigned retry)
{
	struct user *u = &g->u[ui];
	unsigned b = u->backend;
	int what = decide(g, u, t);
	uint64_t conn = ++g->conn;
	char ip[20], up[24], stamp[96];

	gen_ip_str(u->ip, ip, sizeof(ip));
	snprintf(up, sizeof(up), "10.0.1.%u:143", 10 + b);
	if (u->via_proxy)
		nginx_connect(g, t, conn, u->ip);
	switch (what) {
	case 0:
		if (u->via_proxy) {
			dovecot_login_line(g, u, b, t, "Login", PROXY_IP, 1, "secured");
			nginx(g, t, "info", conn,
			      "client logged in while proxying, client: %s, server: 0.0.0.0:993, "
			      "login: \"%s\", upstream: %s",
			      ip, u->name, up);
		} else {
			dovecot_login_line(g, u, b, t, "Login", u->ip, 1, "TLS");
		}
		if (u->fetch) {
			if (u->failed_since_ok)
				fetchmail_line(g, u, t + 1, "%s", "Service has been restored.");
			if (runit(&g->r) < 0.3) {
				char msg[160];

				snprintf(msg, sizeof(msg), "%u messages for %s at %s (%u octets).",
					 (unsigned)rrange(&g->r, 1, 4), u->name, mail_host(g),
					 (unsigned)rrange(&g->r, 2000, 90000));
				fetchmail_line(g, u, t + 2, "%s", msg);
			}
		}
		u->succeeded = 1;
		u->failed_since_ok = 0;
		gen_push2(g, t + (u->fetch ? rrange(&g->r, 1000, 8000) : rrange(&g->r, MIN_MS, 40 * MIN_MS)),
			  EV_LOGOUT, ui, 0, g->last_sid, conn);
		schedule_noise(g, ui, t, g->last_sid);
		schedule_next_login(g, ui, t);
		return;
	case 1:
		u->typo_left--;
		if (u->via_proxy)
			nginx(g, t, "info", conn,
			      "client login failed: \"Authentication credentials invalid\" while in "
			      "http auth state, client: %s, server: 0.0.0.0:993, login: \"%s\"",
			      ip, u->name);
		else {
			char why[64];

			snprintf(why, sizeof(why), "Disconnected (auth failed, 1 attempts in %u secs)",
				 (unsigned)rrange(&g->r, 1, 9));
			dovecot_login_line(g, u, b, t, why, u->ip, 0, "TLS");
		}
		if (u->fetch)
			fetchmail_line(g, u, t + 1, "Authorization failure on %s@imap.example.com", u->name);
		gen_push(g, t + rrange(&g->r, 8000, 60000), EV_LOGIN, ui, retry + 1, 0);
		return;
	default:
		break;
	}
	/* outage failure on a failing backend inside the incident */
	u->affected = 1;
	u->failed_since_ok = 1;
	gen_truth_fail(g, u, 2, gen_read_back(t, g->o.iso_syslog));
	if (u->via_proxy)
		gen_truth_fail(g, u, 1, gen_read_back(t, 0));
	if (u->fetch)
		gen_truth_fail(g, u, 0, gen_read_back(t + 1, g->o.iso_syslog));
	if (u->mbsync) {
		mbsync_line(g, u, t + 1,
			    what == 2
				? "IMAP command 'LOGIN <user> <pass>' returned an error: NO [UNAVAILABLE] "
				  "Temporary authentication failure."
				: "Socket error on imap.example.com (10.0.0.10:993): timeout.");
		gen_truth_fail(g, u, 0, gen_read_back(t + 1, g->o.iso_syslog));
	}
	if (what == 2) {
		if (g->o.dc24[b])
			outage_login_line(g, u, b, t,
					  "Login aborted: Connection closed (auth service reported "
					  "temporary failure, 1 attempts in 0 secs) (temp_fail)");
		else
			outage_login_line(g, u, b, t,
					  "Disconnected (auth service reported temporary failure)");
		if (u->via_proxy) {
			struct tm tm;
			long off;

			gen_civil(t / 1000, &tm, &off, g->o.tz);
			snprintf(stamp, sizeof(stamp), "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			nginx(g, t, "error", conn,
			      "upstream sent invalid response: \"NO [UNAVAILABLE] Temporary "
			      "authentication failure. [imap%u:%s]\" while reading response from "
			      "upstream, client: %s, server: 0.0.0.0:993, login: \"%s\", upstream: %s",
			      b + 1, stamp, ip, u->name, up);
		}
		if (u->fetch)
			fetchmail_line(g, u, t + 1, "Server busy error on %s@imap.example.com", u->name);
	} else {
		if (g->o.dc24[b])
			outage_login_line(g, u, b, t,
					  "Login aborted: Connection closed (auth service reported "
					  "temporary failure, 1 attempts in 30 secs) (temp_fail)");
		else
			outage_login_line(g, u, b, t,
					  "Disconnected (disconnected while authenticating, waited "
					  "30 secs)");
		if (u->via_proxy && g->o.dead_b == (int)b)
			nginx(g, t, "error", conn,
			      "connect() failed (111: Connection refused) while connecting to upstream, "
			      "client: %s, server: 0.0.0.0:993, login: \"%s\", upstream: %s",
			      ip, u->name, up);
		else if (u->via_proxy)
			nginx(g, t, "error", conn,
			      "upstream timed out (110: Connection timed out) while reading response "
			      "from upstream, client: %s, server: 0.0.0.0:993, login: \"%s\", "
			      "upstream: %s",
			      ip, u->name, up);
		if (u->fetch) {
			fetchmail_line(g, u, t + 1, "%s",
				       "timeout after 30 seconds waiting for server imap.example.com.");
			fetchmail_line(g, u, t + 1, "%s", "Query status=2 (SOCKET)");
		}
	}
	if (u->fetch)
		schedule_next_login(g, ui, t);
	else if (retry < 12)
		gen_push(g, t + rrange(&g->r, 30000, 180000), EV_LOGIN, ui, retry + 1, 0);
	else
		schedule_next_login(g, ui, t);
}

static void login_exchange(struct gen *g, uint32_t ui, int64_t t, unsigned retry)
{
	struct user *u = &g->u[ui];
	unsigned b = u->backend, port = (unsigned)rrange(&g->r, 49152, 65000);
	int what = decide(g, u, t);
	uint64_t sid = rnext(&g->r) & UINT64_C(0xFFFFFFFFFFFF);
	const char *cmd = u->imap_login ? "login" : "authenticate";
	const char *CMD = u->imap_login ? "LOGIN" : "AUTHENTICATE";
	char par[96], rest[256];
	unsigned seq = 0;

	if (u->imap_login)
		snprintf(par, sizeof(par), "%s *****", u->name);
	else
		snprintf(par, sizeof(par), "PLAIN");
	exch_line(g, b, t, sid, seq++, u->ip, port, "", ",,,OpenSession,,,");
	exch_line(g, b, t + 3, sid, seq++, u->ip, port, "",
		  "0,12,218,capability,,\"R=\"\"a1 OK CAPABILITY completed.\"\"\",");
	entra_row(g, t + 20, u->lower, u->ip, what == 1 ? 50126 : 0);
	if (what == 0 || what == 5) {
		snprintf(rest, sizeof(rest), "%u,%u,31,%s,%s,\"R=\"\"a2 OK %s completed.\"\"\",",
			 (unsigned)rrange(&g->r, 8, 60), (unsigned)rrange(&g->r, 30, 60), cmd, par, CMD);
		exch_line(g, b, t + 40, sid, seq++, u->ip, port, u->name, rest);
	} else {
		snprintf(rest, sizeof(rest), "%u,%u,24,%s,%s,\"R=\"\"a2 NO %s failed.\"\"\",",
			 (unsigned)rrange(&g->r, 15, 2500), (unsigned)rrange(&g->r, 30, 60), cmd, par, CMD);
		exch_line(g, b, t + 40, sid, seq++, u->ip, port, u->name, rest);
	}
	if (what == 0) {
		exch_line(g, b, t + 80, sid, seq++, u->ip, port, u->name,
			  "4,20,96,select,INBOX,\"R=\"\"a3 OK [READ-WRITE] SELECT completed.\"\"\",");
		u->succeeded = 1;
		u->last_sid = sid;
		u->last_seq = seq;
		if (u->fetch) {
			if (u->failed_since_ok)
				fetchmail_line(g, u, t + 100, "%s", "Service has been restored.");
			fetchmail_line(g, u, t + 100, "No mail for %s at mail.example.com", u->name);
		}
		u->failed_since_ok = 0;
		gen_push(g, t + (u->fetch ? rrange(&g->r, 1000, 8000) : rrange(&g->r, MIN_MS, 40 * MIN_MS)),
			 EV_LOGOUT, ui, 0, sid | (uint64_t)port << 48);
		schedule_noise(g, ui, t, sid);
		schedule_next_login(g, ui, t);
		return;
	}
	if (what == 5) {
		exch_line(g, b, t + 80, sid, seq++, u->ip, port, u->name,
			  "1,20,58,select,INBOX,\"R=\"\"a3 BAD User is authenticated but not "
			  "connected.\"\"\",");
		if (u->fetch) {
			fetchmail_line(g, u, t + 100, "%s",
				       "Received BYE response from IMAP server: Connection closed. 14");
			/* the daemon ends each failed poll with its status (fetchmail's PS_*) */
			fetchmail_line(g, u, t + 100, "%s", "Query status=4 (PROTOCOL)");
		}
	} else if (u->fetch) {
		fetchmail_line(g, u, t + 100, "Authorization failure on %s@mail.example.com", u->name);
		fetchmail_line(g, u, t + 100, "%s", "Query status=3 (AUTHFAIL)");
	}
	exch_line(g, b, t + 120, sid, seq, u->ip, port, "", ",,,CloseSession,,,");
	if (what == 1) {
		u->typo_left--;
		gen_push(g, t + rrange(&g->r, 8000, 60000), EV_LOGIN, ui, retry + 1, 0);
		return;
	}
	u->affected = 1;
	u->failed_since_ok = 1;
	if (!g->o.client_side)
		gen_truth_fail(g, u, 2, t + 40); /* the login line, also for what 5 */
	if (u->fetch) /* "Authorization failure", or the BYE of what 5 (temporary) */
		gen_truth_fail(g, u, 0, gen_read_back(t + 100, g->o.iso_syslog));
	if (u->fetch)
		schedule_next_login(g, ui, t);
	else if (retry < 12)
		gen_push(g, t + rrange(&g->r, 30000, 180000), EV_LOGIN, ui, retry + 1, 0);
	else
		schedule_next_login(g, ui, t);
}

static void logout(struct gen *g, const struct ev *e)
{
	struct user *u = &g->u[e->who];
	unsigned b = u->backend;

	if (g->o.style == STYLE_EXCHANGE) {
		uint64_t sid = e->sid & UINT64_C(0xFFFFFFFFFFFF);
		unsigned port = (unsigned)(e->sid >> 48);
		unsigned seq = sid == u->last_sid ? u->last_seq : 4;

		exch_line(g, b, e->t, sid, seq, u->ip, port, u->name,
			  "1,8,62,logout,,\"R=\"\"* BYE Microsoft Exchange Server IMAP4 server "
			  "signing off.\"\"\",");
		exch_line(g, b, e->t + 1, sid, seq + 1, u->ip, port, "", ",,,CloseSession,,,");
		if (sid == u->last_sid)
			u->last_seq = seq + 2;
		return;
	}
	{
		char sid[17];

		gen_session_id(e->sid, sid);
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: imap(%s)<%u><%s>: Disconnected: Logged out in=%u out=%u",
			 gen_ts_syslog(g, e->t), b + 1, u->name, mail_pid(e->sid), sid,
			 (unsigned)rrange(&g->r, 30, 900), (unsigned)rrange(&g->r, 400, 90000));
		if (u->via_proxy)
			nginx(g, e->t, "info", e->aux,
			      "proxied session done while proxying, client: %u.%u.%u.%u, server: "
			      "0.0.0.0:993, login: \"%s\", upstream: 10.0.1.%u:143",
			      u->ip >> 24, (u->ip >> 16) & 255, (u->ip >> 8) & 255, u->ip & 255, u->name,
			      10 + b);
	}
}

static void noise(struct gen *g, const struct ev *e)
{
	struct user *u = &g->u[e->who];
	unsigned b = u->backend, pid = (unsigned)rrange(&g->r, 1000, 60000);
	char sid[17], qid[12];
	unsigned kind = (unsigned)rbelow(&g->r, 8);
	const char *ts;

	if (g->o.style == STYLE_EXCHANGE) {
		static const char *const cmds[] = {
		    "7,40,3200,uid,FETCH 1:* (FLAGS),\"R=\"\"a5 OK FETCH completed.\"\"\",",
		    "0,12,24,noop,,\"R=\"\"a6 OK NOOP completed.\"\"\",",
		    "3,30,80,status,INBOX (MESSAGES UNSEEN),\"R=\"\"a7 OK STATUS completed.\"\"\",",
		    "900000,10,40,idle,,\"R=\"\"a8 OK IDLE completed.\"\"\",",
		    "22,60,18000,fetch,1:20 (BODY.PEEK[HEADER]),\"R=\"\"a9 OK FETCH completed.\"\"\","};
		uint64_t s = e->sid ? e->sid : (rnext(&g->r) & UINT64_C(0xFFFFFFFFFFFF));
		unsigned seq = s == u->last_sid ? u->last_seq++ : 5;

		exch_line(g, b, e->t, s, seq, u->ip, 50000 + (unsigned)(s % 15000), u->name,
			  cmds[kind % NELEM(cmds)]);
		return;
	}
	gen_session_id(kind == 4 || kind == 6 ? e->sid : rnext(&g->r), sid);
	if (kind == 4 || kind == 6)
		pid = mail_pid(e->sid);
	snprintf(qid, sizeof(qid), "%09llX", (unsigned long long)(rnext(&g->r) & 0xFFFFFFFFFull));
	ts = gen_ts_syslog(g, e->t);
	switch (kind) {
	case 0:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u postfix/smtpd[%u]: connect from mail-%s.example.net[198.18.%u.%u]", ts,
			 b + 1, pid, qid + 4, (unsigned)rbelow(&g->r, 250), (unsigned)rrange(&g->r, 1, 250));
		break;
	case 1:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u postfix/qmgr[%u]: %s: from=<newsletter@example.net>, size=%u, "
			 "nrcpt=1 (queue active)",
			 ts, b + 1, pid, qid, (unsigned)rrange(&g->r, 1500, 400000));
		break;
	case 2:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u postfix/lmtp[%u]: %s: to=<%s>, relay=imap%u[private/dovecot-lmtp], "
			 "delay=0.%u, delays=0.1/0/0/0.%u, dsn=2.0.0, status=sent (250 2.0.0 <%s> %s Saved)",
			 ts, b + 1, pid, qid, u->lower, b + 1, (unsigned)rrange(&g->r, 10, 99),
			 (unsigned)rrange(&g->r, 1, 9), u->lower, sid);
		break;
	case 3:
		gen_emit(
		    g, gen_server_out(g, b),
		    "%s imap%u dovecot: lmtp(%s)<%u><%s>: msgid=<%s.%u@example.net>: saved mail to INBOX", ts,
		    b + 1, u->lower, pid, sid, qid, pid);
		break;
	case 4:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: imap(%s)<%u><%s>: Disconnected: Connection closed (IDLE "
			 "running for 0.001 + waiting input for %u.%03u secs, 2 B in + 10 B out, "
			 "state=wait-input) in=%u out=%u deleted=0 expunged=0 trashed=0 hdr_count=0 "
			 "hdr_bytes=0 body_count=0 body_bytes=0",
			 ts, b + 1, u->name, pid, sid, (unsigned)rrange(&g->r, 60, 1800),
			 (unsigned)rbelow(&g->r, 1000), (unsigned)rrange(&g->r, 100, 900),
			 (unsigned)rrange(&g->r, 900, 9000));
		break;
	case 5:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u postfix/smtpd[%u]: disconnect from mail-%s.example.net[198.18.%u.%u] "
			 "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
			 ts, b + 1, pid, qid + 4, (unsigned)rbelow(&g->r, 250),
			 (unsigned)rrange(&g->r, 1, 250));
		break;
	case 6:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: imap(%s)<%u><%s>: Logged out in=%u out=%u", ts, b + 1, u->name,
			 pid, sid, (unsigned)rrange(&g->r, 30, 900), (unsigned)rrange(&g->r, 400, 90000));
		break;
	default:
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u postfix/cleanup[%u]: %s: message-id=<%s.%u@example.net>", ts, b + 1, pid,
			 qid, sid, pid);
		break;
	}
}

static void attack(struct gen *g, const struct ev *e)
{
	unsigned k = e->who, n = g->atk_done[k]++;
	uint32_t aip = g->atk_ip[k];
	char ip[20], name[64];
	uint64_t pick = rnext(&g->r);

	if (n >= g->atk_targets[k] * 2)
		return;
	/* target: half generic names, half real-looking addresses */
	if (n / 2 % 2 == 0)
		snprintf(name, sizeof(name), "%s%s", spray_names[(n / 2 + k * 7) % NELEM(spray_names)],
			 n / 2 / NELEM(spray_names) ? "1" : "");
	else
		snprintf(name, sizeof(name), "%s", g->u[(pick >> 8) % g->o.users].lower);
	if (n / 2 >= 2 * NELEM(spray_names))
		snprintf(name, sizeof(name), "%s%u", spray_names[n % NELEM(spray_names)], n);
	gen_ip_str(aip, ip, sizeof(ip));
	if (g->o.style == STYLE_EXCHANGE) {
		unsigned b = (unsigned)(pick % g->o.backends);
		uint64_t sid = rnext(&g->r) & UINT64_C(0xFFFFFFFFFFFF);
		char rest[200];
		unsigned port = (unsigned)rrange(&g->r, 30000, 65000);

		exch_line(g, b, e->t, sid, 0, aip, port, "", ",,,OpenSession,,,");
		entra_row(g, e->t + 2, name, aip, 50126);
		snprintf(rest, sizeof(rest), "%u,40,24,login,%s *****,\"R=\"\"a1 NO LOGIN failed.\"\"\",",
			 (unsigned)rrange(&g->r, 2000, 5000), name);
		exch_line(g, b, e->t + 5, sid, 1, aip, port, name, rest);
		exch_line(g, b, e->t + 9, sid, 2, aip, port, "", ",,,CloseSession,,,");
	} else if (g->o.proxy_share > 0 && pick % 2 == 0) {
		uint64_t conn = ++g->conn;

		nginx_connect(g, e->t, conn, aip);
		nginx(g, e->t + 300, "info", conn,
		      "client login failed: \"Authentication credentials invalid\" while in http "
		      "auth state, client: %s, server: 0.0.0.0:993, login: \"%s\"",
		      ip, name);
	} else {
		unsigned b = (unsigned)((pick >> 1) % g->o.backends);
		struct user fake;

		memset(&fake, 0, sizeof(fake));
		snprintf(fake.name, sizeof(fake.name), "%s", name);
		dovecot_login_line(g, &fake, b, e->t, "Disconnected (auth failed, 1 attempts in 2 secs)", aip,
				   0, "TLS");
	}
	gen_push(g, e->t + rrange(&g->r, 8000, 50000), EV_ATTACK, k, 0, 0);
}

/* The slow spray's address, and the user it tries (a real one). */
uint32_t gen_spray_ip(unsigned k)
{
	return gen_ip4(100, 64 + k / 62500, k / 250 % 250, k % 250 + 1);
}

/* One wrong password from a spray address (e->who), for a real user (e->aux). */
static void spray(struct gen *g, const struct ev *e)
{
	const struct user *u = &g->u[e->aux];
	uint32_t sip = gen_spray_ip(e->who);
	unsigned b = u->backend;
	char ip[20];

	gen_ip_str(sip, ip, sizeof(ip));
	if (g->o.style == STYLE_EXCHANGE) {
		uint64_t sid = rnext(&g->r) & UINT64_C(0xFFFFFFFFFFFF);
		unsigned port = (unsigned)rrange(&g->r, 30000, 65000);
		char rest[200];

		exch_line(g, b, e->t, sid, 0, sip, port, "", ",,,OpenSession,,,");
		entra_row(g, e->t + 2, u->lower, sip, 50126);
		snprintf(rest, sizeof(rest), "%u,40,24,login,%s *****,\"R=\"\"a1 NO LOGIN failed.\"\"\",",
			 (unsigned)rrange(&g->r, 2000, 5000), u->lower);
		exch_line(g, b, e->t + 5, sid, 1, sip, port, u->lower, rest);
		exch_line(g, b, e->t + 9, sid, 2, sip, port, "", ",,,CloseSession,,,");
	} else if (e->who % 2 && g->o.proxy_share > 0) {
		uint64_t conn = ++g->conn;

		nginx_connect(g, e->t, conn, sip);
		nginx(g, e->t + 300, "info", conn,
		      "client login failed: \"Authentication credentials invalid\" while in http "
		      "auth state, client: %s, server: 0.0.0.0:993, login: \"%s\"",
		      ip, u->lower);
	} else {
		dovecot_login_line(g, u, b, e->t, "Disconnected (auth failed, 1 attempts in 2 secs)", sip, 0,
				   "TLS");
	}
}

/* The forgotten device: a wrong password from its own address every 5 minutes. */
static void stale(struct gen *g, const struct ev *e)
{
	struct user *u = &g->u[e->who];
	unsigned b = u->backend;

	if (g->o.style == STYLE_EXCHANGE) {
		uint64_t sid = rnext(&g->r) & UINT64_C(0xFFFFFFFFFFFF);
		unsigned port = (unsigned)rrange(&g->r, 49152, 65000);
		char rest[200];

		exch_line(g, b, e->t, sid, 0, u->stale_ip, port, "", ",,,OpenSession,,,");
		entra_row(g, e->t + 20, u->lower, u->stale_ip, 50126);
		snprintf(rest, sizeof(rest), "%u,40,24,login,%s *****,\"R=\"\"a1 NO LOGIN failed.\"\"\",",
			 (unsigned)rrange(&g->r, 2000, 5000), u->name);
		exch_line(g, b, e->t + 40, sid, 1, u->stale_ip, port, u->name, rest);
		exch_line(g, b, e->t + 60, sid, 2, u->stale_ip, port, "", ",,,CloseSession,,,");
	} else {
		dovecot_login_line(g, u, b, e->t, "Disconnected (auth failed, 1 attempts in 2 secs)",
				   u->stale_ip, 0, "TLS");
	}
	gen_push(g, e->t + rrange(&g->r, 290000, 310000), EV_STALE, e->who, 0, 0);
}

static void health(struct gen *g, const struct ev *e)
{
	unsigned b = e->who;
	char sid[17], lip[20];

	gen_session_id(rnext(&g->r), sid);
	gen_ip_str(gen_backend_ip(b), lip, sizeof(lip));
	gen_emit(g, gen_server_out(g, b),
		 "%s imap%u dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, "
		 "rip=10.0.0.2, lip=%s, session=<%s>",
		 gen_ts_syslog(g, e->t), b + 1, lip, sid);
	gen_push(g, e->t + 60000, EV_HEALTH, b, 0, 0);
}

static void ldap_noise(struct gen *g, const struct ev *e)
{
	unsigned b = e->who;

	if (gen_in_incident(g, e->t))
		gen_emit(g, gen_server_out(g, b),
			 "%s imap%u dovecot: auth: Error: LDAP: Connection appears to be hanging, "
			 "reconnecting",
			 gen_ts_syslog(g, e->t), b + 1);
	if (e->t < g->o.inc_end)
		gen_push(g,
			 e->t < g->o.inc_start ? g->o.inc_start + rrange(&g->r, 500, 20000)
					       : e->t + rrange(&g->r, 10000, 40000),
			 EV_LDAP, b, 0, 0);
}

void gen_dispatch(struct gen *g, struct ev *ep)
{
	struct ev e = *ep;

	switch (e.kind) {
	case EV_LOGIN:
		if (g->o.style == STYLE_EXCHANGE)
			login_exchange(g, e.who, e.t, e.retry);
		else
			login_temp(g, e.who, e.t, e.retry);
		break;
	case EV_LOGOUT:
		logout(g, &e);
		break;
	case EV_NOISE:
		noise(g, &e);
		break;
	case EV_ATTACK:
		attack(g, &e);
		break;
	case EV_SPRAY:
		spray(g, &e);
		break;
	case EV_STALE:
		stale(g, &e);
		break;
	case EV_HEALTH:
		health(g, &e);
		break;
	default:
		ldap_noise(g, &e);
		break;
	}
}
