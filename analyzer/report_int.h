/*
 * report_int.h: private helpers shared by the report writers: the text
 * helpers of report_text.c and the hash of sha256.c. Not a public
 * interface: the tests include it to check the escaping of byte strings
 * that a NUL-terminated result string cannot carry (NUL itself).
 *
 * Invariant: every escaper maps any byte string to text that is valid
 * UTF-8 and free of the target format's metacharacters.
 */
#ifndef IMAPBLAST_REPORT_INT_H
#define IMAPBLAST_REPORT_INT_H

#include <stdio.h>
#include "imapblast/analysis.h"
#include "imapblast/config.h"

/* SHA-256 (FIPS 180-4). */
struct ib_sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	unsigned char block[64];
	size_t used;
};
void ib_sha256_init(struct ib_sha256 *c);
void ib_sha256_update(struct ib_sha256 *c, const void *data, size_t len);
void ib_sha256_final(struct ib_sha256 *c, unsigned char out[32]);
void ib_sha256(const void *data, size_t len, unsigned char out[32]);

/* A growable byte buffer; on allocation failure it sets oom and drops data. */
struct ib_rbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void ib_rbuf_put(struct ib_rbuf *b, const void *data, size_t n);
void ib_rbuf_putc(struct ib_rbuf *b, char c);
void ib_rbuf_release(struct ib_rbuf *b);

/*
 * Escaping modes (docs/report.md, "Escaping"). Common to all: a backslash
 * becomes "\\", and NUL or a byte that is not part of valid UTF-8 becomes
 * "\xHH" (shown as such after the format's own decoding).
 * - CSV: only that; the CSV cell writer then neutralises and quotes.
 * - MD: plus backslash-escaping of Markdown punctuation, CR/LF/TAB to a
 *   space, other control characters as \xHH.
 * - XML: plus & < > " ' as entities, control characters and U+FFFE/FFFF
 *   as \xHH, CR/LF/TAB to a space.
 * - JSON: plus " and \ escaped, control characters as \u00XX.
 * - TERM: plus control characters and DEL as \xHH (safe on a terminal).
 */
enum ib_esc_mode { IB_ESC_CSV, IB_ESC_MD, IB_ESC_XML, IB_ESC_JSON, IB_ESC_TERM };

/* Append the escape of (s, n) in mode to b. */
void ib_esc(struct ib_rbuf *b, const char *s, size_t n, enum ib_esc_mode mode);
/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid or NUL. */
size_t ib_utf8_seq(const unsigned char *p, size_t n);

/*
 * Append one CSV cell for the text (s, n): escaped (IB_ESC_CSV), then a
 * leading ' when it starts with = + - @ TAB CR or ', then quoted (RFC 4180)
 * when it holds , " CR or LF.
 */
void ib_csv_cell(struct ib_rbuf *b, const char *s, size_t n);

/* Escape s (NUL-terminated, may be NULL = "") and write it to f. */
void ib_fput_esc(FILE *f, struct ib_rbuf *scratch, const char *s, enum ib_esc_mode mode);

/* The user as shown in md/json/svg: the pseudonym under --redact, else the user. */
const char *ib_shown_user(const struct ib_config *cfg, const char *user, char buf[32]);

/*
 * A log line as shown in md/json (a sample of what was not understood):
 * its shape (ib_line_shape, no user name left) under --redact, else the
 * line. buf holds at least IB_SHAPE_MAX + 1 bytes.
 */
const char *ib_shown_line(const struct ib_config *cfg, const char *line, char *buf);
/* Share of login lines that nothing took: unmatched / (events + unmatched), 0 when none. */
double ib_login_share(const struct ib_file_counts *c);

/* ISO time or "" (when IB_TIME_NONE) into buf (>= 32 bytes). */
const char *ib_rep_time(int64_t ms, char *buf, size_t size);

/*
 * The SVG charts' second title line, centred at x: the incident window,
 * or with several windows their count and span. Writes nothing and
 * returns 0 when the result has no window; 1 otherwise.
 */
int ib_svg_window_line(FILE *f, const struct ib_result *r, int x);
/* A duration in ms as "12 min", "1 h 5 min", "45 s", "2 d 3 h". */
const char *ib_rep_dur(int64_t ms, char *buf, size_t size);

#endif
