/* Request pairing: each connection's frontend messages open requests, its backend messages
 * answer the oldest one, and a completed request leaves the kernel as one record.
 *
 * Verification stays modular: the walk over a buffer, each step of it and the frontend handler
 * are global functions, which the verifier checks once, on their own, whatever their callers'
 * states; loops are bpf_loop callbacks. The backend handlers and the captures are inlined into
 * the step: every BPF-to-BPF call costs a call and a return, and these run for every message.
 * Frames, deepest first: exit program → iovec callback → tusk_walk → step callback → tusk_step →
 * tusk_frontend_begin → drain callback (7 of the 8 allowed). */
#ifndef TUSK_PAIRING_H
#define TUSK_PAIRING_H

#include "maps.h"

/* ---- the slot pool ---- */

/* A free slot for a new request: this CPU's spare, else one from the queue. 0 or -ENOENT. */
static __always_inline int take_slot(__u32 *index)
{
	__u32 zero = 0;
	__u32 *spare = bpf_map_lookup_elem(&spare_slots, &zero);
	if (spare && *spare) {
		/* atomic: should another program run on this CPU in between, it cannot take the same slot */
		__u32 got = __sync_lock_test_and_set(spare, 0);
		if (got) {
			*index = got - 1;
			return 0;
		}
	}
	return bpf_map_pop_elem(&free_slots, index);
}

static __always_inline void give_slot(__u32 index)
{
	__u32 zero = 0;
	__u32 *spare = bpf_map_lookup_elem(&spare_slots, &zero);
	if (spare && !*spare && __sync_val_compare_and_swap(spare, 0, index + 1) == 0)
		return;
	bpf_map_push_elem(&free_slots, &index, 0);
}

/* ---- the request list ---- */

/* The oldest request, the one the server is answering (not one still being written). */
static __always_inline struct slot *head_slot(struct conn *conn)
{
	if (!conn->inflight || (conn->flags & CONN_COUNTING))
		return 0;
	if ((conn->flags & CONN_OPEN) && conn->inflight == 1)
		return 0;
	return slot_at(conn->head);
}

static __always_inline struct slot *tail_slot(struct conn *conn)
{
	return conn->inflight ? slot_at(conn->tail) : 0;
}

/* Wake the reader each time the data waiting in the ring passes another multiple of
 * wakeup_bytes; below that it reads on its own timer. Once awake it reads until the ring is empty
 * and only sleeps on an empty ring, so one wake-up per crossing is enough: waking on every record
 * past the mark would raise an interrupt per record while the reader waits for a CPU. Two CPUs
 * racing past one mark may both miss it; the next mark, or the reader's timer, catches up. */
static __always_inline __u64 wake_flag(__u32 size)
{
	__u64 before = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);
	__u64 after = before + ((size + BPF_RINGBUF_HDR_SZ + 7) & ~7U);
	return after / wakeup_bytes != before / wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Submit the head request as a record and give its slot back. */
static __always_inline void pop_head(struct conn *conn, __u8 outcome, __u64 end_ns)
{
	__u32 index = conn->head;
	struct slot *s = slot_at(index);
	if (!s || !conn->inflight) {
		conn->inflight = 0;
		return;
	}
	struct tusk_record *r = &s->rec;
	r->outcome = outcome;
	/* a failed request ended with its ErrorResponse (that is when clients return), not with the
	 * ReadyForQuery that answers the Sync after it */
	if (!(r->flags & TUSK_F_ERROR) || !r->end_ns)
		r->end_ns = end_ns;
	r->flags &= ~(TUSK_F_OPEN | TUSK_F_ANSWERED);
	__u32 len = r->text_len;
	if (len > text_cap)
		len = text_cap;
	__u32 size = sizeof(struct tusk_record) + len;
	if (bpf_ringbuf_output(&records, r, size, wake_flag(size)))
		count(TUSK_C_RECORDS_LOST);
	else
		count(TUSK_C_RECORDS);
	conn->head = s->h.next;
	conn->inflight--;
	if (!conn->inflight)
		conn->flags &= ~CONN_OPEN;
	s->h.busy = 0;
	give_slot(index);
}

struct drain_ctx {
	struct conn *conn;
	__u64 now_ns;
	__u8 outcome;
};

static long drain_one(__u64 index, void *ctxp)
{
	struct drain_ctx *d = ctxp;
	struct conn *conn = d->conn;
	if (!conn || !conn->inflight)
		return 1;
	pop_head(conn, d->outcome, d->now_ns);
	return 0;
}

/* Emit every request still in flight with `outcome`. */
static __always_inline void drain(struct conn *conn, __u8 outcome, __u64 now_ns)
{
	struct drain_ctx d = { .conn = conn, .now_ns = now_ns, .outcome = outcome };
	bpf_loop(max_inflight + 1, drain_one, &d, 0);
	conn->flags &= ~(CONN_OPEN | CONN_ERROR_SKIP);
}

/* ---- requests ---- */

/* Append a new request to the connection's list. Returns 0 when it cannot be tracked (then the
 * connection switches to counting until every request in flight is answered). */
static __always_inline struct slot *new_item(struct conn *conn, struct walk *w, __u16 kind, __u32 flags)
{
	if (conn->flags & CONN_COUNTING)
		return 0;
	__u32 index;
	struct slot *s;
	if (conn->inflight >= max_inflight || take_slot(&index))
		goto overflow;
	s = slot_at(index);
	if (!s)
		goto overflow;
	struct tusk_record *r = &s->rec;
	__builtin_memset(r, 0, sizeof(struct tusk_record));
	s->h.next = NO_SLOT;
	s->h.busy = 1;
	r->start_ns = w->now_ns;
	r->conn_id = conn->conn_id;
	r->pid = conn->tgid;
	r->tid = w->tid;
	r->fd = conn->fd;
	r->seq = conn->next_seq++;
	r->kind = kind;
	r->flags = flags | ((conn->flags & CONN_MIDSTREAM) ? TUSK_F_MIDSTREAM : 0);
	r->role = conn->role;
	r->family = conn->family;
	r->local_port = conn->local_port;
	r->peer_port = conn->peer_port;
	__builtin_memcpy(r->local_addr, conn->local_addr, 16);
	__builtin_memcpy(r->peer_addr, conn->peer_addr, 16);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (conn->inflight) {
		struct slot *last = slot_at(conn->tail);
		if (last)
			last->h.next = index;
	} else {
		conn->head = index;
	}
	conn->tail = index;
	conn->inflight++;
	return s;
overflow:
	count(TUSK_C_OVERFLOW);
	drain(conn, TUSK_OUTCOME_OVERFLOW, w->now_ns);
	conn->flags |= CONN_COUNTING;
	return 0;
}

/* The extended request being written (if any) is complete: it now waits for its answer. */
static __always_inline void close_open(struct conn *conn)
{
	if (!(conn->flags & CONN_OPEN))
		return;
	conn->flags &= ~CONN_OPEN;
	struct slot *s = tail_slot(conn);
	if (!s)
		return;
	s->rec.flags &= ~TUSK_F_OPEN;
	if (s->rec.flags & TUSK_F_EXECUTE)
		s->rec.kind = TUSK_KIND_EXECUTE;
}

/* The extended request to add a Parse/Bind/Describe/Execute to; `fresh` forces a new one. */
static __always_inline struct slot *open_item(struct conn *conn, struct walk *w, int fresh)
{
	if (conn->flags & CONN_OPEN) {
		if (!fresh)
			return tail_slot(conn);
		close_open(conn);
	}
	struct slot *s = new_item(conn, w, TUSK_KIND_PREPARE, TUSK_F_OPEN);
	if (s)
		conn->flags |= CONN_OPEN;
	return s;
}

/* Point the stream's capture at request `item` in slot `index` (body bytes then land in the
 * chosen field). Frontend messages fill the newest request, backend messages the oldest. */
static __always_inline void capture_into(struct stream *s, struct slot *item, __u8 what, __u32 index)
{
	if (!item)
		return;
	s->cap = what;
	s->cap_slot = index;
	s->cap_seq = item->rec.seq;
	s->cap_off = 0;
}

/* The server answered `item` (the head) completely. Requests followed by a Sync end at
 * ReadyForQuery; the others now. */
static __always_inline void answered(struct conn *conn, struct walk *w, struct slot *item)
{
	if (item->rec.flags & TUSK_F_SYNC) {
		item->rec.flags |= TUSK_F_ANSWERED;
		item->rec.end_ns = w->now_ns;
		return;
	}
	pop_head(conn, TUSK_OUTCOME_COMPLETE, w->now_ns);
}

struct handler_ctx {
	struct conn *conn;
	struct walk *w;
};

/* One step of ReadyForQuery: emit the head request if this Sync/Query point covers it. */
static long ready_one(__u64 index, void *ctxp)
{
	struct handler_ctx *x = ctxp;
	struct conn *conn = x->conn;
	struct walk *w = x->w;
	if (!conn || !w || !conn->inflight)
		return 1;
	struct slot *s = slot_at(conn->head);
	if (!s) {
		conn->inflight = 0;
		return 1;
	}
	__u32 flags = s->rec.flags;
	if (flags & TUSK_F_OPEN)
		return 1;
	__u16 kind = s->rec.kind;
	__u8 outcome = TUSK_OUTCOME_COMPLETE;
	int last = flags & TUSK_F_SYNC;
	if (kind == TUSK_KIND_QUERY || kind == TUSK_KIND_FUNCTION || kind == TUSK_KIND_STARTUP)
		last = 1;
	else if (!(flags & TUSK_F_ANSWERED)) {
		outcome = TUSK_OUTCOME_SKIPPED;
		if (!(conn->flags & CONN_ERROR_SKIP))
			count(TUSK_C_UNMATCHED);
	}
	pop_head(conn, outcome, w->now_ns);
	return last ? 1 : 0;
}

static __always_inline void ready_for_query(struct conn *conn, struct walk *w)
{
	if (conn->syncs)
		conn->syncs--;
	if (conn->flags & CONN_COUNTING) {
		if (!conn->syncs && !conn->inflight)
			conn->flags &= ~CONN_COUNTING;
		return;
	}
	struct handler_ctx x = { .conn = conn, .w = w };
	bpf_loop(max_inflight + 1, ready_one, &x, 0);
	conn->flags &= ~CONN_ERROR_SKIP;
}

/* ---- frontend messages ---- */

/* A frontend message starts. 0, or -1 when its type is not one. */
__noinline int tusk_frontend_begin(struct conn *conn, struct walk *w, struct tusk_frame *m)
{
	if (!conn || !w || !m)
		return -1;
	struct stream *s = &conn->fe;
	__u32 body = m->body;
	struct slot *item;
	switch (m->type) {
	case 0: /* StartupMessage, SSLRequest, GSSENCRequest or CancelRequest */
		switch (tusk_startup_kind(m->code)) {
		case TUSK_STARTUP_SESSION:
			s->f.mode = TUSK_MODE_TYPED;
			conn->syncs++;
			item = new_item(conn, w, TUSK_KIND_STARTUP, 0);
			if (item) {
				item->rec.text_total = body;
				capture_into(s, item, CAP_TEXT, conn->tail);
			}
			return 0;
		case TUSK_STARTUP_SECURE:
			conn->be.f.mode = TUSK_MODE_SSL_ANSWER;
			return 0;
		case TUSK_STARTUP_CANCEL:
			conn->flags |= CONN_CANCEL | CONN_DEAD;
			return 0;
		}
		return -1;
	case 'Q':
		close_open(conn);
		conn->syncs++;
		item = new_item(conn, w, TUSK_KIND_QUERY, 0);
		if (item) {
			item->rec.text_total = body;
			if (body > text_cap)
				item->rec.flags |= TUSK_F_TEXT_TRUNCATED;
			capture_into(s, item, CAP_TEXT, conn->tail);
		}
		return 0;
	case 'P':
		item = open_item(conn, w, 1);
		if (item) {
			item->rec.flags |= TUSK_F_PARSE;
			item->rec.text_total = body;
			if (body > text_cap)
				item->rec.flags |= TUSK_F_TEXT_TRUNCATED;
			capture_into(s, item, CAP_TEXT, conn->tail);
		}
		return 0;
	case 'B':
		item = open_item(conn, w, 0);
		if (item && (item->rec.flags & TUSK_F_BIND))
			item = open_item(conn, w, 1);
		if (item) {
			item->rec.flags |= TUSK_F_BIND;
			item->rec.names_len = 0;
			capture_into(s, item, CAP_NAMES, conn->tail);
			s->bind = 1;
		}
		return 0;
	case 'D':
		item = open_item(conn, w, 0);
		if (item) {
			if (!item->rec.names_len && !(item->rec.flags & TUSK_F_PARSE))
				capture_into(s, item, CAP_NAMES, conn->tail);
			item->rec.flags |= TUSK_F_DESCRIBE;
		}
		return 0;
	case 'E':
		item = open_item(conn, w, 0);
		if (item) {
			if (!item->rec.names_len)
				capture_into(s, item, CAP_NAMES, conn->tail);
			item->rec.flags |= TUSK_F_EXECUTE;
			close_open(conn);
		}
		return 0;
	case 'C': /* Close */
		close_open(conn);
		item = new_item(conn, w, TUSK_KIND_CLOSE, 0);
		capture_into(s, item, CAP_NAMES, conn->tail);
		return 0;
	case 'F': /* FunctionCall: the function's OID opens the body; the arguments stay out */
		close_open(conn);
		conn->syncs++;
		item = new_item(conn, w, TUSK_KIND_FUNCTION, 0);
		capture_into(s, item, CAP_WORD, conn->tail);
		return 0;
	case 'S': /* Sync: the last request written ends at the ReadyForQuery that answers it */
		close_open(conn);
		conn->syncs++;
		item = tail_slot(conn);
		if (item)
			item->rec.flags |= TUSK_F_SYNC;
		return 0;
	case 'H': /* Flush */
		close_open(conn);
		return 0;
	case 'X': case 'd': case 'c': case 'f': case 'p':
		return 0;
	}
	return -1;
}

/* The names field is scrubbed a word at a time: it must sit 8-byte aligned in a slot. */
_Static_assert((sizeof(struct tusk_slot_head) + __builtin_offsetof(struct tusk_record, names)) % 8 == 0,
	       "tusk_record.names is not 8-byte aligned in a slot");

/* A Bind body carries parameter values after its two names: keep only the names, however the
 * message was split and however much of it the field holds. */
static __always_inline void scrub_bind(struct conn *conn, struct stream *s)
{
	struct slot *item = slot_at(s->cap_slot);
	if (!item || item->rec.seq != s->cap_seq || item->rec.conn_id != conn->conn_id)
		return;
	tusk_scrub_bind_names((__u64 *)item->rec.names, item->rec.names_len);
	if (item->rec.names_len > TUSK_NAMES_CAP)
		item->rec.names_len = TUSK_NAMES_CAP;
}

/* A frontend message ends. */
static __always_inline void frontend_end(struct conn *conn, struct stream *s)
{
	if (!s->bind)
		return;
	s->bind = 0;
	scrub_bind(conn, s);
}

/* ---- backend messages ---- */

struct fields_ctx {
	struct slot *item;
	__u32 len;
	struct tusk_fields f;
};

static long fields_one(__u64 index, void *ctxp)
{
	struct fields_ctx *x = ctxp;
	struct slot *item = x->item;
	if (!item || index >= TUSK_ERROR_CAP || index >= x->len)
		return 1;
	tusk_fields_byte(&x->f, item->rec.error[index]);
	return x->f.done ? 1 : 0;
}

/* Does the notice the request holds say WARNING? */
static __always_inline int holds_warning(struct slot *item)
{
	struct fields_ctx x = { .item = item, .len = item->rec.error_len };
	bpf_loop(TUSK_ERROR_CAP, fields_one, &x, 0);
	return x.f.warning;
}

/* A backend message starts. 0, or -1 when its type is not one. */
static __always_inline int backend_begin(struct conn *conn, struct walk *w, struct tusk_frame *m)
{
	if (m->type == 0) /* not produced on the backend side */
		return -1;
	struct stream *s = &conn->be;
	struct slot *item = head_slot(conn);
	if (item && !item->rec.response_ns)
		item->rec.response_ns = w->now_ns;
	switch (m->type) {
	case 'D':
		if (item)
			item->rec.data_rows++;
		return 0;
	case 'C':
		if (item) {
			item->rec.tag_len = 0;
			capture_into(s, item, CAP_TAG, conn->head);
		}
		return 0;
	case 'E':
		if (item && !(item->rec.flags & TUSK_F_ERROR)) {
			item->rec.flags = (item->rec.flags & ~TUSK_F_NOTICE) | TUSK_F_ERROR;
			item->rec.error_len = 0;
			capture_into(s, item, CAP_ERROR, conn->head);
		} else if (!item) {
			count(TUSK_C_UNMATCHED);
		}
		return 0;
	case 'N':
		/* the first notice, or a later one over a notice that is not a warning: a warning is
		 * what the span reports */
		if (item && !(item->rec.flags & TUSK_F_ERROR) &&
		    (!(item->rec.flags & TUSK_F_NOTICE) || !holds_warning(item))) {
			item->rec.flags |= TUSK_F_NOTICE;
			item->rec.error_len = 0;
			capture_into(s, item, CAP_ERROR, conn->head);
		}
		return 0;
	case 'Z':
		if (item)
			capture_into(s, item, CAP_TX_STATUS, conn->head);
		return 0;
	case 'K':
		if (item && item->rec.kind == TUSK_KIND_STARTUP)
			capture_into(s, item, CAP_WORD, conn->head);
		return 0;
	case 'S': /* ParameterStatus: the request keeps the one of application_name */
		if (item && !(item->rec.flags & TUSK_F_APPLICATION_NAME)) {
			item->rec.parameter_len = 0;
			capture_into(s, item, CAP_PARAMETER, conn->head);
		}
		return 0;
	case 'G': case 'H': case 'W':
		if (item)
			item->rec.flags |= TUSK_F_COPY;
		return 0;
	case 'T': case '1': case '2': case '3': case 't': case 'n': case 'I': case 's':
	case 'V': case 'R': case 'A': case 'd': case 'c': case 'v':
		return 0;
	}
	return -1;
}

/* A backend message ends: it may complete the head request. */
static __always_inline int backend_end(struct conn *conn, struct walk *w, __u32 type)
{
	if (type == 'Z') {
		ready_for_query(conn, w);
		return 0;
	}
	struct slot *item = head_slot(conn);
	if (!item)
		return 0;
	struct tusk_record *r = &item->rec;
	__u16 kind = r->kind;
	switch (type) {
	case 'C':
		r->rows += tusk_tag_rows(r->tag, r->tag_len);
		r->commands++;
		if (kind == TUSK_KIND_EXECUTE)
			answered(conn, w, item);
		return 0;
	case 'I':
	case 's':
		r->flags |= type == 'I' ? TUSK_F_EMPTY : TUSK_F_SUSPENDED;
		if (kind == TUSK_KIND_EXECUTE)
			answered(conn, w, item);
		return 0;
	case 'E':
		r->end_ns = w->now_ns;
		if (kind != TUSK_KIND_QUERY && kind != TUSK_KIND_FUNCTION && kind != TUSK_KIND_STARTUP) {
			conn->flags |= CONN_ERROR_SKIP;
			answered(conn, w, item);
		}
		return 0;
	case 'S':
		if (tusk_names_application_name(r->parameter, r->parameter_len))
			r->flags |= TUSK_F_APPLICATION_NAME;
		return 0;
	case '1': case '2': case '3': case 'T': case 'n':
		if (type == '1')
			r->flags |= TUSK_F_PARSE_COMPLETE;
		/* a Parse/Bind/Describe/Close-only request is answered by its last message's answer */
		if (kind == TUSK_KIND_EXECUTE || kind == TUSK_KIND_QUERY || kind == TUSK_KIND_FUNCTION ||
		    kind == TUSK_KIND_STARTUP)
			return 0;
		{
			__u8 want = (r->flags & TUSK_F_DESCRIBE) ? 'T' :
				    (r->flags & TUSK_F_BIND) ? '2' :
				    kind == TUSK_KIND_CLOSE ? '3' : '1';
			if (type == want || (want == 'T' && type == 'n'))
				answered(conn, w, item);
		}
		return 0;
	}
	return 0;
}

/* ---- capturing body bytes ---- */

/* Copy `n` (at most `max`, a constant) bytes of the window from `pos` to `dst` without a helper
 * call (each user- or kernel-memory read costs tens of ns in fixed checks): eight bytes at a
 * time, then the rest. Written out step by step rather than as loops, so that the compiler keeps
 * every bound a compare with a constant (a loop it would turn into a computed trip count or a
 * memcpy, both of which verifiers refuse). */
#define COPY_WORD(i)                                                                  \
	if ((i) < max / 8 && (i) < words)                                             \
		*(__u64 *)(dst + (i) * 8) = *(const __u64 *)(src + (i) * 8);
#define COPY_WORDS4(i) COPY_WORD(i) COPY_WORD(i + 1) COPY_WORD(i + 2) COPY_WORD(i + 3)
#define COPY_BYTE(i)                                                                  \
	if ((i) < rest)                                                               \
		dst[done + (i)] = src[done + (i)];

static __always_inline void copy_from_window(__u8 *dst, const __u8 *window, __u32 pos, __u64 n, const __u32 max)
{
	const __u8 *src = &window[pos & (TUSK_WINDOW - 1)];
	/* 64-bit: 6.1 derives a 32-bit compare's bounds from the bits that may be set, not from
	 * the clamp */
	n = TUSK_CLAMP(n, max);
	__u64 words = n / 8;
	COPY_WORDS4(0) COPY_WORDS4(4) COPY_WORDS4(8) COPY_WORDS4(12)
	COPY_WORDS4(16) COPY_WORDS4(20) COPY_WORDS4(24) COPY_WORDS4(28)
	__u64 done = words * 8;
	__u64 rest = n & 7;
	COPY_BYTE(0) COPY_BYTE(1) COPY_BYTE(2) COPY_BYTE(3) COPY_BYTE(4) COPY_BYTE(5) COPY_BYTE(6)
}

/* Copy `n` (at most `max`, a constant no larger than the window) bytes at the cursor: from the
 * window when they are in it. */
static __always_inline void copy_at(struct walk *w, __u8 *dst, __u64 n, const __u32 max)
{
	__u32 pos = w->cur.pos;
	if (pos + n <= w->cur.win_len)
		copy_from_window(dst, w->cur.window, pos, n, max);
	else
		bpf_probe_read_user(dst, n, (const void *)(w->cur.buf + pos));
}

/* Bytes of a field of `cap` bytes to take, bounded where every verifier sees it. */
#define TAKE(cap, off, n) TUSK_CLAMP(tusk_take(cap, off, n), cap)

/* Copy `n` body bytes at the cursor into the field the stream's capture points at. */
static __always_inline void capture(struct conn *conn, struct walk *w, struct stream *s, __u32 n)
{
	struct slot *item = slot_at(s->cap_slot);
	if (!item || item->rec.seq != s->cap_seq || item->rec.conn_id != conn->conn_id) {
		s->cap = CAP_NONE;
		return;
	}
	struct tusk_record *r = &item->rec;
	__u32 off = s->cap_off;
	__u64 take;
	switch (s->cap) {
	case CAP_TEXT: {
		__u32 cap = text_cap;
		if (off >= cap)
			goto full;
		take = TAKE(cap, off, n);
		copy_at(w, text_of(item) + off, take, TUSK_WINDOW);
		r->text_len = off + take;
		break;
	}
	case CAP_NAMES:
		if (off >= TUSK_NAMES_CAP)
			goto full;
		take = TAKE(TUSK_NAMES_CAP, off, n);
		copy_at(w, (__u8 *)r->names + off, take, TUSK_NAMES_CAP);
		r->names_len = off + take;
		break;
	case CAP_TAG:
		if (off >= TUSK_TAG_CAP)
			goto full;
		take = TAKE(TUSK_TAG_CAP, off, n);
		copy_at(w, (__u8 *)r->tag + off, take, TUSK_TAG_CAP);
		r->tag_len = off + take;
		break;
	case CAP_ERROR:
		if (off >= TUSK_ERROR_CAP)
			goto full;
		take = TAKE(TUSK_ERROR_CAP, off, n);
		copy_at(w, (__u8 *)r->error + off, take, TUSK_ERROR_CAP);
		r->error_len = off + take;
		break;
	case CAP_TX_STATUS:
		if (off >= 1)
			goto full;
		copy_at(w, &r->tx_status, 1, 1);
		take = 1;
		break;
	case CAP_WORD: {
		if (off >= 4)
			goto full;
		take = TAKE(4, off, n);
		if (take == 4) {
			__u8 word[4] = {};
			copy_at(w, word, 4, 4);
			if (r->kind == TUSK_KIND_FUNCTION)
				r->function_oid = tusk_be32(word);
			else
				r->backend_pid = tusk_be32(word);
		}
		break;
	}
	case CAP_PARAMETER:
		if (off >= TUSK_PARAMETER_CAP)
			goto full;
		take = TAKE(TUSK_PARAMETER_CAP, off, n);
		copy_at(w, (__u8 *)r->parameter + off, take, TUSK_PARAMETER_CAP);
		r->parameter_len = off + take;
		break;
	default:
		return;
	}
	s->cap_off = off + take;
	return;
full:
	s->cap = CAP_NONE;
}

/* ---- the message loop ---- */

/* One step over the walk's cursor: (part of) a header, or (part of) a body. 1 ends the walk. */
__noinline int tusk_step(struct conn *conn, struct walk *w)
{
	if (!conn || !w || w->stop)
		return 1;
	struct stream *s = w->backend ? &conn->be : &conn->fe;
	struct tusk_frame m = {};
	switch (tusk_frame_step(&s->f, &w->cur, &m)) {
	case TUSK_FRAME_DONE:
		return 1;
	case TUSK_FRAME_MORE:
		return 0;
	case TUSK_FRAME_ANSWER:
		if (m.type == 'N')
			return 0;
		count(TUSK_C_CONNS_ENCRYPTED);
		w->stop = 1;
		if (m.type != 'S' || !tls_capture) {
			conn->flags |= CONN_DEAD;
			return 1;
		}
		/* TLS: the raw bytes are ciphertext from here on; only the plaintext the TLS library's
		 * probes hand over walks the connection. It starts again with a StartupMessage. */
		conn->flags |= CONN_TLS;
		conn->fe.f = (struct tusk_framer){ .mode = TUSK_MODE_UNTYPED };
		conn->be.f = (struct tusk_framer){ .mode = TUSK_MODE_TYPED };
		return 1;
	case TUSK_FRAME_BEGIN:
		s->cap = CAP_NONE;
		s->cap_off = 0;
		s->bind = 0;
		if ((w->backend ? backend_begin(conn, w, &m) : tusk_frontend_begin(conn, w, &m)) < 0)
			goto broken;
		if (!m.body)
			goto end;
		/* the body is usually right here: finish the message in this step */
		if (m.body > w->cur.len - w->cur.pos)
			return 0;
		m.n = m.body;
		break;
	case TUSK_FRAME_BODY:
		break;
	default:
		goto broken;
	}
	if (s->cap)
		capture(conn, w, s, m.n);
	if (!tusk_frame_consume(&s->f, &w->cur, m.n))
		return 0;
end:
	if (w->backend)
		backend_end(conn, w, s->f.type);
	else
		frontend_end(conn, s);
	return 0;
broken:
	count(TUSK_C_DESYNC);
	conn->flags |= CONN_DEAD;
	w->stop = 1;
	return 1;
}

static long step_one(__u64 index, void *ctxp)
{
	struct handler_ctx *x = ctxp;
	struct walk *w = x->w;
	if (!w || w->stop || w->cur.pos >= w->cur.len)
		return 1;
	/* the verifier wants a callback result it can prove is 0 or 1 */
	return TUSK_CLAMP(tusk_step(x->conn, x->w), 1);
}

/* Walk the `len` bytes at `buf` through the connection's stream (the walk says which). */
__noinline int tusk_walk(struct conn *conn, struct walk *w, __u64 buf, __u32 len)
{
	if (!conn || !w)
		return 0;
	tusk_cursor_start(&w->cur, buf, len);
	/* at most two steps per message (header, body); messages are at least one byte */
	__u32 steps = 2 * len + 2;
	if (steps > (1U << 23))
		steps = 1U << 23;
	struct handler_ctx x = { .conn = conn, .w = w };
	bpf_loop(steps, step_one, &x, 0);
	return 0;
}

/* ---- vectored calls ---- */

#define MAX_IOVECS 1024 /* UIO_MAXIOV: the most a vectored call takes */

static long iovec_one(__u64 index, void *ctxp)
{
	struct handler_ctx *x = ctxp;
	struct walk *w = x->w;
	struct conn *conn = x->conn;
	if (!conn || !w || w->stop || !w->moved || index >= w->vlen)
		return 1;
	struct iovec_user v;
	if (bpf_probe_read_user(&v, sizeof(v), (const void *)(w->iov + index * sizeof(v))))
		return 1;
	__u32 n = v.iov_len < w->moved ? v.iov_len : w->moved;
	w->moved -= n;
	if (n)
		tusk_walk(conn, w, (__u64)v.iov_base, n);
	return (conn->flags & CONN_DEAD) ? 1 : 0;
}

/* Walk the bytes a vectored call moved (w->moved of them), iovec by iovec. */
static __always_inline void walk_iovecs(struct conn *conn, struct walk *w)
{
	struct handler_ctx x = { .conn = conn, .w = w };
	bpf_loop(MAX_IOVECS, iovec_one, &x, 0);
}

#endif
