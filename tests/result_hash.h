/*
 * result_hash.h: a hash of everything the parser runtime hands out for a
 * line (rc, held, reason and the event's fields), for the tests and
 * fuzzers that compare results read ahead with results read in place
 * (tests/check_ahead.c, tests/fuzz/fuzz_common.h).
 */
#ifndef IB_RESULT_HASH_H
#define IB_RESULT_HASH_H

#include <stdint.h>
#include <string.h>
#include "imapblast/parser.h"

/* FNV-1a over n bytes, on from h. */
static inline uint64_t ib_test_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ u[i]) * 0x100000001b3ull;
	return h;
}

static inline uint64_t ib_test_mix_str(uint64_t h, struct ib_str s)
{
	h = ib_test_mix(h, &s.len, sizeof(s.len));
	return s.len ? ib_test_mix(h, s.ptr, s.len) : h;
}

/* h on with one result of the runtime's callback (ib_runtime_fn's arguments). */
static inline uint64_t ib_test_result_hash(uint64_t h, int rc, const struct ib_event *ev, const char *reason,
					   int held)
{
	h = ib_test_mix(h, &rc, sizeof(rc));
	h = ib_test_mix(h, &held, sizeof(held));
	if (reason)
		h = ib_test_mix(h, reason, strlen(reason) + 1);
	if (rc == IB_OK) {
		const struct ib_str *s[] = {&ev->program, &ev->host, &ev->server,  &ev->local,
					    &ev->user,	  &ev->ip,   &ev->session, &ev->message};
		int v[] = {(int)ev->layer, (int)ev->outcome, (int)ev->flags, (int)ev->protocol};

		for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
			h = ib_test_mix_str(h, *s[i]);
		h = ib_test_mix(h, &ev->time_ms, sizeof(ev->time_ms));
		h = ib_test_mix(h, v, sizeof(v));
		h = ib_test_mix(h, ev->format, strlen(ev->format) + 1);
		if (ev->signature)
			h = ib_test_mix(h, ev->signature, strlen(ev->signature) + 1);
	}
	return h;
}

#endif
