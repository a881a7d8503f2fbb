/* What user space must hear about to see every TLS library a traced process uses, and what the
 * kernel can tell about encrypted connections nobody hands the plaintext of:
 *   - a file named libssl* mapped for execution, or a program file started (TUSK_KIND_LIBRARY,
 *     TUSK_KIND_PROGRAM), once per file: user space puts the TLS probes on it if it is OpenSSL;
 *     a scoped agent (tls_per_process) probes each traced process apart, so it hears of every
 *     such mapping and exec, and of every process forked by one with probes (TUSK_KIND_LIBRARY
 *     naming the child: it inherits its parent's mappings);
 *   - an encrypted connection whose application data goes out outside any probed TLS call
 *     (TUSK_KIND_TLS_UNSEEN), once per connection;
 *   - plaintext that starts after the connection's startup (the probes came late) is picked up as
 *     a connection opened before Tusk, not walked as a startup it is not. */
#ifndef TUSK_DISCOVERY_H
#define TUSK_DISCOVERY_H

#include "connection.h"

#define PROT_EXEC 0x4
#define TLS_APPLICATION_DATA 23 /* TLS record content type */
/* Application-data sends outside a probed call an encrypted connection may make before it counts
 * as not seen: a TLS 1.3 client's Finished and a server's session tickets go out inside the
 * handshake (not probed), so up to two are ordinary; a third is the application's own data. */
#define TLS_UNPROBED_SENDS 3

/* Files already reported to user space (struct tusk_file_key): a file is reported once, whoever
 * maps it, unless user space forgets it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tusk_file_key);
	__type(value, __u8);
} reported_files SEC(".maps");

/* Processes whose OpenSSL probes were put on them alone (tls_per_process), filled and emptied by
 * user space: a process they fork needs probes of its own. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TUSK_TLS_MAX_PROCESSES);
	__type(key, __u32);
	__type(value, __u8);
} tls_processes SEC(".maps");

/* A small record naming the current process, composed in the ring and sent at once: user space
 * acts on it while the process runs. */
static __always_inline struct tusk_record *discovery_record(__u16 kind)
{
	struct tusk_record *r = bpf_ringbuf_reserve(&records, sizeof(struct tusk_record), 0);
	if (!r) {
		count(TUSK_C_RECORDS_LOST);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(struct tusk_record));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->kind = kind;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->start_ns = r->end_ns = bpf_ktime_get_ns();
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	return r;
}

/* Tell user space the current process maps `file` (kind: library or program), unless it was
 * told about the file already; with probes per process, every time. */
static __always_inline void report_file(struct file *file, __u16 kind)
{
	if (!file)
		return;
	struct tusk_file_key id = {
		.inode = BPF_CORE_READ(file, f_inode, i_ino),
		.device = BPF_CORE_READ(file, f_inode, i_sb, s_dev),
	};
	__u8 yes = 1;
	if (!tls_per_process && bpf_map_update_elem(&reported_files, &id, &yes, BPF_NOEXIST))
		return;
	struct tusk_record *r = discovery_record(kind);
	if (!r)
		return;
	r->rows = id.inode;
	r->data_rows = id.device;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	count(TUSK_C_RECORDS);
}

/* Is the file's own name libssl…? */
static __always_inline int named_libssl(struct file *file)
{
	char name[6];
	const unsigned char *at = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (!at || bpf_probe_read_kernel(name, sizeof(name), at))
		return 0;
	return name[0] == 'l' && name[1] == 'i' && name[2] == 'b' && name[3] == 's' && name[4] == 's' && name[5] == 'l';
}

/* A send on encrypted connection `conn` made outside any probed TLS call, whose bytes start with
 * TLS record type `record_type`: after a few application-data ones the connection's plaintext is
 * known to go through a library Tusk does not probe. Counted and reported once. */
__noinline int tusk_tls_unprobed_send(struct conn *conn, __u32 record_type)
{
	if (!conn || record_type != TLS_APPLICATION_DATA || (conn->flags & CONN_TLS_SEEN) ||
	    conn->tls_unprobed >= TLS_UNPROBED_SENDS)
		return 0;
	conn->tls_unprobed++;
	if (conn->tls_unprobed < TLS_UNPROBED_SENDS)
		return 0;
	count(TUSK_C_CONNS_TLS_UNSEEN);
	struct tusk_record *r = discovery_record(TUSK_KIND_TLS_UNSEEN);
	if (!r)
		return 0;
	r->conn_id = conn->conn_id;
	r->fd = conn->fd;
	r->role = conn->role;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	count(TUSK_C_RECORDS);
	return 0;
}

/* The first plaintext of an encrypted connection (`first`, `len` bytes, in the frontend direction
 * or not): walk it (1) or skip it (0). It should be the StartupMessage; when the probes went on
 * after the startup went by, the first whole frontend messages start the connection afresh as one
 * opened before Tusk, and everything before them is skipped. */
__noinline int tusk_tls_first_plaintext(struct conn *conn, __u64 first, __u32 len, __u32 frontend)
{
	if (!conn || !frontend)
		return 0;
	int kind = tusk_classify(first, len);
	if (kind == TUSK_FIRST_STARTUP)
		return 1;
	if (kind != TUSK_FIRST_FRONTEND)
		return 0;
	conn->fe.f = (struct tusk_framer){ .mode = TUSK_MODE_TYPED };
	conn->be.f = (struct tusk_framer){ .mode = TUSK_MODE_TYPED };
	conn->flags |= CONN_MIDSTREAM;
	count(TUSK_C_CONNS_MIDSTREAM);
	return 1;
}

#endif
