/*
 * testutil.c: helpers shared by the Check suites (see testutil.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imapblast/agg.h"
#include "imapblast/zone.h"
#include "testutil.h"

const char *ib_test_corpus_dir(void)
{
	static char path[1024];
	const char *env = getenv("IB_CORPUS_DIR");
	struct stat st;

	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "%s/../shared/corpus", IB_SOURCE_DIR);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return NULL;
	return path;
}

char *ib_test_tmpfile(const void *data, size_t len, const char *suffix)
{
	char tmpl[256];
	int fd;
	size_t slen = suffix ? strlen(suffix) : 0;

	snprintf(tmpl, sizeof(tmpl), "%s/ibtestXXXXXX%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 suffix ? suffix : "");
	fd = mkstemps(tmpl, (int)slen);
	if (fd < 0)
		return NULL;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(tmpl);
		return NULL;
	}
	close(fd);
	return strdup(tmpl);
}

char *ib_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r < 65536)
			break;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int run(Suite *s, int nofork)
{
	SRunner *sr = srunner_create(s);
	int failed;

	if (nofork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

int ib_test_run(Suite *s)
{
	return run(s, 0);
}

int ib_test_run_nofork(Suite *s)
{
	return run(s, 1);
}

const struct ib_zone *ib_test_zone(const char *name)
{
	static struct {
		char name[64];
		struct ib_zone *z;
	} cache[16];
	size_t i;

	for (i = 0; i < 16 && cache[i].z; i++)
		if (!strcmp(cache[i].name, name))
			return cache[i].z;
	ck_assert_msg(i < 16, "too many zones in one test program");
	ck_assert_msg(ib_zone_load(&cache[i].z, name, NULL) == IB_OK, "cannot load zone '%s'", name);
	snprintf(cache[i].name, sizeof(cache[i].name), "%s", name);
	return cache[i].z;
}

void ib_test_add(struct ib_agg *a, uint32_t file, uint64_t line, int64_t t, const char *user, const char *ip,
		 const char *server, int layer, int cat, const char *sig, unsigned flags)
{
	struct ib_event ev;
	struct ib_match m;

	ib_event_clear(&ev);
	ev.time_ms = t;
	ev.layer = (enum ib_layer)layer;
	ev.user = ib_str_from(user);
	ev.ip = ib_str_from(ip);
	ev.server = ib_str_from(server);
	ev.flags = flags;
	m.category = (enum ib_category)cat;
	m.signature = sig;
	m.rule = -1;
	ck_assert_int_eq(ib_agg_add(a, &ev, &m, file, line), IB_OK);
}

unsigned char *ib_test_save_state(const struct ib_agg *a, size_t *len)
{
	char *path = ib_test_tmpfile("", 0, ".state");
	struct ib_error err;
	unsigned char *buf;

	ck_assert(path != NULL);
	ck_assert_int_eq(ib_agg_save(a, path, &err), IB_OK);
	buf = (unsigned char *)ib_test_slurp(path, len);
	ck_assert(buf != NULL);
	unlink(path);
	free(path);
	return buf;
}
