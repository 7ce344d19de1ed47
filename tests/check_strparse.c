/*
 * check_strparse.c: the parsers' helper vocabulary (parsers/strparse.h):
 * the finders against a plain scan, case-insensitive equality against
 * strncasecmp, the address, number and word tokenizers, and a chain.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <check.h>
#include "../parsers/strparse.h"
#include "testutil.h"

/* ib_str_find_at (common.h) against a plain scan, for every choice of the memchr byte */
static const struct {
	const char *hay, *lit;
	size_t hlen;
} finds[] = {
    {"abc", "abc", 3},
    {"xabc", "abc", 4},
    {"abcx", "abc", 4},
    {"ab", "abc", 2},
    {"", "a", 0},
    {"aaaaab", "aab", 6},
    {"abababac", "abac", 8},
    {"a\0bc\0abc", "abc", 8},
    {", client", ", client: ", 8},
    {"x, client: , client: ", ", client: ", 21},
    {"qqqqqqqq", "q", 8},
    {"no match here", "zz", 13},
};

static const char *plain_find(const char *h, size_t hl, const char *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return h + i;
	return NULL;
}

START_TEST(test_find)
{
	struct ib_str s = {finds[_i].hay, finds[_i].hlen};
	const char *lit = finds[_i].lit;
	size_t n = strlen(lit);
	const char *want = plain_find(s.ptr, s.len, lit, n);

	for (size_t r = 0; r < n; r++)
		ck_assert_msg(ib_str_find_at(s, lit, n, r) == want, "case %d, byte %zu", _i, r);
	ck_assert(ib_sp_find(s, lit, n) == (want ? want - s.ptr : -1));
	ck_assert(ib_sp_find_at(s, lit, n, n - 1) == (want ? want - s.ptr : -1));
}
END_TEST

struct ceq_case {
	const char *a;
	size_t alen;
	const char *lit;
};

static const struct ceq_case ceq_cases[] = {
    {"Success", 7, "success"},
    {"SUCCESS", 7, "Success"},
    {"Succes", 6, "Success"},
    {"Successs", 8, "Success"},
    {"", 0, ""},
    {"", 0, "x"},
    {"x", 1, ""},
    {"IMAP4", 5, "imap4"},
    {"[mAp4", 5, "imap4"},
    {"@", 1, "`"},
    {"\xc3\x89", 2, "\xc3\xa9"},
    {"a\0b", 3, "a"},
    {"a\0", 2, "a"},
    {"A\0", 2, "a\0"},
};

START_TEST(test_caseeq)
{
	const struct ceq_case *c = &ceq_cases[_i];
	struct ib_str a = {c->a, c->alen};
	size_t n = strlen(c->lit);
	int want = a.len == n && (!n || !strncasecmp(a.ptr, c->lit, n));

	ck_assert_int_eq(ib_sp_caseeq(a, c->lit, n), want);
}
END_TEST

struct host_case {
	const char *in, *out;
	int rc;
};

static const struct host_case host_cases[] = {
    {"1.2.3.4:993", "1.2.3.4", 0},
    {" [2001:db8::1]:993 ", "2001:db8::1", 0},
    {"::ffff:10.0.0.1", "10.0.0.1", 0},
    {"::FFFF:10.0.0.1", "10.0.0.1", 0},
    {"::fffe:10.0.0.1", "::fffe:10.0.0.1", 0},
    {"::ffff:abcd", "::ffff:abcd", 0},
    {"2001:db8::1", "2001:db8::1", 0},
    {"", "", -1},
    {"\t", "", -1},
    {"host.example:993", "host.example:993", -1},
};

START_TEST(test_addr_host)
{
	struct ib_str in = ib_str_from(host_cases[_i].in), h = ib_str_trim(in);

	ck_assert_int_eq(ib_sp_addr(in, IB_SP_PORT_MAYBE, &h), host_cases[_i].rc);

	ck_assert_uint_eq(h.len, strlen(host_cases[_i].out));
	ck_assert(!h.len || !memcmp(h.ptr, host_cases[_i].out, h.len));
}
END_TEST

/* ":port" required (split at the last ':'), as HAProxy and perdition write it */
static const struct {
	const char *in, *ip;
	int rc;
} port_cases[] = {
    {"1.2.3.4:993", "1.2.3.4", 0},
    {"[::1]:143", "::1", 0},
    {"::1:143", "::1", 0},
    {"2001:db8::1:51510", "2001:db8::1", 0},
    {"::ffff:1.2.3.4:5", "1.2.3.4", 0},
    {"1.2.3.4", "1.2.3.4", 0},
    {"host:1", NULL, -1},
    {"1.2.3.256:1", NULL, -1},
    {"", NULL, -1},
    {":1", NULL, -1},
};

START_TEST(test_addr_port)
{
	struct ib_str ip = IB_STR_NULL;
	int rc = ib_sp_addr(ib_str_from(port_cases[_i].in), IB_SP_PORT, &ip);

	ck_assert_int_eq(rc, port_cases[_i].rc);
	if (!rc)
		ck_assert(ib_str_eq(ip, ib_str_from(port_cases[_i].ip)));
}
END_TEST

START_TEST(test_ip_token)
{
	struct ib_str s = IB_STR_LIT("::ffff:10.0.0.1] rest"), ip;

	ck_assert_int_eq(ib_sp_ip(&s, &ip), 0);
	ck_assert(IB_SP_EQ(ip, "10.0.0.1"));
	ck_assert(IB_SP_EQ(s, "] rest"));
	s = IB_STR_LIT("1.2.3.4a");
	ck_assert_int_eq(ib_sp_ip(&s, &ip), -1);
	ck_assert(IB_SP_EQ(s, "1.2.3.4a"));
	ck_assert(ib_sp_is_ip(IB_STR_LIT("2001:db8::1")));
	ck_assert(!ib_sp_is_ip(IB_STR_LIT("2001:db8::1::2")));
	ck_assert(!ib_sp_is_ip(IB_STR_LIT("")));
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("192.0.2.1, port")), 9);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("01.002.3.255")), 12);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("256.1.1.1")), 0);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("1.2.3.2555")), 0);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("1.2.3")), 0);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("1.2.3.")), 0);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("1.2.3.4.")), 7);
	ck_assert_uint_eq(ib_sp_ip_len(IB_STR_LIT("::ffff:1.2.3.4]")), 14);
}
END_TEST

START_TEST(test_u64)
{
	struct ib_str s = IB_STR_LIT("123 x");
	uint64_t v = 7;

	ck_assert_int_eq(ib_sp_u64(&s, &v), 0);
	ck_assert_uint_eq(v, 123);
	ck_assert(IB_SP_EQ(s, " x"));
	ck_assert_int_eq(ib_sp_u64(&s, &v), -1);
	ck_assert(IB_SP_EQ(s, " x"));
	s = IB_STR_LIT("18446744073709551615");
	ck_assert_int_eq(ib_sp_u64(&s, &v), 0);
	ck_assert(v == UINT64_MAX && !s.len);
	s = IB_STR_LIT("18446744073709551616");
	ck_assert_int_eq(ib_sp_u64(&s, &v), -1);
	ck_assert_uint_eq(s.len, 20);
	s = IB_STR_NULL;
	ck_assert_int_eq(ib_sp_u64(&s, &v), -1);
}
END_TEST

/* tokenizers chain with ||: the first failure stops the chain */
START_TEST(test_chain)
{
	struct ib_str s = IB_STR_LIT("user=bob  rip=192.0.2.1 x"), w, ip;

	ck_assert(
	    !(IB_SP_SKIP(&s, "user=") || ib_sp_word(&s, &w) || IB_SP_SKIP(&s, "rip=") || ib_sp_ip(&s, &ip)));
	ck_assert(IB_SP_EQ(w, "bob"));
	ck_assert(IB_SP_EQ(ip, "192.0.2.1"));
	ck_assert(IB_SP_EQ(s, " x"));
	s = IB_STR_LIT("user=");
	ck_assert(IB_SP_SKIP(&s, "user=") || ib_sp_word(&s, &w));
	ck_assert(!w.len);
	ck_assert(IB_SP_SKIP(&s, "x") != 0);
	ck_assert(IB_SP_ENDS(IB_STR_LIT("imap-login"), "-login"));
	ck_assert(IB_SP_CASESTARTS(IB_STR_LIT("::FFFF:1"), "::ffff:"));
	ck_assert_int_eq(IB_SP_RFIND(IB_STR_LIT("a b a b"), "a b"), 4);
	ck_assert_int_eq(ib_sp_chr(IB_STR_LIT("ab"), 'c'), -1);
	ck_assert(IB_SP_EQ(ib_sp_sub(IB_STR_LIT("abc"), 1, 9), "bc"));
	ck_assert(IB_SP_EQ(ib_sp_line_clean(IB_STR_LIT("\xEF\xBB\xBF"
						       "a\r\n")),
			   "a"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("strparse");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_find, 0, (int)(sizeof(finds) / sizeof(finds[0])));
	tcase_add_loop_test(tc, test_caseeq, 0, (int)(sizeof(ceq_cases) / sizeof(ceq_cases[0])));
	tcase_add_loop_test(tc, test_addr_host, 0, (int)(sizeof(host_cases) / sizeof(host_cases[0])));
	tcase_add_loop_test(tc, test_addr_port, 0, (int)(sizeof(port_cases) / sizeof(port_cases[0])));
	tcase_add_test(tc, test_ip_token);
	tcase_add_test(tc, test_u64);
	tcase_add_test(tc, test_chain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ib_test_run(suite());
}
