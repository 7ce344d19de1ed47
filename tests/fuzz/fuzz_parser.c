/*
 * fuzz_parser.c: every parser of the registry. The first byte picks the
 * parser (by index, looked up again by name through ib_parser_find), the
 * rest is split into lines and run like the pipeline does.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	const struct ib_parser *p;

	if (size < 1)
		return 0;
	while (ib_parsers[n])
		n++;
	p = ib_parser_find(ib_parsers[data[0] % n]->name);
	if (p && (p->parse || p->parse_msg))
		fuzz_lines(p, data + 1, size - 1);
	return 0;
}
