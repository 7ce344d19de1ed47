/*
 * journal_file.h: systemd journal files (*.journal, *.journal~) as a byte
 * source for the reader. With libsystemd (built with IB_HAVE_SYSTEMD) a
 * file is read through sd-journal and yields the text `journalctl -o
 * export` would write for it, limited to the fields the journal_export
 * parser reads (__REALTIME_TIMESTAMP, _HOSTNAME, SYSLOG_IDENTIFIER, _COMM,
 * SYSLOG_PID, _PID, MESSAGE); line numbers are those of that text.
 * Without libsystemd, opening one fails loudly: the file is named, never
 * skipped in silence.
 */
#ifndef IMAPBLAST_JOURNAL_FILE_H
#define IMAPBLAST_JOURNAL_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include "common.h"

struct ib_journal_file;

/* 1 when head (n bytes from the start of a file) holds a journal file's signature. */
int ib_journal_file_magic(const void *head, size_t n);

/* 1 when this build reads journal files (libsystemd), else 0. */
int ib_journal_file_supported(void);

/*
 * Open journal file path. Returns IB_OK, IB_ERR_FORMAT (built without
 * libsystemd, or sd-journal refused the file) or IB_ERR_NOMEM, with err
 * naming the file.
 */
int ib_journal_file_open(struct ib_journal_file **out, const char *path, struct ib_error *err);

/* Up to n bytes of export text into dst: bytes, 0 at the end, -1 with errno set. */
ssize_t ib_journal_file_read(struct ib_journal_file *jf, void *dst, size_t n);

/* Close; accepts NULL. */
void ib_journal_file_close(struct ib_journal_file *jf);

#endif
