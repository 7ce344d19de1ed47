/*
 * json.h: a small strict JSON parser (RFC 8259), private to the parsers.
 * It parses a whole text into a flat array of nodes the caller provides
 * (no allocation), with a nesting-depth cap. Strings stay raw in the text
 * and are decoded on demand (escapes, \uXXXX with surrogate pairs) into a
 * caller buffer. Example: {"status":{"errorCode":50126},"ipAddress":"1.2.3.4"}
 */
#ifndef IB_PARSERS_JSON_H
#define IB_PARSERS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "imapblast/common.h"

enum ib_json_type {
	IB_JSON_NULL,
	IB_JSON_FALSE,
	IB_JSON_TRUE,
	IB_JSON_NUMBER,
	IB_JSON_STRING,
	IB_JSON_ARRAY,
	IB_JSON_OBJECT
};

struct ib_json_node {
	enum ib_json_type type;
	size_t start, len;	   /* raw text; for strings and keys without the quotes */
	size_t key_start, key_len; /* raw key of an object member, else 0, 0 */
	long child;		   /* first child (arrays, objects), or -1 */
	long next;		   /* next sibling, or -1 */
};

#define IB_JSON_MAX_DEPTH 64

struct ib_json_doc {
	const char *text;
	size_t len;
	struct ib_json_node *nodes; /* caller's array */
	size_t cap;		    /* its size */
	size_t n;		    /* nodes used; node 0 is the root */
	const char *error;	    /* static reason when parsing failed */
	size_t error_off;	    /* byte offset of the error */
};

/*
 * Parse text[0..len) as exactly one JSON value (whitespace around it
 * allowed, anything else after it is an error). Strings must be valid
 * UTF-8 without raw control characters; lone surrogates are rejected;
 * nesting deeper than IB_JSON_MAX_DEPTH and more than cap values are
 * errors. Returns 0, or -1 with doc->error set.
 */
int ib_json_parse(struct ib_json_doc *doc, const char *text, size_t len, struct ib_json_node *nodes,
		  size_t cap);

/* First member of object node obj named key (NUL-terminated, compared decoded), or -1. */
long ib_json_get(const struct ib_json_doc *doc, long obj, const char *key);

/*
 * Like ib_json_get, but ASCII letters match in any case (Graph's
 * camelCase and PowerShell's PascalCase), and keys with escapes never
 * match. For keys of letters, digits, '@' and '.' only.
 */
long ib_json_get_ci(const struct ib_json_doc *doc, long obj, const char *key);

/*
 * Decode string node i into buf + *used (cap bytes in all), advancing
 * *used. \u0000 decodes to a NUL byte inside the slice. Returns 0 and sets
 * *out, or -1 when i is not a string or the buffer is too small.
 */
int ib_json_string(const struct ib_json_doc *doc, long i, char *buf, size_t cap, size_t *used,
		   struct ib_str *out);

/* Integer value of number node i; -1 when not an integer or out of int64 range. */
int ib_json_int(const struct ib_json_doc *doc, long i, int64_t *out);

#endif
