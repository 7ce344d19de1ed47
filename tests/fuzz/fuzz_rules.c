/*
 * fuzz_rules.c: the rules file reader and compiler on arbitrary text;
 * when it compiles, one classifier runs over the input's own lines too.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ib_rules *r = NULL;
	struct ib_classifier *c = NULL;
	struct ib_error err;
	struct ib_event ev;
	struct ib_match m;

	if (ib_rules_new(&r, 0, &err) < 0)
		return 0;
	if (ib_rules_load_buf(r, "fuzz", (const char *)data, size, &err) >= 0 &&
	    ib_rules_compile(r, &err) >= 0 && ib_classifier_new(&c, r, &err) >= 0) {
		ib_event_clear(&ev);
		ev.format = "dovecot";
		ev.program = IB_STR_LIT("dovecot");
		ev.message.ptr = (const char *)data;
		ev.message.len = size < 512 ? size : 512;
		ib_classify(c, &ev, &m);
		if (m.category >= IB_CAT_COUNT || (m.rule >= 0 && (size_t)m.rule >= ib_rules_count(r)))
			abort();
		ib_classifier_free(c);
	}
	ib_rules_free(r);
	return 0;
}
