/*
 * fuzz_parser.c: every parser of the registry. The input names its parser
 * on its first line ("dovecot\n..."), so a saved input keeps guarding the
 * parser it was found in when parsers are added; the rest is split into
 * lines and run through the parser runtime like the pipeline does.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[32];
	const uint8_t *nl = memchr(data, '\n', size < sizeof(name) ? size : sizeof(name));
	size_t n;

	if (!nl)
		return 0;
	n = (size_t)(nl - data);
	memcpy(name, data, n);
	name[n] = '\0';
	if (ib_parser_find(name))
		fuzz_same_ahead(name, nl + 1, size - n - 1);
	return 0;
}
