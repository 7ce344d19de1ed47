/*
 * fuzz_reader.c: the reader (gzip detection, inflate, line splitting) on
 * the input written to a memfd and opened as /proc/self/fd/N, every line
 * consumed with a small max_line (odd sizes through the reading thread);
 * checks the reader's own accounting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "imapblast/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ib_reader *r = NULL;
	struct ib_reader_stats st;
	struct ib_error err;
	struct ib_str line;
	char path[64];
	uint64_t yielded = 0;
	int fd = memfd_create("fuzz", 0), rc;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ib_reader_open(&r, path, 4096, &err) < 0) {
		/* only a file that says it is a systemd journal is refused at open,
		 * and the refusal names it */
		if (size < 8 || memcmp(data, "LPKSHHRH", 8) || err.path[0] == 0)
			abort();
		close(fd);
		return 0;
	}
	/* odd sizes read with the reading thread: both paths see every input shape
	 * (IB_ERR_USAGE: a source that stays on its own thread, a journal file, or
	 * nothing left to read; the reader goes on as it was) */
	if ((size & 1) && (rc = ib_reader_async(r)) != IB_OK && rc != IB_ERR_USAGE)
		abort();
	while ((rc = ib_reader_next(r, &line, &err)) == IB_OK) {
		if (line.len > 4096 || (line.len && !line.ptr))
			abort();
		yielded++;
	}
	ib_reader_stats(r, &st);
	if (st.lines != yielded + st.overlong || (!st.gzip && st.bytes_in != size))
		abort();
	if (rc < 0 && (err.path[0] == 0 || err.offset > size))
		abort();
	ib_reader_close(r);
	close(fd);
	return 0;
}
