/*
 * agg_join.c: what the aggregator keeps besides cells (agg.h): the input
 * files left out as repeats (IB_S_DUP), and server identity learned from
 * the logs. A backend
 * logs its own address (Dovecot "lip=10.0.1.11"), a proxy the address it
 * routes to ("upstream: 10.0.1.11:143"); the pairs kept in IB_S_ADDR let
 * the analysis count both views of one server as one row. Only exact,
 * unambiguous matches join: an address that two servers claim joins
 * nothing. The result does not depend on the order of input. The join
 * that may change the aggregator (the analysis's) re-keys in place only
 * the cells and success series of joined servers.
 */
#include <errno.h>
#include <stdio.h>
#include "agg_int.h"

int ib_agg_server_addr(struct ib_agg *a, struct ib_str server, struct ib_str addr)
{
	char buf[512];
	uint32_t id;

	if (!server.len || !addr.len || server.len + 1 + addr.len > sizeof(buf) ||
	    memchr(server.ptr, ' ', server.len) || memchr(addr.ptr, ' ', addr.len))
		return IB_OK;
	memcpy(buf, server.ptr, server.len);
	buf[server.len] = ' ';
	memcpy(buf + server.len + 1, addr.ptr, addr.len);
	return ib_agg_intern(a, IB_S_ADDR, buf, server.len + 1 + addr.len, 0, &id);
}

/*
 * A record of IB_S_DUP: the paths and the count joined by a unit
 * separator (0x1f), which no real path holds: "PATH^SAME_AS" for a file
 * not read, "PATH^SAME_AS^N" for N repeated events of a file read.
 */
static int dup_record(struct ib_agg *a, const char *path, const char *same_as, uint64_t n)
{
	size_t n1 = strlen(path), n2 = strlen(same_as), len;
	char *b = malloc(n1 + n2 + 32);
	uint32_t id;
	int rc;

	if (!b)
		return IB_ERR_NOMEM;
	memcpy(b, path, n1);
	b[n1] = 0x1f;
	memcpy(b + n1 + 1, same_as, n2);
	len = n1 + 1 + n2;
	if (n)
		len += (size_t)snprintf(b + len, 32, "\x1f%llu", (unsigned long long)n);
	rc = ib_agg_intern(a, IB_S_DUP, b, len, 0, &id);
	free(b);
	return rc;
}

int ib_agg_dup_file(struct ib_agg *a, const char *path, const char *same_as)
{
	return dup_record(a, path, same_as, 0);
}

int ib_agg_dup_events(struct ib_agg *a, const char *path, const char *same_as, uint64_t n)
{
	return n ? dup_record(a, path, same_as, n) : IB_OK;
}

void ib_agg_dup_get(const struct ib_agg *a, size_t i, char *path, char *same_as, size_t size,
		    uint64_t *events)
{
	const char *s = ib_agg_str(a, IB_S_DUP, (uint32_t)i), *us = strchr(s, 0x1f);
	const char *rest = us ? us + 1 : "", *us2 = strchr(rest, 0x1f);
	size_t n1 = us ? (size_t)(us - s) : strlen(s), n2 = us2 ? (size_t)(us2 - rest) : strlen(rest);

	snprintf(path, size, "%.*s", (int)(n1 < size ? n1 : size - 1), s);
	snprintf(same_as, size, "%.*s", (int)(n2 < size ? n2 : size - 1), rest);
	*events = us2 ? strtoull(us2 + 1, NULL, 10) : 0;
}

/* The address of a server name: "[v6]:port" -> "v6", "v4:port" -> "v4", else the name. */
static struct ib_str bare_addr(const char *s)
{
	size_t n = strlen(s);
	const char *colon = memchr(s, ':', n);

	if (s[0] == '[') {
		const char *e = memchr(s, ']', n);

		if (e)
			return (struct ib_str){s + 1, (size_t)(e - s - 1)};
	} else if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) {
		return (struct ib_str){s, (size_t)(colon - s)};
	}
	return (struct ib_str){s, n};
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * owner[i] for each address string i of IB_S_ADDR: the server of the pair
 * when no other pair gives the same address to another server, else NULL.
 * Quadratic in the pairs, which number about the backends' addresses.
 */
static void owners(const struct ib_agg *a, const char **owner, struct ib_str *addr, struct ib_str *srv)
{
	const struct ib_strtab *t = &a->st[IB_S_ADDR];

	for (size_t i = 1; i < t->n; i++) {
		const char *sp = strchr(t->s[i], ' ');

		if (!sp)
			continue; /* not a pair (a hostile state file): owner stays NULL */
		srv[i] = (struct ib_str){t->s[i], (size_t)(sp - t->s[i])};
		addr[i] = ib_str_from(sp + 1);
		owner[i] = t->s[i];
	}
	for (size_t i = 1; i < t->n; i++)
		for (size_t j = 1; j < t->n; j++)
			if (i != j && ib_str_eq(addr[i], addr[j]) && !ib_str_eq(srv[i], srv[j]))
				owner[i] = NULL;
}

/* The key of cell i (decoded c). */
static void cell_key(struct ib_ckey *k, const struct ib_cell *c)
{
	memset(k, 0, sizeof(*k));
	k->bucket = c->bucket;
	k->user = c->user;
	k->ip = c->ip;
	k->server = c->server;
	k->sig = c->signature;
	k->layer = c->layer;
	k->cat = c->category;
	k->conn = c->connection;
}

/* The last cell `from` moves to slot `to`, with its side table and (unless unindexed) its index entry. */
static int cell_move(struct ib_agg *a, size_t from, size_t to, int unindexed)
{
	struct ib_scell *c = ib_agg_scell_at(a, from);
	struct ib_cell d;
	struct ib_ckey k;

	cell_key(&k, ib_agg_cell(a, from, &d));
	*ib_agg_scell_at(a, to) = *c;
	for (int f = 0; f < 3; f++) {
		uint32_t v = f == IB_W_SPAN ? c->span : f == IB_W_COUNT ? c->count : c->line;
		PWord_t w = v == IB_WIDE ? ib_jl_get(a->wide, (Word_t)from << 2 | (Word_t)f) : NULL;
		int rc = IB_ERR_NOMEM;
		PWord_t nw;
		Word_t val;

		if (!w)
			continue;
		val = *w;
		if (!(nw = ib_jl_ins(&a->wide, (Word_t)to << 2 | (Word_t)f, &rc)))
			return rc;
		*nw = val;
	}
	return unindexed ? IB_OK : ib_agg_index_move(a, &k, from, to);
}

/* ib_agg_rekey_servers for the successes: a joined server's series come back under the joined name. */
static int rekey_succ(struct ib_agg *a, const uint32_t *map)
{
	size_t nser = a->succ.nser;
	int rc;

	for (size_t i = 0; i < nser; i++)
		if (map[a->succ.ser[i].k.server] && (rc = ib_succ_unlink(&a->succ, i)) < 0)
			return rc;
	for (size_t i = 0; i < nser; i++) {
		if (!map[a->succ.ser[i].k.server])
			continue;
		/* mostly the joined name has no such series yet: the series itself changes name */
		if ((rc = ib_succ_relink(&a->succ, i, map[a->succ.ser[i].k.server])) != IB_SKIP) {
			if (rc < 0)
				return rc;
			continue;
		}
		for (size_t j = 0; j < a->succ.ser[i].n; j++) {
			struct ib_cell d;
			struct ib_ckey k;

			ib_succ_series_cell(&a->succ, a->bucket_ms, i, j, &d);
			cell_key(&k, &d);
			k.server = map[k.server];
			rc = ib_agg_cell_add(a, &k, d.count, d.first_ms, d.last_ms, 0, 0, 0);
			if (rc < 0)
				return rc;
		}
		ib_succ_series_drop(&a->succ, i);
	}
	return IB_OK;
}

int ib_agg_rekey_servers(struct ib_agg *a, const uint32_t *map)
{
	size_t nsrv = a->st[IB_S_SERVER].n;
	int rc;

	for (size_t s = 0; s < nsrv; s++)
		if (map[s] && (map[s] >= nsrv || map[map[s]]))
			return IB_SKIP; /* a chain: only the copy (ib_agg_merge_mapped) is exact */
	/* first every renamed cell leaves the index */
	for (size_t i = 0; i < a->ncells; i++) {
		struct ib_cell d;
		struct ib_ckey k;

		if (!map[ib_agg_scell_at(a, i)->server])
			continue;
		cell_key(&k, ib_agg_cell(a, i, &d));
		if ((rc = ib_agg_index_del(a, &k, i)) < 0)
			return rc;
	}
	/* then each comes back under its new key, or into the cell already there */
	for (size_t i = 0; i < a->ncells;) {
		struct ib_scell *c = ib_agg_scell_at(a, i);
		struct ib_cell d;
		struct ib_ckey k;
		size_t last;
		int64_t j;

		if (!map[c->server]) {
			i++;
			continue;
		}
		cell_key(&k, ib_agg_cell(a, i, &d));
		k.server = map[c->server];
		j = ib_agg_cell_find(a, &k);
		if (j < 0 &&
		    !(k.cat == IB_CAT_OK && !k.conn && ib_succ_find(&a->succ, a->bucket_ms, &k, NULL))) {
			if ((rc = ib_agg_index_put(a, &k, i)) < 0)
				return rc;
			c->server = k.server;
			i++;
			continue;
		}
		rc = ib_agg_cell_add(a, &k, d.count, d.first_ms, d.last_ms, d.first_file, d.first_line, 0);
		last = a->ncells - 1;
		if (rc < 0 || (i < last &&
			       (rc = cell_move(a, last, i, map[ib_agg_scell_at(a, last)->server] != 0)) < 0))
			return rc;
		a->ncells--; /* slot i now holds the last cell, still to be looked at */
	}
	return rekey_succ(a, map);
}

/*
 * The join that moves, in place: only the cells of joined servers are
 * re-keyed (ib_agg_rekey_servers), where the copy re-adds every cell.
 * IB_OK (a joined), IB_SKIP (a untouched but for the targets' names
 * interned: only the copy is exact), or an error (a only to be freed).
 */
static int join_in_place(struct ib_agg *a, char *const *smap)
{
	size_t n = a->st[IB_S_SERVER].n;
	uint32_t *map = calloc(2 * n, sizeof(*map)); /* the targets may add n names */
	int rc = map ? IB_OK : IB_ERR_NOMEM;

	/* the targets first, so that the copy, when it is needed, interns the same */
	for (size_t i = 0; i < n && rc == IB_OK; i++)
		if (smap[i])
			rc = ib_agg_intern(a, IB_S_SERVER, smap[i], strlen(smap[i]), 0, &map[i]);
	if (rc == IB_OK)
		rc = ib_agg_rekey_servers(a, map);
	free(map);
	return rc;
}

/* ib_agg_join_servers; take: NULL, or a itself (ib_agg_join_servers_take). */
static int join(const struct ib_agg *a, struct ib_agg *take, struct ib_agg **out, char ***names,
		size_t *nnames, struct ib_error *err)
{
	const struct ib_strtab *ta = &a->st[IB_S_ADDR], *ts = &a->st[IB_S_SERVER];
	size_t nsrv = ts->n; /* the join in place adds the targets' names */
	const char **owner = NULL;
	struct ib_str *addr = NULL, *srv = NULL;
	char **smap = NULL, **nm = NULL;
	size_t njoin = 0;
	int rc = IB_OK;

	*out = NULL;
	if (names) {
		*names = NULL;
		*nnames = 0;
	}
	if (ta->n <= 1)
		return IB_OK;
	owner = calloc(ta->n, sizeof(*owner));
	addr = calloc(ta->n, sizeof(*addr));
	srv = calloc(ta->n, sizeof(*srv));
	smap = calloc(2 * ts->n, sizeof(*smap)); /* NULL past ts->n: the join in place adds names */
	if (!owner || !addr || !srv || !smap)
		goto nomem;
	owners(a, owner, addr, srv);
	for (size_t i = 1; i < ts->n; i++) {
		struct ib_str b = bare_addr(ts->s[i]);

		for (size_t j = 1; j < ta->n; j++) {
			if (!owner[j] || !ib_str_eq(b, addr[j]))
				continue;
			if (ib_str_eq(ib_str_from(ts->s[i]), srv[j]))
				break; /* the server itself */
			smap[i] = ib_dupmem(srv[j].ptr, srv[j].len);
			if (!smap[i])
				goto nomem;
			njoin++;
			break;
		}
	}
	if (!njoin)
		goto out;
	if (names) {
		size_t k = 0;

		nm = calloc(njoin, sizeof(*nm));
		if (!nm)
			goto nomem;
		for (size_t i = 1; i < ts->n; i++) {
			size_t n1, n2;

			if (!smap[i])
				continue;
			n1 = strlen(ts->s[i]);
			n2 = strlen(smap[i]);
			nm[k] = malloc(n1 + n2 + 2);
			if (!nm[k])
				goto nomem;
			memcpy(nm[k], ts->s[i], n1);
			nm[k][n1] = '=';
			memcpy(nm[k] + n1 + 1, smap[i], n2 + 1);
			k++;
		}
		qsort(nm, njoin, sizeof(*nm), cmp_str);
	}
	if (take && (rc = join_in_place(take, smap)) != IB_SKIP) {
		if (rc < 0)
			goto fail;
		goto joined;
	}
	if ((rc = ib_agg_new(out, a->bucket_ms)) < 0)
		goto nomem;
	rc = ib_agg_merge_mapped(*out, a, (const char *const *)smap, take, err);
	if (rc < 0) {
		ib_agg_free(*out);
		*out = NULL;
		goto out;
	}
joined:
	if (names) {
		*names = nm;
		*nnames = njoin;
		nm = NULL;
	}
	goto out;
fail:
	if (rc != IB_ERR_NOMEM) {
		rc = ib_error_set(err, rc, 0, NULL, 0, "internal error joining servers");
		goto out;
	}
nomem:
	rc = ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0, "out of memory joining servers");
out:
	if (nm)
		for (size_t i = 0; i < njoin; i++)
			free(nm[i]);
	free(nm);
	if (smap)
		for (size_t i = 0; i < nsrv; i++)
			free(smap[i]);
	free(smap);
	free(owner);
	free(addr);
	free(srv);
	return rc;
}

int ib_agg_join_servers(const struct ib_agg *a, struct ib_agg **out, char ***names, size_t *nnames,
			struct ib_error *err)
{
	return join(a, NULL, out, names, nnames, err);
}

int ib_agg_join_servers_take(struct ib_agg *a, struct ib_agg **out, char ***names, size_t *nnames,
			     struct ib_error *err)
{
	return join(a, a, out, names, nnames, err);
}
