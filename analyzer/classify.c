/*
 * classify.c: the signature engine. Maps ev->message to the first rule (in
 * file order) that is in scope and whose PCRE2 pattern matches.
 *
 * Hot path: one pass over the message finds which required literals occur
 * (a 2-byte pair bitmap, then a memcmp per candidate literal), so only the
 * rules whose literal was seen (or that have none) run their regex. Scope
 * is cached per (format, program). Nothing is allocated per line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "rules_priv.h"

/* Longest program / format name whose scope decision is cached. */
#define PROG_CACHE 64
/* Scope cache entries (direct-mapped by a hash of format and program). */
#define SCOPE_SLOTS 32

struct scope_slot {
	int valid;
	const char *fmt;
	char fmtname[PROG_CACHE];
	char prog[PROG_CACHE];
	size_t proglen;
	uint64_t *set; /* in-scope rules */
};

struct ib_classifier {
	const struct ib_rules *r;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int prefilter;
	uint64_t *cand;	 /* words: candidate rules of this message */
	uint64_t *seen;	 /* nlit bits: literals found in this message */
	uint16_t *found; /* ids of the literals found, in order */
	/* scope cache: in-scope rule sets of recent (format, program) pairs */
	struct scope_slot slot[SCOPE_SLOTS];
	uint64_t *scope_mem; /* SCOPE_SLOTS + 1 sets; the last is scratch */
};

int ib_classifier_new(struct ib_classifier **out, const struct ib_rules *r, struct ib_error *err)
{
	struct ib_classifier *c;
	size_t lw;

	*out = NULL;
	if (!r->compiled)
		return ib_error_set(err, IB_ERR_USAGE, 0, NULL, 0,
				    "rules not compiled (call ib_rules_compile first)");
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	lw = r->nlit / 64 + 1;
	c->r = r;
	c->prefilter = 1;
	c->md = pcre2_match_data_create(r->maxcap + 1, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	c->cand = calloc(r->words, sizeof(*c->cand));
	c->scope_mem = calloc((SCOPE_SLOTS + 1) * r->words, sizeof(*c->scope_mem));
	c->seen = calloc(lw, sizeof(*c->seen));
	c->found = calloc(r->nlit + 1, sizeof(*c->found));
	if (!c->md || !c->mctx || !c->cand || !c->scope_mem || !c->seen || !c->found)
		goto nomem;
	/* hostile lines must not make a pattern backtrack for ever */
	pcre2_set_match_limit(c->mctx, 1000000);
	pcre2_set_depth_limit(c->mctx, 10000);
	*out = c;
	return IB_OK;
nomem:
	ib_classifier_free(c);
	return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0, "out of memory");
}

void ib_classifier_free(struct ib_classifier *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	free(c->cand);
	free(c->scope_mem);
	free(c->seen);
	free(c->found);
	free(c);
}

void ib_classifier_set_prefilter(struct ib_classifier *c, int on)
{
	c->prefilter = on != 0;
}

static int list_has(const struct ib_str *items, size_t n, struct ib_str s)
{
	for (size_t i = 0; i < n; i++)
		if (ib_str_eq(items[i], s))
			return 1;
	return 0;
}

/* Program scope: the syslog dispatch's matcher (parser.h). */
static int prog_match(const struct ib_rule *ru, struct ib_str prog)
{
	for (size_t i = 0; i < ru->nprog; i++)
		if (ib_program_match(ru->prog[i], prog))
			return 1;
	return 0;
}

static int in_scope(const struct ib_rule *ru, const char *format, struct ib_str prog)
{
	if (ru->nfmt && (!format || !list_has(ru->fmt, ru->nfmt, ib_str_from(format))))
		return 0;
	if (ru->nprog && !prog_match(ru, prog))
		return 0;
	return 1;
}

static const uint64_t *scope_set(struct ib_classifier *c, const struct ib_event *ev)
{
	const struct ib_rules *r = c->r;
	struct ib_str prog = ev->program;
	size_t flen = ev->format ? strnlen(ev->format, PROG_CACHE) : 0;
	uint32_t h = 2166136261u;
	struct scope_slot *sl;
	uint64_t *set;

	if (prog.len >= PROG_CACHE || flen >= PROG_CACHE) {
		set = c->scope_mem + SCOPE_SLOTS * r->words; /* uncached */
		sl = NULL;
	} else {
		for (size_t i = 0; i < flen; i++)
			h = (h ^ (unsigned char)ev->format[i]) * 16777619u;
		for (size_t i = 0; i < prog.len; i++)
			h = (h ^ (unsigned char)prog.ptr[i]) * 16777619u;
		sl = &c->slot[h % SCOPE_SLOTS];
		set = c->scope_mem + (size_t)(sl - c->slot) * r->words;
		/* format is normally a parser's static name: the content check
		 * keeps a reused buffer correct */
		if (sl->valid && sl->fmt == ev->format &&
		    (!flen || !memcmp(sl->fmtname, ev->format, flen + 1)) && sl->proglen == prog.len &&
		    (!prog.len || !memcmp(sl->prog, prog.ptr, prog.len)))
			return set;
	}
	memset(set, 0, r->words * sizeof(*set));
	for (size_t i = 0; i < r->n; i++)
		if (in_scope(&r->v[i], ev->format, prog))
			set[i / 64] |= (uint64_t)1 << (i % 64);
	if (sl) {
		sl->valid = 1;
		sl->fmt = ev->format;
		if (flen)
			memcpy(sl->fmtname, ev->format, flen + 1);
		sl->proglen = prog.len;
		if (prog.len)
			memcpy(sl->prog, prog.ptr, prog.len);
	}
	return set;
}

/* One pass over msg: which literals occur. Returns how many. */
static size_t scan_literals(struct ib_classifier *c, const unsigned char *m, size_t len)
{
	const struct ib_rules *r = c->r;
	size_t nfound = 0;

	if (len < 2)
		return 0;
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned pair = (unsigned)m[i] << 8 | m[i + 1];
		unsigned b;

		if (!(r->pairbits[pair >> 3] & (1u << (pair & 7))))
			continue;
		b = ib_pf_bucket(pair);
		for (unsigned k = r->bstart[b]; k < r->bstart[b + 1]; k++) {
			unsigned id = r->bids[k];
			size_t ll = r->litlen[id];

			if (c->seen[id / 64] & ((uint64_t)1 << (id % 64)))
				continue;
			if (ll <= len - i && !memcmp(m + i, r->lit[id], ll)) {
				c->seen[id / 64] |= (uint64_t)1 << (id % 64);
				c->found[nfound++] = (uint16_t)id;
			}
		}
	}
	return nfound;
}

static void fill(struct ib_str *field, const struct ib_rule *ru, int g, const PCRE2_SIZE *ov, const char *msg)
{
	if (field->len)
		return;
	for (int d = 0; d < IB_GRP_MAXDUP && ru->groups[g][d]; d++) {
		uint32_t n = ru->groups[g][d];

		if (n > ru->capcount || ov[2 * n] == PCRE2_UNSET || ov[2 * n + 1] <= ov[2 * n])
			continue;
		field->ptr = msg + ov[2 * n];
		field->len = ov[2 * n + 1] - ov[2 * n];
		return;
	}
}

int ib_classify(struct ib_classifier *c, struct ib_event *ev, struct ib_match *m)
{
	const struct ib_rules *r = c->r;
	const uint64_t *scope;
	struct ib_str msg = ev->message;
	size_t words = r->words;

	m->category = IB_CAT_NONE;
	m->signature = NULL;
	m->rule = -1;
	if (ev->outcome != IB_CAT_NONE) {
		m->category = ev->outcome;
		m->signature = ev->signature;
		return IB_OK;
	}
	if (!msg.len || !r->n)
		return IB_OK;
	scope = scope_set(c, ev);
	if (c->prefilter) {
		size_t nfound = scan_literals(c, (const unsigned char *)msg.ptr, msg.len);

		for (size_t w = 0; w < words; w++)
			c->cand[w] = r->nolit[w];
		for (size_t k = 0; k < nfound; k++) {
			const uint64_t *lr = r->lit_rules + (size_t)c->found[k] * words;
			unsigned id = c->found[k];

			for (size_t w = 0; w < words; w++)
				c->cand[w] |= lr[w];
			c->seen[id / 64] &= ~((uint64_t)1 << (id % 64));
		}
		for (size_t w = 0; w < words; w++)
			c->cand[w] &= scope[w];
	} else {
		memcpy(c->cand, scope, words * sizeof(*c->cand));
	}
	for (size_t w = 0; w < words; w++) {
		uint64_t bits = c->cand[w];

		while (bits) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct ib_rule *ru = &r->v[i];
			const PCRE2_SIZE *ov;
			int rc;

			bits &= bits - 1;
			rc = pcre2_match(ru->code, (PCRE2_SPTR)msg.ptr, msg.len, 0, 0, c->md, c->mctx);
			if (rc < 0)
				continue; /* no match, or a match/JIT-stack limit: no match */
			ov = pcre2_get_ovector_pointer(c->md);
			fill(&ev->user, ru, IB_GRP_USER, ov, msg.ptr);
			fill(&ev->ip, ru, IB_GRP_IP, ov, msg.ptr);
			fill(&ev->server, ru, IB_GRP_SERVER, ov, msg.ptr);
			fill(&ev->session, ru, IB_GRP_SESSION, ov, msg.ptr);
			m->category = ru->category;
			m->signature = ru->name;
			m->rule = (int)i;
			return IB_OK;
		}
	}
	return IB_OK;
}
