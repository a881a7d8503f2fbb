/* The kernel side's state: per-connection and per-request structures, the maps that hold them,
 * and the tunables user space sets before load. */
#ifndef TUSK_MAPS_H
#define TUSK_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "kernel_types.h"
#include "protocol.h"
#include "tusk_record.h"

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
	CAP_WORD,        /* a big-endian u32 opening the body: BackendKeyData's pid, FunctionCall's OID */
	CAP_PARAMETER,
};

/* One direction of a connection: its framing, and where the current message's body goes. */
struct stream {
	struct tusk_framer f;
	__u32 cap_off;  /* body bytes of the current message already captured */
	__u32 cap_slot; /* request the capture goes to ... */
	__u32 cap_seq;  /* ... checked by its number, in case the slot changed hands */
	__u8 cap;       /* enum capture */
	__u8 bind;      /* the message is a Bind whose names are captured: zero what follows them */
	__u8 pad[2];
};

enum conn_flag {
	CONN_OPEN = 1 << 0,       /* the tail request is an extended request still being written */
	CONN_ERROR_SKIP = 1 << 1, /* the server reported an error and skips to the next Sync */
	CONN_COUNTING = 1 << 2,   /* tracking dropped: count Sync/ReadyForQuery until quiet again */
	CONN_MIDSTREAM = 1 << 3,
	CONN_DEAD = 1 << 4,       /* desynchronised or cancelled: delete after this syscall */
	CONN_CANCEL = 1 << 5,     /* a CancelRequest connection: nothing to trace */
	CONN_TLS = 1 << 6,        /* the server accepted SSL: raw bytes are ciphertext */
	CONN_TLS_SEEN = 1 << 7,   /* ... and the TLS library's probes handed over its plaintext */
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
	__u8 tls_tied;   /* an SSL object is known to move its ciphertext on this fd (ssl_fds) */
	__u8 tls_unprobed; /* CONN_TLS: application-data sends made outside any probed TLS call */
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
	/* __u8 text[2 * text_cap]: see text_of */
};

/* A send's arguments and start, from its enter to its exit. */
struct io_stash {
	__u64 start_ns;
	__u64 buf;
	__u64 count;
	__u32 fd;
	__u8 active;
	__u8 classify; /* no connection known: the fd may start one (else exit asks may_classify) */
	__u8 pad[2];
};

/* A TLS library call (SSL_read/SSL_write and their _ex forms, SSL_do_handshake), from its entry
 * to its return. The socket calls the thread makes inside it say which fd the SSL object moves its
 * ciphertext on. */
struct tls_stash {
	__u64 start_ns;
	__u64 ssl;     /* the SSL object */
	__u64 buf;     /* plaintext */
	__u64 moved;   /* _ex: where the library writes the bytes it moved (a size_t); 0: the return value */
	/* An SSL object whose handshake step made no socket call (its ciphertext goes through memory
	 * BIOs, e.g. Python's asyncio): the thread's next send on an encrypted connection carries that
	 * step's output, and ties the object to it. 0: none. */
	__u64 untied_ssl;
	__u32 fd;
	__u8 has_fd;   /* a socket call inside this call gave fd */
	__u8 sending;  /* SSL_write */
	__u8 active;
	__u8 handshake; /* SSL_do_handshake: nothing to walk, only the tie */
	__u8 foreign;   /* a socket call inside this call was on an fd other than an encrypted connection's */
	__u8 pad[7];
};

/* The fd an SSL object last moved ciphertext on, for a read OpenSSL serves from its buffer. */
struct ssl_key {
	__u64 ssl;
	__u32 tgid;
	__u32 pad;
};

/* The walk over the bytes of one call, on this CPU. */
struct walk {
	struct tusk_cursor cur; /* the buffer being walked */
	__u64 now_ns;
	__u64 iov;   /* vectored calls: the iovec array ... */
	__u32 vlen;  /* ... its length ... */
	__u32 moved; /* ... and the bytes the call moved that are not walked yet */
	__u32 tid;
	__u8 backend; /* the bytes are backend messages */
	__u8 stop;
	__u8 pad[2];
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

/* Per-CPU values (walks, spare_slots) are used by one program run at a time: the kernel runs
 * tracepoint programs with preemption off and never starts a second one on a CPU while one runs
 * (trace_call_bpf's bpf_prog_active), so no run sees another's half-written walk. Uprobe programs
 * run with only migration off and may be preempted: the TLS return probe walks in task storage
 * (tls_walks), and spare_slots is taken and given back atomically. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} walks SEC(".maps");

/* The TLS return probe's walk, per thread (see above). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct walk);
} tls_walks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_stash);
} io_stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_stash);
} tls_stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ssl_key);
	__type(value, __u32);
} ssl_fds SEC(".maps");

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

/* Room to compose a process announcement (TUSK_KIND_PROCESS) in. */
struct tusk_process_record {
	struct tusk_record rec;
	__u8 text[TUSK_PATH_AREA + TUSK_PROCESS_BLOCK_CAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tusk_process_record);
} announcements SEC(".maps");

/* Processes already announced to user space (TUSK_KIND_PROCESS), until they exec or exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} announced SEC(".maps");

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
/* keep connections that switch to TLS, and walk the plaintext the TLS library probes hand over */
const volatile __u8 tls_capture = 1;
/* a scoped agent puts the OpenSSL probes on each traced process, not on each file: report every
 * exec and libssl mapping of a traced process, and the forks of processes with probes */
const volatile __u8 tls_per_process = 0;
/* trace only processes inside these cgroup v2 subtrees: the id of each subtree's root and its
 * depth below the hierarchy root (checked with the task's ancestor at that depth) */
const volatile __u32 cgroup_count = 0;
const volatile __u64 cgroup_ids[TUSK_MAX_CGROUPS] = {};
const volatile __u32 cgroup_levels[TUSK_MAX_CGROUPS] = {};
/* text bytes per request (the verifier knows the value: bounds are checked against it) */
const volatile __u32 text_cap = TUSK_DEFAULT_QUERY_BYTES + TUSK_NAME_SLACK;
const volatile __u32 max_inflight = 1024;
const volatile __u64 wakeup_bytes = 256 << 10;

/* ---- small helpers ---- */

static __always_inline void count(__u32 which)
{
	__u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (c && which < TUSK_C_MAX)
		c->v[which]++;
}

static __always_inline struct walk *walk_of(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&walks, &zero);
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

static __always_inline __u8 *text_of(struct slot *s)
{
	return (__u8 *)s + sizeof(struct slot);
}

#endif
