/*
 * registry.c: the only list of parsers. Order matters: detection breaks
 * ties by this order, and syslog dispatch tries message parsers in it.
 */
#include <string.h>
#include "imapblast/parser.h"

extern const struct ib_parser ib_parser_exchange;
extern const struct ib_parser ib_parser_entra_csv;
extern const struct ib_parser ib_parser_entra_json;
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
extern const struct ib_parser ib_parser_dovecot;
extern const struct ib_parser ib_parser_cyrus;
extern const struct ib_parser ib_parser_courier;
extern const struct ib_parser ib_parser_uwimap;
extern const struct ib_parser ib_parser_perdition;
extern const struct ib_parser ib_parser_haproxy;
extern const struct ib_parser ib_parser_fetchmail;

const struct ib_parser *const ib_parsers[] = {
    &ib_parser_exchange,    &ib_parser_entra_csv,  &ib_parser_entra_json,
    &ib_parser_thunderbird, &ib_parser_nginx_mail, &ib_parser_zimbra,
    &ib_parser_roundcube,   &ib_parser_horde,	   &ib_parser_mbsync,
    &ib_parser_offlineimap, &ib_parser_imapsync,   &ib_parser_imaplib,
    &ib_parser_syslog,	    &ib_parser_dovecot,	   &ib_parser_cyrus,
    &ib_parser_courier,	    &ib_parser_uwimap,	   &ib_parser_perdition,
    &ib_parser_haproxy,	    &ib_parser_fetchmail,  NULL,
};

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

int ib_parser_program_match(const struct ib_parser *p, struct ib_str program)
{
	struct ib_str base = program;
	const char *slash;

	if (!p->programs || !program.len)
		return 0;
	slash = memrchr(program.ptr, '/', program.len);
	if (slash) {
		base.ptr = slash + 1;
		base.len = program.len - (size_t)(base.ptr - program.ptr);
	}
	for (size_t i = 0; p->programs[i]; i++) {
		const char *name = p->programs[i];
		size_t len = strlen(name);

		if (len && name[len - 1] == '*') {
			len--;
			if ((program.len >= len && !memcmp(program.ptr, name, len)) ||
			    (base.len >= len && !memcmp(base.ptr, name, len)))
				return 1;
		} else if ((program.len == len && !memcmp(program.ptr, name, len)) ||
			   (base.len == len && !memcmp(base.ptr, name, len))) {
			return 1;
		}
	}
	return 0;
}
