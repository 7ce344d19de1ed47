/*
 * classify.h: the signature engine. A rules file of PCRE2 patterns maps an
 * event's message to a signature (rule name) and an outcome category.
 *
 * Rules are compiled once (JIT). A classifier holds per-thread match data;
 * classifying a line allocates nothing. A literal prefilter means a
 * message that contains none of the rules' required literals touches no
 * regex. The first matching rule in file order wins; rules from --rules
 * files come after the defaults, and a rule with an existing name replaces
 * it in place. Rule syntax: docs/rules.md.
 */
#ifndef IMAPBLAST_CLASSIFY_H
#define IMAPBLAST_CLASSIFY_H

#include "common.h"
#include "event.h"

struct ib_rules;
struct ib_classifier;

/* Read-only view of one rule, for `imapblast rules`. */
struct ib_rule_info {
	const char *name;
	enum ib_category category;
	const char *formats;  /* scope as written, "" = any */
	const char *programs; /* scope as written, "" = any */
	const char *literal;  /* required literal used by the prefilter, "" = none */
	const char *pattern;
	const char *source; /* "default" or the rules file path */
	unsigned line;	    /* line in that file */
};

/* New rule set; with_defaults loads the built-in rules. */
int ib_rules_new(struct ib_rules **out, int with_defaults, struct ib_error *err);
/*
 * Add the rules of a file. A bad file fails with err naming the file, the
 * line and PCRE2's message with the offset; nothing of the file is kept.
 */
int ib_rules_load_file(struct ib_rules *r, const char *path, struct ib_error *err);
/* Same, from memory; `name` is used in messages. */
int ib_rules_load_buf(struct ib_rules *r, const char *name, const char *buf, size_t len,
		      struct ib_error *err);
/* Compile (JIT) all rules. Call once, after loading, before classifying. */
int ib_rules_compile(struct ib_rules *r, struct ib_error *err);
size_t ib_rules_count(const struct ib_rules *r);
void ib_rules_get(const struct ib_rules *r, size_t i, struct ib_rule_info *info);
void ib_rules_free(struct ib_rules *r);

/* A classifier for one thread over compiled rules (which must outlive it). */
int ib_classifier_new(struct ib_classifier **out, const struct ib_rules *r, struct ib_error *err);
void ib_classifier_free(struct ib_classifier *c);
/* Turn the literal prefilter off (for the benchmark). */
void ib_classifier_set_prefilter(struct ib_classifier *c, int on);

struct ib_match {
	enum ib_category category; /* IB_CAT_NONE: no rule matched */
	const char *signature;	   /* rule name, or ev->signature, or NULL */
	int rule;		   /* rule index, or -1 */
};

/*
 * Classify ev. With ev->outcome set, the result is that outcome and
 * ev->signature (no regex runs). Otherwise the first in-scope rule whose
 * pattern matches ev->message decides; its named groups user, ip, server
 * and session fill those fields of ev when they are empty (slices into the
 * message). Returns IB_OK.
 */
int ib_classify(struct ib_classifier *c, struct ib_event *ev, struct ib_match *m);

#endif
