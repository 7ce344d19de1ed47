/*
 * gen.c: deterministic, seeded generator of realistic IMAP incident logs
 * (Dovecot syslog or Exchange IMAP4 protocol log, nginx mail proxy
 * error_log, fetchmail syslog) plus the ground truth of the incident.
 * Same options and seed, same bytes: own PRNG, no wall clock. Every line
 * goes through one time-ordered event queue, so each file is sorted.
 * Usage: gen --out DIR --truth DIR [options]; `gen --help` lists them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>
#include <zlib.h>

#include "imapblast/config.h"
#include "imapblast/timeutil.h"

#define MIN_MS INT64_C(60000)
#define MAX_BACKENDS 64
#define MAX_ATTACKERS 200
#define LINE_MAX_GEN 4096
#define MAX_WAVES 8
#define TRUTH_BUCKET_MS (5 * MIN_MS) /* the analyser's default --bucket */

/* ---- PRNG: splitmix64 seeding xoshiro256** ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnext(struct rng *r)
{
	uint64_t res = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return res;
}

static void rseed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

/* Uniform in [0, n). */
static uint64_t rbelow(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

static double runit(struct rng *r)
{
	return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [lo, hi]. */
static int64_t rrange(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rbelow(r, (uint64_t)(hi - lo + 1));
}

/* Exponential with the given mean (ms), at least 1 ms. */
static int64_t rexp(struct rng *r, int64_t mean)
{
	return (int64_t)(-log(1.0 - runit(r)) * (double)mean) + 1;
}

/* ---- options ---- */

enum style { STYLE_TEMP, STYLE_EXCHANGE };

struct opts {
	const char *out, *truth, *tz;
	uint64_t seed;
	int64_t start, inc_start, inc_end;
	double hours;
	enum style style;
	unsigned users, backends, attackers, typo_users, fetch_users;
	unsigned char failing[MAX_BACKENDS], dc24[MAX_BACKENDS];
	double fail_prob, bg_rate, proxy_share;
	int year_rollover, gzip, iso_syslog, combined;
	uint64_t bench_size;
	int64_t mean_interval;
	/* --wave START..END[@LIST] (repeatable): the incident's waves, each
	 * with its failing backends; none: one wave inc_start..inc_end on
	 * failing[] */
	unsigned nwaves;
	int64_t wave_s[MAX_WAVES], wave_e[MAX_WAVES];
	unsigned char wave_fail[MAX_WAVES][MAX_BACKENDS];
	int64_t ramp;	      /* --ramp MIN: soft edges, the failure chance rises and falls linearly */
	unsigned stale_users; /* --stale-users N: an old device polls with a wrong password all along */
	int entra;	      /* --entra: an Entra sign-in export beside the logs (Exchange style) */
	int client_side;      /* --client-side: no Exchange server logs, only clients and Entra */
	unsigned spray;	      /* --spray N: a slow distributed spray from N addresses */
	unsigned nat_office;  /* --nat-office N: N users behind one office address */
	const char *mixed_tz; /* --mixed-zones ZONE: backends log UTC, proxy and clients ZONE */
	int dead_b;	      /* --dead-backend imapN: backend N-1 writes nothing in the incident, -1 none */
	int duplicate;	      /* --duplicate: a copy of one log under backup/ */
	unsigned unnamed;     /* --unnamed-clients N: N users with an mbsync log naming no user */
	int gap_b;	      /* --log-gap imapN@S..E: backend N-1 logs nothing in [gap_s, gap_e); -1 none */
	int64_t gap_s, gap_e;
};

/* Ground truth of one affected user, as the logs show it: per layer
 * (client, proxy, server) the outage failures and their logged times. */
struct utruth {
	uint64_t n[3];
	int64_t first, last;
	int64_t *bk; /* buckets with an outage failure (may repeat) */
	size_t nbk, capbk;
};

/* ---- outputs ---- */

struct out {
	char path[1024];
	FILE *fp;
	gzFile gz;
	int open;
};

struct user {
	char name[64];	/* as logged (some capitalised) */
	char lower[64]; /* truth form */
	uint32_t ip;
	unsigned char backend, via_proxy, typo, fetch, imap_login;
	unsigned char affected, succeeded, failed_since_ok;
	int typo_left;	    /* credentials failures still to make on this occasion */
	int64_t typo_at[2]; /* typo occasions (ms), 0 = none */
	struct utruth *tr;  /* outage failures as logged, NULL = none */
	unsigned char stale;
	uint32_t stale_ip;    /* the old device's address */
	unsigned char mbsync; /* an mbsync log of its own that names no user */
	struct out *mb;	      /* that log */
	uint64_t last_sid;
	unsigned last_seq;
};

enum kind { EV_LOGIN, EV_LOGOUT, EV_NOISE, EV_ATTACK, EV_HEALTH, EV_LDAP, EV_STALE, EV_SPRAY };

struct ev {
	int64_t t;
	uint64_t seq;
	uint64_t sid, aux;
	uint32_t who;
	uint16_t kind, retry;
};

struct gen {
	struct opts o;
	struct rng r;
	struct user *u;
	struct ev *heap;
	size_t nheap, capheap;
	uint64_t evseq, bytes, conn, last_sid;
	int64_t end;
	int64_t place_end; /* typos and attacks happen before this (bench: first 4 h) */
	struct out srv[MAX_BACKENDS], proxy, client, all, entra;
	unsigned natk;
	unsigned char *spray_used; /* by spray address: it tried someone */
	int64_t now;		   /* the time of the event being written */
	uint32_t atk_ip[MAX_ATTACKERS];
	unsigned atk_targets[MAX_ATTACKERS], atk_done[MAX_ATTACKERS];
	/* per wave: first and last logged outage failure (truth windows) */
	int64_t wfirst[MAX_WAVES], wlast[MAX_WAVES];
	/* time-format caches */
	int64_t c_sec[4];
	char c_buf[4][96];
};

static const char *const first_names[] = {
    "anna", "ben",   "clara",  "david", "emma",	 "felix",  "greta",   "hannah", "ivan",	 "julia",
    "karl", "lena",  "max",    "nina",	"oskar", "paula",  "quentin", "rosa",	"simon", "tina",
    "uwe",  "vera",  "walter", "xenia", "yusuf", "zoe",	   "alice",   "bob",	"carol", "dan",
    "erin", "frank", "grace",  "heidi", "irene", "jakob",  "kim",     "luis",	"mia",	 "noah",
    "olga", "peter", "rita",   "sam",	"tom",	 "ursula", "victor",  "wanda"};
static const char *const last_names[] = {
    "schmidt",	"mueller",  "meier",   "keller",  "weber",  "fischer", "wagner", "becker",
    "hoffmann", "koch",	    "richter", "klein",	  "wolf",   "neumann", "braun",	 "zimmermann",
    "kraus",	"hartmann", "lange",   "werner",  "krause", "lehmann", "huber",	 "kaiser",
    "fuchs",	"peters",   "scholz",  "moeller", "jung",   "hahn",    "vogel",	 "roth",
    "smith",	"jones",    "brown",   "taylor",  "wilson", "evans",   "moore",	 "walker",
    "martin",	"garcia",   "lopez",   "rossi",	  "russo",  "dubois",  "moreau", "silva"};
static const char *const spray_names[] = {"admin",   "test",	"info",	     "support",	   "sales",
					  "office",  "contact", "webmaster", "postmaster", "root",
					  "user",    "mail",	"billing",   "hr",	   "marketing",
					  "noreply", "backup",	"service",   "guest",	   "demo"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static _Noreturn void die(const char *what, const char *arg)
{
	fprintf(stderr, "gen: %s '%s'\n", what, arg ? arg : "");
	exit(2);
}

/* ---- time formatting ---- */

static void civil(int64_t secs, struct tm *tm, long *gmtoff, const char *tz)
{
	time_t t = (time_t)secs;

	if (tz) {
		localtime_r(&t, tm);
		*gmtoff = tm->tm_gmtoff;
	} else {
		gmtime_r(&t, tm);
		*gmtoff = 0;
	}
}

static const char *const mon_abbr[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Syslog stamp (BSD "Jan 14 09:01:02" or ISO with offset), local zone. */
/* Syslog stamp in zone tz (NULL: UTC), cached in slot k. */
static const char *ts_syslog_in(struct gen *g, int64_t ms, const char *tz, int k)
{
	struct tm tm;
	long off;
	int64_t sec = ms / 1000;

	if (g->o.iso_syslog) {
		civil(sec, &tm, &off, tz);
		snprintf(g->c_buf[k], sizeof(g->c_buf[k]),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03d%03d%c%02ld:%02ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000),
			 (int)((ms * 7) % 1000), off < 0 ? '-' : '+', labs(off) / 3600, labs(off) / 60 % 60);
		return g->c_buf[k];
	}
	if (g->c_sec[k] != sec) {
		civil(sec, &tm, &off, tz);
		snprintf(g->c_buf[k], sizeof(g->c_buf[k]), "%s %2d %02d:%02d:%02d", mon_abbr[tm.tm_mon],
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		g->c_sec[k] = sec;
	}
	return g->c_buf[k];
}

static const char *ts_syslog(struct gen *g, int64_t ms)
{
	return ts_syslog_in(g, ms, g->o.tz, 0);
}

/* The zone of proxy and client logs: --mixed-zones ZONE, else --tz. */
static const char *local_tz(const struct gen *g)
{
	return g->o.mixed_tz ? g->o.mixed_tz : g->o.tz;
}

static const char *ts_nginx(struct gen *g, int64_t ms)
{
	int64_t sec = ms / 1000;

	if (g->c_sec[1] != sec) {
		struct tm tm;
		long off;

		civil(sec, &tm, &off, local_tz(g));
		snprintf(g->c_buf[1], sizeof(g->c_buf[1]), "%04d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		g->c_sec[1] = sec;
	}
	return g->c_buf[1];
}

/* Exchange: always UTC with milliseconds. */
static const char *ts_exch(struct gen *g, int64_t ms)
{
	struct tm tm;
	long off;

	civil(ms / 1000, &tm, &off, NULL);
	snprintf(g->c_buf[2], sizeof(g->c_buf[2]), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return g->c_buf[2];
}

static void iso_utc(int64_t ms, char *buf, size_t size)
{
	ib_time_format(ms, buf, size);
}

/* ---- output ---- */

static void out_open(struct gen *g, struct out *o, const char *name)
{
	if (o->open)
		return;
	if (snprintf(o->path, sizeof(o->path), "%s/%s%s", g->o.out, name, g->o.gzip ? ".gz" : "") >=
	    (int)sizeof(o->path))
		die("path too long", name);
	if (g->o.gzip) {
		o->gz = gzopen(o->path, "wb6");
		if (!o->gz)
			die("cannot open", o->path);
	} else {
		o->fp = fopen(o->path, "w");
		if (!o->fp)
			die("cannot open", o->path);
		setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	}
	o->open = 1;
}

static int in_incident(const struct gen *g, int64_t t);

__attribute__((format(printf, 3, 4))) static void emit(struct gen *g, struct out *o, const char *fmt, ...)
{
	char line[LINE_MAX_GEN];
	va_list ap;
	int n;

	/* a dead backend writes nothing during the incident */
	if (g->o.dead_b >= 0 && o == &g->srv[g->o.dead_b] && in_incident(g, g->now))
		return;
	/* a log gap: the backend's logging stops, the backend does not */
	if (g->o.gap_b >= 0 && o == &g->srv[g->o.gap_b] && g->now >= g->o.gap_s && g->now < g->o.gap_e)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (o->gz) {
		if (gzwrite(o->gz, line, (unsigned)n) != n)
			die("write failed", o->path);
	} else if (fwrite(line, 1, (size_t)n, o->fp) != (size_t)n) {
		die("write failed", o->path);
	}
	g->bytes += (uint64_t)n;
}

static void out_close(struct gen *g, struct out *o)
{
	struct utimbuf ut;

	if (!o->open)
		return;
	if (o->gz ? gzclose(o->gz) != Z_OK : fclose(o->fp) != 0)
		die("close failed", o->path);
	/* syslog dates have no year: the analyser takes it from the mtime */
	ut.actime = ut.modtime = (time_t)(g->end / 1000 + 300);
	utime(o->path, &ut);
	o->open = 0;
}

static struct out *server_out(struct gen *g, unsigned b)
{
	char name[64];

	if (g->o.combined && g->o.style == STYLE_TEMP) {
		out_open(g, &g->all, "messages.log");
		return &g->all;
	}
	if (g->o.style == STYLE_EXCHANGE)
		snprintf(name, sizeof(name), "exchange-imap%u.log", b + 1);
	else
		snprintf(name, sizeof(name), "server-imap%u.log", b + 1);
	if (!g->srv[b].open) {
		out_open(g, &g->srv[b], name);
		if (g->o.style == STYLE_EXCHANGE) {
			char d[32];

			iso_utc(g->o.start, d, sizeof(d));
			emit(g, &g->srv[b], "#Software: Microsoft Exchange Server");
			emit(g, &g->srv[b], "#Version: 15.02.1544.004");
			emit(g, &g->srv[b], "#Log-type: IMAP4 Protocol Log");
			emit(g, &g->srv[b], "#Date: %s", d);
			emit(g, &g->srv[b],
			     "#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,"
			     "duration,rqsize,rpsize,command,parameters,context,puid");
		}
	}
	return &g->srv[b];
}

static struct out *client_out(struct gen *g)
{
	if (g->o.combined) {
		out_open(g, &g->all, "messages.log");
		return &g->all;
	}
	out_open(g, &g->client, "client-fetchmail.log");
	return &g->client;
}

static struct out *proxy_out(struct gen *g)
{
	out_open(g, &g->proxy, "proxy-nginx.log");
	return &g->proxy;
}

/* ---- event queue (binary min-heap on (t, seq)) ---- */

static int ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void push2(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid,
		  uint64_t aux)
{
	struct ev e = {t, g->evseq++, sid, aux, who, (uint16_t)k, (uint16_t)retry};
	size_t i;

	if (t >= g->end)
		return;
	if (g->nheap == g->capheap) {
		g->capheap = g->capheap ? g->capheap * 2 : 1024;
		g->heap = realloc(g->heap, g->capheap * sizeof(*g->heap));
		if (!g->heap)
			die("out of memory", "heap");
	}
	i = g->nheap++;
	while (i > 0 && ev_less(&e, &g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = e;
}

static void push(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid)
{
	push2(g, t, k, who, retry, sid, 0);
}

static struct ev pop(struct gen *g)
{
	struct ev top = g->heap[0], last = g->heap[--g->nheap];
	size_t i = 0, n = g->nheap;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && ev_less(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!ev_less(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (n)
		g->heap[i] = last;
	return top;
}

/* ---- helpers for line content ---- */

static void ip_str(uint32_t ip, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

#define PROXY_IP ip4(10, 0, 0, 10)
#define MONITOR_IP ip4(10, 0, 0, 2)
#define NAT_OFFICE_IP ip4(192, 0, 2, 80)

static uint32_t backend_ip(unsigned b)
{
	return ip4(10, 0, 1, 10 + b);
}

/* Dovecot's session=<...>: 16 base64 characters derived from a 64-bit id. */
static void session_id(uint64_t v, char *buf)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t x = splitmix(&v), y = splitmix(&v);

	for (int i = 0; i < 10; i++, x >>= 6)
		buf[i] = b64[x & 63];
	for (int i = 10; i < 16; i++, y >>= 6)
		buf[i] = b64[y & 63];
	buf[16] = '\0';
}

static int in_incident(const struct gen *g, int64_t t)
{
	if (!g->o.nwaves)
		return t >= g->o.inc_start && t < g->o.inc_end;
	for (unsigned w = 0; w < g->o.nwaves; w++)
		if (t >= g->o.wave_s[w] && t < g->o.wave_e[w])
			return 1;
	return 0;
}

/* The wave holding t, or -1. */
static int wave_of(const struct gen *g, int64_t t)
{
	for (unsigned w = 0; w < g->o.nwaves; w++)
		if (t >= g->o.wave_s[w] && t < g->o.wave_e[w])
			return (int)w;
	return g->o.nwaves || !in_incident(g, t) ? -1 : 0;
}

/* Does backend b fail at t, and with which share of fail_prob (soft edges)? */
static double fail_factor(const struct gen *g, unsigned b, int64_t t)
{
	int w = wave_of(g, t);
	int64_t s, e;
	double f;

	if (w < 0 || !(g->o.nwaves ? g->o.wave_fail[w][b] : g->o.failing[b]))
		return 0.0;
	if (!g->o.ramp)
		return 1.0;
	s = g->o.nwaves ? g->o.wave_s[w] : g->o.inc_start;
	e = g->o.nwaves ? g->o.wave_e[w] : g->o.inc_end;
	f = (double)(t - s) / (double)g->o.ramp;
	if ((double)(e - t) / (double)g->o.ramp < f)
		f = (double)(e - t) / (double)g->o.ramp;
	return f < 1.0 ? f : 1.0;
}

/* ---- truth: each outage failure as the analyser reads it back ---- */

/* The time a line written at t is read back as: formats with whole seconds drop the ms. */
static int64_t read_back(int64_t t, int with_ms)
{
	return with_ms ? t : t - t % 1000;
}

/* Record an outage failure of u at layer (0 client, 1 proxy, 2 server), logged as lt. */
static void truth_fail(struct gen *g, struct user *u, int layer, int64_t lt)
{
	struct utruth *x = u->tr;
	int w = wave_of(g, lt);

	if (layer == 2 && g->o.gap_b == (int)u->backend && g->now >= g->o.gap_s && g->now < g->o.gap_e)
		return; /* lost in the log gap */
	if (layer == 2 && g->o.dead_b == (int)u->backend && in_incident(g, g->now))
		return; /* a dead backend logs nothing */
	if (!x) {
		x = u->tr = calloc(1, sizeof(*x));
		if (!x)
			die("out of memory", "truth");
		x->first = x->last = lt;
	}
	x->n[layer]++;
	if (lt < x->first)
		x->first = lt;
	if (lt > x->last)
		x->last = lt;
	if (x->nbk == x->capbk) {
		x->capbk = x->capbk ? 2 * x->capbk : 16;
		x->bk = realloc(x->bk, x->capbk * sizeof(*x->bk));
		if (!x->bk)
			die("out of memory", "truth");
	}
	x->bk[x->nbk++] = lt / TRUTH_BUCKET_MS;
	if (w < 0) /* a line written a few ms after the wave's end: the wave of its attempt */
		for (unsigned k = 0; k < (g->o.nwaves ? g->o.nwaves : 1); k++)
			if (lt >= (g->o.nwaves ? g->o.wave_e[k] : g->o.inc_end))
				w = (int)k;
	if (w < 0)
		w = 0;
	if (!g->wfirst[w] || lt < g->wfirst[w])
		g->wfirst[w] = lt;
	if (lt > g->wlast[w])
		g->wlast[w] = lt;
}

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

	ip_str(rip, ip, sizeof(ip));
	ip_str(backend_ip(b), lip, sizeof(lip));
	session_id(v, sid);
	g->last_sid = v;
	if (with_mpid)
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: imap-login: %s: user=<%s>, method=PLAIN, rip=%s, lip=%s, "
		     "mpid=%u, %s, session=<%s>",
		     ts_syslog(g, t), b + 1, what, u->name, ip, lip, mail_pid(v), sec, sid);
	else
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: imap-login: %s: user=<%s>, method=PLAIN, rip=%s, lip=%s, "
		     "%s, session=<%s>",
		     ts_syslog(g, t), b + 1, what, u->name, ip, lip, sec, sid);
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
	emit(g, proxy_out(g), "%s [%s] 2471#2471: *%llu %s", ts_nginx(g, t), level, (unsigned long long)conn,
	     msg);
}

static void nginx_connect(struct gen *g, int64_t t, uint64_t conn, uint32_t cip)
{
	char ip[20];

	ip_str(cip, ip, sizeof(ip));
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
	emit(g, client_out(g), "%s client%u fetchmail[%u]: %s", ts_syslog_in(g, t, local_tz(g), 3), host,
	     2000 + idx % 60000, msg);
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
	ip_str(cip, ip, sizeof(ip));
	ip_str(backend_ip(b), sip, sizeof(sip));
	emit(g, server_out(g, b), "%s,%016llX,%u,%s:993,%s:%u,%s,%s", ts_exch(g, t), (unsigned long long)sid,
	     seq, sip, ip, cport, user, rest);
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
			die("out of memory", "mbsync");
		snprintf(name, sizeof(name), "clients/mbsync-%.*s.log", (int)at, u->lower);
		out_open(g, u->mb, name);
	}
	emit(g, u->mb, "%s %s", ts_syslog_in(g, t, local_tz(g), 3), msg);
}

/* ---- Entra ID sign-in export (the identity provider) ---- */

/* One IMAP sign-in row; code 0 is a success (the token was fine, whatever IMAP did next). */
static void entra_row(struct gen *g, int64_t t, const char *user, uint32_t cip, unsigned code)
{
	char ip[20], d[32];

	if (!g->o.entra)
		return;
	if (!g->entra.open) {
		out_open(g, &g->entra, "entra-signins.csv");
		emit(g, &g->entra,
		     "Date (UTC),Request ID,Correlation ID,User,Username,Application,Resource,"
		     "IP address,Location,Status,Sign-in error code,Failure reason,Client app,"
		     "Session ID");
	}
	ip_str(cip, ip, sizeof(ip));
	ib_time_format(t - t % 1000, d, sizeof(d));
	emit(g, &g->entra,
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
		push(g, t + rrange(&g->r, 290000, 310000), EV_LOGIN, ui, 0, 0);
	else
		push(g, t + rexp(&g->r, g->o.mean_interval), EV_LOGIN, ui, 0, 0);
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
		push(g, t + rrange(&g->r, 1000, 20 * MIN_MS), EV_NOISE, ui, 0, sid);
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
	if (g->o.dead_b == (int)u->backend && in_incident(g, t))
		return 3; /* dead: every login times out at the proxy */
	if (g->o.failing[u->backend] && in_incident(g, t) &&
	    runit(&g->r) < g->o.fail_prob * fail_factor(g, u->backend, t)) {
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

	ip_str(u->ip, ip, sizeof(ip));
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
		push2(g, t + (u->fetch ? rrange(&g->r, 1000, 8000) : rrange(&g->r, MIN_MS, 40 * MIN_MS)),
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
		push(g, t + rrange(&g->r, 8000, 60000), EV_LOGIN, ui, retry + 1, 0);
		return;
	default:
		break;
	}
	/* outage failure on a failing backend inside the incident */
	u->affected = 1;
	u->failed_since_ok = 1;
	truth_fail(g, u, 2, read_back(t, g->o.iso_syslog));
	if (u->via_proxy)
		truth_fail(g, u, 1, read_back(t, 0));
	if (u->fetch)
		truth_fail(g, u, 0, read_back(t + 1, g->o.iso_syslog));
	if (u->mbsync) {
		mbsync_line(g, u, t + 1,
			    what == 2
				? "IMAP command 'LOGIN <user> <pass>' returned an error: NO [UNAVAILABLE] "
				  "Temporary authentication failure."
				: "Socket error on imap.example.com (10.0.0.10:993): timeout.");
		truth_fail(g, u, 0, read_back(t + 1, g->o.iso_syslog));
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

			civil(t / 1000, &tm, &off, g->o.tz);
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
		push(g, t + rrange(&g->r, 30000, 180000), EV_LOGIN, ui, retry + 1, 0);
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
		push(g, t + (u->fetch ? rrange(&g->r, 1000, 8000) : rrange(&g->r, MIN_MS, 40 * MIN_MS)),
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
		push(g, t + rrange(&g->r, 8000, 60000), EV_LOGIN, ui, retry + 1, 0);
		return;
	}
	u->affected = 1;
	u->failed_since_ok = 1;
	if (!g->o.client_side)
		truth_fail(g, u, 2, t + 40); /* the login line, also for what 5 */
	if (u->fetch)			     /* "Authorization failure", or the BYE of what 5 (temporary) */
		truth_fail(g, u, 0, read_back(t + 100, g->o.iso_syslog));
	if (u->fetch)
		schedule_next_login(g, ui, t);
	else if (retry < 12)
		push(g, t + rrange(&g->r, 30000, 180000), EV_LOGIN, ui, retry + 1, 0);
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

		session_id(e->sid, sid);
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: imap(%s)<%u><%s>: Disconnected: Logged out in=%u out=%u",
		     ts_syslog(g, e->t), b + 1, u->name, mail_pid(e->sid), sid,
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
	session_id(kind == 4 || kind == 6 ? e->sid : rnext(&g->r), sid);
	if (kind == 4 || kind == 6)
		pid = mail_pid(e->sid);
	snprintf(qid, sizeof(qid), "%09llX", (unsigned long long)(rnext(&g->r) & 0xFFFFFFFFFull));
	ts = ts_syslog(g, e->t);
	switch (kind) {
	case 0:
		emit(g, server_out(g, b),
		     "%s imap%u postfix/smtpd[%u]: connect from mail-%s.example.net[198.18.%u.%u]", ts, b + 1,
		     pid, qid + 4, (unsigned)rbelow(&g->r, 250), (unsigned)rrange(&g->r, 1, 250));
		break;
	case 1:
		emit(g, server_out(g, b),
		     "%s imap%u postfix/qmgr[%u]: %s: from=<newsletter@example.net>, size=%u, "
		     "nrcpt=1 (queue active)",
		     ts, b + 1, pid, qid, (unsigned)rrange(&g->r, 1500, 400000));
		break;
	case 2:
		emit(g, server_out(g, b),
		     "%s imap%u postfix/lmtp[%u]: %s: to=<%s>, relay=imap%u[private/dovecot-lmtp], "
		     "delay=0.%u, delays=0.1/0/0/0.%u, dsn=2.0.0, status=sent (250 2.0.0 <%s> %s Saved)",
		     ts, b + 1, pid, qid, u->lower, b + 1, (unsigned)rrange(&g->r, 10, 99),
		     (unsigned)rrange(&g->r, 1, 9), u->lower, sid);
		break;
	case 3:
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: lmtp(%s)<%u><%s>: msgid=<%s.%u@example.net>: saved mail to INBOX",
		     ts, b + 1, u->lower, pid, sid, qid, pid);
		break;
	case 4:
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: imap(%s)<%u><%s>: Disconnected: Connection closed (IDLE "
		     "running for 0.001 + waiting input for %u.%03u secs, 2 B in + 10 B out, "
		     "state=wait-input) in=%u out=%u deleted=0 expunged=0 trashed=0 hdr_count=0 "
		     "hdr_bytes=0 body_count=0 body_bytes=0",
		     ts, b + 1, u->name, pid, sid, (unsigned)rrange(&g->r, 60, 1800),
		     (unsigned)rbelow(&g->r, 1000), (unsigned)rrange(&g->r, 100, 900),
		     (unsigned)rrange(&g->r, 900, 9000));
		break;
	case 5:
		emit(g, server_out(g, b),
		     "%s imap%u postfix/smtpd[%u]: disconnect from mail-%s.example.net[198.18.%u.%u] "
		     "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
		     ts, b + 1, pid, qid + 4, (unsigned)rbelow(&g->r, 250), (unsigned)rrange(&g->r, 1, 250));
		break;
	case 6:
		emit(g, server_out(g, b), "%s imap%u dovecot: imap(%s)<%u><%s>: Logged out in=%u out=%u", ts,
		     b + 1, u->name, pid, sid, (unsigned)rrange(&g->r, 30, 900),
		     (unsigned)rrange(&g->r, 400, 90000));
		break;
	default:
		emit(g, server_out(g, b), "%s imap%u postfix/cleanup[%u]: %s: message-id=<%s.%u@example.net>",
		     ts, b + 1, pid, qid, sid, pid);
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
	ip_str(aip, ip, sizeof(ip));
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
	push(g, e->t + rrange(&g->r, 8000, 50000), EV_ATTACK, k, 0, 0);
}

/* The slow spray's address, and the user it tries (a real one). */
static uint32_t spray_ip(unsigned k)
{
	return ip4(100, 64 + k / 62500, k / 250 % 250, k % 250 + 1);
}

/* One wrong password from a spray address (e->who), for a real user (e->aux). */
static void spray(struct gen *g, const struct ev *e)
{
	const struct user *u = &g->u[e->aux];
	uint32_t sip = spray_ip(e->who);
	unsigned b = u->backend;
	char ip[20];

	ip_str(sip, ip, sizeof(ip));
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
	push(g, e->t + rrange(&g->r, 290000, 310000), EV_STALE, e->who, 0, 0);
}

static void health(struct gen *g, const struct ev *e)
{
	unsigned b = e->who;
	char sid[17], lip[20];

	session_id(rnext(&g->r), sid);
	ip_str(backend_ip(b), lip, sizeof(lip));
	emit(g, server_out(g, b),
	     "%s imap%u dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, "
	     "rip=10.0.0.2, lip=%s, session=<%s>",
	     ts_syslog(g, e->t), b + 1, lip, sid);
	push(g, e->t + 60000, EV_HEALTH, b, 0, 0);
}

static void ldap_noise(struct gen *g, const struct ev *e)
{
	unsigned b = e->who;

	if (in_incident(g, e->t))
		emit(g, server_out(g, b),
		     "%s imap%u dovecot: auth: Error: LDAP: Connection appears to be hanging, "
		     "reconnecting",
		     ts_syslog(g, e->t), b + 1);
	if (e->t < g->o.inc_end)
		push(g,
		     e->t < g->o.inc_start ? g->o.inc_start + rrange(&g->r, 500, 20000)
					   : e->t + rrange(&g->r, 10000, 40000),
		     EV_LDAP, b, 0, 0);
}

/* ---- set-up ---- */

static void make_users(struct gen *g)
{
	unsigned nf = NELEM(first_names), nl = NELEM(last_names), combos = nf * nl;
	/* stride coprime with combos (2304 = 2^8 * 9): any odd non-multiple of 3 */
	unsigned stride = 1543;
	unsigned typo_left = g->o.typo_users, fetch_left = g->o.fetch_users;

	g->u = calloc(g->o.users, sizeof(*g->u));
	if (!g->u)
		die("out of memory", "users");
	for (unsigned i = 0; i < g->o.users; i++) {
		struct user *u = &g->u[i];
		unsigned c = (unsigned)(((uint64_t)i * stride) % combos), round = i / combos;
		char suffix[16] = "";

		if (round)
			snprintf(suffix, sizeof(suffix), "%u", round + 1);
		snprintf(u->lower, sizeof(u->lower), "%s.%s%s@example.com", first_names[c / nl],
			 last_names[c % nl], suffix);
		memcpy(u->name, u->lower, sizeof(u->name));
		if (i % 13 == 5) /* some clients send capitalised names */
			u->name[0] = (char)(u->name[0] - 'a' + 'A');
		u->ip = ip4(10, 20 + (i / 64000), (i % 64000) / 250, i % 250 + 1);
		u->backend = (unsigned char)(rnext(&g->r) % g->o.backends);
		u->via_proxy = g->o.style == STYLE_TEMP && runit(&g->r) < g->o.proxy_share;
		u->imap_login = runit(&g->r) < 0.4;
	}
	/* typo users: on healthy backends only, so they are never affected */
	for (unsigned i = 0; i < g->o.users && typo_left; i++) {
		struct user *u = &g->u[(i * 7 + 3) % g->o.users];

		if (g->o.failing[u->backend] || u->typo)
			continue;
		u->typo = 1;
		typo_left--;
		for (int k = 0; k < 2; k++) {
			int64_t t = 0;

			/* outside the incident with a 30 min margin, else just outside it;
			 * a short log may leave no room, and then there is no typo */
			for (int tries = 0; tries < 200; tries++) {
				int64_t margin = tries < 100 ? 30 * MIN_MS : 0;

				t = g->o.start + rrange(&g->r, 0, g->place_end - g->o.start - 1);
				if (t <= g->o.inc_start - margin || t >= g->o.inc_end + margin)
					break;
				t = 0;
			}
			u->typo_at[k] = k == 0 || runit(&g->r) < 0.5 ? t : 0;
		}
		if (u->typo_at[1] && u->typo_at[1] < u->typo_at[0]) {
			int64_t x = u->typo_at[0];

			u->typo_at[0] = u->typo_at[1];
			u->typo_at[1] = x;
		}
	}
	/* stale users: a forgotten device with an old password, besides their own */
	for (unsigned i = 0, k = 0; i < g->o.users && k < g->o.stale_users; i++) {
		struct user *u = &g->u[(i * 13 + 5) % g->o.users];

		if (u->typo || u->stale)
			continue;
		u->stale = 1;
		u->stale_ip = ip4(10, 40, k / 250, k % 250 + 1);
		k++;
	}
	/* a NAT office: users sharing one address, with successes (never a spray) */
	for (unsigned i = 0, k = 0; i < g->o.users && k < g->o.nat_office; i++) {
		struct user *u = &g->u[(i * 17 + 3) % g->o.users];

		if (u->stale || u->ip == NAT_OFFICE_IP)
			continue;
		u->ip = NAT_OFFICE_IP;
		k++;
	}
	/* users whose own mbsync log names no user */
	for (unsigned i = 0, k = 0; i < g->o.users && k < g->o.unnamed; i++) {
		struct user *u = &g->u[(i * 19 + 7) % g->o.users];

		if (u->stale || u->typo || u->mbsync)
			continue;
		u->mbsync = 1;
		k++;
	}
	/* fetchmail users: polled every 5 minutes from client1..3 */
	for (unsigned i = 0; i < g->o.users && fetch_left; i++) {
		struct user *u = &g->u[(i * 11 + 1) % g->o.users];

		if (u->typo || u->fetch || u->stale || u->mbsync || u->ip == NAT_OFFICE_IP)
			continue;
		u->fetch = 1;
		u->ip = ip4(10, 30, 0, 1 + (unsigned)(u - g->u) % 3);
		fetch_left--;
	}
}

static void seed_events(struct gen *g)
{
	for (unsigned i = 0; i < g->o.users; i++) {
		int64_t first = g->u[i].fetch ? 300000 : 20 * MIN_MS;

		push(g, g->o.start + rrange(&g->r, 0, first), EV_LOGIN, i, 0, 0);
	}
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].stale)
			push(g, g->o.start + rrange(&g->r, 0, 299999), EV_STALE, i, 0, 0);
	/* the slow spray: each address tries 1-3 real users once, anywhere in the log */
	for (unsigned k = 0; k < g->o.spray; k++) {
		unsigned n = (unsigned)rrange(&g->r, 1, 3);

		for (unsigned j = 0; j < n; j++) {
			uint32_t ui = (uint32_t)rbelow(&g->r, g->o.users);

			if (g->u[ui].typo)
				continue; /* a typo user's failures stay its own */
			g->spray_used[k] = 1;
			push2(g, g->o.start + rrange(&g->r, 0, g->end - g->o.start - 1), EV_SPRAY, k, 0, 0,
			      ui);
		}
	}
	g->natk = g->o.attackers;
	for (unsigned k = 0; k < g->natk; k++) {
		int64_t span = g->place_end - g->o.start;

		g->atk_ip[k] =
		    k < 100 ? ip4(203, 0, 113, 10 + k * 7 % 240) : ip4(198, 51, 100, 10 + (k - 100) % 240);
		g->atk_targets[k] = 40 + 15 * (k % 4);
		push(g, g->o.start + rrange(&g->r, 0, span / 2), EV_ATTACK, k, 0, 0);
	}
	if (g->o.style == STYLE_TEMP)
		for (unsigned b = 0; b < g->o.backends; b++) {
			push(g, g->o.start + rrange(&g->r, 0, 59999), EV_HEALTH, b, 0, 0);
			if (g->o.failing[b])
				push(g, g->o.start, EV_LDAP, b, 0, 0);
		}
}

/* mkdir -p */
static void mkdirs(const char *dir)
{
	char buf[1024];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		die("path too long", dir);
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0777) < 0 && errno != EEXIST)
				die("cannot create", buf);
			buf[i] = c;
		}
}

/* ---- truth ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_list(const char *dir, const char *file, const char **items, size_t n)
{
	char path[1200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fp = fopen(path, "w");
	if (!fp)
		die("cannot open", path);
	qsort(items, n, sizeof(*items), cmp_str);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\n", items[i]);
	if (fclose(fp) != 0)
		die("cannot write", path);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int truth_affected(const struct gen *g, const struct user *u)
{
	/* Exchange outages look like wrong passwords: a user counts only when
	 * a success elsewhere proves the credentials valid. */
	return u->affected && (g->o.style == STYLE_TEMP || u->succeeded) && u->tr;
}

/*
 * users.csv: per affected user, as the analyser must find them: the first
 * and last outage failure at any layer, the failures at the layer with
 * most, the minutes of the buckets with one. windows.txt: per wave, the
 * buckets from its first outage failure to its last, "START END".
 */
static void write_user_truth(struct gen *g)
{
	char path[1200], a[32], b[32];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/users.csv", g->o.truth);
	fp = fopen(path, "w");
	if (!fp)
		die("cannot open", path);
	fprintf(fp, "user,first_failure,last_failure,failures,impacted_minutes\n");
	{
		const char **names = calloc(g->o.users + 1, sizeof(*names));
		size_t n = 0;

		if (!names)
			die("out of memory", "truth");
		for (unsigned i = 0; i < g->o.users; i++)
			if (truth_affected(g, &g->u[i]) && g->u[i].tr)
				names[n++] = g->u[i].lower;
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t k = 0; k < n; k++) {
			/* names point into g->u[].lower: back to the user */
			const struct user *u =
			    (const struct user *)(const void *)(names[k] - offsetof(struct user, lower));
			struct utruth *x = u->tr;
			uint64_t f = x->n[0], nb = 0;

			for (int l = 1; l < 3; l++)
				if (x->n[l] > f)
					f = x->n[l];
			qsort(x->bk, x->nbk, sizeof(*x->bk), cmp_i64);
			for (size_t j = 0; j < x->nbk; j++)
				nb += !j || x->bk[j] != x->bk[j - 1];
			iso_utc(x->first, a, sizeof(a));
			iso_utc(x->last, b, sizeof(b));
			fprintf(fp, "%s,%s,%s,%llu,%llu\n", u->lower, a, b, (unsigned long long)f,
				(unsigned long long)(nb * (TRUTH_BUCKET_MS / MIN_MS)));
		}
		free(names);
	}
	if (fclose(fp) != 0)
		die("cannot write", path);
	snprintf(path, sizeof(path), "%s/windows.txt", g->o.truth);
	fp = fopen(path, "w");
	if (!fp)
		die("cannot open", path);
	for (unsigned w = 0; w < (g->o.nwaves ? g->o.nwaves : 1); w++) {
		if (!g->wfirst[w])
			continue;
		iso_utc(g->wfirst[w] - g->wfirst[w] % TRUTH_BUCKET_MS, a, sizeof(a));
		iso_utc(g->wlast[w] - g->wlast[w] % TRUTH_BUCKET_MS + TRUTH_BUCKET_MS, b, sizeof(b));
		fprintf(fp, "%s %s\n", a, b);
	}
	if (fclose(fp) != 0)
		die("cannot write", path);
}

static void write_truth(struct gen *g)
{
	const char **list = calloc(g->o.users + MAX_ATTACKERS + MAX_BACKENDS + 1, sizeof(*list));
	static char ipbuf[MAX_ATTACKERS][20], srvbuf[MAX_BACKENDS][16];
	char path[1200], sa[32], sb[32];
	size_t n = 0;
	FILE *fp;

	if (!list)
		die("out of memory", "truth");
	mkdirs(g->o.truth);
	for (unsigned i = 0; i < g->o.users; i++)
		if (truth_affected(g, &g->u[i]))
			list[n++] = g->u[i].lower;
	write_list(g->o.truth, "affected-users.txt", list, n);
	n = 0;
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].typo)
			list[n++] = g->u[i].lower;
	write_list(g->o.truth, "typo-users.txt", list, n);
	n = 0;
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].stale)
			list[n++] = g->u[i].lower;
	write_list(g->o.truth, "stale-users.txt", list, n);
	{
		FILE *fp2;

		snprintf(path, sizeof(path), "%s/spray.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		for (unsigned k = 0; k < g->o.spray; k++) {
			if (!g->spray_used[k])
				continue;
			ip_str(spray_ip(k), sa, sizeof(sa));
			fprintf(fp2, "%s\n", sa);
		}
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/gaps.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		if (g->o.gap_b >= 0) {
			iso_utc(g->o.gap_s, sa, sizeof(sa));
			iso_utc(g->o.gap_e, sb, sizeof(sb));
			fprintf(fp2, "imap%d %s %s\n", g->o.gap_b + 1, sa, sb);
		}
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/user-of.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		for (unsigned i = 0; i < g->o.users; i++)
			if (g->u[i].mbsync)
				fprintf(fp2, "clients/mbsync-%.*s.log*=%s\n",
					(int)strcspn(g->u[i].lower, "@"), g->u[i].lower, g->u[i].lower);
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/duplicates.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		if (g->o.duplicate)
			fprintf(fp2, "%s\n", "backup/ holds a whole copy of the first failing backend's log");
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/dead-backend.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		if (g->o.dead_b >= 0)
			fprintf(fp2, "imap%d 10.0.1.%d\n", g->o.dead_b + 1, 10 + g->o.dead_b);
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/zones.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		if (g->o.mixed_tz)
			fprintf(fp2, "server-*=UTC\nproxy-*=%s\nclient-*=%s\nclients/*=%s\n", g->o.mixed_tz,
				g->o.mixed_tz, g->o.mixed_tz);
		if (fclose(fp2) != 0)
			die("cannot write", path);
		snprintf(path, sizeof(path), "%s/nat-office.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			die("cannot open", path);
		if (g->o.nat_office) {
			ip_str(NAT_OFFICE_IP, sa, sizeof(sa));
			fprintf(fp2, "%s\n", sa);
		}
		if (fclose(fp2) != 0)
			die("cannot write", path);
	}
	n = 0;
	for (unsigned k = 0; k < g->natk; k++) {
		ip_str(g->atk_ip[k], ipbuf[k], sizeof(ipbuf[k]));
		list[n++] = ipbuf[k];
	}
	write_list(g->o.truth, "attackers.txt", list, n);
	n = 0;
	for (unsigned b = 0; b < g->o.backends; b++)
		if (g->o.failing[b]) {
			snprintf(srvbuf[b], sizeof(srvbuf[b]), "imap%u", b + 1);
			list[n++] = srvbuf[b];
		}
	write_list(g->o.truth, "servers.txt", list, n);
	free(list);
	write_user_truth(g);
	snprintf(path, sizeof(path), "%s/window.txt", g->o.truth);
	fp = fopen(path, "w");
	if (!fp)
		die("cannot open", path);
	iso_utc(g->o.inc_start, sa, sizeof(sa));
	iso_utc(g->o.inc_end, sb, sizeof(sb));
	fprintf(fp, "%s %s\n", sa, sb);
	if (fclose(fp) != 0)
		die("cannot write", path);
}

/* ---- options ---- */

static void usage(FILE *fp)
{
	fprintf(fp, "usage: gen [options]\n"
		    "  --out DIR             log directory (default gen-out)\n"
		    "  --truth DIR           ground-truth directory (default: none written)\n"
		    "  --seed N              PRNG seed (default 1)\n"
		    "  --start ISO           first log instant, UTC (default 2026-01-14T06:00:00Z)\n"
		    "  --hours H             log span in hours (default 6)\n"
		    "  --incident-start ISO  default: middle of the span minus 20 min, on 5 min\n"
		    "  --incident-end ISO    default: incident start + 45 min\n"
		    "  --style S             temporary (Dovecot + nginx) or exchange (default temporary)\n"
		    "  --users N             user population (default 200; 100000 in bench mode)\n"
		    "  --backends N          backends imap1..imapN (default 3)\n"
		    "  --failing LIST        failing backends, e.g. imap2,imap3 (default imap2)\n"
		    "  --fail-prob P         chance a login on a failing backend fails (default 0.6)\n"
		    "  --attackers N         password sprayers (default 2)\n"
		    "  --typo-users N        users mistyping outside the incident (default 5)\n"
		    "  --fetchmail-users N   users polled by fetchmail (default 12)\n"
		    "  --background-rate R   non-login lines per login (default 2; 10 in bench mode)\n"
		    "  --proxy-share P       share of users behind the nginx proxy (default 0.8)\n"
		    "  --interval MIN        mean minutes between a user's logins (default 30)\n"
		    "  --dovecot24 LIST      backends that log in the Dovecot 2.4 form\n"
		    "  --tz ZONE             local zone of syslog and nginx times (default UTC)\n"
		    "  --syslog-time F       bsd (\"Jan 14 09:01:02\", default) or iso (RFC 3339)\n"
		    "  --year-rollover       start on Dec 31 21:00 UTC of the year before --start\n"
		    "  --gzip                write .log.gz\n"
		    "  --combined            one syslog file messages.log for server and client layers\n"
		    "  --bench-size BYTES    bench mode: stop once this many bytes are written\n"
		    "  --wave S..E[@LIST]    an incident wave (repeatable, in order), failing LIST\n"
		    "                        (default --failing); replaces --incident-start/end\n"
		    "  --ramp MIN            soft edges: the failure chance rises over MIN minutes\n"
		    "                        from each wave's start and falls over its last MIN\n"
		    "  --stale-users N       users whose forgotten device polls with an old password\n"
		    "                        from its own address all along (not victims)\n"
		    "  --entra               Exchange style: an Entra sign-in export (entra-signins.csv)\n"
		    "                        beside the logs; an outage attempt is an Entra success\n"
		    "  --client-side         Exchange style: no server logs, only client logs and Entra\n"
		    "  --spray N             a slow distributed spray: N addresses, each trying 1-3\n"
		    "                        real users once, anywhere in the log, never succeeding\n"
		    "  --nat-office N        N users behind one office address (192.0.2.80)\n"
		    "  --log-gap imapN@S..E  imapN logs nothing in [S, E) while it keeps serving\n"
		    "  --mixed-zones ZONE    backends log UTC, the proxy and clients local time in ZONE\n"
		    "  --dead-backend imapN  imapN dies in the incident: it writes nothing, the proxy\n"
		    "                        names it (upstream address), every login there fails\n"
		    "  --duplicate           a whole copy of the first failing backend's log under backup/\n"
		    "  --unnamed-clients N   N users with an mbsync log of their own naming no user\n"
		    "                        (clients/mbsync-NAME.log)\n"
		    "truth (--truth DIR): affected-users.txt, users.csv (each affected user's\n"
		    "first and last failure, failures, impacted minutes), windows.txt (every\n"
		    "window, on 5 min buckets), window.txt (the incident's span), typo-users.txt,\n"
		    "attackers.txt, servers.txt, stale-users.txt, spray.txt, nat-office.txt,\n"
		    "gaps.txt, user-of.txt (GLOB=USER), duplicates.txt, dead-backend.txt,\n"
		    "zones.txt (GLOB=ZONE)\n");
}

static int parse_list(const char *s, unsigned char *flags, unsigned n)
{
	const char *p = s;

	while (*p) {
		char *end;
		unsigned long v;

		if (strncmp(p, "imap", 4) != 0)
			return -1;
		errno = 0;
		v = strtoul(p + 4, &end, 10);
		if (errno || end == p + 4 || v < 1 || v > n || (*end && *end != ','))
			return -1;
		flags[v - 1] = 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		die("bad number for", what);
	return v;
}

static double real(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		die("bad number for", what);
	return v;
}

static int64_t instant(const char *s)
{
	int64_t t;

	if (ib_parse_instant(s, &t) < 0)
		die("bad instant", s);
	return t;
}

/* --duplicate: the first failing backend's log copied whole under backup/, as admins do. */
static void duplicate(struct gen *g)
{
	char dir[1100], path[1200];
	const char *src = g->srv[0].path, *base;

	for (unsigned b = 0; b < g->o.backends; b++)
		if (g->o.failing[b] && g->srv[b].path[0] && (int)b != g->o.dead_b) {
			src = g->srv[b].path;
			break;
		}
	base = strrchr(src, '/');
	FILE *in, *out;
	char buf[65536];
	size_t n;

	if (!src[0])
		die("--duplicate: no backend log to copy", "");
	snprintf(dir, sizeof(dir), "%s/backup", g->o.out);
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s%s", dir, base ? base : "/copy.log");
	in = fopen(src, "rb");
	out = fopen(path, "wb");
	if (!in || !out)
		die("cannot copy", src);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			die("write failed", path);
	fclose(in);
	if (fclose(out) != 0)
		die("write failed", path);
	{
		struct utimbuf ut;

		ut.actime = ut.modtime = (time_t)(g->end / 1000 + 300);
		utime(path, &ut);
	}
}

/* --wave START..END[@LIST]: a wave; the incident spans all of them. */
static void parse_wave(struct gen *g, unsigned w, const char *arg, const char *failing)
{
	char buf[160], *dots, *at;

	if (strlen(arg) >= sizeof(buf))
		die("bad --wave", arg);
	memcpy(buf, arg, strlen(arg) + 1);
	dots = strstr(buf, "..");
	if (!dots)
		die("bad --wave (want START..END[@imapN,...])", arg);
	*dots = '\0';
	at = strchr(dots + 2, '@');
	if (at)
		*at++ = '\0';
	g->o.wave_s[w] = instant(buf);
	g->o.wave_e[w] = instant(dots + 2);
	if (g->o.wave_e[w] <= g->o.wave_s[w] || (w && g->o.wave_s[w] < g->o.wave_e[w - 1]))
		die("waves must be in order, each ending after it starts", arg);
	if (parse_list(at ? at : failing, g->o.wave_fail[w], g->o.backends) < 0)
		die("bad --wave backend list", arg);
	for (unsigned b = 0; b < g->o.backends; b++)
		g->o.failing[b] |= g->o.wave_fail[w][b];
	if (!w || g->o.wave_s[w] < g->o.inc_start)
		g->o.inc_start = g->o.wave_s[w];
	if (!w || g->o.wave_e[w] > g->o.inc_end)
		g->o.inc_end = g->o.wave_e[w];
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"out", 1, 0, 'o'},
					   {"truth", 1, 0, 'T'},
					   {"seed", 1, 0, 's'},
					   {"start", 1, 0, 'S'},
					   {"hours", 1, 0, 'H'},
					   {"incident-start", 1, 0, 'a'},
					   {"incident-end", 1, 0, 'e'},
					   {"style", 1, 0, 'y'},
					   {"users", 1, 0, 'u'},
					   {"backends", 1, 0, 'b'},
					   {"failing", 1, 0, 'f'},
					   {"fail-prob", 1, 0, 'p'},
					   {"attackers", 1, 0, 'A'},
					   {"typo-users", 1, 0, 't'},
					   {"background-rate", 1, 0, 'r'},
					   {"tz", 1, 0, 'z'},
					   {"year-rollover", 0, 0, 'Y'},
					   {"gzip", 0, 0, 'g'},
					   {"bench-size", 1, 0, 'B'},
					   {"fetchmail-users", 1, 0, 'F'},
					   {"proxy-share", 1, 0, 'P'},
					   {"interval", 1, 0, 'i'},
					   {"dovecot24", 1, 0, 'd'},
					   {"syslog-time", 1, 0, 'I'},
					   {"combined", 0, 0, 'c'},
					   {"wave", 1, 0, 'W'},
					   {"ramp", 1, 0, 'R'},
					   {"stale-users", 1, 0, 'L'},
					   {"entra", 0, 0, 'E'},
					   {"client-side", 0, 0, 'C'},
					   {"spray", 1, 0, 'X'},
					   {"nat-office", 1, 0, 'N'},
					   {"log-gap", 1, 0, 'G'},
					   {"mixed-zones", 1, 0, 'Z'},
					   {"dead-backend", 1, 0, 'D'},
					   {"duplicate", 0, 0, 'U'},
					   {"unnamed-clients", 1, 0, 'M'},
					   {"help", 0, 0, 'h'},
					   {0, 0, 0, 0}};
	struct gen *g = calloc(1, sizeof(*g));
	const char *failing = "imap2", *dc24 = NULL, *inc_s = NULL, *inc_e = NULL, *waves[MAX_WAVES];
	const char *log_gap = NULL, *dead = NULL;
	int users_set = 0, bg_set = 0, hours_set = 0, c;

	if (!g)
		return 3;
	g->o.out = "gen-out";
	g->o.seed = 1;
	g->o.start = instant("2026-01-14T06:00:00Z");
	g->o.hours = 6;
	g->o.users = 200;
	g->o.backends = 3;
	g->o.fail_prob = 0.6;
	g->o.attackers = 2;
	g->o.typo_users = 5;
	g->o.fetch_users = 12;
	g->o.bg_rate = 2;
	g->o.proxy_share = 0.8;
	g->o.mean_interval = 30 * MIN_MS;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			g->o.out = optarg;
			break;
		case 'T':
			g->o.truth = optarg;
			break;
		case 's':
			g->o.seed = num(optarg, "--seed");
			break;
		case 'S':
			g->o.start = instant(optarg);
			break;
		case 'H':
			g->o.hours = real(optarg, "--hours");
			hours_set = 1;
			break;
		case 'a':
			inc_s = optarg;
			break;
		case 'e':
			inc_e = optarg;
			break;
		case 'y':
			if (!strcmp(optarg, "temporary"))
				g->o.style = STYLE_TEMP;
			else if (!strcmp(optarg, "exchange"))
				g->o.style = STYLE_EXCHANGE;
			else
				die("unknown style", optarg);
			break;
		case 'u':
			g->o.users = (unsigned)num(optarg, "--users");
			users_set = 1;
			break;
		case 'b':
			g->o.backends = (unsigned)num(optarg, "--backends");
			break;
		case 'f':
			failing = optarg;
			break;
		case 'p':
			g->o.fail_prob = real(optarg, "--fail-prob");
			break;
		case 'A':
			g->o.attackers = (unsigned)num(optarg, "--attackers");
			break;
		case 't':
			g->o.typo_users = (unsigned)num(optarg, "--typo-users");
			break;
		case 'F':
			g->o.fetch_users = (unsigned)num(optarg, "--fetchmail-users");
			break;
		case 'r':
			g->o.bg_rate = real(optarg, "--background-rate");
			bg_set = 1;
			break;
		case 'P':
			g->o.proxy_share = real(optarg, "--proxy-share");
			break;
		case 'i':
			g->o.mean_interval = (int64_t)(real(optarg, "--interval") * MIN_MS);
			break;
		case 'd':
			dc24 = optarg;
			break;
		case 'z':
			g->o.tz = optarg;
			break;
		case 'I':
			if (!strcmp(optarg, "iso"))
				g->o.iso_syslog = 1;
			else if (strcmp(optarg, "bsd"))
				die("unknown --syslog-time", optarg);
			break;
		case 'Y':
			g->o.year_rollover = 1;
			break;
		case 'g':
			g->o.gzip = 1;
			break;
		case 'c':
			g->o.combined = 1;
			break;
		case 'W':
			if (g->o.nwaves >= MAX_WAVES)
				die("too many --wave", optarg);
			waves[g->o.nwaves++] = optarg;
			break;
		case 'R':
			g->o.ramp = (int64_t)(real(optarg, "--ramp") * MIN_MS);
			break;
		case 'L':
			g->o.stale_users = (unsigned)num(optarg, "--stale-users");
			break;
		case 'E':
			g->o.entra = 1;
			break;
		case 'C':
			g->o.client_side = 1;
			break;
		case 'X':
			g->o.spray = (unsigned)num(optarg, "--spray");
			break;
		case 'N':
			g->o.nat_office = (unsigned)num(optarg, "--nat-office");
			break;
		case 'G':
			log_gap = optarg;
			break;
		case 'Z':
			g->o.mixed_tz = optarg;
			break;
		case 'D':
			dead = optarg;
			break;
		case 'U':
			g->o.duplicate = 1;
			break;
		case 'M':
			g->o.unnamed = (unsigned)num(optarg, "--unnamed-clients");
			break;
		case 'B':
			g->o.bench_size = num(optarg, "--bench-size");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		die("unexpected argument", argv[optind]);
	if (g->o.bench_size) {
		if (!users_set)
			g->o.users = 100000;
		if (!bg_set)
			g->o.bg_rate = 10;
		if (!hours_set)
			g->o.hours = 24 * 14; /* upper bound: the size stops it first */
	}
	if (g->o.users < 1 || g->o.users > 10000000 || g->o.backends < 1 || g->o.backends > MAX_BACKENDS ||
	    g->o.attackers > MAX_ATTACKERS || g->o.fail_prob > 1 || g->o.proxy_share > 1 ||
	    g->o.mean_interval < 1000 || g->o.hours <= 0)
		die("option out of range", "");
	if (parse_list(failing, g->o.failing, g->o.backends) < 0)
		die("bad --failing list", failing);
	if (dc24 && parse_list(dc24, g->o.dc24, g->o.backends) < 0)
		die("bad --dovecot24 list", dc24);
	if (g->o.tz) {
		if (!strcmp(g->o.tz, "UTC")) {
			g->o.tz = NULL;
		} else {
			setenv("TZ", g->o.tz, 1);
			tzset();
		}
	}
	if (g->o.year_rollover) {
		int y;
		unsigned m, d;

		ib_civil_from_days(g->o.start / 86400000, &y, &m, &d);
		g->o.start = ib_time_utc(y - 1, 12, 31, 21, 0, 0, 0);
	}
	g->end = g->o.start + (int64_t)(g->o.hours * 3600000.0);
	g->place_end = g->end;
	if (g->o.bench_size && g->place_end > g->o.start + 240 * MIN_MS)
		g->place_end = g->o.start + 240 * MIN_MS;
	if (g->o.bench_size) {
		/* bench mode: the incident sits 2h15m into the log, whatever its length */
		g->o.inc_start = g->o.start + 135 * MIN_MS;
	} else {
		int64_t mid = g->o.start + (g->end - g->o.start) / 2 - 20 * MIN_MS;

		g->o.inc_start = mid - mid % (5 * MIN_MS);
	}
	if (inc_s)
		g->o.inc_start = instant(inc_s);
	g->o.inc_end = inc_e ? instant(inc_e) : g->o.inc_start + 45 * MIN_MS;
	if (g->o.inc_end <= g->o.inc_start)
		die("incident ends before it starts", inc_e);
	for (unsigned w = 0; w < g->o.nwaves; w++)
		parse_wave(g, w, waves[w], failing);
	g->o.dead_b = -1;
	if (dead) {
		unsigned char one[MAX_BACKENDS] = {0};

		if (parse_list(dead, one, g->o.backends) < 0 || g->o.combined)
			die("bad --dead-backend (want imapN, not with --combined)", dead);
		for (unsigned b = 0; b < g->o.backends; b++)
			if (one[b]) {
				g->o.dead_b = (int)b;
				g->o.failing[b] = 1;
			}
	}
	if (g->o.mixed_tz) {
		if (g->o.tz || g->o.style != STYLE_TEMP)
			die("--mixed-zones takes the place of --tz (Dovecot style)", g->o.mixed_tz);
		setenv("TZ", g->o.mixed_tz, 1);
		tzset();
	}
	g->o.gap_b = -1;
	if (log_gap) {
		unsigned char one[MAX_BACKENDS] = {0};
		char buf[160], *at;

		if (strlen(log_gap) >= sizeof(buf) ||
		    !(at = strchr(memcpy(buf, log_gap, strlen(log_gap) + 1), '@')))
			die("bad --log-gap (want imapN@START..END)", log_gap);
		*at = '\0';
		if (parse_list(buf, one, g->o.backends) < 0 || !strstr(at + 1, ".."))
			die("bad --log-gap (want imapN@START..END)", log_gap);
		for (unsigned b = 0; b < g->o.backends; b++)
			if (one[b])
				g->o.gap_b = (int)b;
		*strstr(at + 1, "..") = '\0';
		g->o.gap_s = instant(at + 1);
		g->o.gap_e = instant(at + 1 + strlen(at + 1) + 2);
		if (g->o.gap_e <= g->o.gap_s || g->o.combined)
			die("bad --log-gap (an empty gap, or --combined)", log_gap);
	}
	mkdirs(g->o.out);
	if (g->o.unnamed) {
		char d[1100];

		snprintf(d, sizeof(d), "%s/clients", g->o.out);
		mkdirs(d);
	}
	for (int i = 0; i < 4; i++)
		g->c_sec[i] = INT64_MIN;
	rseed(&g->r, g->o.seed);
	make_users(g);
	g->spray_used = calloc(g->o.spray + 1, 1);
	if (!g->spray_used)
		die("out of memory", "spray");
	seed_events(g);
	while (g->nheap) {
		struct ev e = pop(g);

		g->now = e.t;

		if (g->o.bench_size && g->bytes >= g->o.bench_size) {
			g->end = e.t;
			break;
		}
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
	for (unsigned b = 0; b < MAX_BACKENDS; b++)
		out_close(g, &g->srv[b]);
	out_close(g, &g->proxy);
	out_close(g, &g->client);
	out_close(g, &g->all);
	out_close(g, &g->entra);
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].mb) {
			out_close(g, g->u[i].mb);
			free(g->u[i].mb);
		}
	if (g->o.duplicate)
		duplicate(g);
	if (g->o.truth)
		write_truth(g);
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].tr) {
			free(g->u[i].tr->bk);
			free(g->u[i].tr);
		}
	free(g->heap);
	free(g->spray_used);
	free(g->u);
	free(g);
	return 0;
}
