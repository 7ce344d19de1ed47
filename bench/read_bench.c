/*
 * read_bench.c: the reader alone (inflate + line splitting), for the
 * benchmark. Usage: read_bench FILE... Prints lines, bytes and MB/s of
 * uncompressed output per file and in total, and the inflate backend.
 */
#include <stdio.h>
#include <time.h>
#include "imapblast/reader.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t lines = 0, bytes = 0;
	double t0 = now(), t;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct ib_reader *r = NULL;
		struct ib_reader_stats st;
		struct ib_error err;
		struct ib_str line;
		int k;

		if (ib_reader_open(&r, argv[i], 0, &err) < 0) {
			fprintf(stderr, "read_bench: %s\n", err.msg);
			rc = 1;
			continue;
		}
		while ((k = ib_reader_next(r, &line, &err)) == IB_OK)
			;
		if (k < 0) {
			fprintf(stderr, "read_bench: %s\n", err.msg);
			rc = 1;
		}
		ib_reader_stats(r, &st);
		lines += st.lines;
		bytes += st.bytes_out;
		ib_reader_close(r);
	}
	t = now() - t0;
	printf("reader (%s): %llu lines, %.1f MB in %.2f s: %.1f MB/s\n", ib_reader_backend(),
	       (unsigned long long)lines, (double)bytes / 1e6, t, t > 0 ? (double)bytes / 1e6 / t : 0.0);
	return rc;
}
