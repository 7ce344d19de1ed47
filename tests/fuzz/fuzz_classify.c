/*
 * fuzz_classify.c: the default rules (compiled once) on a message that is
 * the input, in an exact-size buffer, with the format cycled through the
 * registry so every scoped rule gets its turn.
 */
#include <stdlib.h>
#include <string.h>
#include "imapblast/classify.h"
#include "imapblast/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ib_rules *rules;
	static struct ib_classifier *cls;
	static size_t turn, nparsers;
	struct ib_event ev;
	struct ib_match m;
	char *msg;

	if (!cls) {
		if (ib_rules_new(&rules, 1, NULL) < 0 || ib_rules_compile(rules, NULL) < 0 ||
		    ib_classifier_new(&cls, rules, NULL) < 0)
			abort();
		while (ib_parsers[nparsers])
			nparsers++;
	}
	msg = malloc(size ? size : 1);
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	ib_event_clear(&ev);
	ev.format = ib_parsers[turn % nparsers]->name;
	ev.program = ib_str_from(turn % 2 ? "dovecot" : "imapd");
	turn++;
	ev.message = (struct ib_str){msg, size};
	ib_classify(cls, &ev, &m);
	if (m.category >= IB_CAT_COUNT || (m.rule >= 0 && (size_t)m.rule >= ib_rules_count(rules)))
		abort();
	/* captured fields must lie inside the message */
	if ((ev.user.len && (ev.user.ptr < msg || ev.user.ptr + ev.user.len > msg + size)) ||
	    (ev.ip.len && (ev.ip.ptr < msg || ev.ip.ptr + ev.ip.len > msg + size)))
		abort();
	free(msg);
	return 0;
}
