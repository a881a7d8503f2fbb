// SPDX-License-Identifier: GPL-2.0
/* Tusk's kernel side: syscall tracepoints see the bytes of every read and write, PostgreSQL
 * connections are recognised by content, each direction is framed into protocol messages, and
 * requests are paired with their answers per connection. One ring-buffer record leaves the kernel
 * per completed request (struct tusk_record).
 *
 * Flow: a send's sys_enter_* stashes its arguments and start time per thread (only for processes
 * with PostgreSQL connections, or to classify an unknown fd's first send); sys_exit_* walks the
 * bytes the call really moved. Reads are seen at sys_exit_* only. Protocol reference: https://www.postgresql.org/docs/15/protocol-message-formats.html */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "kernel_types.h"
#include "tusk_record.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define SOCK_STREAM 1
#define EAGAIN 11

#define MAX_MESSAGE_BYTES (1U << 30) /* PostgreSQL's own limit on a message */
#define MAX_STARTUP_BYTES 10000      /* PostgreSQL's MAX_STARTUP_PACKET_LENGTH */
#define MAX_IOVECS 8
#define CLASSIFY_ATTEMPTS 4          /* sends on a socket that fail to parse before giving up */
#define PROTOCOL_3 3
#define CODE_CANCEL 80877102
#define CODE_SSL 80877103
#define CODE_GSSENC 80877104

struct conn_key {
	__u32 tgid;
	__u32 fd;
};

/* Where a message's body bytes are being copied to. */
enum capture {
	CAP_NONE = 0,
	CAP_TEXT,
	CAP_NAMES,
	CAP_TAG,
	CAP_ERROR,
	CAP_TX_STATUS,
	CAP_BACKEND_KEY,
};

/* How the next message in a stream is framed. */
enum stream_mode {
	MODE_TYPED = 0,      /* type byte + int32 length */
	MODE_UNTYPED = 1,    /* startup phase: int32 length + int32 code */
	MODE_SSL_ANSWER = 2, /* one byte answering SSLRequest/GSSENCRequest */
};

/* One direction of a connection, framed into messages across any number of syscalls. */
struct stream {
	__u32 body_left; /* body bytes of the current message not yet seen */
	__u32 cap_off;   /* body bytes of the current message already captured */
	__u32 cap_slot;  /* request the capture goes to ... */
	__u32 cap_seq;   /* ... checked by its number, in case the slot changed hands */
	__u8 hdr[8];     /* header bytes gathered so far (a header may be split too) */
	__u8 hdr_have;
	__u8 type;
	__u8 cap;        /* enum capture */
	__u8 mode;       /* enum stream_mode */
	__u8 in_body;
	__u8 pad[3];
};

enum conn_flag {
	CONN_OPEN = 1 << 0,       /* the tail request is an extended request still being written */
	CONN_ERROR_SKIP = 1 << 1, /* the server reported an error and skips to the next Sync */
	CONN_COUNTING = 1 << 2,   /* tracking dropped: count Sync/ReadyForQuery until quiet again */
	CONN_MIDSTREAM = 1 << 3,
	CONN_DEAD = 1 << 4,       /* desynchronised or cancelled: delete after this syscall */
	CONN_CANCEL = 1 << 5,     /* a CancelRequest connection: nothing to trace */
};

#define NO_SLOT 0xffffffffU

/* Requests in flight form a list per connection, oldest (head) to newest (tail), in `slots`. */
struct conn {
	__u64 conn_id;
	__u32 tgid;
	__u32 fd;
	__u32 head;      /* slot of the oldest request not yet emitted */
	__u32 tail;      /* slot of the newest request */
	__u32 inflight;  /* requests in the list */
	__u32 next_seq;  /* number of the next request */
	__u32 syncs;     /* Query/Sync/FunctionCall/startup sent, ReadyForQuery not yet seen */
	__u8 role;
	__u8 family;
	__u8 flags;      /* enum conn_flag */
	__u8 pad;
	__u16 local_port;
	__u16 peer_port;
	__u8 local_addr[16];
	__u8 peer_addr[16];
	struct stream fe; /* frontend messages (client → server) */
	struct stream be; /* backend messages (server → client) */
};

/* A request slot: list link, then the record exactly as it leaves the kernel, then its text. */
struct slot {
	struct tusk_slot_head h;
	struct tusk_record rec;
	/* __u8 text[2 * text_cap]: see capture_text */
};


enum io_kind {
	IO_RECV = 0,
	IO_SEND = 1,
	IO_VEC = 2, /* buf is an iovec array, count its length */
	IO_MSG = 4, /* buf is a msghdr */
};

struct io_stash {
	__u64 start_ns;
	__u64 buf;
	__u64 count;
	__u32 fd;
	__u8 io;
	__u8 active;
	__u8 classify; /* no connection known: the fd may start one (else exit asks may_classify) */
	__u8 pad;
};

struct counters {
	__u64 v[TUSK_C_MAX];
};

/* ---- maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct conn_key);
	__type(value, struct conn);
} conns SEC(".maps");

/* fds known not to carry PostgreSQL (value: failed classification attempts). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, __u32);
} verdicts SEC(".maps");

/* Request slots (value: struct slot + 2 * text_cap bytes; resized before load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct slot) + 2 * (TUSK_DEFAULT_QUERY_BYTES + TUSK_NAME_SLACK));
} slots SEC(".maps");

/* Free slot numbers; user space pushes every slot before attaching. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4096);
	__uint(value_size, sizeof(__u32));
} free_slots SEC(".maps");

/* One free slot kept per CPU (slot + 1; 0: none). A request usually ends on the CPU it began on,
 * so most requests take and give back their slot here instead of through the queue, whose lock
 * every CPU shares. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} spare_slots SEC(".maps");

/* The first WINDOW bytes of the buffer being walked, read from user memory once: headers and
 * short fields are taken from here instead of one user-memory read each.
 * Per-CPU values (this, scratch, spare_slots) are used by one program run at a time: the kernel
 * runs tracepoint programs with preemption off and never starts a second one on a CPU while one
 * runs (trace_call_bpf's bpf_prog_active), so no run sees another's half-written window. */
#define WINDOW 256
struct window {
	__u8 bytes[2 * WINDOW]; /* the second half is room the verifier asks for */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct window);
} windows SEC(".maps");

/* Room for records with no slot (connection ends). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tusk_record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_stash);
} io_stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counters);
} counters SEC(".maps");

/* PostgreSQL connections per process, indexed by a hash of the tgid: a process whose slot is 0
 * has none, so its reads (and its writes, once their fds have a verdict) cost an array lookup
 * instead of hash lookups. Shared slots only ever cause a lookup too many, never one too few. */
#define PROCESS_SLOTS (1 << 18)
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROCESS_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} process_conns SEC(".maps");

/* Processes to trace when filter_pids is set (filled before attach). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

/* ---- tunables, set before load ---- */

const volatile __u32 self_tgid = 0;
const volatile __u8 filter_pids = 0;
/* which side of a connection to observe: the application (client) and/or the backend (server) */
const volatile __u8 trace_clients = 1;
const volatile __u8 trace_servers = 0;
/* trace only processes inside these cgroup v2 subtrees: the id of each subtree's root and its
 * depth below the hierarchy root (checked with the task's ancestor at that depth) */
const volatile __u32 cgroup_count = 0;
const volatile __u64 cgroup_ids[TUSK_MAX_CGROUPS] = {};
const volatile __u32 cgroup_levels[TUSK_MAX_CGROUPS] = {};
const volatile __u32 text_cap = TUSK_DEFAULT_QUERY_BYTES + TUSK_NAME_SLACK;
const volatile __u32 max_inflight = 1024;
const volatile __u64 wakeup_bytes = 256 << 10;

static __u64 next_conn_id = 1;

/* ---- small helpers ---- */

static __always_inline void count(__u32 which)
{
	__u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (c && which < TUSK_C_MAX)
		c->v[which]++;
}

static __always_inline __u32 be32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

static __always_inline __u8 *text_of(struct slot *s)
{
	return (__u8 *)s + sizeof(struct slot);
}

static __always_inline __u32 *process_conns_of(__u32 tgid)
{
	__u32 index = (tgid * 2654435761U) & (PROCESS_SLOTS - 1);
	return bpf_map_lookup_elem(&process_conns, &index);
}

static __always_inline struct slot *slot_at(__u32 index)
{
	return bpf_map_lookup_elem(&slots, &index);
}

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

static __always_inline int is_frontend_type(__u8 t)
{
	switch (t) {
	case 'Q': case 'P': case 'B': case 'E': case 'D': case 'C': case 'S':
	case 'H': case 'F': case 'X': case 'd': case 'c': case 'f':
		return 1;
	}
	return 0;
}

/* State of a walk over one buffer. */
struct chunk {
	struct conn *conn;
	const __u8 *buf;
	struct window *win; /* buf[0..win_len) */
	__u64 now_ns;
	__u32 win_len;
	__u32 len;
	__u32 pos;
	__u32 tid;
	__u8 backend; /* the bytes are backend messages */
	__u8 stop;
	__u8 pad[2];
};

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

/* ---- connection teardown ---- */

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

/* Tell user space the connection is gone (its statement names die with it). */
static __always_inline void emit_conn_end(struct conn *conn, __u64 now_ns)
{
	__u32 zero = 0;
	struct tusk_record *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(struct tusk_record));
	r->kind = TUSK_KIND_CONN_END;
	r->conn_id = conn->conn_id;
	r->pid = conn->tgid;
	r->fd = conn->fd;
	r->seq = conn->next_seq;
	r->role = conn->role;
	r->start_ns = now_ns;
	r->end_ns = now_ns;
	if (bpf_ringbuf_output(&records, r, sizeof(struct tusk_record), 0))
		count(TUSK_C_RECORDS_LOST);
	else
		count(TUSK_C_RECORDS);
}

/* The connection is gone: report what was in flight and forget it. */
__noinline int tusk_conn_end(struct conn *conn, __u32 outcome, __u64 now_ns)
{
	if (!conn)
		return 0;
	struct conn_key key = { .tgid = conn->tgid, .fd = conn->fd };
	int cancel = conn->flags & CONN_CANCEL;
	drain(conn, outcome, now_ns);
	if (!cancel)
		emit_conn_end(conn, now_ns);
	__u32 *owned = process_conns_of(key.tgid);
	if (owned && *owned)
		__sync_fetch_and_add(owned, -1);
	bpf_map_delete_elem(&conns, &key);
	count(TUSK_C_CONNS_CLOSED);
	return 0;
}

/* ---- requests ---- */

/* Append a new request to the connection's list. Returns 0 when it cannot be tracked (then the
 * connection switches to counting until every request in flight is answered). */
static __always_inline struct slot *new_item(struct chunk *c, __u16 kind, __u32 flags)
{
	struct conn *conn = c->conn;
	if (!conn || (conn->flags & CONN_COUNTING))
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
	r->start_ns = c->now_ns;
	r->conn_id = conn->conn_id;
	r->pid = conn->tgid;
	r->tid = c->tid;
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
	drain(conn, TUSK_OUTCOME_OVERFLOW, c->now_ns);
	conn->flags |= CONN_COUNTING;
	return 0;
}

/* The extended request being written (if any) is complete: it now waits for its answer. */
static __always_inline void close_open(struct chunk *c)
{
	struct conn *conn = c->conn;
	if (!conn || !(conn->flags & CONN_OPEN))
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
static __always_inline struct slot *open_item(struct chunk *c, int fresh)
{
	struct conn *conn = c->conn;
	if (!conn)
		return 0;
	if (conn->flags & CONN_OPEN) {
		if (!fresh)
			return tail_slot(conn);
		close_open(c);
	}
	struct slot *s = new_item(c, TUSK_KIND_PREPARE, TUSK_F_OPEN);
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
static __always_inline void answered(struct chunk *c, struct slot *item)
{
	struct conn *conn = c->conn;
	if (!conn)
		return;
	if (item->rec.flags & TUSK_F_SYNC) {
		item->rec.flags |= TUSK_F_ANSWERED;
		item->rec.end_ns = c->now_ns;
		return;
	}
	pop_head(conn, TUSK_OUTCOME_COMPLETE, c->now_ns);
}

/* One step of ReadyForQuery: emit the head request if this Sync/Query point covers it. */
static long ready_one(__u64 index, void *ctxp)
{
	struct chunk *c = ctxp;
	struct conn *conn = c->conn;
	if (!conn || !conn->inflight)
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
	pop_head(conn, outcome, c->now_ns);
	return last ? 1 : 0;
}

static __always_inline void ready_for_query(struct chunk *c)
{
	struct conn *conn = c->conn;
	if (!conn)
		return;
	if (conn->syncs)
		conn->syncs--;
	if (conn->flags & CONN_COUNTING) {
		if (!conn->syncs && !conn->inflight)
			conn->flags &= ~CONN_COUNTING;
		return;
	}
	bpf_loop(max_inflight + 1, ready_one, c, 0);
	conn->flags &= ~CONN_ERROR_SKIP;
}
/* ---- frontend messages ---- */

static __always_inline int frontend_begin(struct chunk *c, struct stream *s, __u32 body)
{
	struct conn *conn = c->conn;
	struct slot *item;
	if (!conn)
		return -1;
	switch (s->type) {
	case 0: { /* StartupMessage, SSLRequest, GSSENCRequest or CancelRequest */
		__u32 code = be32(&s->hdr[4]);
		if ((code >> 16) == PROTOCOL_3) {
			s->mode = MODE_TYPED;
			conn->syncs++;
			item = new_item(c, TUSK_KIND_STARTUP, 0);
			if (item) {
				item->rec.text_total = body;
				capture_into(s, item, CAP_TEXT, conn->tail);
			}
		} else if (code == CODE_SSL || code == CODE_GSSENC) {
			conn->be.mode = MODE_SSL_ANSWER;
		} else if (code == CODE_CANCEL) {
			conn->flags |= CONN_CANCEL | CONN_DEAD;
		} else {
			return -1;
		}
		return 0;
	}
	case 'Q':
		close_open(c);
		conn->syncs++;
		item = new_item(c, TUSK_KIND_QUERY, 0);
		if (item) {
			item->rec.text_total = body;
			if (body > text_cap)
				item->rec.flags |= TUSK_F_TEXT_TRUNCATED;
			capture_into(s, item, CAP_TEXT, conn->tail);
		}
		return 0;
	case 'P':
		item = open_item(c, 1);
		if (item) {
			item->rec.flags |= TUSK_F_PARSE;
			item->rec.text_total = body;
			if (body > text_cap)
				item->rec.flags |= TUSK_F_TEXT_TRUNCATED;
			capture_into(s, item, CAP_TEXT, conn->tail);
		}
		return 0;
	case 'B':
		item = open_item(c, 0);
		if (item && (item->rec.flags & TUSK_F_BIND))
			item = open_item(c, 1);
		if (item) {
			item->rec.flags |= TUSK_F_BIND;
			item->rec.names_len = 0;
			capture_into(s, item, CAP_NAMES, conn->tail);
		}
		return 0;
	case 'D':
		item = open_item(c, 0);
		if (item) {
			if (!item->rec.names_len && !(item->rec.flags & TUSK_F_PARSE))
				capture_into(s, item, CAP_NAMES, conn->tail);
			item->rec.flags |= TUSK_F_DESCRIBE;
		}
		return 0;
	case 'E':
		item = open_item(c, 0);
		if (item) {
			if (!item->rec.names_len)
				capture_into(s, item, CAP_NAMES, conn->tail);
			item->rec.flags |= TUSK_F_EXECUTE;
			close_open(c);
		}
		return 0;
	case 'C': /* Close */
		close_open(c);
		item = new_item(c, TUSK_KIND_CLOSE, 0);
		capture_into(s, item, CAP_NAMES, conn->tail);
		return 0;
	case 'F':
		close_open(c);
		conn->syncs++;
		new_item(c, TUSK_KIND_FUNCTION, 0);
		return 0;
	case 'S': /* Sync: the last request written ends at the ReadyForQuery that answers it */
		close_open(c);
		conn->syncs++;
		item = tail_slot(conn);
		if (item)
			item->rec.flags |= TUSK_F_SYNC;
		return 0;
	case 'H': /* Flush */
		close_open(c);
		return 0;
	case 'X': case 'd': case 'c': case 'f': case 'p':
		return 0;
	}
	return -1;
}

struct scrub_ctx {
	struct slot *item;
	__u32 nuls;
};

static long scrub_one(__u64 index, void *ctxp)
{
	struct scrub_ctx *x = ctxp;
	struct slot *item = x->item;
	if (!item || index >= TUSK_NAMES_CAP)
		return 1;
	if (x->nuls >= 2)
		item->rec.names[index] = 0;
	else if (item->rec.names[index] == 0)
		x->nuls++;
	return 0;
}

/* Bind bodies carry parameter values after the two names: keep only the names. */
static __always_inline void scrub_names(struct slot *item)
{
	struct scrub_ctx x = { .item = item };
	bpf_loop(TUSK_NAMES_CAP, scrub_one, &x, 0);
	if (item->rec.names_len > TUSK_NAMES_CAP)
		item->rec.names_len = TUSK_NAMES_CAP;
}

static __always_inline void frontend_end(struct chunk *c, struct stream *s)
{
	if (s->type == 'B' && s->cap == CAP_NAMES) {
		struct slot *item = slot_at(s->cap_slot);
		if (item && item->rec.seq == s->cap_seq)
			scrub_names(item);
	}
}

/* ---- backend messages ---- */

/* Row count at the end of a CommandComplete tag ("SELECT 5", "INSERT 0 3", "UPDATE 2"): the
 * digits after the last space, read backwards from the end (a u64 has at most 20 digits); 0 when
 * the tag does not end in a count. */
static __always_inline __u64 tag_rows(struct slot *item)
{
	__u32 end = item->rec.tag_len;
	if (end > TUSK_TAG_CAP)
		end = TUSK_TAG_CAP;
	if (end && item->rec.tag[(end - 1) & (TUSK_TAG_CAP - 1)] == 0)
		end--; /* the tag's NUL */
	__u64 rows = 0, scale = 1;
	for (int i = 0; i < 21; i++) {
		if (i >= end)
			return 0;
		char ch = item->rec.tag[(end - 1 - i) & (TUSK_TAG_CAP - 1)];
		if (ch == ' ')
			return i ? rows : 0;
		if (ch < '0' || ch > '9')
			return 0;
		rows += (__u64)(ch - '0') * scale;
		scale *= 10;
	}
	return 0;
}

static __always_inline int backend_begin(struct chunk *c, struct stream *s, __u32 body)
{
	struct conn *conn = c->conn;
	if (!conn)
		return -1;
	if (s->type == 0) /* not produced on the backend side */
		return -1;
	struct slot *item = head_slot(conn);
	if (item && !item->rec.response_ns)
		item->rec.response_ns = c->now_ns;
	switch (s->type) {
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
		if (item && !(item->rec.flags & (TUSK_F_ERROR | TUSK_F_NOTICE))) {
			item->rec.flags |= TUSK_F_NOTICE;
			capture_into(s, item, CAP_ERROR, conn->head);
		}
		return 0;
	case 'Z':
		if (item)
			capture_into(s, item, CAP_TX_STATUS, conn->head);
		return 0;
	case 'K':
		if (item && item->rec.kind == TUSK_KIND_STARTUP)
			capture_into(s, item, CAP_BACKEND_KEY, conn->head);
		return 0;
	case 'G': case 'H': case 'W':
		if (item)
			item->rec.flags |= TUSK_F_COPY;
		return 0;
	case 'T': case '1': case '2': case '3': case 't': case 'n': case 'I': case 's':
	case 'S': case 'R': case 'A': case 'd': case 'c': case 'v':
		return 0;
	}
	return -1;
}

static __always_inline void backend_end(struct chunk *c, struct stream *s)
{
	struct conn *conn = c->conn;
	if (!conn)
		return;
	if (s->type == 'Z') {
		ready_for_query(c);
		return;
	}
	struct slot *item = head_slot(conn);
	if (!item)
		return;
	struct tusk_record *r = &item->rec;
	__u16 kind = r->kind;
	switch (s->type) {
	case 'C':
		r->rows += tag_rows(item);
		r->commands++;
		if (kind == TUSK_KIND_EXECUTE)
			answered(c, item);
		return;
	case 'I':
	case 's':
		r->flags |= s->type == 'I' ? TUSK_F_EMPTY : TUSK_F_SUSPENDED;
		if (kind == TUSK_KIND_EXECUTE)
			answered(c, item);
		return;
	case 'E':
		r->end_ns = c->now_ns;
		if (kind != TUSK_KIND_QUERY && kind != TUSK_KIND_FUNCTION && kind != TUSK_KIND_STARTUP) {
			conn->flags |= CONN_ERROR_SKIP;
			answered(c, item);
		}
		return;
	case '1': case '2': case '3': case 'T': case 'n':
		/* a Parse/Bind/Describe/Close-only request is answered by its last message's answer */
		if (kind == TUSK_KIND_EXECUTE || kind == TUSK_KIND_QUERY || kind == TUSK_KIND_FUNCTION ||
		    kind == TUSK_KIND_STARTUP)
			return;
		{
			__u8 want = (r->flags & TUSK_F_DESCRIBE) ? 'T' :
				    (r->flags & TUSK_F_BIND) ? '2' :
				    kind == TUSK_KIND_CLOSE ? '3' : '1';
			if (s->type == want || (want == 'T' && s->type == 'n'))
				answered(c, item);
		}
		return;
	}
}

/* ---- the message loop ---- */

/* Copy `n` bytes of the window from `pos` to `dst` without a helper call (each user- or
 * kernel-memory read costs tens of ns in fixed checks): eight bytes at a time, then the rest. */
static __always_inline void copy_from_window(void *to, const struct window *win, __u32 pos, __u32 n)
{
	__u8 *dst = to;
	const __u8 *src = &win->bytes[pos & (WINDOW - 1)];
	if (n > WINDOW)
		n = WINDOW;
	__u32 words = n / 8;
	for (int i = 0; i < WINDOW / 8; i++) {
		if (i >= words)
			break;
		*(__u64 *)(dst + i * 8) = *(const __u64 *)(src + i * 8);
	}
	for (int i = 0; i < 8; i++) {
		__u32 at = words * 8 + i;
		if (at >= n)
			break;
		dst[at] = src[at];
	}
}

/* Copy `n` bytes at the walk position: from the window when they are in it. */
static __always_inline void copy_at(struct chunk *c, void *dst, __u32 n, const __u8 *src)
{
	if (c->win && c->pos + n <= c->win_len)
		copy_from_window(dst, c->win, c->pos, n);
	else
		bpf_probe_read_user(dst, n, src);
}

/* Copy up to `n` bytes into the text area at offset `off` (a message may continue across
 * calls). The verifier cannot relate the offset to the length, so the area is twice text_cap. */
static __always_inline __u32 capture_text(struct chunk *c, struct slot *item, __u32 off, const __u8 *src, __u32 n)
{
	__u32 cap = text_cap;
	if (off >= cap)
		return 0;
	__u32 take = cap - off;
	if (take > n)
		take = n;
	copy_at(c, text_of(item) + off, take, src);
	return take;
}

static __always_inline void capture(struct chunk *c, struct stream *s, __u32 n)
{
	struct slot *item = slot_at(s->cap_slot);
	if (!item || item->rec.seq != s->cap_seq || item->rec.conn_id != c->conn->conn_id) {
		s->cap = CAP_NONE;
		return;
	}
	struct tusk_record *r = &item->rec;
	__u32 off = s->cap_off;
	const __u8 *src = c->buf + c->pos;
	__u32 take;
	switch (s->cap) {
	case CAP_TEXT:
		take = capture_text(c, item, off, src, n);
		if (!take)
			goto full;
		r->text_len = off + take;
		break;
	case CAP_NAMES:
		if (off >= TUSK_NAMES_CAP)
			goto full;
		take = TUSK_NAMES_CAP - off;
		if (take > n)
			take = n;
		copy_at(c, r->names + off, take, src);
		r->names_len = off + take;
		break;
	case CAP_TAG:
		if (off >= TUSK_TAG_CAP)
			goto full;
		take = TUSK_TAG_CAP - off;
		if (take > n)
			take = n;
		copy_at(c, r->tag + off, take, src);
		r->tag_len = off + take;
		break;
	case CAP_ERROR:
		if (off >= TUSK_ERROR_CAP)
			goto full;
		take = TUSK_ERROR_CAP - off;
		if (take > n)
			take = n;
		copy_at(c, r->error + off, take, src);
		r->error_len = off + take;
		break;
	case CAP_TX_STATUS:
		if (off >= 1)
			goto full;
		if (c->win && c->pos < c->win_len)
			r->tx_status = c->win->bytes[c->pos & (WINDOW - 1)];
		else
			bpf_probe_read_user(&r->tx_status, 1, src);
		take = 1;
		break;
	case CAP_BACKEND_KEY: {
		if (off >= 4)
			goto full;
		__u8 key[4] = {};
		take = 4 - off;
		if (take > n)
			take = n;
		if (take == 4) {
			bpf_probe_read_user(key, 4, src);
			r->backend_pid = be32(key);
		}
		break;
	}
	default:
		return;
	}
	s->cap_off = off + take;
	return;
full:
	s->cap = CAP_NONE;
}

static __always_inline __u32 header_size(__u8 mode)
{
	return mode == MODE_UNTYPED ? 8 : mode == MODE_SSL_ANSWER ? 1 : 5;
}

/* Pass over (part of) the current message's body: at most `avail` bytes. */
static __always_inline long message_body(struct chunk *c, struct stream *s, __u32 avail)
{
	__u32 n = s->body_left < avail ? s->body_left : avail;
	if (s->cap)
		capture(c, s, n);
	c->pos += n;
	s->body_left -= n;
	if (!s->body_left) {
		s->in_body = 0;
		if (c->backend)
			backend_end(c, s);
		else
			frontend_end(c, s);
	}
	return 0;
}

/* One step over the chunk: gather (part of) a header, or pass over (part of) a body. */
static __always_inline long message_step(struct chunk *c)
{
	struct conn *conn = c->conn;
	if (!conn || c->stop || c->pos >= c->len)
		return 1;
	struct stream *s = c->backend ? &conn->be : &conn->fe;
	__u32 avail = c->len - c->pos;

	if (s->in_body)
		return message_body(c, s, avail);

	__u32 body;
	/* the usual case: a whole typed header in the window, read in place */
	if (!s->hdr_have && s->mode == MODE_TYPED && c->win && c->pos + 5 <= c->win_len) {
		__u32 at = c->pos & (WINDOW - 1);
		__u8 type = c->win->bytes[at];
		__u32 len = be32(&c->win->bytes[at + 1]);
		/* type 0 stands for the untyped startup packets only */
		if (!type || len < 4 || len > MAX_MESSAGE_BYTES)
			goto broken;
		s->type = type;
		c->pos += 5;
		body = len - 4;
		goto framed;
	}

	__u32 size = header_size(s->mode);
	__u32 have = s->hdr_have & 7;
	__u32 n = size - have;
	if (n > avail)
		n = avail;
	if (n > 8)
		n = 8;
	if (n == 0)
		goto broken;
	if (c->win && c->pos + n <= c->win_len) {
		__u32 at = c->pos & (WINDOW - 1);
		for (int i = 0; i < 8; i++) {
			if (i >= n)
				break;
			s->hdr[(have + i) & 7] = c->win->bytes[at + i];
		}
	} else if (bpf_probe_read_user(&s->hdr[have], n, c->buf + c->pos)) {
		goto broken;
	}
	c->pos += n;
	s->hdr_have = have + n;
	if (have + n < size)
		return 0;
	s->hdr_have = 0;

	if (s->mode == MODE_SSL_ANSWER) {
		__u8 answer = s->hdr[0];
		if (answer == 'N') {
			s->mode = MODE_TYPED;
			return 0;
		}
		count(TUSK_C_CONNS_ENCRYPTED);
		conn->flags |= CONN_DEAD;
		c->stop = 1;
		return 1;
	} else if (s->mode == MODE_UNTYPED) {
		__u32 len = be32(s->hdr);
		if (len < 8 || len > MAX_STARTUP_BYTES)
			goto broken;
		s->type = 0;
		body = len - 8;
	} else {
		__u32 len = be32(&s->hdr[1]);
		if (!s->hdr[0] || len < 4 || len > MAX_MESSAGE_BYTES)
			goto broken;
		s->type = s->hdr[0];
		body = len - 4;
	}
framed:
	s->cap = CAP_NONE;
	s->cap_off = 0;
	s->body_left = body;
	int ok = c->backend ? backend_begin(c, s, body) : frontend_begin(c, s, body);
	if (ok < 0)
		goto broken;
	if (!body) {
		if (c->backend)
			backend_end(c, s);
		else
			frontend_end(c, s);
		return 0;
	}
	s->in_body = 1;
	/* the body is usually right here: finish the message in this step */
	if (body <= c->len - c->pos)
		return message_body(c, s, body);
	return 0;
broken:
	count(TUSK_C_DESYNC);
	conn->flags |= CONN_DEAD;
	c->stop = 1;
	return 1;
}

/* Scalars of a walk over one buffer; lives on the caller's stack. */
struct walk_state {
	__u64 buf;
	__u64 now_ns;
	__u32 len;
	__u32 pos;
	__u32 win_len; /* bytes of buf in this CPU's window */
	__u32 tid;
	__u8 backend;
	__u8 stop;
	__u8 pad[2];
};

/* A global function is verified once, on its own, instead of once per state of every caller:
 * this keeps the message loop within the verifier's budget. */
__noinline int tusk_walk_step(struct conn *conn, struct walk_state *w)
{
	if (!conn || !w)
		return 1;
	__u32 zero = 0;
	struct chunk c = {
		.conn = conn, .buf = (const __u8 *)w->buf, .len = w->len, .pos = w->pos,
		.now_ns = w->now_ns, .tid = w->tid, .backend = w->backend,
		.win = bpf_map_lookup_elem(&windows, &zero), .win_len = w->win_len,
	};
	if (!c.win)
		c.win_len = 0;
	long done = message_step(&c);
	w->pos = c.pos;
	w->stop = c.stop;
	return done;
}

struct walk_ctx {
	struct conn *conn;
	struct walk_state w;
};

static long walk_one(__u64 index, void *ctxp)
{
	struct walk_ctx *x = ctxp;
	if (x->w.stop || x->w.pos >= x->w.len)
		return 1;
	long done = tusk_walk_step(x->conn, &x->w);
	/* the verifier wants a callback result it can prove is 0 or 1 */
	asm volatile("" : "+r"(done));
	return done & 1;
}

/* Walk `len` bytes at `buf` through the connection's stream. */
static __always_inline void walk(struct conn *conn, const __u8 *buf, __u32 len, int backend, __u64 now_ns, __u32 tid)
{
	struct walk_ctx x = {
		.conn = conn,
		.w = { .buf = (__u64)buf, .len = len, .now_ns = now_ns, .tid = tid, .backend = backend },
	};
	__u32 zero = 0;
	struct window *win = bpf_map_lookup_elem(&windows, &zero);
	if (win) {
		__u32 n = len;
		/* keep the bound check on the register the helper gets, where the verifier sees it */
		asm volatile("" : "+r"(n));
		if (n > WINDOW)
			n = WINDOW;
		if (!bpf_probe_read_user(win->bytes, n, buf))
			x.w.win_len = n;
	}
	/* at most two steps per message (header, body); messages are at least one byte */
	__u32 steps = 2 * len + 2;
	if (steps > (1U << 23))
		steps = 1U << 23;
	bpf_loop(steps, walk_one, &x, 0);
}

/* ---- recognising a connection ---- */

/* Is fd a stream socket? If so, note its family and addresses in `conn`. */
static __always_inline int stream_socket(__u32 fd, struct conn *conn)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	conn->family = family;
	if (family == AF_INET) {
		__u32 local = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 peer = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(conn->local_addr, &local, 4);
		__builtin_memcpy(conn->peer_addr, &peer, 4);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&conn->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&conn->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else if (family != AF_UNIX) {
		return 0;
	}
	if (family != AF_UNIX) {
		conn->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		conn->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
	return 1;
}

enum first_bytes {
	FIRST_OTHER = 0,
	FIRST_STARTUP = 1,   /* StartupMessage/SSLRequest/GSSENCRequest/CancelRequest */
	FIRST_FRONTEND = 2,  /* whole frontend messages: a connection opened before Tusk */
};

/* Do the first bytes sent on an unknown fd look like PostgreSQL's frontend? Content only: any
 * port, any transport. A midstream guess needs whole messages of frontend types ending exactly
 * at the end of the write. */
static __always_inline int classify(const __u8 *buf, __u32 len)
{
	__u8 h[8];
	if (len < 5 || bpf_probe_read_user(h, len >= 8 ? 8 : 5, buf))
		return FIRST_OTHER;
	if (len >= 8) {
		/* the rest of a startup packet may follow in later writes */
		__u32 mlen = be32(h), code = be32(&h[4]);
		if (mlen >= 8 && mlen <= MAX_STARTUP_BYTES &&
		    ((code >> 16) == PROTOCOL_3 || code == CODE_SSL || code == CODE_GSSENC || code == CODE_CANCEL))
			return FIRST_STARTUP;
	}
	__u32 off = 0;
	__u8 last = 0;
	for (int i = 0; i < 8; i++) {
		if (off == len)
			break;
		if (off + 5 > len || bpf_probe_read_user(h, 5, buf + off))
			return FIRST_OTHER;
		__u32 mlen = be32(&h[1]);
		if (!is_frontend_type(h[0]) || mlen < 4 || mlen > MAX_MESSAGE_BYTES)
			return FIRST_OTHER;
		/* Describe and Close name a statement 'S' or portal 'P' (DataRow, also 'D', does not) */
		if (h[0] == 'D' || h[0] == 'C') {
			if (mlen < 5 || off + 6 > len || bpf_probe_read_user(&h[5], 1, buf + off + 5) ||
			    (h[5] != 'S' && h[5] != 'P'))
				return FIRST_OTHER;
		}
		off += 1 + mlen;
		last = h[0];
	}
	if (off != len)
		return FIRST_OTHER;
	/* clients end a write with a message that makes the server act: Query, Sync, Flush,
	 * FunctionCall, Terminate or the copy stream (a backend's lone ErrorResponse does not pass) */
	switch (last) {
	case 'Q': case 'S': case 'H': case 'F': case 'X': case 'd': case 'c': case 'f':
		return FIRST_FRONTEND;
	}
	return FIRST_OTHER;
}

/* First bytes on an fd with no verdict: start tracking it, or remember it is not PostgreSQL.
 * A client's first write, or a server backend's first read, is a StartupMessage (or, for a
 * connection opened before Tusk, whole frontend messages). */
static __always_inline struct conn *recognise(struct conn_key *key, const __u8 *first, __u32 first_len, __u8 role)
{
	struct conn fresh = {};
	int kind = FIRST_OTHER;
	int socket = 0;
	if (role == TUSK_ROLE_SERVER) {
		/* reads of files are common: look at the fd before the bytes */
		socket = stream_socket(key->fd, &fresh);
		if (socket)
			kind = classify(first, first_len);
	} else {
		kind = classify(first, first_len);
		if (kind != FIRST_OTHER)
			socket = stream_socket(key->fd, &fresh);
	}
	if (kind == FIRST_OTHER || !socket) {
		__u32 *attempts = bpf_map_lookup_elem(&verdicts, key);
		if (attempts) {
			(*attempts)++;
		} else {
			/* fds known not to be sockets never become PostgreSQL: no second try */
			__u32 start = (role == TUSK_ROLE_SERVER ? socket : kind == FIRST_OTHER) ? 1 : CLASSIFY_ATTEMPTS;
			bpf_map_update_elem(&verdicts, key, &start, BPF_ANY);
		}
		return 0;
	}
	fresh.conn_id = __sync_fetch_and_add(&next_conn_id, 1);
	fresh.tgid = key->tgid;
	fresh.fd = key->fd;
	fresh.role = role;
	if (kind == FIRST_STARTUP) {
		fresh.fe.mode = MODE_UNTYPED;
	} else {
		fresh.flags = CONN_MIDSTREAM;
		count(TUSK_C_CONNS_MIDSTREAM);
	}
	if (bpf_map_update_elem(&conns, key, &fresh, BPF_NOEXIST))
		return 0;
	__u32 *owned = process_conns_of(key->tgid);
	if (owned)
		__sync_fetch_and_add(owned, 1);
	bpf_map_delete_elem(&verdicts, key);
	count(TUSK_C_CONNS_OPENED);
	return bpf_map_lookup_elem(&conns, key);
}

/* ---- syscalls ---- */

static __always_inline int in_scope(void)
{
	if (!cgroup_count)
		return 1;
	for (int i = 0; i < TUSK_MAX_CGROUPS; i++) {
		if (i >= cgroup_count)
			break;
		if (bpf_get_current_ancestor_cgroup_id(cgroup_levels[i]) == cgroup_ids[i])
			return 1;
	}
	return 0;
}

static __always_inline int traced(__u32 tgid)
{
	if (tgid == self_tgid)
		return 0;
	/* other pods: out before any other work */
	if (!in_scope())
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
		return 0;
	return 1;
}

/* Could the fd's next bytes start a connection? Clients speak first: a client connection starts
 * with a send, a server backend's with a read; fds that failed often enough have a verdict. */
static __always_inline int may_classify(struct conn_key *key, __u8 io)
{
	if (!((io & IO_SEND) ? trace_clients : trace_servers))
		return 0;
	__u32 *attempts = bpf_map_lookup_elem(&verdicts, key);
	return !attempts || *attempts < CLASSIFY_ATTEMPTS;
}

/* A send stashes its arguments and start time per thread; its exit walks the bytes it moved.
 * Reads have no enter program (see on_recv_exit). */
static __always_inline int on_send_enter(__u32 fd, __u64 buf, __u64 count_or_vlen, __u8 io)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!traced(tgid))
		return 0;
	struct conn_key key = { .tgid = tgid, .fd = fd };
	/* A process with PostgreSQL connections has its calls looked at when they return (one
	 * connection lookup per call, there); any other process only when the fd may become one. */
	__u8 classify_fd = 0;
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned) {
		if (!may_classify(&key, io))
			return 0;
		classify_fd = 1;
	}
	struct io_stash *st = bpf_task_storage_get(&io_stash, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	/* a send's start is the request's start */
	st->start_ns = bpf_ktime_get_ns();
	st->buf = buf;
	st->count = count_or_vlen;
	st->fd = fd;
	st->io = io;
	st->classify = classify_fd;
	st->active = 1;
	return 0;
}

/* Walk the bytes of one completed call; for vectored calls, iovec by iovec. */
static __always_inline void walk_io(struct conn *conn, struct io_stash *st, __u32 moved, int backend, __u64 now_ns, __u32 tid)
{
	if (!(st->io & (IO_VEC | IO_MSG))) {
		walk(conn, (const __u8 *)st->buf, moved, backend, now_ns, tid);
		return;
	}
	const struct iovec_user *iov = (const struct iovec_user *)st->buf;
	__u64 vlen = st->count;
	if (st->io & IO_MSG) {
		struct msghdr_user msg;
		if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)st->buf))
			return;
		iov = msg.msg_iov;
		vlen = msg.msg_iovlen;
	}
	for (int i = 0; i < MAX_IOVECS; i++) {
		if (i >= vlen || !moved)
			break;
		struct iovec_user v;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		__u32 n = v.iov_len < moved ? v.iov_len : moved;
		walk(conn, v.iov_base, n, backend, now_ns, tid);
		moved -= n;
		if (conn->flags & CONN_DEAD)
			break;
	}
}

static __always_inline const __u8 *first_buffer(struct io_stash *st, __u32 *len)
{
	if (!(st->io & (IO_VEC | IO_MSG)))
		return (const __u8 *)st->buf;
	const struct iovec_user *iov = (const struct iovec_user *)st->buf;
	if (st->io & IO_MSG) {
		struct msghdr_user msg;
		if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)st->buf) || !msg.msg_iovlen)
			return 0;
		iov = msg.msg_iov;
	} else if (!st->count) {
		return 0;
	}
	struct iovec_user v;
	if (bpf_probe_read_user(&v, sizeof(v), iov))
		return 0;
	if (v.iov_len < *len)
		*len = v.iov_len;
	return v.iov_base;
}

/* A call on `key` that returned `ret` (> 0: bytes moved, 0: end of stream) at `now_ns`: walk its
 * bytes through the connection, or recognise a new connection in them. */
static __always_inline int complete(struct conn_key *key, struct io_stash *call, long ret, __u64 now_ns, __u32 tid)
{
	int sending = call->io & IO_SEND;
	struct conn *conn = bpf_map_lookup_elem(&conns, key);
	if (ret == 0) {
		/* end of stream: the server closed or killed the connection */
		if (conn)
			tusk_conn_end(conn, TUSK_OUTCOME_ABORTED, now_ns);
		return 0;
	}
	if (!conn) {
		if (!call->classify && !may_classify(key, call->io))
			return 0;
		__u32 first_len = ret;
		const __u8 *first = first_buffer(call, &first_len);
		if (!first)
			return 0;
		conn = recognise(key, first, first_len, sending ? TUSK_ROLE_CLIENT : TUSK_ROLE_SERVER);
		if (!conn)
			return 0;
	}
	int backend = conn->role == TUSK_ROLE_CLIENT ? !sending : sending;
	walk_io(conn, call, ret, backend, now_ns, tid);
	if (conn->flags & CONN_DEAD) {
		int quiet = conn->flags & CONN_CANCEL;
		tusk_conn_end(conn, TUSK_OUTCOME_DESYNC, now_ns);
		if (!quiet) {
			__u32 never = CLASSIFY_ATTEMPTS;
			bpf_map_update_elem(&verdicts, key, &never, BPF_ANY);
		}
	}
	return 0;
}

static __always_inline int on_send_exit(long ret)
{
	struct io_stash *st = bpf_task_storage_get(&io_stash, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->active)
		return 0;
	st->active = 0;
	/* EAGAIN and other failures are common and cost nothing more */
	if (ret <= 0)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = { .tgid = pid_tgid >> 32, .fd = st->fd };
	return complete(&key, st, ret, st->start_ns, (__u32)pid_tgid);
}

/* Reads need no enter program (each would cost a tracepoint hit and a stash): a read's buffer is
 * only filled when it returns, and its arguments are still in the registers the syscall saved. */
static __always_inline int on_recv_exit(long ret, __u8 io)
{
	/* EAGAIN from non-blocking reads is common and costs nothing more */
	if (ret < 0)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!traced(tgid))
		return 0;
	__u32 *owned = process_conns_of(tgid);
	int known = owned && *owned;
	/* a process without connections only reads its first bytes as a server backend */
	if (!known && (!ret || !trace_servers))
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct io_stash call = { .io = io };
	call.fd = regs->di;
	call.buf = regs->si;
	call.count = regs->dx;
	struct conn_key key = { .tgid = tgid, .fd = call.fd };
	if (!known) {
		if (!may_classify(&key, io))
			return 0;
		call.classify = 1;
	}
	return complete(&key, &call, ret, bpf_ktime_get_ns(), (__u32)pid_tgid);
}

#define SEND(name, io)                                                         \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int enter_##name(struct syscall_enter_ctx *ctx)                        \
	{                                                                      \
		return on_send_enter(ctx->args[0], ctx->args[1], ctx->args[2], io); \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int exit_##name(struct syscall_exit_ctx *ctx)                          \
	{                                                                      \
		return on_send_exit(ctx->ret);                                 \
	}
#define RECV(name, io)                                                         \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int exit_##name(struct syscall_exit_ctx *ctx)                          \
	{                                                                      \
		return on_recv_exit(ctx->ret, io);                             \
	}

SEND(write, IO_SEND)
SEND(sendto, IO_SEND)
SEND(writev, IO_SEND | IO_VEC)
SEND(sendmsg, IO_SEND | IO_MSG)
RECV(read, IO_RECV)
RECV(recvfrom, IO_RECV)
RECV(readv, IO_RECV | IO_VEC)
RECV(recvmsg, IO_RECV | IO_MSG)

struct exit_ctx {
	__u32 tgid;
	__u64 now_ns;
};

static long end_if_owned(void *map, struct conn_key *key, struct conn *conn, struct exit_ctx *x)
{
	if (key->tgid == x->tgid)
		tusk_conn_end(conn, TUSK_OUTCOME_ABORTED, x->now_ns);
	return 0;
}

/* A process that dies (killed, or exiting without closing) never calls close: end its
 * connections here. Only processes that had PostgreSQL connections pay for the walk. */
SEC("tracepoint/sched/sched_process_exit")
int process_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if ((__u32)pid_tgid != tgid)
		return 0; /* a thread, not the process */
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned)
		return 0;
	struct exit_ctx x = { .tgid = tgid, .now_ns = bpf_ktime_get_ns() };
	bpf_for_each_map_elem(&conns, end_if_owned, &x, 0);
	return 0;
}

/* A closed fd may come back as another connection: forget both the state and the verdict. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct syscall_enter_ctx *ctx)
{
	struct conn_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .fd = ctx->args[0] };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (conn)
		tusk_conn_end(conn, TUSK_OUTCOME_ABORTED, bpf_ktime_get_ns());
	else
		bpf_map_delete_elem(&verdicts, &key);
	return 0;
}
