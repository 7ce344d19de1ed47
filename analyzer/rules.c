/*
 * rules.c: the rules file reader, literal derivation and compilation.
 *
 * A file is parsed and every pattern compiled into a temporary list; the
 * list is merged into the rule set only when the whole file is good, so a
 * bad file never half-loads. Syntax: docs/rules.md. The built-in rules are
 * analyzer/default.rules, embedded by the build as ib_default_rules.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapblast/parser.h"
#include "rules_priv.h"

extern const char ib_default_rules[];
extern const size_t ib_default_rules_len;

/* Rules files are small; anything larger is a mistake. */
#define RULES_MAX_FILE (16u << 20)

static const char *const grp_names[IB_GRP_COUNT] = {"user", "ip", "server", "session"};

static void rule_release(struct ib_rule *r)
{
	free(r->name);
	free(r->formats);
	free(r->programs);
	free(r->fmt);
	free(r->prog);
	free(r->literal);
	for (size_t i = 0; i < r->nlits; i++)
		free(r->lits[i]);
	free(r->lits);
	free(r->litlens);
	free(r->pattern);
	free(r->source);
	pcre2_code_free(r->code);
	memset(r, 0, sizeof(*r));
}

static void index_release(struct ib_rules *r)
{
	free(r->lit);
	free(r->litlen);
	free(r->lit_rules);
	free(r->nolit);
	free(r->bids);
	r->lit = NULL;
	r->litlen = NULL;
	r->lit_rules = NULL;
	r->nolit = NULL;
	r->bids = NULL;
	r->nlit = 0;
	r->words = 0;
	r->compiled = 0;
}

static char *memdup0(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* Error at name:line; the message carries both so it stands alone. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
lerr(struct ib_error *err, int code, const char *name, unsigned line, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (line)
		ib_error_set(err, code, 0, name, 0, "%s:%u: %s", name, line, detail);
	else
		ib_error_set(err, code, 0, name, 0, "%s: %s", name, detail);
	if (err)
		err->line = line;
	return code;
}

static int push_rule(struct ib_rules *r, struct ib_rule *rule)
{
	if (ib_grow((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v)) < 0)
		return IB_ERR_NOMEM;
	r->v[r->n++] = *rule;
	memset(rule, 0, sizeof(*rule));
	return IB_OK;
}

static int is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.' || c == ':';
}

static int is_scope_char(unsigned char c)
{
	return is_name_char(c) || c == '*' || c == '/';
}

/*
 * Split a scope list ("a,b c") into slices of s (the rule's own copy).
 * Returns 0, -1 on out-of-memory, or the first bad character's offset + 1.
 */
static int parse_scope(const char *s, size_t len, struct ib_str **items, size_t *n)
{
	size_t cnt = 0;

	*items = calloc(len / 2 + 1, sizeof(**items));
	if (!*items)
		return -1;
	for (size_t i = 0; i < len;) {
		size_t j;

		if (s[i] == ',' || s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		for (j = i; j < len && s[j] != ',' && s[j] != ' ' && s[j] != '\t'; j++)
			if (!is_scope_char((unsigned char)s[j]))
				return (int)j + 1;
		(*items)[cnt].ptr = s + i;
		(*items)[cnt].len = j - i;
		cnt++;
		i = j;
	}
	*n = cnt;
	return 0;
}

/* Index of the first scope item no registered parser reads, or -1. */
static int unknown_scope(const struct ib_rule *ru, int isfmt)
{
	size_t n = isfmt ? ru->nfmt : ru->nprog;
	const struct ib_str *it = isfmt ? ru->fmt : ru->prog;

	for (size_t i = 0; i < n; i++) {
		int known = 0;

		if (!isfmt)
			known = ib_parser_program_known(it[i]);
		for (size_t k = 0; isfmt && !known && ib_parsers[k]; k++)
			known = ib_str_eq(it[i], ib_str_from(ib_parsers[k]->name));
		if (!known)
			return (int)i;
	}
	return -1;
}

/* `"a", "b"`: the literal list of a rule (any one of them is required). */
static const char *parse_literals(struct ib_rule *ru, const char *s, size_t len, int *nomem)
{
	size_t i = 0;

	ru->lits = calloc(len / 2 + 1, sizeof(*ru->lits));
	ru->litlens = calloc(len / 2 + 1, sizeof(*ru->litlens));
	ru->literal = memdup0(s, len);
	if (!ru->lits || !ru->litlens || !ru->literal) {
		*nomem = 1;
		return NULL;
	}
	while (i < len) {
		size_t used = 0, ol = 0;
		const char *why;
		char *buf;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++;
			continue;
		}
		if (!(buf = malloc(len - i + 1))) {
			*nomem = 1;
			return NULL;
		}
		why = ib_lit_unquote(s + i, len - i, buf, &ol, &used);
		if (why) {
			free(buf);
			return why;
		}
		buf[ol] = '\0';
		ru->lits[ru->nlits] = buf;
		ru->litlens[ru->nlits++] = ol;
		i += used;
		if (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != ',')
			return "text after the closing quote of literal";
	}
	return NULL;
}

static void find_groups(struct ib_rule *rule)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;

	pcre2_pattern_info(rule->code, PCRE2_INFO_CAPTURECOUNT, &rule->capcount);
	pcre2_pattern_info(rule->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(rule->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(rule->code, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t k = 0; k < count && table; k++) {
		PCRE2_SPTR e = table + (size_t)k * size;
		uint32_t num = (uint32_t)(e[0] << 8 | e[1]);

		for (int g = 0; g < IB_GRP_COUNT; g++) {
			if (strcmp((const char *)e + 2, grp_names[g]))
				continue;
			for (int d = 0; d < IB_GRP_MAXDUP; d++)
				if (!rule->groups[g][d]) {
					rule->groups[g][d] = num;
					break;
				}
		}
	}
}

/* Check and compile the rule being closed; on success append it to list. */
static int close_rule(struct ib_rules *list, struct ib_rule *rule, int lit_none, const char *name,
		      struct ib_error *err)
{
	int errcode;
	PCRE2_SIZE erroff;

	if (!rule->name)
		return IB_OK;
	if (!rule->category)
		return lerr(err, IB_ERR_FORMAT, name, rule->line, "rule '%s' has no category", rule->name);
	if (!rule->pattern)
		return lerr(err, IB_ERR_FORMAT, name, rule->line, "rule '%s' has no pattern (a 'match' line)",
			    rule->name);
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].name, rule->name))
			return lerr(err, IB_ERR_FORMAT, name, rule->line,
				    "duplicate rule name '%s' (first at line %u)", rule->name,
				    list->v[i].line);
	rule->code = pcre2_compile((PCRE2_SPTR)rule->pattern, rule->patlen, PCRE2_DUPNAMES | PCRE2_NEVER_UTF,
				   &errcode, &erroff, NULL);
	if (!rule->code) {
		char msg[160];

		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof(msg));
		return lerr(err, IB_ERR_FORMAT, name, rule->line, "rule '%s': bad pattern at offset %zu: %s",
			    rule->name, (size_t)erroff, msg);
	}
#ifndef IB_NO_JIT
	/* without JIT (failure, or the valgrind build) the interpreter runs */
	pcre2_jit_compile(rule->code, PCRE2_JIT_COMPLETE);
#endif
	find_groups(rule);
	if (!rule->literal && !lit_none) {
		char *d = malloc(rule->patlen + 1);
		size_t dl = d ? ib_lit_derive(rule->pattern, rule->patlen, d) : 0;

		if (!d)
			return IB_ERR_NOMEM;
		if (dl) {
			rule->lits = calloc(1, sizeof(*rule->lits));
			rule->litlens = calloc(1, sizeof(*rule->litlens));
			rule->literal = malloc(dl * 4 + 3);
			if (!rule->lits || !rule->litlens || !rule->literal) {
				free(d);
				return IB_ERR_NOMEM;
			}
			rule->lits[0] = d;
			rule->litlens[0] = dl;
			rule->nlits = 1;
			ib_lit_quote(rule->literal, d, dl);
		} else {
			free(d);
		}
	}
	if (!rule->literal && !(rule->literal = memdup0("", 0)))
		return IB_ERR_NOMEM;
	if (!rule->formats && !(rule->formats = memdup0("", 0)))
		return IB_ERR_NOMEM;
	if (!rule->programs && !(rule->programs = memdup0("", 0)))
		return IB_ERR_NOMEM;
	return push_rule(list, rule);
}

static void list_release(struct ib_rules *list)
{
	for (size_t i = 0; i < list->n; i++)
		rule_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

/* Parse buf into list (empty on entry). */
static int parse_buf(struct ib_rules *list, const char *name, const char *buf, size_t len,
		     struct ib_error *err)
{
	struct ib_rule cur;
	int lit_none = 0, rc = IB_OK;
	unsigned lineno = 0;
	const char *p = buf, *end = buf + len;

	memset(&cur, 0, sizeof(cur));
	if (len && memchr(buf, '\0', len))
		return lerr(err, IB_ERR_FORMAT, name, 0, "NUL byte in rules file");
	while (p < end && rc >= 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *kw, *arg;
		size_t kwlen, arglen;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		kw = p;
		if (p == le || *p == '#')
			goto next;
		while (p < le && *p != ' ' && *p != '\t')
			p++;
		kwlen = (size_t)(p - kw);
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		arg = p;
		while (le > arg && (le[-1] == ' ' || le[-1] == '\t'))
			le--;
		arglen = (size_t)(le - arg);

#define KW(s) (kwlen == sizeof(s) - 1 && !memcmp(kw, s, sizeof(s) - 1))
		if (KW("rule")) {
			rc = close_rule(list, &cur, lit_none, name, err);
			if (rc < 0)
				break;
			rule_release(&cur);
			lit_none = 0;
			if (!arglen) {
				rc = lerr(err, IB_ERR_FORMAT, name, lineno, "'rule' needs a name");
				break;
			}
			for (size_t i = 0; i < arglen; i++)
				if (!is_name_char((unsigned char)arg[i])) {
					rc = lerr(err, IB_ERR_FORMAT, name, lineno,
						  "bad rule name '%.*s' (use letters, digits and _ - . :)",
						  (int)(arglen > 60 ? 60 : arglen), arg);
					break;
				}
			if (rc < 0)
				break;
			cur.name = memdup0(arg, arglen);
			cur.source = memdup0(name, strlen(name));
			cur.line = lineno;
			if (!cur.name || !cur.source)
				rc = IB_ERR_NOMEM;
			goto next;
		}
		if (!cur.name) {
			rc = lerr(err, IB_ERR_FORMAT, name, lineno,
				  "'%.*s' outside a rule (start one with 'rule NAME')",
				  (int)(kwlen > 40 ? 40 : kwlen), kw);
			break;
		}
		if (!arglen) {
			rc = lerr(err, IB_ERR_FORMAT, name, lineno, "'%.*s' needs a value",
				  (int)(kwlen > 40 ? 40 : kwlen), kw);
			break;
		}
		if (KW("category")) {
			enum ib_category c;
			struct ib_str s = {arg, arglen};

			if (cur.category) {
				rc = lerr(err, IB_ERR_FORMAT, name, lineno,
					  "duplicate 'category' in rule '%s'", cur.name);
			} else if (ib_category_parse(s, &c) < 0) {
				rc = lerr(err, IB_ERR_FORMAT, name, lineno,
					  "unknown category '%.*s' (ok, credentials, temporary, "
					  "timeout, policy, other)",
					  (int)(arglen > 40 ? 40 : arglen), arg);
			} else {
				cur.category = c;
			}
		} else if (KW("formats") || KW("programs")) {
			int isfmt = KW("formats");
			char **asw = isfmt ? &cur.formats : &cur.programs;
			int bad;

			if (*asw) {
				rc = lerr(err, IB_ERR_FORMAT, name, lineno, "duplicate '%s' in rule '%s'",
					  isfmt ? "formats" : "programs", cur.name);
			} else if (!(*asw = memdup0(arg, arglen))) {
				rc = IB_ERR_NOMEM;
			} else {
				bad = isfmt ? parse_scope(*asw, arglen, &cur.fmt, &cur.nfmt)
					    : parse_scope(*asw, arglen, &cur.prog, &cur.nprog);
				if (bad < 0)
					rc = IB_ERR_NOMEM;
				else if (bad > 0)
					rc = lerr(err, IB_ERR_FORMAT, name, lineno,
						  "bad character in '%s' list at column %d",
						  isfmt ? "formats" : "programs", bad);
				else if ((bad = unknown_scope(&cur, isfmt)) >= 0)
					rc = lerr(err, IB_ERR_USAGE, name, lineno,
						  "unknown %s '%.*s' in rule '%s': no parser reads it "
						  "(see 'imapblast formats')",
						  isfmt ? "format" : "program",
						  (int)(isfmt ? cur.fmt : cur.prog)[bad].len,
						  (isfmt ? cur.fmt : cur.prog)[bad].ptr, cur.name);
			}
		} else if (KW("literal")) {
			if (cur.literal || lit_none) {
				rc = lerr(err, IB_ERR_FORMAT, name, lineno,
					  "duplicate 'literal' in rule '%s'", cur.name);
			} else if (arglen == 4 && !memcmp(arg, "none", 4)) {
				lit_none = 1;
			} else {
				int nomem = 0;
				const char *why = parse_literals(&cur, arg, arglen, &nomem);

				if (nomem)
					rc = IB_ERR_NOMEM;
				else if (why)
					rc = lerr(err, IB_ERR_FORMAT, name, lineno, "%s", why);
			}
		} else if (KW("match")) {
			if (cur.pattern)
				rc = lerr(err, IB_ERR_FORMAT, name, lineno,
					  "duplicate 'match' in rule '%s' (one pattern per rule)", cur.name);
			else if (!(cur.pattern = memdup0(arg, arglen)))
				rc = IB_ERR_NOMEM;
			else
				cur.patlen = arglen;
		} else {
			rc = lerr(err, IB_ERR_FORMAT, name, lineno,
				  "unknown keyword '%.*s' (rule, category, formats, programs, "
				  "literal, match)",
				  (int)(kwlen > 40 ? 40 : kwlen), kw);
		}
#undef KW
	next:
		p = nl ? nl + 1 : end;
	}
	if (rc >= 0)
		rc = close_rule(list, &cur, lit_none, name, err);
	rule_release(&cur);
	return rc;
}

/* Merge a good list into r: same name replaces in place, else append. */
static int commit(struct ib_rules *r, struct ib_rules *list)
{
	size_t extra = 0;

	for (size_t i = 0; i < list->n; i++) {
		int found = 0;
		for (size_t k = 0; k < r->n && !found; k++)
			found = !strcmp(r->v[k].name, list->v[i].name);
		extra += !found;
	}
	if (r->n + extra > r->cap) {
		size_t cap = r->n + extra + 16;
		struct ib_rule *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return IB_ERR_NOMEM;
		r->v = v;
		r->cap = cap;
	}
	for (size_t i = 0; i < list->n; i++) {
		size_t k;

		for (k = 0; k < r->n; k++)
			if (!strcmp(r->v[k].name, list->v[i].name))
				break;
		if (k < r->n)
			rule_release(&r->v[k]);
		else
			r->n++;
		r->v[k] = list->v[i];
		memset(&list->v[i], 0, sizeof(list->v[i]));
	}
	list_release(list);
	index_release(r);
	return IB_OK;
}

int ib_rules_load_buf(struct ib_rules *r, const char *name, const char *buf, size_t len, struct ib_error *err)
{
	struct ib_rules list;
	int rc;

	memset(&list, 0, sizeof(list));
	rc = parse_buf(&list, name, buf, len, err);
	if (rc >= 0)
		rc = commit(r, &list);
	list_release(&list);
	if (rc == IB_ERR_NOMEM)
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, name, 0, "out of memory loading rules");
	return rc;
}

int ib_rules_load_file(struct ib_rules *r, const char *path, struct ib_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc, saved;

	if (!f)
		return ib_error_set(err, IB_ERR_IO, errno, path, 0, "cannot open '%s': %s", path,
				    strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb;

			if (cap >= RULES_MAX_FILE) {
				fclose(f);
				free(buf);
				return ib_error_set(err, IB_ERR_FORMAT, 0, path, 0,
						    "rules file '%s' is larger than 16 MiB", path);
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, path, 0,
						    "out of memory reading '%s'", path);
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	saved = errno;
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return ib_error_set(err, IB_ERR_IO, saved, path, 0, "cannot read '%s': %s", path,
				    strerror(saved));
	}
	fclose(f);
	rc = ib_rules_load_buf(r, path, buf ? buf : "", n, err);
	free(buf);
	return rc;
}

int ib_rules_new(struct ib_rules **out, int with_defaults, struct ib_error *err)
{
	struct ib_rules *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0, "out of memory");
	if (with_defaults) {
		rc = ib_rules_load_buf(r, "default", ib_default_rules, ib_default_rules_len, err);
		if (rc < 0) {
			ib_rules_free(r);
			if (err && rc != IB_ERR_NOMEM)
				err->code = IB_ERR_INTERNAL;
			return rc == IB_ERR_NOMEM ? rc : IB_ERR_INTERNAL;
		}
	}
	*out = r;
	return IB_OK;
}

static void set_bit(uint64_t *w, size_t i)
{
	w[i / 64] |= (uint64_t)1 << (i % 64);
}

int ib_rules_compile(struct ib_rules *r, struct ib_error *err)
{
	size_t cnt[IB_PF_BUCKETS];
	size_t nalloc;

	index_release(r);
	r->words = r->n / 64 + 1;
	nalloc = r->n + 1;
	r->lit = calloc(nalloc, sizeof(*r->lit));
	r->litlen = calloc(nalloc, sizeof(*r->litlen));
	r->nolit = calloc(r->words, sizeof(*r->nolit));
	r->lit_rules = calloc(nalloc * r->words, sizeof(*r->lit_rules));
	if (!r->lit || !r->litlen || !r->nolit || !r->lit_rules) {
		index_release(r);
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0, "out of memory");
	}
	if (r->n > 65000) {
		index_release(r);
		return ib_error_set(err, IB_ERR_USAGE, 0, NULL, 0, "too many rules (%zu)", r->n);
	}
	memset(r->pairbits, 0, sizeof(r->pairbits));
	r->maxcap = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct ib_rule *ru = &r->v[i];
		size_t k;

		if (ru->capcount > r->maxcap)
			r->maxcap = ru->capcount;
		int usable = ru->nlits > 0;

		for (size_t j = 0; j < ru->nlits; j++)
			usable &= ru->litlens[j] >= 2;
		if (!usable) {
			set_bit(r->nolit, i);
			continue;
		}
		for (size_t j = 0; j < ru->nlits; j++) {
			for (k = 0; k < r->nlit; k++)
				if (r->litlen[k] == ru->litlens[j] &&
				    !memcmp(r->lit[k], ru->lits[j], ru->litlens[j]))
					break;
			if (k == r->nlit) {
				if (r->nlit == nalloc) {
					size_t na = nalloc * 2;
					const char **nl = realloc(r->lit, na * sizeof(*nl));
					size_t *nll;
					uint64_t *nr;

					if (nl)
						r->lit = nl;
					nll = nl ? realloc(r->litlen, na * sizeof(*nll)) : NULL;
					if (nll)
						r->litlen = nll;
					nr = nll ? realloc(r->lit_rules, na * r->words * sizeof(*nr)) : NULL;
					if (!nr) {
						index_release(r);
						return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0,
								    "out of memory");
					}
					r->lit_rules = nr;
					memset(nr + nalloc * r->words, 0,
					       (na - nalloc) * r->words * sizeof(*nr));
					nalloc = na;
				}
				r->lit[k] = ru->lits[j];
				r->litlen[k] = ru->litlens[j];
				r->nlit++;
			}
			set_bit(r->lit_rules + k * r->words, i);
		}
	}
	/* bucket the literals by their first two bytes */
	r->bids = calloc(r->nlit + 1, sizeof(*r->bids));
	if (!r->bids) {
		index_release(r);
		return ib_error_set(err, IB_ERR_NOMEM, ENOMEM, NULL, 0, "out of memory");
	}
	memset(cnt, 0, sizeof(cnt));
	for (size_t k = 0; k < r->nlit; k++) {
		unsigned pair = (unsigned)(unsigned char)r->lit[k][0] << 8 | (unsigned char)r->lit[k][1];

		r->pairbits[pair >> 3] |= (uint8_t)(1u << (pair & 7));
		cnt[ib_pf_bucket(pair)]++;
	}
	r->bstart[0] = 0;
	for (size_t b = 0; b < IB_PF_BUCKETS; b++)
		r->bstart[b + 1] = (uint16_t)(r->bstart[b] + cnt[b]);
	memset(cnt, 0, sizeof(cnt));
	for (size_t k = 0; k < r->nlit; k++) {
		unsigned pair = (unsigned)(unsigned char)r->lit[k][0] << 8 | (unsigned char)r->lit[k][1];
		unsigned b = ib_pf_bucket(pair);

		r->bids[r->bstart[b] + cnt[b]++] = (uint16_t)k;
	}
	r->compiled = 1;
	return IB_OK;
}

size_t ib_rules_count(const struct ib_rules *r)
{
	return r ? r->n : 0;
}

void ib_rules_get(const struct ib_rules *r, size_t i, struct ib_rule_info *info)
{
	const struct ib_rule *ru;

	memset(info, 0, sizeof(*info));
	if (!r || i >= r->n)
		return;
	ru = &r->v[i];
	info->name = ru->name;
	info->category = ru->category;
	info->formats = ru->formats;
	info->programs = ru->programs;
	info->literal = ru->literal;
	info->pattern = ru->pattern;
	info->source = ru->source;
	info->line = ru->line;
}

void ib_rules_free(struct ib_rules *r)
{
	if (!r)
		return;
	list_release(r);
	index_release(r);
	free(r);
}
