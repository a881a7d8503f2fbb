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
 * socket call: the fd the Conn last used stands in. */
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
	__u8 pad[2];
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

/* The fd a Conn last moved ciphertext on, for a Read served from the Conn's buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_conn_key);
	__type(value, __u32);
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
	if (!conn || !(conn->flags & CONN_TLS))
		return 0;
	call->fd = fd;
	call->has_fd = 1;
	return 1;
}

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
	return 0;
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
	__u32 fd;
	if (call.has_fd) {
		fd = call.fd;
		bpf_map_update_elem(&go_conn_fds, &ck, &fd, BPF_ANY);
	} else {
		__u32 *last = bpf_map_lookup_elem(&go_conn_fds, &ck);
		if (!last)
			return 0;
		fd = *last;
	}
	long n = (long)ctx->ax;
	if (n <= 0)
		return 0;
	if (n > GO_TLS_MAX_CALL_BYTES)
		n = GO_TLS_MAX_CALL_BYTES;
	struct conn_key key = { .tgid = k.tgid, .fd = fd };
	/* a write's request starts when the application hands it over */
	__u64 now_ns = call.sending ? call.start_ns : bpf_ktime_get_ns();
	return complete(&key, call.buf, n, IO_PLAIN, call.sending, 0, n, now_ns, (__u32)pid_tgid, 1);
}

SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx)
{
	return on_go_tls_enter(ctx, 1);
}

SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx)
{
	return on_go_tls_enter(ctx, 0);
}

/* one program serves the RETs of both: the call's state says which it was */
SEC("uprobe")
int go_tls_return(struct pt_regs *ctx)
{
	return on_go_tls_return(ctx);
}

#endif
