/* PostgreSQL's wire protocol as the kernel programs read it: framing a byte stream into
 * messages, recognising a connection by its first bytes, the row count of a command tag and the
 * fields of a notice. Pure: no maps and no helper but the one user-memory read (TUSK_READ_USER),
 * so it compiles on the host too, where Tests/KernelProtocolTests run it over byte fixtures
 * (through Sources/CTuskProtocol). Reference:
 * https://www.postgresql.org/docs/15/protocol-message-formats.html */
#ifndef TUSK_PROTOCOL_H
#define TUSK_PROTOCOL_H

#include <linux/types.h>
#include "tusk_record.h"

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#define TUSK_READ_USER(dst, n, src) bpf_probe_read_user(dst, n, src)
#else
#include <string.h>
#define TUSK_READ_USER(dst, n, src) (memcpy(dst, src, n), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

/* v = min(v, max), as a compare and a move on the one register that is used afterwards: older
 * verifiers learn a bound only from comparing a register with a constant (max must be one, or a
 * tunable the verifier reads as one), and the compiler may otherwise compare a copy, or drop a
 * clamp it can prove redundant. */
#ifdef __bpf__
#define TUSK_CLAMP(v, max)                                                                  \
	({                                                                                  \
		__u64 __v = (v), __max = (max);                                             \
		asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(__v) : "r"(__max));      \
		__v;                                                                        \
	})
#else
#define TUSK_CLAMP(v, max) ((v) < (max) ? (v) : (max))
#endif

#define TUSK_MAX_MESSAGE_BYTES (1U << 30) /* PostgreSQL's own limit on a message */
#define TUSK_MAX_STARTUP_BYTES 10000      /* PostgreSQL's MAX_STARTUP_PACKET_LENGTH */
#define TUSK_PROTOCOL_3 3
#define TUSK_CODE_CANCEL 80877102
#define TUSK_CODE_SSL 80877103
#define TUSK_CODE_GSSENC 80877104

/* The first bytes of each buffer, read from user memory once: headers and short fields are taken
 * from here with plain loads instead of one user-memory read each. */
#define TUSK_WINDOW 256

/* One buffer being walked. */
struct tusk_cursor {
	__u64 buf;     /* its address (user memory in the kernel) */
	__u32 len;     /* bytes in it */
	__u32 pos;     /* bytes walked */
	__u32 win_len; /* buf[0..win_len) is in window */
	__u32 pad;
	__u8 window[2 * TUSK_WINDOW]; /* the second half is room the verifier asks for */
};

/* How the next message in a stream is framed. */
enum tusk_frame_mode {
	TUSK_MODE_TYPED = 0,      /* type byte + int32 length */
	TUSK_MODE_UNTYPED = 1,    /* startup phase: int32 length + int32 code */
	TUSK_MODE_SSL_ANSWER = 2, /* one byte answering SSLRequest/GSSENCRequest */
};

/* One direction of a connection, framed into messages across any number of buffers. */
struct tusk_framer {
	__u32 body_left; /* body bytes of the current message not yet walked */
	__u8 hdr[8];     /* header bytes gathered so far (a header may be split too) */
	__u8 hdr_have;
	__u8 type;       /* the current message's type; 0 for the untyped startup packets */
	__u8 mode;       /* enum tusk_frame_mode */
	__u8 in_body;
};

/* What one framing step found. */
enum tusk_frame_event {
	TUSK_FRAME_DONE = 0,   /* the cursor is at the end of its buffer */
	TUSK_FRAME_MORE = 1,   /* header bytes gathered; nothing to act on yet */
	TUSK_FRAME_BEGIN = 2,  /* a message starts: type, body (and code for a startup packet) */
	TUSK_FRAME_BODY = 3,   /* n body bytes at the cursor; pass over them with tusk_frame_consume */
	TUSK_FRAME_ANSWER = 4, /* the answer to SSLRequest/GSSENCRequest, in type ('N': plaintext) */
	TUSK_FRAME_BROKEN = 5, /* the bytes are not PostgreSQL */
};

struct tusk_frame {
	__u32 body; /* BEGIN: body bytes */
	__u32 n;    /* BODY: body bytes available at the cursor */
	__u32 code; /* BEGIN of a startup packet: its code (protocol version or request) */
	__u8 type;
	__u8 pad[3];
};

/* What a startup packet asks for. */
enum tusk_startup {
	TUSK_STARTUP_OTHER = 0,
	TUSK_STARTUP_SESSION = 1, /* StartupMessage, protocol 3 */
	TUSK_STARTUP_SECURE = 2,  /* SSLRequest or GSSENCRequest: a one-byte answer follows */
	TUSK_STARTUP_CANCEL = 3,  /* CancelRequest: a connection of its own, nothing to trace */
};

/* What the first bytes sent on a socket say. */
enum tusk_first_bytes {
	TUSK_FIRST_OTHER = 0,
	TUSK_FIRST_STARTUP = 1,  /* StartupMessage/SSLRequest/GSSENCRequest/CancelRequest */
	TUSK_FIRST_FRONTEND = 2, /* whole frontend messages: a connection opened before Tusk */
	TUSK_FIRST_DIRECT_TLS = 3, /* a TLS ClientHello offering ALPN "postgresql" (PostgreSQL 17's direct TLS) */
};

static __always_inline __u32 tusk_be32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

/* Bytes to copy into a field of `cap` bytes that already holds `off`: at most `n`. */
static __always_inline __u32 tusk_take(__u32 cap, __u32 off, __u32 n)
{
	if (off >= cap)
		return 0;
	__u32 take = cap - off;
	return take < n ? take : n;
}

static __always_inline int tusk_startup_kind(__u32 code)
{
	if ((code >> 16) == TUSK_PROTOCOL_3)
		return TUSK_STARTUP_SESSION;
	if (code == TUSK_CODE_SSL || code == TUSK_CODE_GSSENC)
		return TUSK_STARTUP_SECURE;
	if (code == TUSK_CODE_CANCEL)
		return TUSK_STARTUP_CANCEL;
	return TUSK_STARTUP_OTHER;
}

static __always_inline int tusk_frontend_type(__u8 t)
{
	switch (t) {
	case 'Q': case 'P': case 'B': case 'E': case 'D': case 'C': case 'S':
	case 'H': case 'F': case 'X': case 'd': case 'c': case 'f':
		return 1;
	}
	return 0;
}

/* ---- framing ---- */

/* Point the cursor at `len` bytes at `buf` and read the first of them into its window. */
static __always_inline void tusk_cursor_start(struct tusk_cursor *c, __u64 buf, __u32 len)
{
	c->buf = buf;
	c->len = len;
	c->pos = 0;
	__u32 n = TUSK_CLAMP(len, TUSK_WINDOW);
	c->win_len = TUSK_READ_USER(c->window, n, (const void *)(unsigned long)buf) ? 0 : n;
}

static __always_inline __u32 tusk_header_size(__u8 mode)
{
	return mode == TUSK_MODE_UNTYPED ? 8 : mode == TUSK_MODE_SSL_ANSWER ? 1 : 5;
}

static __always_inline int tusk_frame_begin(struct tusk_framer *f, struct tusk_frame *out, __u8 type, __u32 body)
{
	f->type = type;
	f->body_left = body;
	f->in_body = body != 0;
	out->type = type;
	out->body = body;
	return TUSK_FRAME_BEGIN;
}

/* One step over the cursor: gather (part of) a header, or find the body bytes that are here.
 * Headers are consumed here; body bytes by tusk_frame_consume once the caller has used them. */
static __always_inline int tusk_frame_step(struct tusk_framer *f, struct tusk_cursor *c, struct tusk_frame *out)
{
	if (c->pos >= c->len)
		return TUSK_FRAME_DONE;
	__u32 avail = c->len - c->pos;
	if (f->in_body) {
		out->n = f->body_left < avail ? f->body_left : avail;
		return TUSK_FRAME_BODY;
	}

	/* the usual case: a whole typed header in the window, read in place */
	if (!f->hdr_have && f->mode == TUSK_MODE_TYPED && c->pos + 5 <= c->win_len) {
		__u32 at = c->pos & (TUSK_WINDOW - 1);
		__u8 type = c->window[at];
		__u32 len = tusk_be32(&c->window[at + 1]);
		/* type 0 stands for the untyped startup packets only */
		if (!type || len < 4 || len > TUSK_MAX_MESSAGE_BYTES)
			return TUSK_FRAME_BROKEN;
		c->pos += 5;
		return tusk_frame_begin(f, out, type, len - 4);
	}

	__u32 size = tusk_header_size(f->mode);
	__u32 have = f->hdr_have & 7;
	if (have >= size)
		return TUSK_FRAME_BROKEN;
	__u32 n = size - have;
	if (n > avail)
		n = avail;
	n = TUSK_CLAMP(n, 8);
	if (c->pos + n <= c->win_len) {
		__u32 at = c->pos & (TUSK_WINDOW - 1);
		for (int i = 0; i < 8; i++) {
			if (i >= n)
				break;
			f->hdr[(have + i) & 7] = c->window[at + i];
		}
	} else if (TUSK_READ_USER(&f->hdr[have], n, (const void *)(unsigned long)(c->buf + c->pos))) {
		return TUSK_FRAME_BROKEN;
	}
	c->pos += n;
	if (have + n < size) {
		f->hdr_have = have + n;
		return TUSK_FRAME_MORE;
	}
	f->hdr_have = 0;

	if (f->mode == TUSK_MODE_SSL_ANSWER) {
		out->type = f->hdr[0];
		if (f->hdr[0] == 'N')
			f->mode = TUSK_MODE_TYPED;
		return TUSK_FRAME_ANSWER;
	}
	if (f->mode == TUSK_MODE_UNTYPED) {
		__u32 len = tusk_be32(f->hdr);
		if (len < 8 || len > TUSK_MAX_STARTUP_BYTES)
			return TUSK_FRAME_BROKEN;
		out->code = tusk_be32(&f->hdr[4]);
		return tusk_frame_begin(f, out, 0, len - 8);
	}
	__u32 len = tusk_be32(&f->hdr[1]);
	if (!f->hdr[0] || len < 4 || len > TUSK_MAX_MESSAGE_BYTES)
		return TUSK_FRAME_BROKEN;
	return tusk_frame_begin(f, out, f->hdr[0], len - 4);
}

/* Pass over `n` body bytes at the cursor. 1 when that ends the message. */
static __always_inline int tusk_frame_consume(struct tusk_framer *f, struct tusk_cursor *c, __u32 n)
{
	c->pos += n;
	f->body_left -= n;
	if (f->body_left)
		return 0;
	f->in_body = 0;
	return 1;
}

/* ---- recognising a connection ---- */

/* Do the first bytes sent on a socket look like PostgreSQL's frontend? Content only: any port,
 * any transport. A midstream guess needs whole messages of frontend types ending exactly at the
 * end of the buffer, the last one a message a client ends a write with. */
/* TLS extensions looked at in a ClientHello before giving up on finding ALPN */
#define TUSK_HELLO_MAX_EXTENSIONS 32

/* Is this a TLS ClientHello whose ALPN list starts with "postgresql"? libpq 17+ sends one as the
 * first bytes of a connection with sslnegotiation=direct (no SSLRequest), and a server accepts
 * direct TLS only with that protocol. Layout: record header (5), handshake header (4), version
 * (2), random (32), session id (1 + n), cipher suites (2 + n), compression methods (1 + n),
 * extensions (2 + each: type 2, length 2, data); ALPN (type 16) data: list length (2), then
 * name length (1) and name. */
static __always_inline int tusk_direct_tls(__u64 buf, __u32 len)
{
	__u8 h[6];
	if (len < 46 || TUSK_READ_USER(h, 6, (const void *)(unsigned long)buf))
		return 0;
	if (h[0] != 0x16 || h[1] != 0x03 || h[5] != 0x01)
		return 0;
	__u32 off = 43;
	if (TUSK_READ_USER(h, 1, (const void *)(unsigned long)(buf + off)))
		return 0;
	off += 1 + h[0];
	if (off + 2 > len || TUSK_READ_USER(h, 2, (const void *)(unsigned long)(buf + off)))
		return 0;
	off += 2 + (((__u32)h[0] << 8) | h[1]);
	if (off + 1 > len || TUSK_READ_USER(h, 1, (const void *)(unsigned long)(buf + off)))
		return 0;
	off += 1 + h[0];
	if (off + 2 > len || TUSK_READ_USER(h, 2, (const void *)(unsigned long)(buf + off)))
		return 0;
	__u32 end = off + 2 + (((__u32)h[0] << 8) | h[1]);
	if (end > len)
		end = len;
	off += 2;
	for (int i = 0; i < TUSK_HELLO_MAX_EXTENSIONS; i++) {
		if (off + 4 > end || TUSK_READ_USER(h, 4, (const void *)(unsigned long)(buf + off)))
			return 0;
		__u32 type = ((__u32)h[0] << 8) | h[1];
		__u32 size = ((__u32)h[2] << 8) | h[3];
		off += 4;
		if (type == 16) {
			char alpn[13];
			if (size < sizeof(alpn) || off + sizeof(alpn) > end ||
			    TUSK_READ_USER(alpn, sizeof(alpn), (const void *)(unsigned long)(buf + off)))
				return 0;
			/* list length (any), then the first name: 10, "postgresql" */
			const char want[11] = { 10, 'p', 'o', 's', 't', 'g', 'r', 'e', 's', 'q', 'l' };
			for (int j = 0; j < 11; j++)
				if (alpn[2 + j] != want[j])
					return 0;
			return 1;
		}
		off += size;
	}
	return 0;
}

static __always_inline int tusk_classify(__u64 buf, __u32 len)
{
	__u8 h[8];
	if (len < 5 || TUSK_READ_USER(h, len >= 8 ? 8 : 5, (const void *)(unsigned long)buf))
		return TUSK_FIRST_OTHER;
	if (h[0] == 0x16)
		return tusk_direct_tls(buf, len) ? TUSK_FIRST_DIRECT_TLS : TUSK_FIRST_OTHER;
	if (len >= 8) {
		/* the rest of a startup packet may follow in later writes */
		__u32 mlen = tusk_be32(h);
		if (mlen >= 8 && mlen <= TUSK_MAX_STARTUP_BYTES && tusk_startup_kind(tusk_be32(&h[4])) != TUSK_STARTUP_OTHER)
			return TUSK_FIRST_STARTUP;
	}
	__u32 off = 0;
	__u8 last = 0;
	for (int i = 0; i < 8; i++) {
		if (off == len)
			break;
		if (off + 5 > len || TUSK_READ_USER(h, 5, (const void *)(unsigned long)(buf + off)))
			return TUSK_FIRST_OTHER;
		__u32 mlen = tusk_be32(&h[1]);
		if (!tusk_frontend_type(h[0]) || mlen < 4 || mlen > TUSK_MAX_MESSAGE_BYTES)
			return TUSK_FIRST_OTHER;
		/* Describe and Close name a statement 'S' or portal 'P' (DataRow, also 'D', does not) */
		if (h[0] == 'D' || h[0] == 'C') {
			if (mlen < 5 || off + 6 > len ||
			    TUSK_READ_USER(&h[5], 1, (const void *)(unsigned long)(buf + off + 5)) ||
			    (h[5] != 'S' && h[5] != 'P'))
				return TUSK_FIRST_OTHER;
		}
		off += 1 + mlen;
		last = h[0];
	}
	if (off != len)
		return TUSK_FIRST_OTHER;
	/* Query, Sync, Flush, FunctionCall, Terminate or the copy stream make the server act (a
	 * backend's lone ErrorResponse does not pass) */
	switch (last) {
	case 'Q': case 'S': case 'H': case 'F': case 'X': case 'd': case 'c': case 'f':
		return TUSK_FIRST_FRONTEND;
	}
	return TUSK_FIRST_OTHER;
}

/* ---- fields ---- */

#define TUSK_TAG_MASK (TUSK_TAG_CAP - 1)

/* Row count at the end of a CommandComplete tag ("SELECT 5", "INSERT 0 3", "UPDATE 2"): the
 * digits after the last space, read backwards from the end (a u64 has at most 20 digits); 0 when
 * the tag does not end in a count. `tag` holds TUSK_TAG_CAP bytes. */
static __always_inline __u64 tusk_tag_rows(const char *tag, __u32 tag_len)
{
	__u32 end = tag_len;
	if (end > TUSK_TAG_CAP)
		end = TUSK_TAG_CAP;
	if (end && tag[(end - 1) & TUSK_TAG_MASK] == 0)
		end--; /* the tag's NUL */
	__u64 rows = 0, scale = 1;
	for (int i = 0; i < 21; i++) {
		if (i >= end)
			return 0;
		char ch = tag[(end - 1 - i) & TUSK_TAG_MASK];
		if (ch == ' ')
			return i ? rows : 0;
		if (ch < '0' || ch > '9')
			return 0;
		rows += (__u64)(ch - '0') * scale;
		scale *= 10;
	}
	return 0;
}

/* Does a captured ParameterStatus body (name\0value\0) report application_name? `p` holds
 * TUSK_PARAMETER_CAP bytes. */
static __always_inline int tusk_names_application_name(const char *p, __u32 len)
{
	const char name[] = "application_name";
	if (len < sizeof(name))
		return 0;
#pragma unroll
	for (int i = 0; i < (int)sizeof(name); i++)
		if (p[i] != name[i])
			return 0;
	return 1;
}

/* A Bind body starts with two names (portal\0statement\0) and goes on with parameter values,
 * which must not leave the kernel. The field holding its first bytes is scrubbed eight bytes at a
 * time, without a branch per byte: a loop over bytes would cost the verifier hundreds of
 * thousands of instructions, a bpf_loop a call per byte. */
#define TUSK_ONES 0x0101010101010101ULL
#define TUSK_LOW7 0x7f7f7f7f7f7f7f7fULL
#define TUSK_HIGHS 0x8080808080808080ULL

/* 1 in each byte of `w` that is 0, else 0 (exact: no borrow reaches a neighbour). */
static __always_inline __u64 tusk_zero_bytes(__u64 w)
{
	return (~(((w & TUSK_LOW7) + TUSK_LOW7) | w | TUSK_LOW7) & TUSK_HIGHS) >> 7;
}

/* The word `w` (little-endian, the field's bytes in order) with every byte after the second \0
 * zeroed, counting the `*nuls` (0, 1 or 2) already seen in earlier words; updates `*nuls`. */
static __always_inline __u64 tusk_scrub_word(__u64 w, __u32 *nuls)
{
	__u64 seen = *nuls < 2 ? *nuls : 2;
	__u64 zeros = tusk_zero_bytes(w);
	__u64 through = zeros * TUSK_ONES; /* per byte: the \0s up to and including it */
	__u64 before = through - zeros;    /* per byte: the \0s before it */
	/* a byte goes when 2 - seen \0s come before it in this word (bit 7 of before + 0x80 - need) */
	__u64 need = 2 - seen;
	__u64 drop = ((before + (0x80 - need) * TUSK_ONES) & TUSK_HIGHS) >> 7;
	__u64 total = seen + (through >> 56);
	*nuls = total < 2 ? total : 2;
	return w & ~(drop * 0xff);
}

/* Zero everything after the names in `words`, the TUSK_NAMES_CAP bytes of a Bind's names field,
 * of which the first `len` were received (the rest are left as they are). */
#define TUSK_SCRUB_WORD(i)                                                           \
	if ((i) * 8 < len)                                                           \
		words[i] = tusk_scrub_word(words[i], &nuls);
static __always_inline void tusk_scrub_bind_names(__u64 *words, __u32 len)
{
	__u32 nuls = 0;
	TUSK_SCRUB_WORD(0) TUSK_SCRUB_WORD(1) TUSK_SCRUB_WORD(2) TUSK_SCRUB_WORD(3)
	TUSK_SCRUB_WORD(4) TUSK_SCRUB_WORD(5) TUSK_SCRUB_WORD(6) TUSK_SCRUB_WORD(7)
	TUSK_SCRUB_WORD(8) TUSK_SCRUB_WORD(9) TUSK_SCRUB_WORD(10) TUSK_SCRUB_WORD(11)
	TUSK_SCRUB_WORD(12) TUSK_SCRUB_WORD(13) TUSK_SCRUB_WORD(14) TUSK_SCRUB_WORD(15)
}

/* Reading the fields of an ErrorResponse/NoticeResponse body, one byte at a time:
 *   (code byte, value \0)* \0       https://www.postgresql.org/docs/15/protocol-error-fields.html
 * A notice is a warning when its SQLSTATE ('C') is of class 01 or its severity ('V', else the
 * localized 'S') is WARNING. */
struct tusk_fields {
	__u8 code;  /* code of the field being read; 0 between fields */
	__u8 at;    /* bytes of its value read so far */
	__u8 done;  /* the terminating \0 was read */
	__u8 warning;
	__u8 value[8]; /* the value's first bytes */
};

/* Feed one byte of the body. */
static __always_inline void tusk_fields_byte(struct tusk_fields *x, __u8 b)
{
	if (x->done)
		return;
	if (!x->code) {
		if (!b)
			x->done = 1;
		x->code = b;
		x->at = 0;
		return;
	}
	if (b) {
		if (x->at < sizeof(x->value))
			x->value[x->at & 7] = b;
		if (x->at < 255)
			x->at++;
		return;
	}
	/* the value ends */
	if (x->code == 'C' && x->at == 5 && x->value[0] == '0' && x->value[1] == '1')
		x->warning = 1;
	if ((x->code == 'V' || x->code == 'S') && x->at == 7 && x->value[0] == 'W' && x->value[1] == 'A' &&
	    x->value[2] == 'R' && x->value[3] == 'N' && x->value[4] == 'I' && x->value[5] == 'N' && x->value[6] == 'G')
		x->warning = 1;
	x->code = 0;
}

#endif
