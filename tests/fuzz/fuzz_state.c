/*
 * fuzz_state.c: state-file loading. The input is loaded as is, then once
 * more with its length field and CRC patched to be right (and its version
 * kept when it is one, else 1), so that the fuzzer reaches the body
 * decoders behind the checksum.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "imapblast/agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ib_agg *a = NULL;
	unsigned char *buf;
	uLong crc;

	if (ib_agg_load_buf(&a, data, size, NULL) >= 0 && !ib_agg_equal(a, a))
		abort();
	ib_agg_free(a);
	a = NULL;
	if (size < 32 || !(buf = malloc(size)))
		return 0;
	memcpy(buf, data, size);
	memcpy(buf, "IBSTATE1\1\0\0\0", 12); /* magic, the input's version 1 to 5, else 1 */
	if (data[8] >= 1 && data[8] <= 5)
		buf[8] = data[8];
	for (int i = 0; i < 8; i++)
		buf[12 + i] = (unsigned char)((uint64_t)size >> (8 * i));
	crc = crc32(0L, buf, (uInt)(size - 4));
	for (int i = 0; i < 4; i++)
		buf[size - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
	if (ib_agg_load_buf(&a, buf, size, NULL) >= 0) {
		if (!ib_agg_equal(a, a) || ib_agg_bucket_ms(a) <= 0)
			abort();
		for (size_t i = 0; i < ib_agg_ncells(a); i++)
			if (ib_agg_cell(a, i, &(struct ib_cell){0})->user >= ib_agg_nstr(a, IB_S_USER))
				abort();
	}
	ib_agg_free(a);
	free(buf);
	return 0;
}
