/*
 * sha256.c: SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and the --redact
 * pseudonyms built on them. Portable: no endianness assumption, bytes are
 * loaded and stored explicitly big-endian.
 */
#include <string.h>
#include "imapblast/report.h"
#include "report_int.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void ib_sha256_init(struct ib_sha256 *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof(iv));
	c->nbytes = 0;
	c->used = 0;
}

void ib_sha256_update(struct ib_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->nbytes += len;
	if (c->used) {
		size_t take = 64 - c->used < len ? 64 - c->used : len;
		memcpy(c->block + c->used, p, take);
		c->used += take, p += take, len -= take;
		if (c->used < 64)
			return;
		compress(c->h, c->block);
		c->used = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(c->h, p);
	if (len)
		memcpy(c->block, p, len);
	c->used = len;
}

void ib_sha256_final(struct ib_sha256 *c, unsigned char out[32])
{
	uint64_t bits = c->nbytes * 8;
	int i;

	c->block[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->block + c->used, 0, 64 - c->used);
		compress(c->h, c->block);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (i = 0; i < 8; i++)
		c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	compress(c->h, c->block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void ib_sha256(const void *data, size_t len, unsigned char out[32])
{
	struct ib_sha256 c;

	ib_sha256_init(&c);
	ib_sha256_update(&c, data, len);
	ib_sha256_final(&c, out);
}

/* HMAC split in two so the message can be fed in pieces (lower-cased users). */
static void hmac_begin(struct ib_sha256 *inner, unsigned char opad[64], const unsigned char *key,
		       size_t keylen)
{
	unsigned char k[64], ipad[64];
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > 64)
		ib_sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++) {
		ipad[i] = k[i] ^ 0x36;
		opad[i] = k[i] ^ 0x5c;
	}
	ib_sha256_init(inner);
	ib_sha256_update(inner, ipad, 64);
}

static void hmac_end(struct ib_sha256 *inner, const unsigned char opad[64], unsigned char out[32])
{
	unsigned char ih[32];
	struct ib_sha256 outer;

	ib_sha256_final(inner, ih);
	ib_sha256_init(&outer);
	ib_sha256_update(&outer, opad, 64);
	ib_sha256_update(&outer, ih, 32);
	ib_sha256_final(&outer, out);
}

void ib_hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg, size_t len,
		    unsigned char out[32])
{
	struct ib_sha256 inner;
	unsigned char opad[64];

	hmac_begin(&inner, opad, key, keylen);
	ib_sha256_update(&inner, msg, len);
	hmac_end(&inner, opad, out);
}

void ib_redact_user(const unsigned char *key, size_t keylen, const char *user, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	struct ib_sha256 inner;
	unsigned char opad[64], mac[32], chunk[256];
	char tmp[16];
	size_t n = 0, i;

	hmac_begin(&inner, opad, key, keylen);
	for (; user && *user; user++) {
		unsigned char c = (unsigned char)*user;
		chunk[n++] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
		if (n == sizeof(chunk)) {
			ib_sha256_update(&inner, chunk, n);
			n = 0;
		}
	}
	ib_sha256_update(&inner, chunk, n);
	hmac_end(&inner, opad, mac);
	tmp[0] = 'u';
	tmp[1] = '-';
	for (i = 0; i < 6; i++) {
		tmp[2 + 2 * i] = hex[mac[i] >> 4];
		tmp[3 + 2 * i] = hex[mac[i] & 15];
	}
	tmp[14] = 0;
	if (size) {
		size_t m = size - 1 < 14 ? size - 1 : 14;
		memcpy(buf, tmp, m);
		buf[m] = 0;
	}
}
