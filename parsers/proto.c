/*
 * proto.c: protocol names (event.h) and the protocol of a server port.
 * Ports are the IANA ones a mail server or proxy listens on; a port that
 * names no protocol here leaves the event's protocol unknown, never a guess.
 */
#include <stdint.h>
#include <string.h>
#include "imapblast/event.h"

static const char *const names[IB_PROTO_COUNT] = {"none", "imap", "pop3", "smtp", "eas", "http", "other"};

const char *ib_proto_name(enum ib_proto p)
{
	return (unsigned)p < IB_PROTO_COUNT ? names[p] : "?";
}

const char *ib_proto_label(enum ib_proto p)
{
	static const char *const label[IB_PROTO_COUNT] = {"not stated", "IMAP", "POP3", "SMTP AUTH",
							  "ActiveSync", "HTTP", "other"};

	return (unsigned)p < IB_PROTO_COUNT ? label[p] : "?";
}

int ib_proto_parse(struct ib_str s, enum ib_proto *out)
{
	for (int i = 0; i < IB_PROTO_COUNT; i++) {
		const char *n = names[i];
		size_t k = 0;

		for (; k < s.len && n[k]; k++) {
			char c = s.ptr[k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != n[k])
				break;
		}
		if (k == s.len && !n[k]) {
			*out = (enum ib_proto)i;
			return 0;
		}
	}
	return -1;
}

enum ib_proto ib_proto_of_port(unsigned long port)
{
	switch (port) {
	case 143:
	case 993:
		return IB_PROTO_IMAP;
	case 110:
	case 995:
		return IB_PROTO_POP3;
	case 25:
	case 465:
	case 587:
		return IB_PROTO_SMTP;
	case 4190:
		return IB_PROTO_OTHER;
	default:
		return IB_PROTO_NONE;
	}
}

enum ib_proto ib_proto_of_addr(struct ib_str addr)
{
	unsigned long port = 0, scale = 1;
	size_t i = addr.len, stop = addr.len > 5 ? addr.len - 5 : 0;
	unsigned d;

	/* up to five digits after the last ':', read from the end */
	while (i > stop && (d = (unsigned)((unsigned char)addr.ptr[i - 1] - '0')) <= 9) {
		port += d * scale;
		scale *= 10;
		i--;
	}
	if (i == addr.len || !i || addr.ptr[i - 1] != ':')
		return IB_PROTO_NONE;
	return ib_proto_of_port(port);
}

/* 1 when s holds lit (lower case) with ASCII case ignored. */
static int has(struct ib_str s, const char *lit, size_t n)
{
	for (size_t i = 0; i + n <= s.len; i++) {
		size_t k = 0;

		while (k < n && (s.ptr[i + k] | 0x20) == lit[k])
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* 1 when s starts with lit (lower case, n bytes), ASCII case ignored; no loop for n <= 4. */
static inline int starts(struct ib_str s, const char *lit, size_t n)
{
	if (s.len < n)
		return 0;
	if (n <= 4) {
		unsigned char k[4] = {0, 0, 0, 0}, l[4] = {0, 0, 0, 0};
		uint32_t x, y;

		memcpy(k, s.ptr, n);
		memcpy(l, lit, n);
		memcpy(&x, k, 4);
		memcpy(&y, l, 4);
		return (x | 0x20202020u) == (y | 0x20202020u);
	}
	return has((struct ib_str){s.ptr, n}, lit, n);
}

enum ib_proto ib_proto_of_program(struct ib_str program)
{
	const char *slash = program.len ? memrchr(program.ptr, '/', program.len) : NULL;

	if (slash)
		program = (struct ib_str){slash + 1, program.len - (size_t)(slash + 1 - program.ptr)};
	if (program.len > 64)
		return IB_PROTO_NONE;
	if (starts(program, "imap", 4)) /* imap-login, imapd: the usual names, first */
		return IB_PROTO_IMAP;
	if (starts(program, "pop", 3))
		return IB_PROTO_POP3;
	if (has(program, "imap", 4))
		return IB_PROTO_IMAP;
	if (has(program, "pop", 3))
		return IB_PROTO_POP3;
	if (starts(program, "submission", 10) || starts(program, "smtp", 4))
		return IB_PROTO_SMTP;
	if (starts(program, "managesieve", 11) || starts(program, "lmtp", 4))
		return IB_PROTO_OTHER;
	return IB_PROTO_NONE;
}
