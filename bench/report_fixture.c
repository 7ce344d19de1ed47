/*
 * report_fixture.c: write the report of a hand-built incident (with user
 * names built to break every writer) into a directory, for the
 * external-tool checks of tests/e2e.d/report-tools.sh.
 * Usage: report_fixture DIR [KEYSTRING] [plain]
 * With KEYSTRING the report is redacted; "plain" drops the hostile names.
 */
#include <stdio.h>
#include <string.h>
#include "imapblast/config.h"
#include "imapblast/report.h"
#include "../tests/report_fixture.h"

int main(int argc, char **argv)
{
	struct ib_config cfg;
	struct ib_error err;
	struct ib_result *r;
	int rc;

	if (argc < 2) {
		fputs("usage: report_fixture DIR [KEY] [plain]\n", stderr);
		return 2;
	}
	r = fx_incident(!(argc > 3 && !strcmp(argv[3], "plain")));
	if (!r) {
		fputs("report_fixture: out of memory\n", stderr);
		return 3;
	}
	ib_config_init(&cfg);
	cfg.out_dir = argv[1];
	cfg.force = 0;
	if (argc > 2 && argv[2][0]) {
		cfg.redact_key = (const unsigned char *)argv[2];
		cfg.redact_key_len = strlen(argv[2]);
	}
	memset(&err, 0, sizeof(err));
	rc = ib_report_write(r, &cfg, &err);
	if (rc < 0) {
		fprintf(stderr, "report_fixture: %s\n", err.msg);
		ib_result_free(r);
		return 1;
	}
	ib_write_stdout_summary(stdout, r, &cfg);
	ib_result_free(r);
	return 0;
}
