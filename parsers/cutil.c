/*
 * cutil.c: private helpers of the proxy- and client-layer parsers (see
 * cutil.h). Pure functions on slices; no allocation, no strlen on log data.
 */
#include "cutil.h"

void ib_cu_buf_set(struct ib_cu_buf *b, struct ib_str s)
{
	size_t n = s.len < IB_CU_BUF_CAP ? s.len : IB_CU_BUF_CAP;

	if (n)
		memcpy(b->buf, s.ptr, n);
	b->len = n;
}

struct ib_str ib_cu_buf_str(const struct ib_cu_buf *b)
{
	struct ib_str r = {b->len ? b->buf : NULL, b->len};
	return r;
}

long ib_cu_rfind(struct ib_str s, const char *needle, size_t nlen)
{
	size_t i;

	if (!nlen)
		return (long)s.len;
	if (nlen > s.len)
		return -1;
	i = s.len - nlen + 1;
	while (i > 0) {
		const char *p = memrchr(s.ptr, needle[0], i);

		if (!p)
			return -1;
		i = (size_t)(p - s.ptr);
		if (!memcmp(p, needle, nlen))
			return (long)i;
	}
	return -1;
}

int ib_cu_ends(struct ib_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len >= n && !memcmp(s.ptr + s.len - n, lit, n);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Dotted quad at p; returns its length or 0. Does not look past it. */
static size_t ipv4_len(const char *p, size_t len)
{
	size_t i = 0;

	for (int oct = 0; oct < 4; oct++) {
		unsigned v = 0;
		size_t nd = 0;

		if (oct) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
		while (i < len && is_digit(p[i]) && nd < 4) {
			v = v * 10 + (unsigned)(p[i] - '0');
			i++;
			nd++;
		}
		if (!nd || nd > 3 || v > 255)
			return 0;
	}
	return i;
}

/* 1 when p[0..len) is exactly one IPv6 address (may end in a dotted quad). */
static int ipv6_valid(const char *p, size_t len)
{
	size_t i = 0, groups = 0;
	int dbl = 0;

	if (len < 2 || len > 45)
		return 0;
	if (p[0] == ':') {
		if (p[1] != ':')
			return 0;
		dbl = 1;
		i = 2;
		if (i == len)
			return 1;
	}
	while (i < len) {
		size_t start = i, nd = 0;

		while (i < len && is_hex(p[i]) && nd < 5) {
			i++;
			nd++;
		}
		if (i < len && p[i] == '.') {
			size_t v4 = ipv4_len(p + start, len - start);

			if (!v4 || start + v4 != len)
				return 0;
			groups += 2;
			i = len;
			break;
		}
		if (!nd || nd > 4)
			return 0;
		groups++;
		if (i == len)
			break;
		if (p[i] != ':')
			return 0;
		i++;
		if (i < len && p[i] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return 0;
		}
	}
	return dbl ? groups < 8 : groups == 8;
}

size_t ib_cu_ip_len(const char *p, size_t len)
{
	size_t v4 = ipv4_len(p, len), n = 0;

	if (v4 && (v4 == len ||
		   !(is_hex(p[v4]) || p[v4] == ':' || (p[v4] == '.' && v4 + 1 < len && is_digit(p[v4 + 1])))))
		return v4;
	while (n < len && n < 46 && (is_hex(p[n]) || p[n] == ':' || p[n] == '.'))
		n++;
	while (n && p[n - 1] == '.')
		n--;
	if (n < len && (is_hex(p[n]) || p[n] == ':'))
		return 0;
	return ipv6_valid(p, n) ? n : 0;
}

int ib_cu_ip_valid(struct ib_str s)
{
	return s.len && ib_cu_ip_len(s.ptr, s.len) == s.len;
}

struct ib_str ib_cu_ip_norm(struct ib_str s)
{
	if (s.len > 7 && s.ptr[0] == ':' && ib_str_casestarts(s, "::ffff:") &&
	    ipv4_len(s.ptr + 7, s.len - 7) == s.len - 7) {
		s.ptr += 7;
		s.len -= 7;
	}
	return s;
}

int ib_cu_ip_port(struct ib_str s, struct ib_str *ip)
{
	long c = ib_cu_rchr(s, ':');

	if (c > 0)
		s.len = (size_t)c;
	if (s.len >= 2 && s.ptr[0] == '[' && s.ptr[s.len - 1] == ']') {
		s.ptr++;
		s.len -= 2;
	}
	if (!ib_cu_ip_valid(s))
		return -1;
	*ip = ib_cu_ip_norm(s);
	return 0;
}

size_t ib_cu_u64(struct ib_str s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, lim = s.len < 18 ? s.len : 18;
	unsigned d;

	for (; i < lim && (d = (unsigned)(unsigned char)s.ptr[i] - '0') <= 9; i++)
		v = v * 10 + d;
	if (i < s.len && is_digit(s.ptr[i]))
		return 0;
	*out = v;
	return i;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t ib_cu_exchange_banner(struct ib_str s, char *out, size_t cap)
{
	static const char key[] = "The Microsoft Exchange IMAP4 service is ready. [";
	long at = ib_str_find(s, key, sizeof(key) - 1);
	unsigned acc = 0;
	int bits = 0, half = 0;
	size_t n = 0;
	unsigned char lo = 0;

	if (at < 0 || !cap)
		return 0;
	s = ib_cu_skip(s, (size_t)at + sizeof(key) - 1);
	for (size_t i = 0; i < s.len && s.ptr[i] != ']'; i++) {
		int v = b64val((unsigned char)s.ptr[i]);

		if (v < 0) {
			if (s.ptr[i] == '=')
				break;
			return 0;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		unsigned char byte = (unsigned char)(acc >> bits);
		acc &= (1u << bits) - 1;
		if (!half) {
			lo = byte;
			half = 1;
			continue;
		}
		half = 0;
		if (byte || !(is_hex((char)lo) || (lo >= 'g' && lo <= 'z') || (lo >= 'G' && lo <= 'Z') ||
			      lo == '.' || lo == '-' || lo == '_'))
			return 0;
		if (n + 1 >= cap)
			return 0;
		out[n++] = (char)lo;
	}
	out[n] = 0;
	return n;
}

void ib_cu_opt_time(struct ib_str *s, struct ib_time_policy *p, int64_t *out)
{
	struct ib_str t = *s;
	int64_t v;

	if (!t.len || !(is_digit(t.ptr[0]) || t.ptr[0] == '@' || (t.ptr[0] >= 'A' && t.ptr[0] <= 'Z')))
		return;
	if (ib_ts_any(&t, p, &v) == 0) {
		*s = t;
		*out = v;
	}
}
