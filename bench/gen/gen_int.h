/*
 * gen_int.h: the generator's private structures and the functions its
 * files share: gen.c (options, users, main), gen/out.c (time stamps,
 * files, the event queue), gen/events.c (the lines of each event),
 * gen/truth.c (the ground truth). The PRNG is inline here.
 */
#ifndef IMAPBLAST_GEN_INT_H
#define IMAPBLAST_GEN_INT_H

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

static inline uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rnext(struct rng *r)
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

static inline void rseed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

/* Uniform in [0, n). */
static inline uint64_t rbelow(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

static inline double runit(struct rng *r)
{
	return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [lo, hi]. */
static inline int64_t rrange(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rbelow(r, (uint64_t)(hi - lo + 1));
}

/* Exponential with the given mean (ms), at least 1 ms. */
static inline int64_t rexp(struct rng *r, int64_t mean)
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

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define PROXY_IP gen_ip4(10, 0, 0, 10)
#define MONITOR_IP gen_ip4(10, 0, 0, 2)
#define NAT_OFFICE_IP gen_ip4(192, 0, 2, 80)

/* ---- out.c: time stamps, files, the event queue, addresses ---- */

_Noreturn void gen_die(const char *what, const char *arg);
/* The civil time of secs in zone tz (NULL: UTC) and its offset. */
void gen_civil(int64_t secs, struct tm *tm, long *gmtoff, const char *tz);
/* Syslog stamp (BSD "Jan 14 09:01:02" or ISO with offset) in zone tz, cached in slot k. */
const char *gen_ts_syslog_in(struct gen *g, int64_t ms, const char *tz, int k);
const char *gen_ts_syslog(struct gen *g, int64_t ms); /* the backends' zone (--tz) */
const char *gen_local_tz(const struct gen *g);	      /* proxy and clients: --mixed-zones, else --tz */
const char *gen_ts_nginx(struct gen *g, int64_t ms);
const char *gen_ts_exch(struct gen *g, int64_t ms);
void gen_iso_utc(int64_t ms, char *buf, size_t size);
void gen_out_open(struct gen *g, struct out *o, const char *name);
/* One line to o (a newline added); nothing from a dead backend or in a log gap. */
__attribute__((format(printf, 3, 4))) void gen_emit(struct gen *g, struct out *o, const char *fmt, ...);
void gen_out_close(struct gen *g, struct out *o);
struct out *gen_server_out(struct gen *g, unsigned b);
struct out *gen_client_out(struct gen *g);
struct out *gen_proxy_out(struct gen *g);
void gen_push2(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid,
	       uint64_t aux);
void gen_push(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid);
struct ev gen_pop(struct gen *g);
void gen_ip_str(uint32_t ip, char *buf, size_t size);
uint32_t gen_ip4(unsigned a, unsigned b, unsigned c, unsigned d);
uint32_t gen_backend_ip(unsigned b);
void gen_session_id(uint64_t v, char *buf);
int gen_in_incident(const struct gen *g, int64_t t);
int gen_wave_of(const struct gen *g, int64_t t);
double gen_fail_factor(const struct gen *g, unsigned b, int64_t t);

/* ---- events.c: the lines of each event ---- */

/* Write the lines of event e (and schedule what follows from it). */
void gen_dispatch(struct gen *g, struct ev *e);
uint32_t gen_spray_ip(unsigned k);

/* ---- truth.c: the ground truth ---- */

int64_t gen_read_back(int64_t t, int with_ms);
void gen_truth_fail(struct gen *g, struct user *u, int layer, int64_t lt);
void gen_mkdirs(const char *dir);
void gen_write_truth(struct gen *g);

#endif
