/*
 * gen.c: deterministic, seeded generator of realistic IMAP incident logs
 * (Dovecot syslog or Exchange IMAP4 protocol log, nginx mail proxy
 * error_log, fetchmail syslog) plus the ground truth of the incident.
 * Same options and seed, same bytes: own PRNG, no wall clock. Every line
 * goes through one time-ordered event queue, so each file is sorted.
 * Usage: gen --out DIR --truth DIR [options]; `gen --help` lists them.
 * This file: options, users, the main loop; its parts are in bench/gen/
 * (gen_int.h says which).
 */
#include "gen/gen_int.h"

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

/* ---- set-up ---- */

static void make_users(struct gen *g)
{
	unsigned nf = NELEM(first_names), nl = NELEM(last_names), combos = nf * nl;
	/* stride coprime with combos (2304 = 2^8 * 9): any odd non-multiple of 3 */
	unsigned stride = 1543;
	unsigned typo_left = g->o.typo_users, fetch_left = g->o.fetch_users;

	g->u = calloc(g->o.users, sizeof(*g->u));
	if (!g->u)
		gen_die("out of memory", "users");
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
		u->ip = gen_ip4(10, 20 + (i / 64000), (i % 64000) / 250, i % 250 + 1);
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
		u->stale_ip = gen_ip4(10, 40, k / 250, k % 250 + 1);
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
		u->ip = gen_ip4(10, 30, 0, 1 + (unsigned)(u - g->u) % 3);
		fetch_left--;
	}
}

static void seed_events(struct gen *g)
{
	for (unsigned i = 0; i < g->o.users; i++) {
		int64_t first = g->u[i].fetch ? 300000 : 20 * MIN_MS;

		gen_push(g, g->o.start + rrange(&g->r, 0, first), EV_LOGIN, i, 0, 0);
	}
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].stale)
			gen_push(g, g->o.start + rrange(&g->r, 0, 299999), EV_STALE, i, 0, 0);
	/* the slow spray: each address tries 1-3 real users once, anywhere in the log */
	for (unsigned k = 0; k < g->o.spray; k++) {
		unsigned n = (unsigned)rrange(&g->r, 1, 3);

		for (unsigned j = 0; j < n; j++) {
			uint32_t ui = (uint32_t)rbelow(&g->r, g->o.users);

			if (g->u[ui].typo)
				continue; /* a typo user's failures stay its own */
			g->spray_used[k] = 1;
			gen_push2(g, g->o.start + rrange(&g->r, 0, g->end - g->o.start - 1), EV_SPRAY, k, 0,
				  0, ui);
		}
	}
	g->natk = g->o.attackers;
	for (unsigned k = 0; k < g->natk; k++) {
		int64_t span = g->place_end - g->o.start;

		g->atk_ip[k] = k < 100 ? gen_ip4(203, 0, 113, 10 + k * 7 % 240)
				       : gen_ip4(198, 51, 100, 10 + (k - 100) % 240);
		g->atk_targets[k] = 40 + 15 * (k % 4);
		gen_push(g, g->o.start + rrange(&g->r, 0, span / 2), EV_ATTACK, k, 0, 0);
	}
	if (g->o.style == STYLE_TEMP)
		for (unsigned b = 0; b < g->o.backends; b++) {
			gen_push(g, g->o.start + rrange(&g->r, 0, 59999), EV_HEALTH, b, 0, 0);
			if (g->o.failing[b])
				gen_push(g, g->o.start, EV_LDAP, b, 0, 0);
		}
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
		gen_die("bad number for", what);
	return v;
}

static double real(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		gen_die("bad number for", what);
	return v;
}

static int64_t instant(const char *s)
{
	int64_t t;

	if (ib_parse_instant(s, &t) < 0)
		gen_die("bad instant", s);
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
		gen_die("--duplicate: no backend log to copy", "");
	snprintf(dir, sizeof(dir), "%s/backup", g->o.out);
	gen_mkdirs(dir);
	snprintf(path, sizeof(path), "%s%s", dir, base ? base : "/copy.log");
	in = fopen(src, "rb");
	out = fopen(path, "wb");
	if (!in || !out)
		gen_die("cannot copy", src);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			gen_die("write failed", path);
	fclose(in);
	if (fclose(out) != 0)
		gen_die("write failed", path);
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
		gen_die("bad --wave", arg);
	memcpy(buf, arg, strlen(arg) + 1);
	dots = strstr(buf, "..");
	if (!dots)
		gen_die("bad --wave (want START..END[@imapN,...])", arg);
	*dots = '\0';
	at = strchr(dots + 2, '@');
	if (at)
		*at++ = '\0';
	g->o.wave_s[w] = instant(buf);
	g->o.wave_e[w] = instant(dots + 2);
	if (g->o.wave_e[w] <= g->o.wave_s[w] || (w && g->o.wave_s[w] < g->o.wave_e[w - 1]))
		gen_die("waves must be in order, each ending after it starts", arg);
	if (parse_list(at ? at : failing, g->o.wave_fail[w], g->o.backends) < 0)
		gen_die("bad --wave backend list", arg);
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
				gen_die("unknown style", optarg);
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
				gen_die("unknown --syslog-time", optarg);
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
				gen_die("too many --wave", optarg);
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
		gen_die("unexpected argument", argv[optind]);
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
		gen_die("option out of range", "");
	if (parse_list(failing, g->o.failing, g->o.backends) < 0)
		gen_die("bad --failing list", failing);
	if (dc24 && parse_list(dc24, g->o.dc24, g->o.backends) < 0)
		gen_die("bad --dovecot24 list", dc24);
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
		gen_die("incident ends before it starts", inc_e);
	for (unsigned w = 0; w < g->o.nwaves; w++)
		parse_wave(g, w, waves[w], failing);
	g->o.dead_b = -1;
	if (dead) {
		unsigned char one[MAX_BACKENDS] = {0};

		if (parse_list(dead, one, g->o.backends) < 0 || g->o.combined)
			gen_die("bad --dead-backend (want imapN, not with --combined)", dead);
		for (unsigned b = 0; b < g->o.backends; b++)
			if (one[b]) {
				g->o.dead_b = (int)b;
				g->o.failing[b] = 1;
			}
	}
	if (g->o.mixed_tz) {
		if (g->o.tz || g->o.style != STYLE_TEMP)
			gen_die("--mixed-zones takes the place of --tz (Dovecot style)", g->o.mixed_tz);
		setenv("TZ", g->o.mixed_tz, 1);
		tzset();
	}
	g->o.gap_b = -1;
	if (log_gap) {
		unsigned char one[MAX_BACKENDS] = {0};
		char buf[160], *at;

		if (strlen(log_gap) >= sizeof(buf) ||
		    !(at = strchr(memcpy(buf, log_gap, strlen(log_gap) + 1), '@')))
			gen_die("bad --log-gap (want imapN@START..END)", log_gap);
		*at = '\0';
		if (parse_list(buf, one, g->o.backends) < 0 || !strstr(at + 1, ".."))
			gen_die("bad --log-gap (want imapN@START..END)", log_gap);
		for (unsigned b = 0; b < g->o.backends; b++)
			if (one[b])
				g->o.gap_b = (int)b;
		*strstr(at + 1, "..") = '\0';
		g->o.gap_s = instant(at + 1);
		g->o.gap_e = instant(at + 1 + strlen(at + 1) + 2);
		if (g->o.gap_e <= g->o.gap_s || g->o.combined)
			gen_die("bad --log-gap (an empty gap, or --combined)", log_gap);
	}
	gen_mkdirs(g->o.out);
	if (g->o.unnamed) {
		char d[1100];

		snprintf(d, sizeof(d), "%s/clients", g->o.out);
		gen_mkdirs(d);
	}
	for (int i = 0; i < 4; i++)
		g->c_sec[i] = INT64_MIN;
	rseed(&g->r, g->o.seed);
	make_users(g);
	g->spray_used = calloc(g->o.spray + 1, 1);
	if (!g->spray_used)
		gen_die("out of memory", "spray");
	seed_events(g);
	while (g->nheap) {
		struct ev e = gen_pop(g);

		g->now = e.t;

		if (g->o.bench_size && g->bytes >= g->o.bench_size) {
			g->end = e.t;
			break;
		}
		gen_dispatch(g, &e);
	}
	for (unsigned b = 0; b < MAX_BACKENDS; b++)
		gen_out_close(g, &g->srv[b]);
	gen_out_close(g, &g->proxy);
	gen_out_close(g, &g->client);
	gen_out_close(g, &g->all);
	gen_out_close(g, &g->entra);
	for (unsigned i = 0; i < g->o.users; i++)
		if (g->u[i].mb) {
			gen_out_close(g, g->u[i].mb);
			free(g->u[i].mb);
		}
	if (g->o.duplicate)
		duplicate(g);
	if (g->o.truth)
		gen_write_truth(g);
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
