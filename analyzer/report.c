/*
 * report.c: the only list of report files, and what is derived from it:
 * the --format-out names and the files of the help text. Order matters:
 * it is the order files are written in and errors are reported in.
 */
#include <string.h>
#include "imapblast/report.h"

extern const struct ib_writer ib_writer_affected_csv;
extern const struct ib_writer ib_writer_excluded_csv;
extern const struct ib_writer ib_writer_summary_md;
extern const struct ib_writer ib_writer_summary_json;
extern const struct ib_writer ib_writer_timeline_svg;
extern const struct ib_writer ib_writer_servers_svg;

const struct ib_writer *const ib_writers[] = {
    &ib_writer_affected_csv,
    &ib_writer_excluded_csv,
    &ib_writer_summary_md,
    &ib_writer_summary_json,
    &ib_writer_timeline_svg,
    &ib_writer_servers_svg,
    NULL,
};

const struct ib_writer *ib_writer_find(const char *file)
{
	for (size_t i = 0; ib_writers[i]; i++)
		if (!strcmp(ib_writers[i]->file, file))
			return ib_writers[i];
	return NULL;
}

int ib_report_select(const char *list, unsigned *mask)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; ib_writers[i]; i++)
			if (strlen(ib_writers[i]->name) == n && !memcmp(ib_writers[i]->name, p, n))
				break;
		if (!n || !ib_writers[i])
			return IB_ERR_USAGE;
		*mask |= ib_writers[i]->bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return IB_OK;
}

/* Append s to buf as snprintf would; *len counts what did not fit too. */
static void put(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len < size) {
		size_t k = size - *len - 1 < n ? size - *len - 1 : n;

		memcpy(buf + *len, s, k);
		buf[*len + k] = 0;
	}
	*len += n;
}

/* 1 when an earlier row has the name of row i. */
static int seen_name(size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(ib_writers[k]->name, ib_writers[i]->name))
			return 1;
	return 0;
}

size_t ib_report_names(char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	for (size_t i = 0; ib_writers[i]; i++) {
		if (seen_name(i))
			continue;
		if (len)
			put(buf, size, &len, ",");
		put(buf, size, &len, ib_writers[i]->name);
	}
	return len;
}

size_t ib_report_files(char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = 0;
	for (size_t i = 0; ib_writers[i]; i++) {
		if (i)
			put(buf, size, &len, ", ");
		put(buf, size, &len, ib_writers[i]->file);
	}
	return len;
}
