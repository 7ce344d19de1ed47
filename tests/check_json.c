/*
 * check_json.c: the private strict JSON parser (parsers/json.c): valid and
 * invalid texts, deep nesting, huge numbers, escapes and surrogates, NUL escapes.
 */
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "../parsers/json.h"
#include "testutil.h"

static const struct {
	const char *text;
	int ok;
} texts[] = {
    {"{}", 1},
    {"[]", 1},
    {" {\"a\":[1,2.5,-0.1e+3,true,false,null,\"x\"]} ", 1},
    {"\"s\"", 1},
    {"0", 1},
    {"123456789012345678901234567890e999", 1},
    {"{\"a\":{\"b\":{}}}", 1},
    {"", 0},
    {"{", 0},
    {"{\"a\"}", 0},
    {"{\"a\":1,}", 0},
    {"[1,]", 0},
    {"01", 0},
    {"1.", 0},
    {"-", 0},
    {".5", 0},
    {"tru", 0},
    {"nulls", 0},
    {"{} {}", 0},
    {"[1] x", 0},
    {"\"unterminated", 0},
    {"\"bad \\x escape\"", 0},
    {"\"\\u12G4\"", 0},
    {"\"\\ud800\"", 0},
    {"\"\\udc00\"", 0},
    {"\"\\ud800\\u0041\"", 0},
    {"\"tab\tinside\"", 0},
    {"\"\xff\"", 0},
    {"\"\xc0\xaf\"", 0},
    {"\"\xed\xa0\x80\"", 0},
    {"{'a':1}", 0},
    {"[1 2]", 0},
    {"{\"a\" 1}", 0},
    {"+1", 0},
};

START_TEST(test_validity)
{
	struct ib_json_node nodes[64];
	struct ib_json_doc d;
	int rc = ib_json_parse(&d, texts[_i].text, strlen(texts[_i].text), nodes, 64);

	ck_assert_msg((rc == 0) == texts[_i].ok, "'%s': rc %d (%s)", texts[_i].text, rc,
		      d.error ? d.error : "");
	if (rc)
		ck_assert(d.error != NULL);
}
END_TEST

static const struct {
	const char *json; /* a one-member object {"k": <string>} */
	const char *want;
	size_t want_len;
} strings[] = {
    {"{\"k\":\"plain\"}", "plain", 5},
    {"{\"k\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", "a\"b\\c/d\b\f\n\r\t", 12},
    {"{\"k\":\"\\u00e9\\u20ac\"}", "\xc3\xa9\xe2\x82\xac", 5},
    {"{\"k\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80", 4},
    {"{\"k\":\"a\\u0000b\"}", "a\0b", 3},
    {"{\"\\u006b\":\"escaped key\"}", "escaped key", 11},
    {"{\"k\":\"\xe2\x82\xac raw\"}", "\xe2\x82\xac raw", 7},
};

START_TEST(test_strings)
{
	struct ib_json_node nodes[16];
	struct ib_json_doc d;
	char buf[64];
	size_t used = 0;
	struct ib_str out;
	long k;

	ck_assert_int_eq(ib_json_parse(&d, strings[_i].json, strlen(strings[_i].json), nodes, 16), 0);
	k = ib_json_get(&d, 0, "k");
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(ib_json_string(&d, k, buf, sizeof(buf), &used, &out), 0);
	ck_assert_uint_eq(out.len, strings[_i].want_len);
	ck_assert(!memcmp(out.ptr, strings[_i].want, out.len));
	ck_assert_int_eq(ib_json_get(&d, 0, "missing"), -1);
}
END_TEST

static const struct {
	const char *num;
	int ok;
	int64_t want;
} numbers[] = {
    {"0", 1, 0},
    {"50126", 1, 50126},
    {"-7", 1, -7},
    {"9223372036854775807", 1, INT64_MAX},
    {"-9223372036854775808", 1, INT64_MIN},
    {"9223372036854775808", 0, 0},
    {"123456789012345678901234567890", 0, 0},
    {"1.5", 0, 0},
    {"1e3", 0, 0},
};

START_TEST(test_numbers)
{
	struct ib_json_node nodes[4];
	struct ib_json_doc d;
	int64_t v = 0;

	ck_assert_int_eq(ib_json_parse(&d, numbers[_i].num, strlen(numbers[_i].num), nodes, 4), 0);
	ck_assert_int_eq(ib_json_int(&d, 0, &v) == 0, numbers[_i].ok);
	if (numbers[_i].ok)
		ck_assert(v == numbers[_i].want);
}
END_TEST

START_TEST(test_depth_and_limits)
{
	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	struct ib_json_node *nodes = malloc(256 * sizeof(*nodes));
	struct ib_json_doc d;
	char small[2 * IB_JSON_MAX_DEPTH + 1];

	ck_assert(deep && nodes);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	ck_assert_int_eq(ib_json_parse(&d, deep, 2 * n, nodes, 256), -1);
	ck_assert_str_eq(d.error, "nesting too deep");
	/* exactly the cap is fine */
	memset(small, '[', IB_JSON_MAX_DEPTH);
	memset(small + IB_JSON_MAX_DEPTH, ']', IB_JSON_MAX_DEPTH);
	ck_assert_int_eq(ib_json_parse(&d, small, 2 * IB_JSON_MAX_DEPTH, nodes, 256), 0);
	/* more values than nodes */
	ck_assert_int_eq(ib_json_parse(&d, "[1,2,3,4,5]", 11, nodes, 3), -1);
	ck_assert_str_eq(d.error, "too many values");
	/* a string not fitting the caller's buffer */
	{
		char buf[2];
		size_t used = 0;
		struct ib_str out;

		ck_assert_int_eq(ib_json_parse(&d, "\"\\u00e9\\u00e9\"", 14, nodes, 4), 0);
		ck_assert_int_eq(ib_json_string(&d, 0, buf, sizeof(buf), &used, &out), -1);
		ck_assert_int_eq(ib_json_string(&d, 0, NULL, 0, &used, &out), -1);
	}
	/* NUL inside raw text is not JSON */
	ck_assert_int_eq(ib_json_parse(&d, "\"a\0b\"", 5, nodes, 4), -1);
	ck_assert_int_eq(ib_json_parse(&d, "[1]\0", 4, nodes, 4), -1);
	free(deep);
	free(nodes);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_validity, 0, (int)(sizeof(texts) / sizeof(texts[0])));
	tcase_add_loop_test(tc, test_strings, 0, (int)(sizeof(strings) / sizeof(strings[0])));
	tcase_add_loop_test(tc, test_numbers, 0, (int)(sizeof(numbers) / sizeof(numbers[0])));
	tcase_add_test(tc, test_depth_and_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
