/*
 * thunderbird.c: Thunderbird MOZ_LOG=IMAP:5[,timestamp] output, layer client.
 *   2026-01-14 09:01:02.123456 UTC - [Parent 4242: IMAP]: I/IMAP
 * 0x7f3a1c0:outlook.office365.com:NA:CreateNewLineFromSocket: 3 NO AUTHENTICATE failed. ev->message = the
 * text after the Gecko prefix ("0x...:host:NA:Sub: data"). The pointer keys a connection: NA -> A is a login
 * success (ok); tagged NO/BAD server lines in NA state are failure candidates for the rules; an Exchange
 * greeting names the backend. No user is logged. Without the timestamp option the time is IB_TIME_NONE.
 */
#include <stdlib.h>
#include "imapblast/parser.h"
#include "strparse.h"

#define TB_CONNS 64
#define TB_SRV_CAP 64

struct tb_conn {
	uint64_t key; /* pointer value; 0 = free */
	int authed;
	int seen_na;   /* the login phase was seen: NA -> A is a real login */
	int auth_sent; /* an auth command went out (suppressed SendData) */
	size_t srv_len;
	char srv[TB_SRV_CAP];
};

struct tb_state {
	struct tb_conn conn[TB_CONNS];
	unsigned next; /* round-robin victim */
};

static void *tb_open(void)
{
	return calloc(1, sizeof(struct tb_state));
}

static void tb_close(void *st)
{
	free(st);
}

static unsigned num(const char *p, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

/* "2026-01-14 09:01:02.123456 UTC - " (always UTC); returns bytes used or 0 */
static size_t tb_time(struct ib_str s, int64_t *out)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd.dddddd UTC - ";
	const char *p = s.ptr;

	if (s.len < sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !ib_sp_isdigit(p[i]) : p[i] != shape[i])
			return 0;
	if (!ib_date_valid((int)num(p, 4), num(p + 5, 2), num(p + 8, 2)) || num(p + 11, 2) > 23 ||
	    num(p + 14, 2) > 59 || num(p + 17, 2) > 60)
		return 0;
	*out = ib_time_utc((int)num(p, 4), num(p + 5, 2), num(p + 8, 2), num(p + 11, 2), num(p + 14, 2),
			   num(p + 17, 2), num(p + 20, 3));
	return sizeof(shape) - 1;
}

/* "[Parent 4242: IMAP]: I/IMAP " -> bytes used, or 0 */
static size_t tb_prefix(struct ib_str s)
{
	long rb;

	if (!s.len || s.ptr[0] != '[')
		return 0;
	rb = IB_SP_FIND(s, "]: ");
	if (rb < 0 || rb > 200)
		return 0;
	s = ib_sp_from(s, (size_t)rb + 3);
	if (s.len < 8 || s.ptr[1] != '/' || memcmp(s.ptr + 2, "IMAP ", 5))
		return 0;
	return (size_t)rb + 3 + 7;
}

static int tb_probe(struct ib_str line)
{
	int64_t t;
	size_t n = tb_time(line, &t);

	if (tb_prefix(ib_sp_from(line, n)))
		return 95;
	if (n && IB_SP_FIND(line, "]: ") > 0)
		return 40; /* MOZ_LOG, another module */
	return 0;
}

static uint64_t hexval(struct ib_str s, int *ok)
{
	uint64_t v = 0;
	size_t i = 0, nd = 0;

	if (s.len > 2 && s.ptr[0] == '0' && (s.ptr[1] == 'x' || s.ptr[1] == 'X'))
		i = 2;
	for (; i < s.len; i++, nd++) {
		char c = s.ptr[i];
		unsigned d;
		if (ib_sp_isdigit(c))
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		v = v << 4 | d;
	}
	*ok = nd > 0 && nd <= 16 && i == s.len && v != 0;
	return v;
}

static struct tb_conn *tb_find(struct tb_state *st, uint64_t key, int create)
{
	struct tb_conn *c;

	for (unsigned i = 0; i < TB_CONNS; i++)
		if (st->conn[i].key == key)
			return &st->conn[i];
	if (!create)
		return NULL;
	c = &st->conn[st->next++ % TB_CONNS];
	memset(c, 0, sizeof(*c));
	c->key = key;
	return c;
}

/*
 * Exchange greeting "* OK The Microsoft Exchange IMAP4 service is ready.
 * [base64]": decode the base64 UTF-16LE backend name into out (ASCII
 * letters, digits, '.', '-', '_' only; cap includes the NUL). Returns the
 * name length, 0 when s holds no such banner or the name is not ASCII.
 */
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

static size_t exchange_banner(struct ib_str s, char *out, size_t cap)
{
	static const char key[] = "The Microsoft Exchange IMAP4 service is ready. [";
	long at = ib_sp_find(s, key, sizeof(key) - 1);
	unsigned acc = 0;
	int bits = 0, half = 0;
	size_t n = 0;
	unsigned char lo = 0;

	if (at < 0 || !cap)
		return 0;
	s = ib_sp_from(s, (size_t)at + sizeof(key) - 1);
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
		if (byte || !(ib_sp_ishex((char)lo) || (lo >= 'g' && lo <= 'z') || (lo >= 'G' && lo <= 'Z') ||
			      lo == '.' || lo == '-' || lo == '_'))
			return 0;
		if (n + 1 >= cap)
			return 0;
		out[n++] = (char)lo;
	}
	out[n] = 0;
	return n;
}

/* "3 NO ..." / "3 BAD ...": a tagged failure (not "* NO") */
static int tagged_fail(struct ib_str d)
{
	struct ib_str tag = ib_sp_token(d), rest = ib_sp_from(d, tag.len + 1);

	if (!tag.len || tag.ptr[0] == '*' || tag.ptr[0] == '+')
		return 0;
	return IB_SP_STARTS(rest, "NO") || IB_SP_STARTS(rest, "BAD");
}

/* Take the field before the next ':' of *s into out and step *s past the ':'; -1 when there is none. */
static int colon_field(struct ib_str *s, struct ib_str *out)
{
	long at = ib_sp_chr(*s, ':');

	if (at < 0)
		return -1;
	*out = ib_sp_sub(*s, 0, (size_t)at);
	*s = ib_sp_from(*s, (size_t)at + 1);
	return 0;
}

static int tb_parse(struct ib_parse_ctx *ctx, struct ib_str line, struct ib_event *ev)
{
	struct tb_state *st = ctx->state;
	struct tb_conn *c = NULL;
	struct ib_str s = line, ptr, host, state, data;
	int64_t t = IB_TIME_NONE;
	size_t n;
	long at;
	int ok;
	uint64_t key;

	n = tb_time(s, &t);
	ev->time_ms = n ? t : IB_TIME_NONE;
	s = ib_sp_from(s, n);
	if (!s.len || s.ptr[0] != '[') {
		ctx->reason = "no Gecko log prefix";
		return IB_BAD;
	}
	n = tb_prefix(s);
	if (!n) {
		if (IB_SP_FIND(s, "]: ") > 0)
			return IB_SKIP; /* another module */
		ctx->reason = "no Gecko log prefix";
		return IB_BAD;
	}
	s = ib_sp_from(s, n);
	ev->message = s;
	/* ptr:host:state:subname[:extra]: data */
	at = ib_sp_chr(s, ':');
	if (at <= 0)
		return IB_SKIP; /* free text (e.g. "ReadNextLine [...]") */
	ptr = ib_sp_sub(s, 0, (size_t)at);
	key = hexval(ptr, &ok);
	if (!ok)
		return IB_SKIP;
	s = ib_sp_from(s, (size_t)at + 1);
	if (colon_field(&s, &host) < 0) {
		ctx->reason = "no host field";
		return IB_BAD;
	}
	if (colon_field(&s, &state) < 0) {
		ctx->reason = "no state field";
		return IB_BAD;
	}
	at = IB_SP_FIND(s, ": ");
	data = at >= 0 ? ib_sp_from(s, (size_t)at + 2) : IB_STR_NULL;
	ev->server = host;
	ev->session = ptr;
	if (st)
		c = tb_find(st, key, 1);
	if (c && c->srv_len)
		ev->server = (struct ib_str){c->srv, c->srv_len};
	if (!IB_SP_EQ(state, "NA")) {
		/* "A" or "S-mailbox": authenticated */
		if (c && c->seen_na && !c->authed) {
			c->authed = 1;
			ev->outcome = IB_CAT_OK;
			ev->signature = "thunderbird-authenticated";
			ev->flags |= IB_EV_AUTH_HINT;
			return IB_OK;
		}
		if (c && IB_SP_FIND(s, "clearing IMAP_CONNECTION_IS_OPEN") >= 0)
			c->key = 0;
		return IB_SKIP;
	}
	if (c) {
		c->authed = 0; /* NA again: a pointer reused by a new connection */
		c->seen_na = 1;
	}
	if (IB_SP_STARTS(s, "SendData:") && IB_SP_FIND(data, "Logging suppressed") >= 0) {
		if (c)
			c->auth_sent = 1;
		return IB_SKIP;
	}
	if (IB_SP_FIND(s, "clearing IMAP_CONNECTION_IS_OPEN") >= 0) {
		int pending = c ? c->auth_sent : 0;
		if (c)
			c->key = 0;
		/* a drop while a login was in flight */
		return pending ? IB_OK : IB_SKIP;
	}
	if (!IB_SP_STARTS(s, "CreateNewLineFromSocket:"))
		return IB_SKIP;
	if (c) {
		char name[TB_SRV_CAP];
		size_t k = exchange_banner(data, name, sizeof(name));
		if (k) {
			memcpy(c->srv, name, k);
			c->srv_len = k;
			ev->server = (struct ib_str){c->srv, c->srv_len};
			return IB_SKIP;
		}
	}
	if (tagged_fail(data)) {
		if (c)
			c->auth_sent = 0;
		ev->flags |= IB_EV_AUTH_HINT;
		return IB_OK;
	}
	return IB_SKIP;
}

const struct ib_parser ib_parser_thunderbird = {
    .name = "thunderbird",
    .description = "Thunderbird MOZ_LOG IMAP:5 (optionally with timestamp)",
    .layer = IB_LAYER_CLIENT,
    .protocol = IB_PROTO_IMAP,
    .probe = tb_probe,
    .parse = tb_parse,
    .open = tb_open,
    .close = tb_close,
};
