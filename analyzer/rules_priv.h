/*
 * rules_priv.h: the rule set as rules.c builds it and classify.c reads it.
 * Private to analyzer/rules.c, rules_literal.c and classify.c.
 *
 * Invariant: after ib_rules_compile every rule has a compiled pattern and
 * the prefilter index (distinct literals, per-literal rule bitsets) is
 * built; loading more rules clears `compiled` until the next compile.
 */
#ifndef IB_RULES_PRIV_H
#define IB_RULES_PRIV_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include "imapblast/classify.h"

/* Named groups a rule may use: user, ip, server, session. */
enum { IB_GRP_USER, IB_GRP_IP, IB_GRP_SERVER, IB_GRP_SESSION, IB_GRP_COUNT };
/* Group numbers kept per name (the same name may appear in alternatives). */
#define IB_GRP_MAXDUP 4

struct ib_rule {
	char *name;
	enum ib_category category;
	char *formats;		/* scope as written, "" = any */
	char *programs;		/* scope as written, "" = any */
	struct ib_str *fmt;	/* parsed items, slices into formats */
	size_t nfmt;
	struct ib_str *prog;
	size_t nprog;
	char *literal;		/* display: the literals quoted, ", "-joined; "" = none */
	char **lits;		/* required literals: a match contains one of them */
	size_t *litlens;
	size_t nlits;		/* 0 = none (always try) */
	char *pattern;
	size_t patlen;
	char *source;		/* "default" or the file path */
	unsigned line;
	pcre2_code *code;
	uint32_t groups[IB_GRP_COUNT][IB_GRP_MAXDUP]; /* 0 = unused slot */
	uint32_t capcount;
};

/* Hash buckets of the literal pair index. */
#define IB_PF_BUCKETS 4096

struct ib_rules {
	struct ib_rule *v;
	size_t n, cap;
	int compiled;
	/* prefilter index, built by ib_rules_compile */
	size_t words;		/* uint64 words in a rule bitset */
	size_t nlit;		/* distinct literals of length >= 2 */
	const char **lit;	/* point into the rules' lits */
	size_t *litlen;
	uint64_t *lit_rules;	/* nlit * words: rules that need literal i */
	uint64_t *nolit;	/* words: rules without a usable literal */
	uint8_t pairbits[8192]; /* bit per first-two-bytes pair of a literal */
	uint16_t bstart[IB_PF_BUCKETS + 1];
	uint16_t *bids;		/* literal ids grouped by bucket */
	uint32_t maxcap;	/* largest capture count over all rules */
};

static inline unsigned ib_pf_bucket(unsigned pair)
{
	return (pair * 40503u) >> 4 & (IB_PF_BUCKETS - 1);
}

/*
 * rules_literal.c. ib_lit_unquote: one `"text"` with \\ \" \t \xHH escapes
 * at s, decoded into out (room for len bytes); sets *outlen and *used (bytes
 * consumed); returns NULL, or why the text is not a literal.
 * ib_lit_derive: the longest run of plain characters that every match of
 * pattern p must contain, into out (>= len + 1 bytes); 0 when none of 3
 * bytes or more can be proved. ib_lit_quote: `"text"` into out (>= 4n + 3
 * bytes), escaping \\, " and bytes outside printable ASCII.
 */
const char *ib_lit_unquote(const char *s, size_t len, char *out, size_t *outlen, size_t *used);
size_t ib_lit_derive(const char *p, size_t len, char *out);
void ib_lit_quote(char *out, const char *p, size_t n);

#endif
