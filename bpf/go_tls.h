/* Go's crypto/tls: uprobes on crypto/tls.(*Conn).Write and (*Conn).Read in Go executables hand
 * their plaintext to the same walk as OpenSSL's (complete(), plaintext = 1). Included by
 * tusk.bpf.c after complete().
 *
 * Go's register ABI (amd64, Go >= 1.17): the receiver is in ax, a []byte argument in bx (pointer)
 * and cx (length); the results (n int, err error) come back in ax, bx and cx. The running
 * goroutine (its g) is in r14 throughout Go code, at the entry, at every RET and at the SYSCALL
 * instruction of the runtime's syscall functions.
 *
 * A goroutine moves between threads, so a call's state is keyed by (process, goroutine), not by
 * thread. Its return is taken by uprobes on each RET instruction of the function (user space
 * finds them), never by a uretprobe: uretprobes rewrite the return address on the stack, and Go
 * copies goroutine stacks when they grow. The socket calls the goroutine makes inside a call are
 * seen by the syscall tracepoints, which find the goroutine in the user registers saved at
 * syscall entry (r14): they tie the Conn to its fd. A Read served from the Conn's buffer makes no
 * socket call: the fd the Conn last used stands in.
 *
 * A Write walks its plaintext at its entry once the Conn's connection is known: its bytes are the
 * request before any of them leaves, whichever goroutine then reads the answer. (pgx writes a
 * batch from a goroutine of its own while another reads the results; walked at the Write's RET,
 * the answers could come first.) A Conn's first Write (the handshake runs inside it) walks at its
 * RET. */
#ifndef TUSK_GO_TLS_H
#define TUSK_GO_TLS_H

#include "maps.h"

struct go_call_key {
	__u64 goroutine; /* the g pointer (r14) */
	__u32 tgid;
	__u32 pad;
};

/* A (*Conn).Write or (*Conn).Read call, from its entry to a RET. */
struct go_tls_call {
	__u64 start_ns;
	__u64 conn;    /* the *tls.Conn */
	__u64 buf;     /* the plaintext */
	__u32 fd;
	__u8 has_fd;   /* a socket call inside this call gave fd */
	__u8 sending;  /* Write */
	__u8 walked;   /* a Write walked at its entry */
	__u8 foreign;  /* a socket call inside this call was on an fd other than an encrypted connection's */
};

struct go_conn_key {
	__u64 conn;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_call_key);
	__type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* The connection a Conn last moved ciphertext on: its fd, and its conn_id, which tells a Conn
 * whose address a freed one had from that one. */
struct go_conn_fd {
	__u64 conn_id;
	__u32 fd;
	__u32 pad;
};

/* For a Read served from the Conn's buffer, and a Write walked at its entry. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_conn_key);
	__type(value, struct go_conn_fd);
} go_conn_fds SEC(".maps");

/* Processes whose Go TLS probes fired: only their socket calls look for a goroutine's call, so
 * every other process pays one lookup in a small map, and only on fds of PostgreSQL connections. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} go_processes SEC(".maps");

#define GO_TLS_MAX_CALL_BYTES (1U << 30)

/* Is this socket call made by a goroutine inside a Go TLS call, on an encrypted PostgreSQL
 * connection? Then it moves that call's ciphertext: note its fd for the call's return, and walk
 * nothing here. Other fds the goroutine reads inside the call (certificate files during the
 * handshake) are not the Conn's, and a call left behind by a goroutine that never returned cannot
 * claim a plaintext connection. */
static __always_inline int inside_go_tls(__u32 tgid, __u32 fd)
{
	if (!tls_capture || !bpf_map_lookup_elem(&go_processes, &tgid))
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct go_call_key k = { .goroutine = regs->r14, .tgid = tgid };
	struct go_tls_call *call = bpf_map_lookup_elem(&go_tls_calls, &k);
	if (!call)
		return 0;
	struct conn_key key = { .tgid = tgid, .fd = fd };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || !(conn->flags & CONN_TLS)) {
		call->foreign = 1;
		return 0;
	}
	call->fd = fd;
	call->has_fd = 1;
	return 1;
}

/* 1 when the call is noted */
static __always_inline int on_go_tls_enter(struct pt_regs *ctx, int sending)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!tls_capture || !traced(tgid))
		return 0;
	/* an encrypted PostgreSQL connection starts in the clear: its process already has one */
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned)
		return 0;
	if (!bpf_map_lookup_elem(&go_processes, &tgid)) {
		__u8 yes = 1;
		bpf_map_update_elem(&go_processes, &tgid, &yes, BPF_ANY);
	}
	struct go_call_key k = { .goroutine = ctx->r14, .tgid = tgid };
	/* a goroutine whose stack grows re-enters the function from its start: the same call */
	struct go_tls_call call = {
		.start_ns = bpf_ktime_get_ns(),
		.conn = ctx->ax,
		.buf = ctx->bx,
		.sending = sending,
	};
	bpf_map_update_elem(&go_tls_calls, &k, &call, BPF_ANY);
	return 1;
}

#define GO_TLS_REENTRY_NS (50ULL * 1000 * 1000)

/* A Write's entry: b (bx, its length in cx) is walked now when the Conn's connection is known and
 * still the one it was, and the call is marked walked; else its RET walks it. A re-entry after
 * the goroutine's stack grew finds its call walked, for the same Conn and bytes, with no socket
 * call yet and moments ago: it leaves the call as it is. */
static __always_inline int on_go_tls_write_enter(struct pt_regs *ctx)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct go_call_key k = { .goroutine = ctx->r14, .tgid = tgid };
	struct go_tls_call *pending = bpf_map_lookup_elem(&go_tls_calls, &k);
	if (pending && pending->walked && !pending->has_fd && pending->conn == ctx->ax && pending->buf == ctx->bx &&
	    bpf_ktime_get_ns() - pending->start_ns < GO_TLS_REENTRY_NS)
		return 0;
	if (!on_go_tls_enter(ctx, 1))
		return 0;
	struct go_tls_call *call = bpf_map_lookup_elem(&go_tls_calls, &k);
	if (!call)
		return 0;
	struct go_conn_key ck = { .conn = ctx->ax, .tgid = tgid };
	struct go_conn_fd *last = bpf_map_lookup_elem(&go_conn_fds, &ck);
	if (!last)
		return 0;
	struct conn_key key = { .tgid = tgid, .fd = last->fd };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || conn->conn_id != last->conn_id || !(conn->flags & CONN_TLS))
		return 0;
	long n = (long)ctx->cx;
	if (n <= 0)
		return 0;
	if (n > GO_TLS_MAX_CALL_BYTES)
		n = GO_TLS_MAX_CALL_BYTES;
	call->walked = 1;
	return complete(&key, ctx->bx, n, IO_PLAIN, 1, 0, n, call->start_ns, tid, 1);
}

/* At a RET of either function: n (the bytes moved) is in ax. */
static __always_inline int on_go_tls_return(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_call_key k = { .goroutine = ctx->r14, .tgid = pid_tgid >> 32 };
	struct go_tls_call *found = bpf_map_lookup_elem(&go_tls_calls, &k);
	if (!found)
		return 0;
	struct go_tls_call call = *found;
	bpf_map_delete_elem(&go_tls_calls, &k);
	struct go_conn_key ck = { .conn = call.conn, .tgid = k.tgid };
	struct conn_key key = { .tgid = k.tgid };
	if (call.has_fd) {
		key.fd = call.fd;
		struct conn *conn = bpf_map_lookup_elem(&conns, &key);
		struct go_conn_fd tie = { .conn_id = conn ? conn->conn_id : 0, .fd = call.fd };
		bpf_map_update_elem(&go_conn_fds, &ck, &tie, BPF_ANY);
	} else {
		struct go_conn_fd *last = bpf_map_lookup_elem(&go_conn_fds, &ck);
		if (!last) {
			/* plaintext of a Conn whose connection is unknown (and not another socket's):
			 * counted like OpenSSL's */
			if (!call.walked && !call.foreign && (long)ctx->ax > 0)
				count(TUSK_C_TLS_UNTIED);
			return 0;
		}
		key.fd = last->fd;
	}
	if (call.walked)
		return 0;
	long n = (long)ctx->ax;
	if (n <= 0)
		return 0;
	if (n > GO_TLS_MAX_CALL_BYTES)
		n = GO_TLS_MAX_CALL_BYTES;
	/* a write's request starts when the application hands it over */
	__u64 now_ns = call.sending ? call.start_ns : bpf_ktime_get_ns();
	return complete(&key, call.buf, n, IO_PLAIN, call.sending, 0, n, now_ns, (__u32)pid_tgid, 1);
}

SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx)
{
	return on_go_tls_write_enter(ctx);
}

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx)
{
	on_go_tls_enter(ctx, 0);
	return 0;
}

/* one program serves the RETs of both: the call's state says which it was */
SEC("uprobe")
int go_tls_return(struct pt_regs *ctx)
{
	return on_go_tls_return(ctx);
}

#endif
