/* The C side of Tusk's capture: load the embedded BPF object, attach it, drain its ring buffer.
 * Swift sees only this header and the kernel/user contract it includes. */
#ifndef TUSK_PROBES_H
#define TUSK_PROBES_H

#include <stddef.h>
#include <stdint.h>
#include "../../../bpf/tusk_record.h"

struct tusk_probe_options {
	uint32_t self_tgid;             /* never trace this process (the agent); 0: none */
	uint32_t max_query_bytes;       /* query text captured per request */
	const uint32_t *pids;           /* trace only these processes; pid_count 0: every process */
	uint32_t pid_count;
	uint32_t max_connections;       /* connections tracked at once */
	uint32_t max_requests;          /* requests in flight, all connections together */
	uint32_t max_requests_per_conn; /* requests in flight on one connection */
	uint32_t ring_bytes;            /* ring buffer size, a power of two */
	uint8_t trace_clients;          /* observe applications' side of connections */
	uint8_t trace_servers;          /* observe PostgreSQL backends' side */
	uint8_t tls_capture;            /* keep encrypted connections for the TLS library probes */
	uint8_t tls_per_process;        /* OpenSSL probes go on each traced process, not on each file */
	/* trace only processes inside these cgroup v2 subtrees (id of the subtree root, its depth) */
	uint32_t cgroup_count;
	uint64_t cgroup_ids[TUSK_MAX_CGROUPS];
	uint32_t cgroup_levels[TUSK_MAX_CGROUPS];
};

struct tusk_probes;

/* What the kernel's verifier said of one program, loaded on its own. */
struct tusk_program_verdict {
	char program[64];           /* e.g. exit_write */
	char section[96];           /* where it attaches, e.g. tracepoint/syscalls/sys_exit_write */
	int32_t error;              /* 0: loaded; else the errno of the rejection */
	uint32_t instructions;      /* instructions the verifier processed; 0: not reported */
	uint32_t verification_usec; /* 0: not reported */
	char reason[1024];          /* rejected: the verifier's own lines that state the problem */
};

/* ring buffer consumer: return 0 to go on */
typedef int (*tusk_record_fn)(void *ctx, void *data, size_t size);

/* Open and load (verify) the programs. NULL on failure with errno set and `error` filled; when
 * the kernel rejected a program, `rejected` (if given) says which and why. */
struct tusk_probes *tusk_probes_load(const struct tusk_probe_options *options, struct tusk_program_verdict *rejected,
				     char *error, size_t error_len);
/* Attach every tracepoint. 0 or -errno with `error` filled. */
int tusk_probes_attach(struct tusk_probes *probes, char *error, size_t error_len);
/* Most TLS library files the probes go on (each costs up to 10 uprobes: 5 slots at most take probes). */
#define TUSK_TLS_MAX_FILES 64
/* The slots of the TLS probes, in the order tusk_probes_attach_tls takes their probe points: each
 * slot's entry program reads the arguments as that function takes them (the `_ex` forms' count
 * through the 4th argument, SSL_write_ex2's through the 5th). */
#define TUSK_TLS_FUNCTIONS 6 /* SSL_write, SSL_read, SSL_write_ex, SSL_read_ex, SSL_do_handshake, SSL_write_ex2 */
/* Attach the TLS probes (entry and return) in the file at `path` at the file offsets given per slot
 * (0: none in that slot), for every process that maps it, now or later. The number of slots
 * attached, or -errno with `error` filled (every slot given but SSL_do_handshake's must attach). */
int tusk_probes_attach_tls(struct tusk_probes *probes, const char *path, const uint64_t offsets[TUSK_TLS_FUNCTIONS],
			   char *error, size_t error_len);
/* Most OpenSSL files the probes go on in one process (tusk_probes_attach_tls_process). */
#define TUSK_TLS_FILES_PER_PROCESS 8
/* The same probes on the file at `path` for process `pid` alone: the kernel puts their
 * breakpoints in that process only (all its threads, and across its execs), never in another
 * process that maps the file. At most `max_processes` processes (and TUSK_TLS_MAX_PROCESSES) hold
 * such probes at once: -E2BIG beyond, and beyond TUSK_TLS_FILES_PER_PROCESS files in one process;
 * -ESRCH when the process is gone. The number of functions attached, or -errno with `error`
 * filled (then none stay). */
int tusk_probes_attach_tls_process(struct tusk_probes *probes, int32_t pid, uint32_t max_processes, const char *path,
				   const uint64_t offsets[TUSK_TLS_FUNCTIONS], char *error, size_t error_len);
/* Makes ready what tusk_probes_attach_tls_process needs for the file at `path` before any process
 * asks for it (the first attach to a file takes longest). 0 or -errno. */
int tusk_probes_prepare_tls_process(struct tusk_probes *probes, const char *path, const uint64_t offsets[TUSK_TLS_FUNCTIONS]);
/* One process's OpenSSL probes, taken out of the probes once the process exited. */
struct tusk_tls_process;
/* Takes out the probes of the processes that exited (at most `capacity`, into out[]); their
 * links stay until tusk_tls_process_free, which may be called without holding up attaching (the
 * kernel may wait for a grace period for each). Their number. */
uint32_t tusk_probes_take_exited_tls(struct tusk_probes *probes, struct tusk_tls_process **out, uint32_t capacity);
int32_t tusk_tls_process_pid(const struct tusk_tls_process *process);
void tusk_tls_process_free(struct tusk_tls_process *process);
/* Processes holding OpenSSL probes of their own now. */
uint32_t tusk_probes_tls_process_count(const struct tusk_probes *probes);
/* Let the kernel report the file (inode, device as a TUSK_KIND_LIBRARY/PROGRAM record gave them)
 * again when a process maps it next. 0 or -errno. */
int tusk_probes_forget_file(struct tusk_probes *probes, uint64_t inode, uint32_t device);
/* A function of a Go executable, by file offsets: its first instruction and each RET. */
struct tusk_go_function {
	uint64_t entry;
	const uint64_t *returns;
	uint32_t return_count;
};
/* Attach the Go TLS probes (crypto/tls.(*Conn).Write and .Read: an entry probe and one probe per
 * RET instruction each) to the Go executable at `path`, for every process running it, now or
 * later. The number of uprobes attached, or -errno with `error` filled (then none stay). */
int tusk_probes_attach_go_tls(struct tusk_probes *probes, const char *path, const struct tusk_go_function *write,
			      const struct tusk_go_function *read, char *error, size_t error_len);
/* Wait up to timeout_ms for records, then hand the available ones to fn, at most max_records
 * (the rest wait for the next poll). Records handed over, or -errno. */
int tusk_probes_poll(struct tusk_probes *probes, int timeout_ms, uint32_t max_records, tusk_record_fn fn, void *ctx);
/* Sum of the per-CPU kernel counters (enum tusk_counter) into out[0..n). 0 or -errno. */
int tusk_probes_counters(struct tusk_probes *probes, uint64_t *out, uint32_t n);
/* Live entries of the connection and request maps (a leak check). */
int tusk_probes_map_entries(struct tusk_probes *probes, uint32_t *connections, uint32_t *requests);
/* Detach every tracepoint (the maps stay readable). */
void tusk_probes_detach(struct tusk_probes *probes);
void tusk_probes_destroy(struct tusk_probes *probes);

/* Layout of a struct as the BPF compiler laid it out, read from the embedded object's BTF.
 * 0 on success, -ENOENT when the struct or member is unknown. */
int tusk_btf_struct_size(const char *struct_name, uint32_t *size);
int tusk_btf_member_offset(const char *struct_name, const char *member, uint32_t *offset);
/* The name of member `index` (in declaration order) into name[0..name_len). -ENOENT past the last. */
int tusk_btf_member_name(const char *struct_name, uint32_t index, char *name, size_t name_len);

/* Load every program on its own with `options` and record each verdict in out[0..capacity).
 * Returns the number of programs (which may exceed capacity), or -errno. */
int tusk_programs_verify(const struct tusk_probe_options *options, struct tusk_program_verdict *out, uint32_t capacity);

/* The lines of a verifier log that state why it rejected the program: its error lines, and with
 * a per-instruction log (level 1) the instruction and source line they are about. */
void tusk_verifier_reason(const char *log, char *out, size_t out_len);

/* The last lines libbpf logged (for clear error messages). */
const char *tusk_probes_last_log(void);

#endif
