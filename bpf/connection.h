/* A connection's life: recognised by the first bytes on a socket, ended by EOF, close, a
 * desync or its process exiting. */
#ifndef TUSK_CONNECTION_H
#define TUSK_CONNECTION_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "pairing.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define SOCK_STREAM 1

#define CLASSIFY_ATTEMPTS 4 /* sends on a socket that fail to parse before giving up */

static __u64 next_conn_id = 1;

/* ---- recognising a connection ---- */

/* The current task's open file at `fd`, or 0. */
static __always_inline struct file *file_at(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return 0;
	return file;
}

/* Is fd a stream socket? If so, note its family and addresses in `conn`. */
static __always_inline int stream_socket(__u32 fd, struct conn *conn)
{
	struct file *file = file_at(fd);
	if (!file)
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

/* ---- announcing a process ---- */

struct path_ctx {
	struct tusk_record *r;
	struct dentry *at; /* 0 once the root of its file system is reached */
};

/* One name of the executable's path, into its slot (zeroed either way: the per-CPU room holds
 * the last announcement). */
static long path_one(__u64 index, void *ctxp)
{
	struct path_ctx *x = ctxp;
	if (!x->r || index >= TUSK_PATH_DEPTH)
		return 1;
	__u64 *slot = (__u64 *)((char *)(x->r + 1) + index * TUSK_PATH_NAME);
#pragma unroll
	for (int i = 0; i < TUSK_PATH_NAME / 8; i++)
		slot[i] = 0;
	struct dentry *at = x->at;
	if (!at)
		return 0;
	struct dentry *parent = BPF_CORE_READ(at, d_parent);
	if (parent == at || bpf_probe_read_kernel_str(slot, TUSK_PATH_NAME, BPF_CORE_READ(at, d_name.name)) <= 0) {
		x->at = 0;
		return 0;
	}
	x->at = parent;
	return 0;
}

/* The calling process has its first PostgreSQL connection: hand user space who it is (its
 * executable, arguments and environment, read from its own memory now, while it runs) and wake
 * the reader at once, so that a process that exits right after its last query keeps its
 * identity. Once per process until it execs or exits. */
__noinline int tusk_announce(__u32 tgid)
{
	__u8 yes = 1;
	if (bpf_map_lookup_elem(&announced, &tgid))
		return 0;
	/* composed here, then copied into the ring at its real size (a reservation's is fixed) */
	__u32 zero = 0;
	struct tusk_record *r = bpf_map_lookup_elem(&announcements, &zero);
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(struct tusk_record));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->kind = TUSK_KIND_PROCESS;
	r->pid = tgid;
	r->tid = (__u32)pid_tgid;
	r->start_ns = r->end_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->cgroup_id = bpf_get_current_cgroup_id();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct path_ctx x = { .r = r, .at = BPF_CORE_READ(mm, exe_file, f_path.dentry) };
	bpf_loop(TUSK_PATH_DEPTH, path_one, &x, 0);
	__u64 args = BPF_CORE_READ(mm, arg_start);
	__u64 args_end = BPF_CORE_READ(mm, arg_end);
	__u64 end = BPF_CORE_READ(mm, env_end);
	__u64 total = end > args ? end - args : 0;
	__u64 take = total < TUSK_PROCESS_BLOCK_CAP ? total : TUSK_PROCESS_BLOCK_CAP;
	take = TUSK_CLAMP(take, TUSK_PROCESS_BLOCK_CAP);
	if (take && bpf_probe_read_user((__u8 *)(r + 1) + TUSK_PATH_AREA, take, (const void *)args))
		take = 0;
	__u64 arg_bytes = args_end > args ? args_end - args : 0;
	r->args_len = arg_bytes < take ? arg_bytes : take;
	r->text_len = TUSK_PATH_AREA + take;
	r->text_total = total;
	__u64 size = sizeof(struct tusk_record) + TUSK_PATH_AREA + take;
	if (bpf_ringbuf_output(&records, r, TUSK_CLAMP(size, sizeof(struct tusk_process_record)), BPF_RB_FORCE_WAKEUP)) {
		count(TUSK_C_RECORDS_LOST);
		return 0;
	}
	count(TUSK_C_RECORDS);
	bpf_map_update_elem(&announced, &tgid, &yes, BPF_ANY);
	return 0;
}

/* First bytes on an fd with no verdict: start tracking it (1), or remember it is not PostgreSQL
 * (0). A client's first write, or a server backend's first read, is a StartupMessage (or, for a
 * connection opened before Tusk, whole frontend messages). */
__noinline int tusk_recognise(struct conn_key *key, __u64 first, __u32 first_len, __u32 role)
{
	if (!key)
		return 0;
	struct conn fresh = {};
	int kind = TUSK_FIRST_OTHER;
	int socket = 0;
	if (role == TUSK_ROLE_SERVER) {
		/* reads of files are common: look at the fd before the bytes */
		socket = stream_socket(key->fd, &fresh);
		if (socket)
			kind = tusk_classify(first, first_len);
	} else {
		kind = tusk_classify(first, first_len);
		if (kind != TUSK_FIRST_OTHER)
			socket = stream_socket(key->fd, &fresh);
	}
	struct conn_key k = *key;
	if (kind == TUSK_FIRST_OTHER || !socket) {
		__u32 *attempts = bpf_map_lookup_elem(&verdicts, &k);
		if (attempts) {
			(*attempts)++;
		} else {
			/* fds known not to be sockets never become PostgreSQL: no second try */
			__u32 start = (role == TUSK_ROLE_SERVER ? socket : kind == TUSK_FIRST_OTHER) ? 1 : CLASSIFY_ATTEMPTS;
			bpf_map_update_elem(&verdicts, &k, &start, BPF_ANY);
		}
		return 0;
	}
	fresh.conn_id = __sync_fetch_and_add(&next_conn_id, 1);
	fresh.tgid = k.tgid;
	fresh.fd = k.fd;
	fresh.role = role;
	if (kind == TUSK_FIRST_DIRECT_TLS) {
		/* encrypted from the first byte: only the TLS library's plaintext walks it, and that
		 * starts with a StartupMessage */
		count(TUSK_C_CONNS_ENCRYPTED);
		if (!tls_capture) {
			__u32 done = CLASSIFY_ATTEMPTS;
			bpf_map_update_elem(&verdicts, &k, &done, BPF_ANY);
			return 0;
		}
		fresh.flags = CONN_TLS;
		fresh.fe.f.mode = TUSK_MODE_UNTYPED;
	} else if (kind == TUSK_FIRST_STARTUP) {
		fresh.fe.f.mode = TUSK_MODE_UNTYPED;
	} else {
		fresh.flags = CONN_MIDSTREAM;
		count(TUSK_C_CONNS_MIDSTREAM);
	}
	if (bpf_map_update_elem(&conns, &k, &fresh, BPF_NOEXIST))
		return 0;
	__u32 *owned = process_conns_of(k.tgid);
	if (owned)
		__sync_fetch_and_add(owned, 1);
	bpf_map_delete_elem(&verdicts, &k);
	count(TUSK_C_CONNS_OPENED);
	tusk_announce(k.tgid);
	return 1;
}

/* ---- connection teardown ---- */

/* Tell user space the connection is gone (its statement names die with it). */
static __always_inline void emit_conn_end(struct conn *conn, __u64 now_ns)
{
	/* composed in the ring itself: a TLS return probe may be preempted, so no per-CPU room */
	struct tusk_record *r = bpf_ringbuf_reserve(&records, sizeof(struct tusk_record), 0);
	if (!r) {
		count(TUSK_C_RECORDS_LOST);
		return;
	}
	__builtin_memset(r, 0, sizeof(struct tusk_record));
	r->kind = TUSK_KIND_CONN_END;
	r->conn_id = conn->conn_id;
	r->pid = conn->tgid;
	r->fd = conn->fd;
	r->seq = conn->next_seq;
	r->role = conn->role;
	r->start_ns = now_ns;
	r->end_ns = now_ns;
	bpf_ringbuf_submit(r, 0);
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

#endif
