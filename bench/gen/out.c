/*
 * out.c: the generator's time stamps (syslog, nginx, Exchange), output
 * files, event queue (a binary min-heap on (t, seq)) and address helpers.
 */
#include "gen_int.h"

_Noreturn void gen_die(const char *what, const char *arg)
{
	fprintf(stderr, "gen: %s '%s'\n", what, arg ? arg : "");
	exit(2);
}

/* ---- time formatting ---- */

void gen_civil(int64_t secs, struct tm *tm, long *gmtoff, const char *tz)
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
const char *gen_ts_syslog_in(struct gen *g, int64_t ms, const char *tz, int k)
{
	struct tm tm;
	long off;
	int64_t sec = ms / 1000;

	if (g->o.iso_syslog) {
		gen_civil(sec, &tm, &off, tz);
		snprintf(g->c_buf[k], sizeof(g->c_buf[k]),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03d%03d%c%02ld:%02ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000),
			 (int)((ms * 7) % 1000), off < 0 ? '-' : '+', labs(off) / 3600, labs(off) / 60 % 60);
		return g->c_buf[k];
	}
	if (g->c_sec[k] != sec) {
		gen_civil(sec, &tm, &off, tz);
		snprintf(g->c_buf[k], sizeof(g->c_buf[k]), "%s %2d %02d:%02d:%02d", mon_abbr[tm.tm_mon],
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		g->c_sec[k] = sec;
	}
	return g->c_buf[k];
}

const char *gen_ts_syslog(struct gen *g, int64_t ms)
{
	return gen_ts_syslog_in(g, ms, g->o.tz, 0);
}

/* The zone of proxy and client logs: --mixed-zones ZONE, else --tz. */
const char *gen_local_tz(const struct gen *g)
{
	return g->o.mixed_tz ? g->o.mixed_tz : g->o.tz;
}

const char *gen_ts_nginx(struct gen *g, int64_t ms)
{
	int64_t sec = ms / 1000;

	if (g->c_sec[1] != sec) {
		struct tm tm;
		long off;

		gen_civil(sec, &tm, &off, gen_local_tz(g));
		snprintf(g->c_buf[1], sizeof(g->c_buf[1]), "%04d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		g->c_sec[1] = sec;
	}
	return g->c_buf[1];
}

/* Exchange: always UTC with milliseconds. */
const char *gen_ts_exch(struct gen *g, int64_t ms)
{
	struct tm tm;
	long off;

	gen_civil(ms / 1000, &tm, &off, NULL);
	snprintf(g->c_buf[2], sizeof(g->c_buf[2]), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return g->c_buf[2];
}

void gen_iso_utc(int64_t ms, char *buf, size_t size)
{
	ib_time_format(ms, buf, size);
}

/* ---- output ---- */

void gen_out_open(struct gen *g, struct out *o, const char *name)
{
	if (o->open)
		return;
	if (snprintf(o->path, sizeof(o->path), "%s/%s%s", g->o.out, name, g->o.gzip ? ".gz" : "") >=
	    (int)sizeof(o->path))
		gen_die("path too long", name);
	if (g->o.gzip) {
		o->gz = gzopen(o->path, "wb6");
		if (!o->gz)
			gen_die("cannot open", o->path);
	} else {
		o->fp = fopen(o->path, "w");
		if (!o->fp)
			gen_die("cannot open", o->path);
		setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	}
	o->open = 1;
}

void gen_emit(struct gen *g, struct out *o, const char *fmt, ...)
{
	char line[LINE_MAX_GEN];
	va_list ap;
	int n;

	/* a dead backend writes nothing during the incident */
	if (g->o.dead_b >= 0 && o == &g->srv[g->o.dead_b] && gen_in_incident(g, g->now))
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
			gen_die("write failed", o->path);
	} else if (fwrite(line, 1, (size_t)n, o->fp) != (size_t)n) {
		gen_die("write failed", o->path);
	}
	g->bytes += (uint64_t)n;
}

void gen_out_close(struct gen *g, struct out *o)
{
	struct utimbuf ut;

	if (!o->open)
		return;
	if (o->gz ? gzclose(o->gz) != Z_OK : fclose(o->fp) != 0)
		gen_die("close failed", o->path);
	/* syslog dates have no year: the analyser takes it from the mtime */
	ut.actime = ut.modtime = (time_t)(g->end / 1000 + 300);
	utime(o->path, &ut);
	o->open = 0;
}

struct out *gen_server_out(struct gen *g, unsigned b)
{
	char name[64];

	if (g->o.combined && g->o.style == STYLE_TEMP) {
		gen_out_open(g, &g->all, "messages.log");
		return &g->all;
	}
	if (g->o.style == STYLE_EXCHANGE)
		snprintf(name, sizeof(name), "exchange-imap%u.log", b + 1);
	else
		snprintf(name, sizeof(name), "server-imap%u.log", b + 1);
	if (!g->srv[b].open) {
		gen_out_open(g, &g->srv[b], name);
		if (g->o.style == STYLE_EXCHANGE) {
			char d[32];

			gen_iso_utc(g->o.start, d, sizeof(d));
			gen_emit(g, &g->srv[b], "#Software: Microsoft Exchange Server");
			gen_emit(g, &g->srv[b], "#Version: 15.02.1544.004");
			gen_emit(g, &g->srv[b], "#Log-type: IMAP4 Protocol Log");
			gen_emit(g, &g->srv[b], "#Date: %s", d);
			gen_emit(g, &g->srv[b],
				 "#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,"
				 "duration,rqsize,rpsize,command,parameters,context,puid");
		}
	}
	return &g->srv[b];
}

struct out *gen_client_out(struct gen *g)
{
	if (g->o.combined) {
		gen_out_open(g, &g->all, "messages.log");
		return &g->all;
	}
	gen_out_open(g, &g->client, "client-fetchmail.log");
	return &g->client;
}

struct out *gen_proxy_out(struct gen *g)
{
	gen_out_open(g, &g->proxy, "proxy-nginx.log");
	return &g->proxy;
}

/* ---- event queue (binary min-heap on (t, seq)) ---- */

static int ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void gen_push2(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid,
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
			gen_die("out of memory", "heap");
	}
	i = g->nheap++;
	while (i > 0 && ev_less(&e, &g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = e;
}

void gen_push(struct gen *g, int64_t t, enum kind k, uint32_t who, unsigned retry, uint64_t sid)
{
	gen_push2(g, t, k, who, retry, sid, 0);
}

struct ev gen_pop(struct gen *g)
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

void gen_ip_str(uint32_t ip, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

uint32_t gen_ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

uint32_t gen_backend_ip(unsigned b)
{
	return gen_ip4(10, 0, 1, 10 + b);
}

/* Dovecot's session=<...>: 16 base64 characters derived from a 64-bit id. */
void gen_session_id(uint64_t v, char *buf)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t x = splitmix(&v), y = splitmix(&v);

	for (int i = 0; i < 10; i++, x >>= 6)
		buf[i] = b64[x & 63];
	for (int i = 10; i < 16; i++, y >>= 6)
		buf[i] = b64[y & 63];
	buf[16] = '\0';
}

int gen_in_incident(const struct gen *g, int64_t t)
{
	if (!g->o.nwaves)
		return t >= g->o.inc_start && t < g->o.inc_end;
	for (unsigned w = 0; w < g->o.nwaves; w++)
		if (t >= g->o.wave_s[w] && t < g->o.wave_e[w])
			return 1;
	return 0;
}

/* The wave holding t, or -1. */
int gen_wave_of(const struct gen *g, int64_t t)
{
	for (unsigned w = 0; w < g->o.nwaves; w++)
		if (t >= g->o.wave_s[w] && t < g->o.wave_e[w])
			return (int)w;
	return g->o.nwaves || !gen_in_incident(g, t) ? -1 : 0;
}

/* Does backend b fail at t, and with which share of fail_prob (soft edges)? */
double gen_fail_factor(const struct gen *g, unsigned b, int64_t t)
{
	int w = gen_wave_of(g, t);
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
