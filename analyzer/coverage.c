/*
 * coverage.c: login-looking lines, their shapes and samples (coverage.h).
 * Called only on lines that did not become events, so a bounded scan per
 * line is fine; nothing here allocates.
 * Example: "imapd: LOGIN FAILURE user=bob host=[192.0.2.7]" looks like a
 * login outcome; its shape is "imapd: LOGIN FAILURE user=* host=[*]".
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "imapblast/coverage.h"

static inline unsigned char low(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* 1 when the lower-case word w (wlen bytes) is at p (n bytes left), any case. */
static int at_word(const char *p, size_t n, const char *w, size_t wlen)
{
	if (n < wlen)
		return 0;
	for (size_t i = 0; i < wlen; i++)
		if (low((unsigned char)p[i]) != (unsigned char)w[i])
			return 0;
	return 1;
}

static int isdig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int ishex(unsigned char c)
{
	return isdig(c) || (low(c) >= 'a' && low(c) <= 'f');
}

/* A dotted quad starts at p: 1-3 digits, '.', three times, then 1-3 digits. */
static inline int at_ipv4(const char *p, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t d = 0;

		while (i < n && d < 4 && isdig((unsigned char)p[i])) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			return 0;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	return 1;
}

/*
 * The word that starts with the wlen bytes at p is a field name ("login:
 * x", "auth=x", "authorisation_id=x"), not a verb.
 */
static int is_key(const char *p, size_t n, size_t wlen)
{
	size_t i = wlen;

	while (i < n && ((low((unsigned char)p[i]) >= 'a' && low((unsigned char)p[i]) <= 'z') || p[i] == '_'))
		i++;
	return i < n && (p[i] == ':' || p[i] == '=');
}

/* Byte classes: 0 not in a word, W in a word, K the first letter of a keyword (either case). */
enum { W = 1, K = 2 };
static const unsigned char cls[256] = {
    ['0'] = W, ['1'] = W, ['2'] = W, ['3'] = W, ['4'] = W, ['5'] = W, ['6'] = W, ['7'] = W, ['8'] = W,
    ['9'] = W, ['A'] = K, ['B'] = W, ['C'] = W, ['D'] = K, ['E'] = W, ['F'] = K, ['G'] = W, ['H'] = W,
    ['I'] = W, ['J'] = W, ['K'] = W, ['L'] = K, ['M'] = W, ['N'] = W, ['O'] = W, ['P'] = K, ['Q'] = W,
    ['R'] = K, ['S'] = W, ['T'] = W, ['U'] = K, ['V'] = W, ['W'] = W, ['X'] = W, ['Y'] = W, ['Z'] = W,
    ['a'] = K, ['b'] = W, ['c'] = W, ['d'] = K, ['e'] = W, ['f'] = K, ['g'] = W, ['h'] = W, ['i'] = W,
    ['j'] = W, ['k'] = W, ['l'] = K, ['m'] = W, ['n'] = W, ['o'] = W, ['p'] = K, ['q'] = W, ['r'] = K,
    ['s'] = W, ['t'] = W, ['u'] = K, ['v'] = W, ['w'] = W, ['x'] = W, ['y'] = W, ['z'] = W,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Bytes a..h as a little-endian word, and the mask of its first k bytes. */
#define LE8(a, b, c, d, e, f, g, h)                                                                          \
	((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 |                    \
	 (uint64_t)(e) << 32 | (uint64_t)(f) << 40 | (uint64_t)(g) << 48 | (uint64_t)(h) << 56)
#define MASK(k) (~0ull >> (64 - 8 * (k)))

/*
 * keyword() with 9 or more bytes left: the first 8 compared at once. A
 * byte or-ed with 0x20 equals a lower-case letter only when low() of it
 * does; the space of "logged in" is compared as it is.
 */
static int keyword8(const char *s, size_t i, size_t n)
{
	const char *p = s + i;
	uint64_t x, lx;

	memcpy(&x, p, 8);
	lx = x | 0x2020202020202020ull;
	switch ((unsigned char)lx) {
	case 'l':
		if ((lx & MASK(5)) == LE8('l', 'o', 'g', 'i', 'n', 0, 0, 0))
			return !(i && s[i - 1] == '-') && !is_key(p, n - i, 5);
		return (lx & MASK(5)) == LE8('l', 'o', 'g', 'o', 'n', 0, 0, 0) ||
		       ((x | 0x2000202020202020ull) == LE8('l', 'o', 'g', 'g', 'e', 'd', ' ', 'i') &&
			low((unsigned char)p[8]) == 'n');
	case 'a':
		return (lx & MASK(4)) == LE8('a', 'u', 't', 'h', 0, 0, 0, 0) && !is_key(p, n - i, 4);
	case 'p':
		return (lx & MASK(5)) == LE8('p', 'a', 's', 's', 'w', 0, 0, 0);
	case 'd':
		return (lx & MASK(6)) == LE8('d', 'e', 'n', 'i', 'e', 'd', 0, 0);
	case 'r':
		return (lx & MASK(7)) == LE8('r', 'e', 'f', 'u', 's', 'e', 'd', 0);
	case 'f':
		return (lx & MASK(4)) == LE8('f', 'a', 'i', 'l', 0, 0, 0, 0);
	case 'u':
		return (lx & MASK(4)) == LE8('u', 's', 'e', 'r', 0, 0, 0, 0) ? 2 : 0;
	}
	return 0;
}
#undef LE8
#undef MASK
#define KEYWORD8 1
#endif

/* The keyword that starts at p (its first letter is class K): 1 word, 2 who, 0 none. */
static int keyword(const char *s, size_t i, size_t n)
{
	const char *p = s + i;
	size_t left = n - i;

#ifdef KEYWORD8
	if (left >= 9)
		return keyword8(s, i, n);
#endif
	switch (low((unsigned char)*p)) {
	case 'l':
		if (at_word(p, left, "login", 5))
			return !(i && s[i - 1] == '-') && !is_key(p, left, 5);
		return at_word(p, left, "logon", 5) || at_word(p, left, "logged in", 9);
	case 'a':
		return at_word(p, left, "auth", 4) && !is_key(p, left, 4);
	case 'p':
		return at_word(p, left, "passw", 5);
	case 'd':
		return at_word(p, left, "denied", 6);
	case 'r':
		return at_word(p, left, "refused", 7);
	case 'f':
		return at_word(p, left, "fail", 4);
	case 'u':
		return at_word(p, left, "user", 4) ? 2 : 0;
	}
	return 0;
}

/* Look at the word that starts at i; 1 when the line is now known to be login-looking. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
at_start(const unsigned char *s, size_t i, size_t n, int *word, int *who)
{
	if (i >= 2 && s[i - 1] == ':' && s[i - 2] == ':' && ishex(s[i])) {
		*who = 1; /* "::1", "2001:db8::a" */
	} else if (cls[s[i]] == K) {
		int r = keyword((const char *)s, i, n);

		*word |= r == 1;
		*who |= r == 2;
	} else if (!*who && s[i] <= '9' && at_ipv4((const char *)s + i, n - i)) {
		*who = 1;
	}
	return *word && *who;
}

/* The starts of words (runs of letters and digits) in [i, end) of the n bytes at s, one by one. */
static int scalar(const unsigned char *s, size_t i, size_t end, size_t n, int *word, int *who)
{
	for (; i < end; i++)
		if (cls[s[i]] && (i == 0 || !cls[s[i - 1]]) && at_start(s, i, n, word, who))
			return 1;
	return 0;
}

#ifdef __SSE2__
#include <emmintrin.h>

#define LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define EQ(v, ch) _mm_cmpeq_epi8(v, _mm_set1_epi8(ch))
#define OR(a, b) _mm_or_si128(a, b)
#define AND(a, b) _mm_and_si128(a, b)
/* Signed compares: bytes >= 0x80 are negative, so never in a range of ASCII. */
#define RANGE(v, lo, hi)                                                                                     \
	AND(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)((lo)-1))),                                                \
	    _mm_cmplt_epi8(v, _mm_set1_epi8((char)((hi) + 1))))

/*
 * Word starts in the 16 bytes at p (bit j for p[j]) that at_start must
 * see; p[-1] .. p[22] are read. kw16: a keyword's first two letters (lo,
 * au, pa, de, re, fa, us, any case). addr16: a digit with a '.' 1 to 3
 * bytes on and another 3 to 7 bytes on (a dotted quad can start there),
 * or after ':' ("::1").
 */
static inline unsigned kw16(const unsigned char *p)
{
	const __m128i c = LOAD(p), q = LOAD(p - 1), lc = OR(c, _mm_set1_epi8(0x20));
	const __m128i l1 = OR(LOAD(p + 1), _mm_set1_epi8(0x20));
	__m128i kw;

	/* a letter after no letter or digit; the pairs below are letters */
	kw = OR(OR(AND(EQ(lc, 'l'), EQ(l1, 'o')), AND(EQ(lc, 'a'), EQ(l1, 'u'))),
		OR(AND(EQ(lc, 'p'), EQ(l1, 'a')), AND(OR(EQ(lc, 'd'), EQ(lc, 'r')), EQ(l1, 'e'))));
	kw = OR(kw, OR(AND(EQ(lc, 'f'), EQ(l1, 'a')), AND(EQ(lc, 'u'), EQ(l1, 's'))));
	return (unsigned)_mm_movemask_epi8(
	    _mm_andnot_si128(OR(RANGE(OR(q, _mm_set1_epi8(0x20)), 'a', 'z'), RANGE(q, '0', '9')), kw));
}

static inline unsigned addr16(const unsigned char *p)
{
	const __m128i c = LOAD(p), q = LOAD(p - 1);
	__m128i d1, d2, start;

	start = _mm_andnot_si128(OR(RANGE(OR(q, _mm_set1_epi8(0x20)), 'a', 'z'), RANGE(q, '0', '9')),
				 OR(RANGE(OR(c, _mm_set1_epi8(0x20)), 'a', 'z'), RANGE(c, '0', '9')));
	d1 = OR(OR(EQ(LOAD(p + 1), '.'), EQ(LOAD(p + 2), '.')), EQ(LOAD(p + 3), '.'));
	d2 = OR(OR(EQ(LOAD(p + 4), '.'), EQ(LOAD(p + 5), '.')),
		OR(EQ(LOAD(p + 6), '.'), EQ(LOAD(p + 7), '.')));
	d2 = OR(d2, EQ(LOAD(p + 3), '.'));
	return (unsigned)_mm_movemask_epi8(AND(start, OR(AND(RANGE(c, '0', '9'), AND(d1, d2)), EQ(q, ':'))));
}
#undef LOAD
#undef EQ
#undef OR
#undef AND
#undef RANGE
#endif

#ifdef __SSE2__
/* at_start on the starts in m (bit j: s[at + j]); 1 when the line is now known to be login-looking. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
starts(const unsigned char *s, size_t at, unsigned m, size_t n, int *word, int *who)
{
	for (; m; m &= m - 1)
		if (at_start(s, at + (size_t)__builtin_ctz(m), n, word, who))
			return 1;
	return 0;
}
#endif

/* -DIB_NO_AVX2 leaves only the SSE2 path, to test it on a machine with AVX2. */
#if defined(__SSE2__) && defined(__GNUC__) && defined(__x86_64__) && !defined(IB_NO_AVX2)
#include <immintrin.h>
#define KW32 1

/*
 * The keyword pairs of kw16 in 32 bytes with AVX2 (p[0] .. p[32] are
 * read), wherever they are: whether a word starts there is left to
 * wstarts, as few bytes pass. The seven first letters have distinct low
 * nibbles (p 0, a 1, r 2, d 4, u 5, f 6, l c), so one table lookup of a
 * byte gives the first letter it must be and another the letter that
 * must follow; other nibbles give 0, which no byte or-ed with 0x20 equals.
 */
__attribute__((target("avx2"))) static inline unsigned kw32(const unsigned char *p)
{
#define T1 'p', 'a', 'r', 0, 'd', 'u', 'f', 0, 0, 0, 0, 0, 'l', 0, 0, 0
#define T2 'a', 'u', 'e', 0, 'e', 's', 'a', 0, 0, 0, 0, 0, 'o', 0, 0, 0
	const __m256i x20 = _mm256_set1_epi8(0x20), t1 = _mm256_setr_epi8(T1, T1),
		      t2 = _mm256_setr_epi8(T2, T2);
	const __m256i lc = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)p), x20);
	const __m256i l1 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 1)), x20);
	__m256i kw;

	kw = _mm256_and_si256(_mm256_cmpeq_epi8(lc, _mm256_shuffle_epi8(t1, lc)),
			      _mm256_cmpeq_epi8(l1, _mm256_shuffle_epi8(t2, lc)));
	return (unsigned)_mm256_movemask_epi8(kw);
#undef T1
#undef T2
}

/* starts() for the bits of m at the start of a word (kw32 does not look at the byte before). */
__attribute__((target("avx2"))) static inline int wstarts(const unsigned char *s, size_t at, unsigned m,
							  size_t n, int *word, int *who)
{
	for (; m; m &= m - 1) {
		size_t i = at + (size_t)__builtin_ctz(m);

		if (!cls[s[i - 1]] && at_start(s, i, n, word, who))
			return 1;
	}
	return 0;
}

/* The first pass over s[1 .. n - 1) with kw32 (n > 33), as ib_login_looking's with kw16. */
__attribute__((target("avx2"))) static int kw_avx2(const unsigned char *s, size_t n, int *word, int *who)
{
	size_t i, p = n - 33;

	for (i = 1; i + 33 <= n; i += 32)
		if (wstarts(s, i, kw32(s + i), n, word, who))
			return 1;
	return wstarts(s, p, kw32(s + p) & (unsigned)~((1ull << (i - p)) - 1), n, word, who);
}
#endif

/*
 * A literal prefilter: only the start of each word is looked at (a
 * keyword's first letter costs one compare, a digit one dotted-quad
 * test); with SSE2 the starts are found 16 bytes at a time, with AVX2
 * the keywords' 32 at a time.
 */
int ib_login_looking(struct ib_str line)
{
	const unsigned char *s = (const unsigned char *)line.ptr;
	size_t n = line.len, i = 1;
	int word = 0, who = 0;

#ifdef __SSE2__
	/* two passes: most lines have no keyword, and the first pass looks only for those */
	if (n > 24) {
		size_t p;

		if (cls[s[0]] == K && at_start(s, 0, n, &word, &who))
			return 1;
#ifdef KW32
		if (n > 33 && __builtin_cpu_supports("avx2")) {
			if (kw_avx2(s, n, &word, &who))
				return 1;
		} else
#endif
		{
			for (; i + 17 <= n; i += 16)
				if (starts(s, i, kw16(s + i), n, &word, &who))
					return 1;
			/*
			 * The rest but the last byte (no keyword is one byte
			 * long), in a window that ends at the line's end and
			 * overlaps the last one: kw16 reads p[-1] .. p[16].
			 */
			p = n - 17;
			if (starts(s, p, kw16(s + p) & ~((1u << (i - p)) - 1), n, &word, &who))
				return 1;
		}
		if (!word)
			return 0;
		/* the second pass: addresses, the digits that start a dotted quad and "::" */
		if (scalar(s, 0, 1, n, &word, &who))
			return 1;
		for (i = 1; i + 23 <= n; i += 16)
			if (starts(s, i, addr16(s + i), n, &word, &who))
				return 1;
		return scalar(s, i, n, n, &word, &who);
	}
#endif
	return scalar(s, 0, n, n, &word, &who);
}

/* The word after which the next word is a name to hide. */
static int hides_next(const char *w, size_t len)
{
	switch (len) {
	case 2:
		return at_word(w, len, "as", 2);
	case 3:
		return at_word(w, len, "for", 3);
	case 4:
		return at_word(w, len, "user", 4);
	case 7:
		return at_word(w, len, "account", 7);
	}
	return 0;
}

static const unsigned char delim[256] = {[' '] = 1, ['\t'] = 1, [','] = 1, [';'] = 1, [')'] = 1, ['('] = 1,
					 ['"'] = 1, ['\''] = 1, ['<'] = 1, ['>'] = 1, ['['] = 1, [']'] = 1};

static inline int is_delim(unsigned char c)
{
	return delim[c];
}

/*
 * Bytes that go on a word of a shape: not a delimiter, '=', '/' or a
 * control byte (1), and of those the hex digits, '.' and ':' (2).
 */
static unsigned char wordch[256];

static void wordch_init(void)
{
	for (int c = 0x20; c < 256; c++)
		wordch[c] = c == 0x7f || delim[c] || c == '=' || c == '/'     ? 0
			    : ishex((unsigned char)c) || c == '.' || c == ':' ? 2
									      : 1;
}

struct out {
	char *buf;
	size_t cap, len; /* cap: bytes that fit before the NUL, at most IB_SHAPE_MAX */
};

static inline void put(struct out *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len++] = c;
}

/* Index past the closing byte `close` from i, or n when it is not closed. */
static size_t skip_to(const char *s, size_t n, size_t i, char close)
{
	const char *e = memchr(s + i, close, n - i);

	return e ? (size_t)(e - s) + 1 : n;
}

size_t ib_line_shape(struct ib_str line, char *buf, size_t size)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const char *s = line.ptr;
	size_t n = line.len, i = 0, wstart = 0;
	struct out o = {buf, size ? (size - 1 < IB_SHAPE_MAX ? size - 1 : IB_SHAPE_MAX) : 0, 0};
	int hide = 0; /* the next word is a name */

	pthread_once(&once, wordch_init);
	while (i < n && o.len < o.cap) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\'' || c == '<' || c == '[') {
			char close = c == '<' ? '>' : c == '[' ? ']' : (char)c;

			put(&o, (char)c);
			put(&o, '*');
			put(&o, close);
			i = skip_to(s, n, i + 1, close);
			hide = 0;
			continue;
		}
		if (c == '=') {
			put(&o, '=');
			hide = 0;
			if (++i < n && is_delim((unsigned char)s[i]))
				continue;
			put(&o, '*');
			for (; i < n && !is_delim((unsigned char)s[i]); i++)
				;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			put(&o, c == '\t' ? ' ' : '?');
			i++;
			continue;
		}
		if (is_delim(c) || c == '/') {
			put(&o, (char)c);
			i++;
			continue;
		}
		/* a word: up to a delimiter (':' stays inside: times, IPv6) */
		wstart = i;
		{
			size_t e = i, wl;
			int at = 0;

			while (e < n && wordch[(unsigned char)s[e]]) {
				at |= s[e] == '@';
				e++;
			}
			if (hide || at) {
				put(&o, '*');
				if (e > wstart && s[e - 1] == ':')
					put(&o, ':');
			} else {
				/* a run of hex digits, '.' and ':' that holds a digit becomes '#' */
				for (size_t k = wstart; k < e;) {
					size_t r = k;
					int digit = 0;

					while (r < e && wordch[(unsigned char)s[r]] == 2) {
						digit |= isdig((unsigned char)s[r]);
						r++;
					}
					if (digit) {
						put(&o, '#');
						if (s[r - 1] == ':' || s[r - 1] == '.')
							put(&o, s[r - 1]);
						k = r;
						continue;
					}
					if (r == k)
						r++;
					while (k < r)
						put(&o, s[k++]);
				}
			}
			wl = e - wstart;
			if (wl && s[wstart + wl - 1] == ':')
				wl--;
			hide = hides_next(s + wstart, wl);
			i = e;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t ib_line_sample(struct ib_str line, char *buf, size_t size)
{
	size_t n = line.len, i = 0;

	if (n > IB_SAMPLE_MAX)
		n = IB_SAMPLE_MAX;
	if (n > size - 1)
		n = size - 1;
	/* do not cut a UTF-8 sequence: back up over its continuation bytes */
	if (n < line.len) {
		size_t k = n;

		while (k > 0 && ((unsigned char)line.ptr[k] & 0xc0) == 0x80)
			k--;
		if (n - k < 4)
			n = k;
	}
	for (; i < n; i++)
		buf[i] = line.ptr[i] ? line.ptr[i] : '?';
	buf[n] = '\0';
	return n;
}
