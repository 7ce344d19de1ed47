/*
 * inputs.c: the list of input files (reader.h's struct ib_inputs), expanded
 * from the command line: directories walked recursively in byte order of
 * names, symlink loops cut, problems kept as error records while the walk
 * goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "imapblast/reader.h"

void ib_inputs_init(struct ib_inputs *in)
{
	memset(in, 0, sizeof(*in));
}

void ib_inputs_release(struct ib_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	free(in->sizes);
	free(in->errors);
	ib_inputs_init(in);
}

static int push_path(struct ib_inputs *in, const char *path, uint64_t size)
{
	char *copy;

	if (in->n == in->cap) {
		size_t nc = in->cap ? in->cap * 2 : 16;
		char **np = realloc(in->paths, nc * sizeof(*np));
		uint64_t *ns;

		if (!np)
			return IB_ERR_NOMEM;
		in->paths = np;
		ns = realloc(in->sizes, nc * sizeof(*ns));
		if (!ns)
			return IB_ERR_NOMEM;
		in->sizes = ns;
		in->cap = nc;
	}
	copy = strdup(path);
	if (!copy)
		return IB_ERR_NOMEM;
	in->paths[in->n] = copy;
	in->sizes[in->n] = size;
	in->n++;
	return IB_OK;
}

static int push_error(struct ib_inputs *in, int errnum, const char *path, const char *what)
{
	if (ib_grow((void **)&in->errors, &in->errcap, in->nerrors + 1, sizeof(*in->errors)) < 0)
		return IB_ERR_NOMEM;
	ib_error_set(&in->errors[in->nerrors++], IB_ERR_IO, errnum, path, 0, "%s '%s'%s%s", what, path,
		     errnum ? ": " : "", errnum ? strerror(errnum) : "");
	return IB_OK;
}

struct dir_stack {
	dev_t dev[64];
	ino_t ino[64];
	int depth;
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int walk(struct ib_inputs *in, const char *path, struct dir_stack *ds);

static int add_one(struct ib_inputs *in, const char *path, struct dir_stack *ds)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return push_path(in, path, 0);
	if (stat(path, &st) != 0) {
		int e = errno;

		if (e == ELOOP)
			return push_error(in, e, path, "skipping symlink loop at");
		return push_error(in, e, path, "cannot open");
	}
	if (S_ISDIR(st.st_mode)) {
		for (int i = 0; i < ds->depth; i++)
			if (ds->dev[i] == st.st_dev && ds->ino[i] == st.st_ino)
				return push_error(in, 0, path, "skipping directory loop at");
		if (ds->depth == 64)
			return push_error(in, 0, path, "skipping too deep directory");
		ds->dev[ds->depth] = st.st_dev;
		ds->ino[ds->depth] = st.st_ino;
		ds->depth++;
		int rc = walk(in, path, ds);
		ds->depth--;
		return rc;
	}
	if (S_ISREG(st.st_mode))
		return push_path(in, path, (uint64_t)st.st_size);
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return push_path(in, path, 0);
	return push_error(in, 0, path, "skipping special file");
}

static int walk(struct ib_inputs *in, const char *path, struct dir_stack *ds)
{
	struct dirent **names = NULL;
	int n = scandir(path, &names, NULL, by_name);
	int rc = IB_OK;

	if (n < 0)
		return push_error(in, errno, path, "cannot read directory");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (rc >= 0 && strcmp(name, ".") && strcmp(name, "..")) {
			size_t len = strlen(path) + strlen(name) + 2;
			char *child = malloc(len);

			if (!child) {
				rc = IB_ERR_NOMEM;
			} else {
				int slash = path[strlen(path) - 1] == '/';

				snprintf(child, len, "%s%s%s", path, slash ? "" : "/", name);
				rc = add_one(in, child, ds);
				free(child);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int ib_inputs_add(struct ib_inputs *in, const char *path)
{
	struct dir_stack ds;

	ds.depth = 0;
	return add_one(in, path, &ds);
}
