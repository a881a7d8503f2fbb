// SPDX-License-Identifier: GPL-2.0
/* Tusk's kernel side: syscall tracepoints see the bytes of every read and write, PostgreSQL
 * connections are recognised by content, each direction is framed into protocol messages, and
 * requests are paired with their answers per connection. One ring-buffer record leaves the kernel
 * per completed request (struct tusk_record).
 *
 *   maps.h        state, maps and tunables
 *   protocol.h    the wire protocol: framing, recognition, tags, notice fields (pure, host-tested)
 *   pairing.h     requests and answers per connection; the message loop
 *   connection.h  recognising a connection and ending it
 *   this file     the syscall entry points
 *
 * A send's sys_enter_* stashes its arguments and start time per thread (only for processes with
 * PostgreSQL connections, or to classify an unknown fd's first send); its sys_exit_* walks the
 * bytes the call really moved. Reads are seen at sys_exit_* only. Each exit program knows its
 * kind of I/O (plain, iovec array or msghdr) at compile time and verifies only that path. */
#include "discovery.h"

char LICENSE[] SEC("license") = "GPL";

/* How a call's bytes are laid out. */
enum io_shape {
	IO_PLAIN = 0, /* buf, count */
	IO_VEC = 1,   /* an iovec array and its length */
	IO_MSG = 2,   /* a msghdr */
};

/* ---- scope ---- */

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
static __always_inline int may_classify(struct conn_key *key, int sending)
{
	if (!(sending ? trace_clients : trace_servers))
		return 0;
	__u32 *attempts = bpf_map_lookup_elem(&verdicts, key);
	return !attempts || *attempts < CLASSIFY_ATTEMPTS;
}

/* ---- one call's bytes ---- */

/* Where a vectored call's iovec array is, and how long it is. 0 when unreadable. */
static __always_inline int iovecs_of(__u64 buf, __u64 count, const enum io_shape shape, __u64 *iov, __u64 *vlen)
{
	if (shape == IO_MSG) {
		struct msghdr_user msg;
		if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)buf))
			return 0;
		*iov = (__u64)msg.msg_iov;
		*vlen = msg.msg_iovlen;
		return 1;
	}
	*iov = buf;
	*vlen = count;
	return 1;
}

/* The first buffer of a call (for recognising a connection), at most *len bytes of it. */
static __always_inline __u64 first_buffer(__u64 buf, __u64 count, const enum io_shape shape, __u32 *len)
{
	if (shape == IO_PLAIN)
		return buf;
	__u64 iov, vlen;
	if (!iovecs_of(buf, count, shape, &iov, &vlen) || !vlen)
		return 0;
	struct iovec_user v;
	if (bpf_probe_read_user(&v, sizeof(v), (const void *)iov))
		return 0;
	if (v.iov_len < *len)
		*len = v.iov_len;
	return (__u64)v.iov_base;
}

/* A call on `key` that returned `ret` (> 0: bytes moved, 0: end of stream) at `now_ns`: walk its
 * bytes through the connection, or recognise a new connection in them. `plaintext`: the bytes come
 * from a TLS library probe, for a connection already known to be encrypted. */
static __always_inline int complete(struct conn_key *key, __u64 buf, __u64 size, const enum io_shape shape,
				    int sending, int classify, long ret, __u64 now_ns, __u32 tid, const int plaintext)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);
	if (plaintext && (!conn || !(conn->flags & CONN_TLS)))
		return 0;
	if (ret == 0) {
		/* end of stream: the server closed or killed the connection */
		if (conn)
			tusk_conn_end(conn, TUSK_OUTCOME_ABORTED, now_ns);
		return 0;
	}
	if (conn && (conn->flags & CONN_TLS)) {
		/* a socket call's bytes on an encrypted connection are ciphertext, moved outside any
		 * probed TLS call (inside one, the call's return walks the plaintext) */
		if (!plaintext) {
			if (sending && !(conn->flags & CONN_TLS_SEEN)) {
				__u32 one = 1;
				__u64 at = first_buffer(buf, size, shape, &one);
				__u8 type = 0;
				if (at && !bpf_probe_read_user(&type, 1, (const void *)at))
					tusk_tls_unprobed_send(conn, type);
			}
			return 0;
		}
		if (!(conn->flags & CONN_TLS_SEEN)) {
			__u32 frontend = conn->role == TUSK_ROLE_CLIENT ? sending : !sending;
			if (!tusk_tls_first_plaintext(conn, buf, ret, frontend))
				return 0;
			conn->flags |= CONN_TLS_SEEN;
			count(TUSK_C_CONNS_TLS_SEEN);
		}
	}
	if (!conn) {
		if (!classify && !may_classify(key, sending))
			return 0;
		__u32 first_len = ret;
		__u64 first = first_buffer(buf, size, shape, &first_len);
		if (!first || !tusk_recognise(key, first, first_len, sending ? TUSK_ROLE_CLIENT : TUSK_ROLE_SERVER))
			return 0;
		conn = bpf_map_lookup_elem(&conns, key);
		/* a direct TLS ClientHello: the connection is encrypted from its first byte */
		if (!conn || (conn->flags & CONN_TLS))
			return 0;
	}
	struct walk *w = plaintext ? bpf_task_storage_get(&tls_walks, bpf_get_current_task_btf(), 0,
							   BPF_LOCAL_STORAGE_GET_F_CREATE)
				   : walk_of();
	if (!w) {
		if (plaintext)
			count(TUSK_C_TLS_WALK_UNAVAILABLE);
		return 0;
	}
	w->now_ns = now_ns;
	w->tid = tid;
	w->backend = conn->role == TUSK_ROLE_CLIENT ? !sending : sending;
	w->stop = 0;
	if (shape == IO_PLAIN) {
		tusk_walk(conn, w, buf, ret);
	} else {
		__u64 iov, vlen;
		if (iovecs_of(buf, size, shape, &iov, &vlen)) {
			w->iov = iov;
			w->vlen = vlen < MAX_IOVECS ? vlen : MAX_IOVECS;
			w->moved = ret;
			walk_iovecs(conn, w);
		}
	}
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

#include "go_tls.h"

/* ---- the programs ---- */

/* A thread's handshake step left an SSL object untied (see struct tls_stash) and it now sends on
 * `fd`: if that is an encrypted connection, this send carries the step's output. The object is
 * tied to it unless the connection already has one; either way the untied object is settled. A
 * send on any other fd (a log line, another protocol) leaves it waiting. On one thread nothing
 * runs between a memory-BIO handshake step and the flush of its output, so two connections of one
 * event loop cannot take each other's object. */
static __always_inline void tie_untied(struct tls_stash *t, __u32 fd)
{
	struct conn_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .fd = fd };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || !(conn->flags & CONN_TLS))
		return;
	struct ssl_key sk = { .ssl = t->untied_ssl, .tgid = key.tgid };
	t->untied_ssl = 0;
	if (conn->tls_tied || (conn->flags & CONN_TLS_SEEN))
		return;
	bpf_map_update_elem(&ssl_fds, &sk, &fd, BPF_ANY);
	conn->tls_tied = 1;
}

/* Is the thread inside a TLS library call (SSL_read/SSL_write) and this socket call on an
 * encrypted PostgreSQL connection? Then it moves that call's ciphertext: note its fd for the
 * call's return, and walk nothing here. A socket call on any other fd inside the call (node's
 * event loop wakes itself through an eventfd; an HTTPS object's own socket) is noted as foreign
 * and goes its usual way. A send outside any TLS call may tie an SSL object its handshake left
 * untied. */
static __always_inline int inside_tls(__u32 fd, int sending)
{
	if (!tls_capture)
		return 0;
	struct tls_stash *t = bpf_task_storage_get(&tls_stash, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return 0;
	if (!t->active) {
		if (sending && t->untied_ssl)
			tie_untied(t, fd);
		return 0;
	}
	struct conn_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .fd = fd };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || !(conn->flags & CONN_TLS)) {
		t->foreign = 1;
		return 0;
	}
	t->fd = fd;
	t->has_fd = 1;
	return 1;
}

/* A send stashes its arguments and start time per thread; its exit walks the bytes it moved. */
static __always_inline int on_send_enter(__u32 fd, __u64 buf, __u64 size)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!traced(tgid))
		return 0;
	struct conn_key key = { .tgid = tgid, .fd = fd };
	/* A process with PostgreSQL connections has its calls looked at when they return (one
	 * connection lookup per call, there); any other process only when the fd may become one. */
	__u8 classify = 0;
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned) {
		if (!may_classify(&key, 1))
			return 0;
		classify = 1;
	} else if (inside_tls(fd, 1) || inside_go_tls(tgid, fd)) {
		return 0;
	}
	struct io_stash *st = bpf_task_storage_get(&io_stash, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TUSK_C_STASH_UNAVAILABLE);
		return 0;
	}
	/* a send's start is the request's start */
	st->start_ns = bpf_ktime_get_ns();
	st->buf = buf;
	st->count = size;
	st->fd = fd;
	st->classify = classify;
	st->active = 1;
	return 0;
}

static __always_inline int on_send_exit(long ret, const enum io_shape shape)
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
	return complete(&key, st->buf, st->count, shape, 1, st->classify, ret, st->start_ns, (__u32)pid_tgid, 0);
}

/* Reads need no enter program (each would cost a tracepoint hit and a stash): a read's buffer is
 * only filled when it returns, and its arguments are still in the registers the syscall saved. */
static __always_inline int on_recv_exit(long ret, const enum io_shape shape)
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
	struct conn_key key = { .tgid = tgid, .fd = regs->di };
	if (!known && !may_classify(&key, 0))
		return 0;
	if (known && ret && (inside_tls(key.fd, 0) || inside_go_tls(tgid, key.fd)))
		return 0;
	return complete(&key, regs->si, regs->dx, shape, 0, !known, ret, bpf_ktime_get_ns(), (__u32)pid_tgid, 0);
}

#define SEND(name, shape)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                        \
	int enter_##name(struct syscall_enter_ctx *ctx)                    \
	{                                                                  \
		return on_send_enter(ctx->args[0], ctx->args[1], ctx->args[2]); \
	}                                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int exit_##name(struct syscall_exit_ctx *ctx)                      \
	{                                                                  \
		return on_send_exit(ctx->ret, shape);                      \
	}
#define RECV(name, shape)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int exit_##name(struct syscall_exit_ctx *ctx)                      \
	{                                                                  \
		return on_recv_exit(ctx->ret, shape);                      \
	}

SEND(write, IO_PLAIN)
SEND(sendto, IO_PLAIN)
SEND(writev, IO_VEC)
SEND(sendmsg, IO_MSG)
RECV(read, IO_PLAIN)
RECV(recvfrom, IO_PLAIN)
RECV(readv, IO_VEC)
RECV(recvmsg, IO_MSG)

/* ---- TLS libraries: OpenSSL's SSL_write, SSL_write_ex, SSL_read, SSL_read_ex ----
 *
 * Attached by user space to each libssl file (every process that maps it). The entry stashes the
 * call's SSL object and plaintext buffer per thread; the socket calls made inside it note the fd
 * (inside_tls); the return walks the plaintext the call moved through the connection on that fd,
 * exactly as a socket call's bytes would be: SSL_write sends, SSL_read receives. A read OpenSSL
 * serves from its own buffer makes no socket call: the fd the SSL object last used stands in.
 *
 * An SSL object over memory BIOs (Python's asyncio: ssl.SSLObject; node's TLSWrap) never makes a
 * socket call: the application moves its ciphertext itself. Its handshake ties it: a call that made
 * no socket call on an object not tied yet (SSL_do_handshake, or an SSL_read or SSL_write driving
 * the handshake, as node's does) leaves the object untied, and the thread's next send on an
 * encrypted connection with no SSL object yet is that call's output (tie_untied). Its reads and
 * writes then use that fd. */

/* Entry: (SSL *ssl, void *buf, int num) and, for the _ex forms, size_t *moved as 4th argument
 * (`moved_arg` 4), or as 5th after the flags for SSL_write_ex2 (5); SSL_do_handshake takes the SSL
 * object only. User space may put an `_ex` form's probes on the internal function every form of
 * that direction calls, which takes the same arguments. */
static __always_inline int on_tls_enter(struct pt_regs *ctx, int sending, int moved_arg, int handshake)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!traced(tgid)) {
		count(TUSK_C_TLS_OUT_OF_SCOPE);
		return 0;
	}
	/* an encrypted PostgreSQL connection starts in the clear: its process already has one */
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned)
		return 0;
	struct tls_stash *t = bpf_task_storage_get(&tls_stash, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	t->start_ns = bpf_ktime_get_ns();
	t->ssl = ctx->di;
	t->buf = ctx->si;
	t->moved = moved_arg == 4 ? ctx->cx : moved_arg == 5 ? ctx->r8 : 0;
	t->has_fd = 0;
	t->foreign = 0;
	t->sending = sending;
	t->handshake = handshake;
	t->active = 1;
	return 0;
}

/* A handshake step's return: a socket call inside it ties the object to that fd; none (nor one on
 * another socket) leaves the object untied until the thread's next encrypted send (tie_untied). A step of an object already
 * tied does the same: an SSL object's address may be a freed one's, whose tie is stale. */
static __always_inline int on_handshake_return(struct tls_stash *t, __u32 tgid)
{
	if (!t->has_fd) {
		if (!t->foreign)
			t->untied_ssl = t->ssl;
		return 0;
	}
	struct ssl_key sk = { .ssl = t->ssl, .tgid = tgid };
	__u32 fd = t->fd;
	bpf_map_update_elem(&ssl_fds, &sk, &fd, BPF_ANY);
	struct conn_key key = { .tgid = tgid, .fd = fd };
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (conn && (conn->flags & CONN_TLS))
		conn->tls_tied = 1;
	return 0;
}

#define TLS_MAX_CALL_BYTES (1U << 30)

/* Return: SSL_read/SSL_write return the bytes moved (> 0); the _ex forms (and the internal
 * functions) return > 0 and store the count through the argument noted at the entry. */
static __always_inline int on_tls_return(struct pt_regs *ctx)
{
	struct tls_stash *t = bpf_task_storage_get(&tls_stash, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->active)
		return 0;
	t->active = 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (t->handshake)
		return on_handshake_return(t, pid_tgid >> 32);
	struct ssl_key sk = { .ssl = t->ssl, .tgid = pid_tgid >> 32 };
	__u32 fd;
	__u32 *last = bpf_map_lookup_elem(&ssl_fds, &sk);
	if (t->has_fd) {
		fd = t->fd;
		/* an update costs more than the lookup: most calls find the tie as it was */
		if (!last || *last != fd)
			bpf_map_update_elem(&ssl_fds, &sk, &fd, BPF_ANY);
	} else {
		if (!last) {
			/* an object moving its ciphertext on another socket is not a PostgreSQL one */
			if (t->foreign)
				return 0;
			/* an object over memory BIOs that a read or write drives through its handshake
			 * (node's TLSWrap starts one with SSL_read) is tied like a handshake step's */
			t->untied_ssl = t->ssl;
			if ((int)ctx->ax > 0)
				count(TUSK_C_TLS_UNTIED);
			return 0;
		}
		fd = *last;
	}
	int ret = (int)ctx->ax;
	if (ret <= 0)
		return 0;
	__u64 n = ret;
	if (t->moved) {
		if (bpf_probe_read_user(&n, sizeof(n), (const void *)t->moved) || !n)
			return 0;
	}
	if (n > TLS_MAX_CALL_BYTES)
		n = TLS_MAX_CALL_BYTES;
	struct conn_key key = { .tgid = sk.tgid, .fd = fd };
	/* a write's request starts when the application hands it over */
	__u64 now_ns = t->sending ? t->start_ns : bpf_ktime_get_ns();
	return complete(&key, t->buf, n, IO_PLAIN, t->sending, 0, n, now_ns, (__u32)pid_tgid, 1);
}

SEC("uprobe")
int ssl_write_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 1, 0, 0);
}

SEC("uprobe")
int ssl_write_ex_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 1, 4, 0);
}

SEC("uprobe")
int ssl_write_ex2_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 1, 5, 0);
}

SEC("uprobe")
int ssl_read_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 0, 0, 0);
}

SEC("uprobe")
int ssl_read_ex_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 0, 4, 0);
}

SEC("uprobe")
int ssl_handshake_enter(struct pt_regs *ctx)
{
	return on_tls_enter(ctx, 0, 0, 1);
}

/* one return program serves all six: the stash says what the call was */
SEC("uretprobe")
int ssl_return(struct pt_regs *ctx)
{
	return on_tls_return(ctx);
}

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
	/* its pid may come back as another process: announce that one afresh */
	bpf_map_delete_elem(&announced, &tgid);
	bpf_map_delete_elem(&go_processes, &tgid);
	__u32 *owned = process_conns_of(tgid);
	if (!owned || !*owned)
		return 0;
	struct exit_ctx x = { .tgid = tgid, .now_ns = bpf_ktime_get_ns() };
	bpf_for_each_map_elem(&conns, end_if_owned, &x, 0);
	return 0;
}

/* A process that execs becomes another program: announce it afresh at its next connection, and
 * have user space look at a program file it has not seen (OpenSSL may be built into it). */
SEC("tracepoint/sched/sched_process_exec")
int process_exec(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&announced, &tgid);
	if (!tls_capture || !traced(tgid))
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	report_file(BPF_CORE_READ(task, mm, exe_file), TUSK_KIND_PROGRAM);
	return 0;
}

/* A process forked (not a thread) by one whose OpenSSL probes were put on it alone: the child
 * maps the same libraries, and has its parent's breakpoints only until its first hit (the
 * probes' filter then removes them); have user space put probes on it too. */
SEC("tracepoint/task/task_newtask")
int task_newtask(struct task_newtask_ctx *ctx)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	if (!tls_per_process || (ctx->clone_flags & CLONE_THREAD) || !bpf_map_lookup_elem(&tls_processes, &parent))
		return 0;
	struct tusk_record *r = discovery_record(TUSK_KIND_LIBRARY);
	if (!r)
		return 0;
	r->pid = r->tid = ctx->pid;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	count(TUSK_C_RECORDS);
	return 0;
}

/* A libssl mapped for execution (a library loaded at start or with dlopen, from anywhere): have
 * user space put the TLS probes on it if they are not on it yet. */
SEC("tracepoint/syscalls/sys_exit_mmap")
int exit_mmap(struct syscall_exit_ctx *ctx)
{
	if (!tls_capture || (ctx->ret < 0 && ctx->ret > -4096))
		return 0;
	if (!traced(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	/* mmap(addr, length, prot, flags, fd, offset): prot in dx, fd in r8 */
	if (!(regs->dx & PROT_EXEC) || (int)regs->r8 < 0)
		return 0;
	struct file *file = file_at((__u32)regs->r8);
	if (file && named_libssl(file))
		report_file(file, TUSK_KIND_LIBRARY);
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
