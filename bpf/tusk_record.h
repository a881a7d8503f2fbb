/* The kernel/user contract: one record per completed PostgreSQL request, and the counters the
 * kernel keeps. Included by bpf/tusk.bpf.c and by the Swift side (Sources/CTuskBPF); a Swift test
 * compares the layout it sees with the BTF the BPF compiler produced, so the two cannot drift. */
#ifndef TUSK_RECORD_H
#define TUSK_RECORD_H

#include <linux/types.h>

#define TUSK_COMM_LEN 16
#define TUSK_TAG_CAP 64      /* CommandComplete tag, e.g. "INSERT 0 1" */
#define TUSK_ERROR_CAP 256   /* ErrorResponse/NoticeResponse body prefix: (code byte, value\0)* */
#define TUSK_NAMES_CAP 128   /* Bind/Execute/Describe/Close body prefix: portal\0statement\0 */
#define TUSK_PARAMETER_CAP 96 /* ParameterStatus body: application_name\0value\0 (NAMEDATALEN 64) */
#define TUSK_DEFAULT_QUERY_BYTES 1024
#define TUSK_NAME_SLACK 64   /* Parse bodies start with the statement name (NAMEDATALEN = 64) */
#define TUSK_MAX_CGROUPS 8   /* cgroup subtrees a scope may name */
#define TUSK_TLS_MAX_PROCESSES 4096 /* processes a scoped agent may put the OpenSSL probes on */
/* A TUSK_KIND_PROCESS record's text: the executable's path, one name per TUSK_PATH_NAME bytes,
 * the file's own name first, then its directories up to the root of its file system (at most
 * TUSK_PATH_DEPTH names, each NUL-terminated; an empty one ends the path); then the process's
 * argument and environment block (args_len bytes of arguments, NUL-separated, then the
 * environment), cut at TUSK_PROCESS_BLOCK_CAP bytes. */
#define TUSK_PATH_NAME 64
#define TUSK_PATH_DEPTH 8
#define TUSK_PATH_AREA (TUSK_PATH_NAME * TUSK_PATH_DEPTH)
#define TUSK_PROCESS_BLOCK_CAP 16384

/* What the request was, from the frontend messages that made it. */
enum tusk_kind {
	TUSK_KIND_QUERY = 1,     /* simple query 'Q' (one or more statements) */
	TUSK_KIND_EXECUTE = 2,   /* extended query ending in Execute 'E' (maybe with Parse/Bind/Describe) */
	TUSK_KIND_PREPARE = 3,   /* Parse (and/or Describe/Bind) without an Execute */
	TUSK_KIND_CLOSE = 4,     /* Close 'C' of a statement or portal */
	TUSK_KIND_FUNCTION = 5,  /* FunctionCall 'F' */
	TUSK_KIND_STARTUP = 6,   /* StartupMessage: text holds its parameters (user\0…\0database\0…) */
	TUSK_KIND_CONN_END = 7,  /* connection ended (Terminate, close, EOF); no request */
	TUSK_KIND_PROCESS = 8,   /* a process's first connection: who it is, while it lives (see below) */
	TUSK_KIND_LIBRARY = 9,   /* a traced process mapped a file named libssl* for execution (once per
				  * file; per process when tls_per_process), or, when tls_per_process, was
				  * forked by a process with OpenSSL probes (it inherits its mappings) */
	TUSK_KIND_PROGRAM = 10,  /* a traced process started a program file (once per file; every exec
				  * when tls_per_process) */
	TUSK_KIND_TLS_UNSEEN = 11, /* an encrypted connection whose plaintext no TLS probe hands over */
};

/* How the request ended. */
enum tusk_outcome {
	TUSK_OUTCOME_COMPLETE = 0, /* answered; `error` may still hold an ErrorResponse */
	TUSK_OUTCOME_SKIPPED = 1,  /* the server skipped it after an earlier error in the same pipeline */
	TUSK_OUTCOME_ABORTED = 2,  /* the connection ended before the response was complete */
	TUSK_OUTCOME_DESYNC = 3,   /* the byte stream stopped parsing as PostgreSQL; tracking dropped */
	TUSK_OUTCOME_OVERFLOW = 4, /* too many requests in flight to track; tracking dropped */
};

enum tusk_flag {
	TUSK_F_TEXT_TRUNCATED = 1 << 0, /* text holds only the first text_len of text_total bytes */
	TUSK_F_PARSE = 1 << 1,          /* request carried Parse: text is the Parse body */
	TUSK_F_BIND = 1 << 2,
	TUSK_F_DESCRIBE = 1 << 3,
	TUSK_F_EXECUTE = 1 << 4,
	TUSK_F_SYNC = 1 << 5,           /* a Sync followed: the request ends at ReadyForQuery */
	TUSK_F_ERROR = 1 << 6,          /* error holds an ErrorResponse */
	TUSK_F_NOTICE = 1 << 7,         /* error holds the first NoticeResponse (no error seen) */
	TUSK_F_EMPTY = 1 << 8,          /* EmptyQueryResponse */
	TUSK_F_SUSPENDED = 1 << 9,      /* PortalSuspended: row limit reached */
	TUSK_F_COPY = 1 << 10,          /* CopyIn/CopyOut/CopyBoth response */
	TUSK_F_MIDSTREAM = 1 << 11,     /* connection first seen after its startup */
	TUSK_F_ANSWERED = 1 << 12,      /* internal: the answer arrived, waiting for ReadyForQuery */
	TUSK_F_OPEN = 1 << 13,          /* internal: extended request still collecting messages */
	TUSK_F_PARSE_COMPLETE = 1 << 14, /* ParseComplete arrived: the server has the statement */
	TUSK_F_APPLICATION_NAME = 1 << 15, /* parameter holds a ParameterStatus of application_name */
};

enum tusk_role {
	TUSK_ROLE_CLIENT = 1, /* the observed process is the application */
	TUSK_ROLE_SERVER = 2, /* the observed process is the PostgreSQL backend */
};

/* Kernel counters (per-CPU array indexed by these). */
enum tusk_counter {
	TUSK_C_RECORDS = 0,        /* records submitted to the ring buffer */
	TUSK_C_RECORDS_LOST,       /* ring buffer full: record dropped */
	TUSK_C_CONNS_OPENED,       /* PostgreSQL connections recognised */
	TUSK_C_CONNS_MIDSTREAM,    /* ... of which first seen after their startup */
	TUSK_C_CONNS_ENCRYPTED,    /* SSL/GSS accepted by the server */
	TUSK_C_CONNS_CLOSED,
	TUSK_C_DESYNC,             /* streams that stopped parsing as PostgreSQL */
	TUSK_C_OVERFLOW,           /* requests that could not be tracked (map or per-connection bound) */
	TUSK_C_UNMATCHED,          /* backend answers with no request waiting */
	TUSK_C_CONNS_TLS_SEEN,     /* encrypted (SSL) connections whose plaintext a TLS library probe handed over */
	TUSK_C_STASH_UNAVAILABLE,  /* sends not followed: the thread's task storage could not be had */
	TUSK_C_TLS_WALK_UNAVAILABLE, /* plaintext not walked: the thread's task storage could not be had */
	TUSK_C_TLS_UNTIED,         /* plaintext not walked: no socket is known for its SSL object */
	TUSK_C_CONNS_TLS_UNSEEN,   /* encrypted connections whose ciphertext flows outside any probed TLS call */
	TUSK_C_TLS_OUT_OF_SCOPE,   /* OpenSSL calls trapped in a process Tusk does not trace (left at once) */
	TUSK_C_MAX,
};

/* One completed request. `text` follows the fixed part; the ring buffer record is
 * sizeof(struct tusk_record) + text_len bytes. Times are CLOCK_MONOTONIC nanoseconds. */
struct tusk_record {
	__u64 start_ns;          /* enter of the send that carried the request's first byte */
	__u64 end_ns;            /* return of the read that completed the response */
	__u64 response_ns;       /* return of the read that carried the first answering byte; 0: none */
	__u64 conn_id;           /* unique per connection while the programs stay loaded */
	__u64 rows;              /* sum of the CommandComplete row counts */
	__u64 data_rows;         /* DataRow messages received */
	__u64 cgroup_id;         /* TUSK_KIND_PROCESS: the process's cgroup (v2 id) */
	__u32 pid;               /* process (tgid) */
	__u32 tid;               /* thread that sent the request */
	__u32 fd;
	__u32 seq;               /* request number on this connection */
	__u32 flags;             /* enum tusk_flag */
	__u32 text_total;        /* length of the message body text was taken from */
	__u32 backend_pid;       /* BackendKeyData process id (startup) */
	__u32 function_oid;      /* FunctionCall: the function's OID */
	__u16 kind;              /* enum tusk_kind */
	__u16 commands;          /* CommandComplete messages (statements completed) */
	__u16 text_len;
	__u16 tag_len;
	__u16 error_len;
	__u16 names_len;
	__u16 parameter_len;
	__u16 args_len;          /* TUSK_KIND_PROCESS: bytes of arguments in the block */
	__u8 outcome;            /* enum tusk_outcome */
	__u8 tx_status;          /* ReadyForQuery status: 'I', 'T', 'E'; 0 if none */
	__u8 role;               /* enum tusk_role */
	__u8 family;             /* AF_UNIX, AF_INET, AF_INET6 */
	__u16 local_port;        /* host byte order; 0 for Unix sockets */
	__u16 peer_port;
	__u8 local_addr[16];     /* IPv4 in the first 4 bytes */
	__u8 peer_addr[16];
	char comm[TUSK_COMM_LEN];
	char tag[TUSK_TAG_CAP];
	char error[TUSK_ERROR_CAP];
	char names[TUSK_NAMES_CAP];
	char parameter[TUSK_PARAMETER_CAP]; /* the answer's ParameterStatus (see TUSK_F_APPLICATION_NAME) */
	/* char text[]: Query text; Parse body (statement\0query\0…); startup parameters */
};

/* A file as the kernel tells files apart: a TUSK_KIND_LIBRARY or TUSK_KIND_PROGRAM record carries
 * it in `rows` (inode) and `data_rows` (device); user space deletes it from the kernel's
 * reported_files when it could not reach the file, so that the next process mapping it reports
 * it again. */
struct tusk_file_key {
	__u64 inode;
	__u32 device;
	__u32 pad;
};

/* The kernel keeps requests in flight in an array of slots: this head, then a tusk_record and
 * its text. User space reads `busy` to count requests in flight. */
struct tusk_slot_head {
	__u32 next; /* next slot of the same connection */
	__u32 busy; /* owned by a connection */
};

#endif
