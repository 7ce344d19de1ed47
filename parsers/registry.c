/*
 * registry.c: the only list of parsers. Order matters: detection breaks
 * ties by this order, and syslog dispatch tries message parsers in it.
 */
#include <string.h>
#include "imapblast/parser.h"

extern const struct ib_parser ib_parser_exchange;
extern const struct ib_parser ib_parser_entra_csv;
extern const struct ib_parser ib_parser_entra_json;
extern const struct ib_parser ib_parser_purview;
extern const struct ib_parser ib_parser_thunderbird;
extern const struct ib_parser ib_parser_nginx_mail;
extern const struct ib_parser ib_parser_zimbra;
extern const struct ib_parser ib_parser_roundcube;
extern const struct ib_parser ib_parser_horde;
extern const struct ib_parser ib_parser_mbsync;
extern const struct ib_parser ib_parser_offlineimap;
extern const struct ib_parser ib_parser_imapsync;
extern const struct ib_parser ib_parser_imaplib;
extern const struct ib_parser ib_parser_syslog;
extern const struct ib_parser ib_parser_pam;
extern const struct ib_parser ib_parser_dovecot;
extern const struct ib_parser ib_parser_cyrus;
extern const struct ib_parser ib_parser_courier;
extern const struct ib_parser ib_parser_uwimap;
extern const struct ib_parser ib_parser_perdition;
extern const struct ib_parser ib_parser_haproxy;
extern const struct ib_parser ib_parser_fetchmail;
extern const struct ib_parser ib_parser_vpopmail;
extern const struct ib_parser ib_parser_cucipop;
extern const struct ib_parser ib_parser_journal_json;
extern const struct ib_parser ib_parser_journal_export;

/* One row per parser, so that additions merge cleanly. */
/* clang-format off */
const struct ib_parser *const ib_parsers[] = {
	&ib_parser_exchange,
	&ib_parser_entra_csv,
	&ib_parser_entra_json,
	&ib_parser_thunderbird,
	&ib_parser_nginx_mail,
	&ib_parser_zimbra,
	&ib_parser_roundcube,
	&ib_parser_horde,
	&ib_parser_mbsync,
	&ib_parser_offlineimap,
	&ib_parser_imapsync,
	&ib_parser_imaplib,
	&ib_parser_syslog,
	&ib_parser_pam,
	&ib_parser_dovecot,
	&ib_parser_cyrus,
	&ib_parser_courier,
	&ib_parser_uwimap,
	&ib_parser_perdition,
	&ib_parser_haproxy,
	&ib_parser_fetchmail,
	&ib_parser_purview,
	&ib_parser_vpopmail,
	&ib_parser_cucipop,
	&ib_parser_journal_json,
	&ib_parser_journal_export,
	NULL,
};
/* clang-format on */

const struct ib_parser *ib_parser_find(const char *name)
{
	for (size_t i = 0; ib_parsers[i]; i++)
		if (!strcmp(ib_parsers[i]->name, name))
			return ib_parsers[i];
	return NULL;
}

const struct ib_parser *ib_parser_detect(const struct ib_str *lines, size_t n)
{
	const struct ib_parser *best = NULL;
	long best_score = 0;

	for (size_t i = 0; ib_parsers[i]; i++) {
		const struct ib_parser *p = ib_parsers[i];
		long score = 0;

		if (!p->probe)
			continue;
		for (size_t k = 0; k < n; k++)
			score += p->probe(lines[k]);
		if (score > best_score) {
			best_score = score;
			best = p;
		}
	}
	return best;
}

int ib_program_match(struct ib_str name, struct ib_str program)
{
	struct ib_str base = program;
	const char *slash = program.len ? memrchr(program.ptr, '/', program.len) : NULL;

	if (slash) {
		base.ptr = slash + 1;
		base.len = program.len - (size_t)(base.ptr - program.ptr);
	}
	if (name.len && name.ptr[name.len - 1] == '*') {
		name.len--;
		return (program.len >= name.len && !memcmp(program.ptr, name.ptr, name.len)) ||
		       (base.len >= name.len && !memcmp(base.ptr, name.ptr, name.len));
	}
	return ib_str_eq(program, name) || ib_str_eq(base, name);
}

int ib_parser_program_match(const struct ib_parser *p, struct ib_str program)
{
	if (!p->programs || !program.len)
		return 0;
	for (size_t i = 0; p->programs[i]; i++)
		if (ib_program_match(ib_str_from(p->programs[i]), program))
			return 1;
	return 0;
}

/* 1 when prefix a (a '*' item without it) and program pattern b can both match one program. */
static int prefix_meets(struct ib_str a, struct ib_str b)
{
	int bstar = b.len && b.ptr[b.len - 1] == '*';
	size_t n;

	if (bstar)
		b.len--;
	n = a.len < b.len ? a.len : b.len;
	if (memcmp(a.ptr, b.ptr, n))
		return 0;
	return b.len >= a.len || bstar;
}

int ib_parser_program_known(struct ib_str item)
{
	int star = item.len && item.ptr[item.len - 1] == '*';
	struct ib_str pre = {item.ptr, star ? item.len - 1 : item.len};

	for (size_t i = 0; ib_parsers[i]; i++) {
		const struct ib_parser *p = ib_parsers[i];

		if (!p->programs)
			continue;
		if (!star) {
			if (ib_parser_program_match(p, item))
				return 1;
			continue;
		}
		for (size_t k = 0; p->programs[k]; k++)
			if (prefix_meets(pre, ib_str_from(p->programs[k])))
				return 1;
	}
	return 0;
}
