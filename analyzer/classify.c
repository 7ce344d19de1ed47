/* STUB: classifier, to be written. */
#include <stdlib.h>
#include "imapblast/classify.h"
struct ib_rules { int x; };
struct ib_classifier { int x; };
int ib_rules_new(struct ib_rules **out, int with_defaults, struct ib_error *err)
{ (void)with_defaults; (void)err; *out = calloc(1, sizeof(**out)); return *out ? IB_OK : IB_ERR_NOMEM; }
int ib_rules_load_file(struct ib_rules *r, const char *path, struct ib_error *err) { (void)r; (void)path; (void)err; return IB_OK; }
int ib_rules_compile(struct ib_rules *r, struct ib_error *err) { (void)r; (void)err; return IB_OK; }
size_t ib_rules_count(const struct ib_rules *r) { (void)r; return 0; }
void ib_rules_get(const struct ib_rules *r, size_t i, struct ib_rule_info *info) { (void)r; (void)i; (void)info; }
void ib_rules_free(struct ib_rules *r) { free(r); }
int ib_classifier_new(struct ib_classifier **out, const struct ib_rules *r, struct ib_error *err)
{ (void)r; (void)err; *out = calloc(1, sizeof(**out)); return *out ? IB_OK : IB_ERR_NOMEM; }
void ib_classifier_free(struct ib_classifier *c) { free(c); }
void ib_classifier_set_prefilter(struct ib_classifier *c, int on) { (void)c; (void)on; }
int ib_classify(struct ib_classifier *c, struct ib_event *ev, struct ib_match *m)
{ (void)c; m->category = ev->outcome; m->signature = ev->signature; m->rule = -1; return IB_OK; }
