/*
 * truth.c: the ground truth: each outage failure as the analyser reads it
 * back, and the truth files (see gen --help).
 */
#include "gen_int.h"

/* ---- truth: each outage failure as the analyser reads it back ---- */

/* The time a line written at t is read back as: formats with whole seconds drop the ms. */
int64_t gen_read_back(int64_t t, int with_ms)
{
	return with_ms ? t : t - t % 1000;
}

/* Record an outage failure of u at layer (0 client, 1 proxy, 2 server), logged as lt. */
void gen_truth_fail(struct gen *g, struct user *u, int layer, int64_t lt)
{
	struct utruth *x = u->tr;
	int w = gen_wave_of(g, lt);

	if (layer == 2 && g->o.gap_b == (int)u->backend && g->now >= g->o.gap_s && g->now < g->o.gap_e)
		return; /* lost in the log gap */
	if (layer == 2 && g->o.dead_b == (int)u->backend && gen_in_incident(g, g->now))
		return; /* a dead backend logs nothing */
	if (!x) {
		x = u->tr = calloc(1, sizeof(*x));
		if (!x)
			gen_die("out of memory", "truth");
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
			gen_die("out of memory", "truth");
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

/* mkdir -p */
void gen_mkdirs(const char *dir)
{
	char buf[1024];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		gen_die("path too long", dir);
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0777) < 0 && errno != EEXIST)
				gen_die("cannot create", buf);
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
		gen_die("cannot open", path);
	qsort(items, n, sizeof(*items), cmp_str);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\n", items[i]);
	if (fclose(fp) != 0)
		gen_die("cannot write", path);
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
		gen_die("cannot open", path);
	fprintf(fp, "user,first_failure,last_failure,failures,impacted_minutes\n");
	{
		const char **names = calloc(g->o.users + 1, sizeof(*names));
		size_t n = 0;

		if (!names)
			gen_die("out of memory", "truth");
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
			gen_iso_utc(x->first, a, sizeof(a));
			gen_iso_utc(x->last, b, sizeof(b));
			fprintf(fp, "%s,%s,%s,%llu,%llu\n", u->lower, a, b, (unsigned long long)f,
				(unsigned long long)(nb * (TRUTH_BUCKET_MS / MIN_MS)));
		}
		free(names);
	}
	if (fclose(fp) != 0)
		gen_die("cannot write", path);
	snprintf(path, sizeof(path), "%s/windows.txt", g->o.truth);
	fp = fopen(path, "w");
	if (!fp)
		gen_die("cannot open", path);
	for (unsigned w = 0; w < (g->o.nwaves ? g->o.nwaves : 1); w++) {
		if (!g->wfirst[w])
			continue;
		gen_iso_utc(g->wfirst[w] - g->wfirst[w] % TRUTH_BUCKET_MS, a, sizeof(a));
		gen_iso_utc(g->wlast[w] - g->wlast[w] % TRUTH_BUCKET_MS + TRUTH_BUCKET_MS, b, sizeof(b));
		fprintf(fp, "%s %s\n", a, b);
	}
	if (fclose(fp) != 0)
		gen_die("cannot write", path);
}

void gen_write_truth(struct gen *g)
{
	const char **list = calloc(g->o.users + MAX_ATTACKERS + MAX_BACKENDS + 1, sizeof(*list));
	static char ipbuf[MAX_ATTACKERS][20], srvbuf[MAX_BACKENDS][16];
	char path[1200], sa[32], sb[32];
	size_t n = 0;
	FILE *fp;

	if (!list)
		gen_die("out of memory", "truth");
	gen_mkdirs(g->o.truth);
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
			gen_die("cannot open", path);
		for (unsigned k = 0; k < g->o.spray; k++) {
			if (!g->spray_used[k])
				continue;
			gen_ip_str(gen_spray_ip(k), sa, sizeof(sa));
			fprintf(fp2, "%s\n", sa);
		}
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/gaps.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		if (g->o.gap_b >= 0) {
			gen_iso_utc(g->o.gap_s, sa, sizeof(sa));
			gen_iso_utc(g->o.gap_e, sb, sizeof(sb));
			fprintf(fp2, "imap%d %s %s\n", g->o.gap_b + 1, sa, sb);
		}
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/user-of.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		for (unsigned i = 0; i < g->o.users; i++)
			if (g->u[i].mbsync)
				fprintf(fp2, "clients/mbsync-%.*s.log*=%s\n",
					(int)strcspn(g->u[i].lower, "@"), g->u[i].lower, g->u[i].lower);
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/duplicates.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		if (g->o.duplicate)
			fprintf(fp2, "%s\n", "backup/ holds a whole copy of the first failing backend's log");
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/dead-backend.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		if (g->o.dead_b >= 0)
			fprintf(fp2, "imap%d 10.0.1.%d\n", g->o.dead_b + 1, 10 + g->o.dead_b);
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/zones.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		if (g->o.mixed_tz)
			fprintf(fp2, "server-*=UTC\nproxy-*=%s\nclient-*=%s\nclients/*=%s\n", g->o.mixed_tz,
				g->o.mixed_tz, g->o.mixed_tz);
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
		snprintf(path, sizeof(path), "%s/nat-office.txt", g->o.truth);
		fp2 = fopen(path, "w");
		if (!fp2)
			gen_die("cannot open", path);
		if (g->o.nat_office) {
			gen_ip_str(NAT_OFFICE_IP, sa, sizeof(sa));
			fprintf(fp2, "%s\n", sa);
		}
		if (fclose(fp2) != 0)
			gen_die("cannot write", path);
	}
	n = 0;
	for (unsigned k = 0; k < g->natk; k++) {
		gen_ip_str(g->atk_ip[k], ipbuf[k], sizeof(ipbuf[k]));
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
		gen_die("cannot open", path);
	gen_iso_utc(g->o.inc_start, sa, sizeof(sa));
	gen_iso_utc(g->o.inc_end, sb, sizeof(sb));
	fprintf(fp, "%s %s\n", sa, sb);
	if (fclose(fp) != 0)
		gen_die("cannot write", path);
}
