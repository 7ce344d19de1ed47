/*
 * fuzz_syslog.c: the syslog envelope parser ("syslog") on each line, with
 * its dispatch to every message parser behind it.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_same_ahead("syslog", data, size);
	return 0;
}
