/* Loader glue between Swift and libbpf: options → rodata and map sizes, load, attach, poll. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tusk_probes.h"
#include "tusk_object.h"
#include "tusk.skel.h"

/* uprobes on TLS library files: 10 per file (5 functions, entry and return) */
#define TLS_LINKS_PER_FILE (2 * TUSK_TLS_FUNCTIONS)

/* A process's own OpenSSL probes (tls_per_process): a perf event per probe on a shared tracefs
 * event (struct tls_event), and a pidfd that turns readable when the process exits. */
struct tusk_tls_process {
	int32_t pid;
	int pidfd;
	uint32_t files;
	uint32_t probe_count;
	struct tls_probe {
		int fd;                /* its perf event on a tracefs uprobe event, or -1 */
		struct bpf_link *link; /* without tracefs: a perf-PMU uprobe of its own */
	} probes[TUSK_TLS_FILES_PER_PROCESS * TLS_LINKS_PER_FILE];
};

static void tls_probe_close(struct tls_probe *probe)
{
	if (probe->link)
		bpf_link__destroy(probe->link);
	else
		close(probe->fd);
}

/* One OpenSSL function's entry or return in one file, as a uprobe event in tracefs
 * (uprobe_events), shared by every process probed alone. A perf event on the agent itself (which
 * never calls into OpenSSL's files) carries the program; each probed process adds a perf event of
 * its own, which only puts the process into the event's filter: the kernel installs the
 * breakpoint in the processes of the event's perf events alone. Closing a process's perf event
 * takes the breakpoint out of that process at once. (A perf-PMU uprobe, as libbpf attaches, is an
 * event of its own: destroying one waits for RCU grace periods, ~100 ms each on these machines,
 * holding the lock every uprobe attach takes.) */
struct tls_event {
	uint64_t inode;
	uint64_t device;
	uint64_t offset;
	int retprobe;
	uint32_t id;           /* tracefs event id */
	struct bpf_link *link; /* the program on the agent's own perf event */
	char name[64];
};

struct tusk_probes {
	struct tusk_bpf *skel;
	struct bpf_link *tls_links[TUSK_TLS_MAX_FILES * TLS_LINKS_PER_FILE];
	uint32_t tls_link_count;
	struct tusk_tls_process **tls_processes; /* scoped: the processes with probes of their own */
	uint32_t tls_process_count;
	uint32_t tls_process_capacity;
	struct tls_event **tls_events; /* scoped: the uprobe events their perf events are on */
	uint32_t tls_event_count;
	uint32_t tls_event_capacity;
	int tls_events_unusable; /* tracefs refused a uprobe event (read-only): perf-PMU uprobes instead */
	uint32_t number;         /* of the probes loaded in this process */
	struct bpf_link **go_links; /* Go executables: entries and RETs of crypto/tls's Write and Read */
	uint32_t go_link_count;
	uint32_t go_link_capacity;
	struct ring_buffer *ring;
	tusk_record_fn fn;
	void *ctx;
	uint32_t taken;  /* records handed to fn in this poll */
	uint32_t budget; /* most records one poll hands over */
	int ncpus;
};

/* on_sample's answer once a poll's budget is spent: libbpf stops reading there (the record is
 * consumed) and passes the value up */
#define BUDGET_SPENT (-ECANCELED)

static char last_log[2048];

static int remember_log(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[512];
	int n = vsnprintf(line, sizeof(line), format, args);
	if (n <= 0)
		return 0;
	size_t used = strlen(last_log);
	if (used + strlen(line) >= sizeof(last_log))
		used = 0; /* keep the most recent lines */
	strcpy(last_log + used, line);
	return 0;
}

const char *tusk_probes_last_log(void)
{
	return last_log;
}

void tusk_libbpf_log_to_memory(void)
{
	libbpf_set_print(remember_log);
	last_log[0] = 0;
}

static void fail(char *error, size_t error_len, const char *what, int err)
{
	snprintf(error, error_len, "%s: %s", what, strerror(err < 0 ? -err : err));
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct tusk_probes *p = ctx;
	int err = p->fn ? p->fn(p->ctx, data, size) : 0;
	if (err)
		return err;
	return ++p->taken >= p->budget ? BUDGET_SPENT : 0;
}

/* Opens the programs from `bytes`, or from the file TUSK_BPF_OBJECT names (an object built from
 * the same bpf/ sources: maps, tunables and programs are bound by name). */
static struct tusk_bpf *open_object(char *error, size_t error_len)
{
	struct tusk_bpf *s = calloc(1, sizeof(*s));
	if (!s) {
		fail(error, error_len, "opening the BPF object", ENOMEM);
		return NULL;
	}
	int err = tusk_bpf__create_skeleton(s);
	const char *path = getenv("TUSK_BPF_OBJECT");
	void *file_bytes = NULL;
	if (!err && path && *path) {
		FILE *f = fopen(path, "rb");
		long size = -1;
		if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
		    (file_bytes = malloc(size)) && fread(file_bytes, 1, size, f) == (size_t)size) {
			s->skeleton->data = file_bytes;
			s->skeleton->data_sz = size;
		} else {
			err = -(errno ? errno : EIO);
		}
		if (f)
			fclose(f);
	}
	if (!err)
		err = bpf_object__open_skeleton(s->skeleton, NULL);
	free(file_bytes); /* libbpf keeps its own copy */
	if (err) {
		char what[4200];
		snprintf(what, sizeof(what), "opening the BPF object%s%s", path && *path ? " " : "", path && *path ? path : "");
		fail(error, error_len, what, err);
		tusk_bpf__destroy(s);
		errno = err < 0 ? -err : err;
		return NULL;
	}
	return s;
}

struct tusk_bpf *tusk_object_open(const struct tusk_probe_options *o, int verify_only, char *error, size_t error_len)
{
	struct tusk_bpf *s = open_object(error, error_len);
	if (!s)
		return NULL;
	uint32_t text_cap = o->max_query_bytes + TUSK_NAME_SLACK;
	/* a slot: its head, the record and twice the text (room the verifier asks for) */
	uint32_t value_size = sizeof(struct tusk_slot_head) + sizeof(struct tusk_record) + 2 * text_cap;
	uint32_t slots = o->max_requests ? o->max_requests : 4096;
	uint32_t connections = o->max_connections;
	uint32_t ring_bytes = o->ring_bytes;
	if (verify_only) {
		/* the verifier checks value sizes, not entry counts: small maps load faster */
		slots = 16;
		connections = 16;
		ring_bytes = 1 << 16;
	}
	s->rodata->self_tgid = o->self_tgid;
	s->rodata->filter_pids = o->pid_count > 0;
	s->rodata->text_cap = text_cap;
	if (o->max_requests_per_conn)
		s->rodata->max_inflight = o->max_requests_per_conn;
	s->rodata->trace_clients = o->trace_clients;
	s->rodata->trace_servers = o->trace_servers;
	s->rodata->tls_capture = o->tls_capture;
	/* verifying: with the fork report's body (the scoped form; the rest differ by a map update) */
	s->rodata->tls_per_process = o->tls_capture && (o->tls_per_process || verify_only);
	s->rodata->cgroup_count = o->cgroup_count < TUSK_MAX_CGROUPS ? o->cgroup_count : TUSK_MAX_CGROUPS;
	for (uint32_t i = 0; i < s->rodata->cgroup_count; i++) {
		s->rodata->cgroup_ids[i] = o->cgroup_ids[i];
		s->rodata->cgroup_levels[i] = o->cgroup_levels[i];
	}
	/* without TLS capture nothing asks which libraries processes map */
	if (!o->tls_capture)
		bpf_program__set_autoattach(s->progs.exit_mmap, false);
	/* only probes put on processes one by one need to hear of forks */
	if (!s->rodata->tls_per_process)
		bpf_program__set_autoattach(s->progs.task_newtask, false);
	int err = bpf_map__set_value_size(s->maps.slots, value_size);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.slots, slots);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.free_slots, slots);
	if (!err && connections)
		err = bpf_map__set_max_entries(s->maps.conns, connections);
	if (!err && ring_bytes)
		err = bpf_map__set_max_entries(s->maps.records, ring_bytes);
	if (err) {
		fail(error, error_len, "sizing the BPF maps", err);
		tusk_bpf__destroy(s);
		errno = err < 0 ? -err : err;
		return NULL;
	}
	return s;
}

struct bpf_object *tusk_object_of(struct tusk_bpf *s)
{
	return s->obj;
}

void tusk_object_close(struct tusk_bpf *s)
{
	tusk_bpf__destroy(s);
}

/* The program libbpf last reported as failing to load ("prog 'NAME': BPF program load failed"). */
static int failed_program(char *name, size_t name_len)
{
	const char *marker = "': BPF program load failed";
	const char *end = NULL;
	for (const char *at = strstr(last_log, marker); at; at = strstr(at + 1, marker))
		end = at;
	if (!end)
		return 0;
	const char *start = end;
	while (start > last_log && start[-1] != '\'')
		start--;
	if (start == last_log || end - start >= (long)name_len)
		return 0;
	snprintf(name, name_len, "%.*s", (int)(end - start), start);
	return 1;
}

struct tusk_probes *tusk_probes_load(const struct tusk_probe_options *o, struct tusk_program_verdict *rejected,
				     char *error, size_t error_len)
{
	tusk_libbpf_log_to_memory();
	if (rejected)
		memset(rejected, 0, sizeof(*rejected));
	struct tusk_probes *p = calloc(1, sizeof(*p));
	if (!p) {
		fail(error, error_len, "out of memory", ENOMEM);
		return NULL;
	}
	static uint32_t loaded;
	p->number = __atomic_fetch_add(&loaded, 1, __ATOMIC_RELAXED);
	p->ncpus = libbpf_num_possible_cpus();
	p->skel = tusk_object_open(o, 0, error, error_len);
	if (!p->skel) {
		int err = errno;
		free(p);
		errno = err;
		return NULL;
	}
	struct tusk_bpf *s = p->skel;
	uint32_t slots = bpf_map__max_entries(s->maps.slots);
	/* a log buffer of our own: libbpf, on a rejection, would otherwise retry with ever larger
	 * ones (a program over the instruction budget logs gigabytes) */
	static char load_log[1 << 20];
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_log_buf(prog, load_log, sizeof(load_log));
	int err = tusk_bpf__load(s);
	if (err) {
		fail(error, error_len, "loading the BPF programs", err);
		char name[64];
		/* say which program the kernel refused and why, from a load of that program alone */
		if (rejected && failed_program(name, sizeof(name)))
			tusk_program_diagnose(o, name, rejected);
		goto failed;
	}
	for (uint32_t i = 0; i < slots; i++) {
		err = bpf_map__update_elem(s->maps.free_slots, NULL, 0, &i, sizeof(i), BPF_ANY);
		if (err) {
			fail(error, error_len, "filling the free request slots", err);
			goto failed;
		}
	}
	for (uint32_t i = 0; i < o->pid_count; i++) {
		uint8_t yes = 1;
		err = bpf_map__update_elem(s->maps.pid_filter, &o->pids[i], sizeof(uint32_t), &yes, 1, BPF_ANY);
		if (err) {
			fail(error, error_len, "setting the pid filter", err);
			goto failed;
		}
	}
	p->ring = ring_buffer__new(bpf_map__fd(s->maps.records), on_sample, p, NULL);
	if (!p->ring) {
		err = -errno;
		fail(error, error_len, "opening the ring buffer", err);
		goto failed;
	}
	return p;
failed:
	tusk_probes_destroy(p);
	errno = err < 0 ? -err : err;
	return NULL;
}

int tusk_probes_attach(struct tusk_probes *p, char *error, size_t error_len)
{
	int err = tusk_bpf__attach(p->skel);
	if (err)
		fail(error, error_len, "attaching the syscall tracepoints", err);
	return err;
}

/* Where attached links go: an array, its fill and its capacity. */
struct link_list {
	struct bpf_link **links;
	uint32_t *count;
	uint32_t capacity;
};

/* One uprobe (or uretprobe) at `offset` in the file at `path`, for process `pid` (-1: every process
 * mapping the file). */
static int attach_uprobe(struct bpf_program *prog, int pid, const char *path, uint64_t offset, int retprobe,
			 struct link_list *to)
{
	if (*to->count >= to->capacity)
		return -E2BIG;
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &opts);
	if (!link)
		return -errno;
	to->links[(*to->count)++] = link;
	return 0;
}

/* The OpenSSL functions the probes are for, in the order user space gives their probe points (an
 * `_ex` slot may hold the internal function all forms of a direction go through). */
static const char *const tls_functions[TUSK_TLS_FUNCTIONS] = {
	"SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex", "SSL_do_handshake", "SSL_write_ex2",
};

/* Each slot's entry program, in tls_functions' order. SSL_do_handshake ties an SSL object over
 * memory BIOs (asyncio) to its socket. */
static void tls_enter_programs(struct tusk_bpf *s, struct bpf_program *enters[TUSK_TLS_FUNCTIONS])
{
	enters[0] = s->progs.ssl_write_enter;
	enters[1] = s->progs.ssl_read_enter;
	enters[2] = s->progs.ssl_write_ex_enter;
	enters[3] = s->progs.ssl_read_ex_enter;
	enters[4] = s->progs.ssl_handshake_enter;
	enters[5] = s->progs.ssl_write_ex2_enter;
}

/* Every slot with a probe point must take its probes, but SSL_do_handshake's (only objects over
 * memory BIOs need it). */
static int tls_slot_required(int slot, const uint64_t offsets[TUSK_TLS_FUNCTIONS])
{
	return offsets[slot] && slot != 4;
}

/* The OpenSSL probes on the file at `path` for `pid` (-1: every process), into `to`. */
static int attach_tls_links(struct tusk_probes *p, int pid, const char *path, const uint64_t offsets[TUSK_TLS_FUNCTIONS],
			    struct link_list *to, char *error, size_t error_len)
{
	struct tusk_bpf *s = p->skel;
	struct bpf_program *enters[TUSK_TLS_FUNCTIONS];
	tls_enter_programs(s, enters);
	uint32_t first = *to->count;
	int attached = 0;
	for (int i = 0; i < TUSK_TLS_FUNCTIONS; i++) {
		int required = tls_slot_required(i, offsets);
		int err = offsets[i] ? 0 : -ENOENT;
		/* the return first: an entry without its return would leave a stash behind */
		if (!err)
			err = attach_uprobe(s->progs.ssl_return, pid, path, offsets[i], 1, to);
		if (!err) {
			err = attach_uprobe(enters[i], pid, path, offsets[i], 0, to);
			if (err)
				bpf_link__destroy(to->links[--(*to->count)]);
		}
		if (err && required) {
			char what[512];
			snprintf(what, sizeof(what), "attaching uprobes to %s in %s", tls_functions[i], path);
			fail(error, error_len, what, err);
			while (*to->count > first)
				bpf_link__destroy(to->links[--(*to->count)]);
			return err;
		}
		if (!err)
			attached++;
	}
	return attached;
}

int tusk_probes_attach_tls(struct tusk_probes *p, const char *path, const uint64_t offsets[TUSK_TLS_FUNCTIONS],
			   char *error, size_t error_len)
{
	struct link_list to = { p->tls_links, &p->tls_link_count, TUSK_TLS_MAX_FILES * TLS_LINKS_PER_FILE };
	return attach_tls_links(p, -1, path, offsets, &to, error, error_len);
}

static struct tusk_tls_process *tls_process_of(struct tusk_probes *p, int32_t pid)
{
	for (uint32_t i = 0; i < p->tls_process_count; i++)
		if (p->tls_processes[i]->pid == pid)
			return p->tls_processes[i];
	return NULL;
}

void tusk_tls_process_free(struct tusk_tls_process *t)
{
	if (!t)
		return;
	while (t->probe_count > 0)
		tls_probe_close(&t->probes[--t->probe_count]);
	close(t->pidfd);
	free(t);
}

int32_t tusk_tls_process_pid(const struct tusk_tls_process *t)
{
	return t->pid;
}

uint32_t tusk_probes_tls_process_count(const struct tusk_probes *p)
{
	return p->tls_process_count;
}

/* Where tracefs is mounted (uprobe_events lives there). */
static const char *tracefs(void)
{
	return access("/sys/kernel/tracing/uprobe_events", W_OK) == 0 ? "/sys/kernel/tracing" : "/sys/kernel/debug/tracing";
}

static int write_uprobe_events(const char *line)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/uprobe_events", tracefs());
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = write(fd, line, strlen(line)) < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* A perf event on tracefs event `id` for process `pid`. The fd, or -errno. A process's own events
 * stay disabled: the event's filter holds them all the same (the program runs on the agent's
 * enabled one), and a disabled event costs the process nothing when it is switched in or out. */
static int perf_event_on(uint32_t id, int pid)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = pid != getpid(),
	};
	int fd = (int)syscall(__NR_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void tls_event_free(struct tls_event *e)
{
	char line[160];
	bpf_link__destroy(e->link);
	snprintf(line, sizeof(line), "-:tusk_%d/%s\n", getpid(), e->name);
	write_uprobe_events(line);
	free(e);
}

/* Removes the uprobe events an agent that died left in tracefs (group tusk_<pid> of a pid that is
 * gone): a process that reuses the pid would find its names taken. */
static void remove_stale_tls_events(void)
{
	char path[128], line[1024], removal[256];
	snprintf(path, sizeof(path), "%s/uprobe_events", tracefs());
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char stale[64][160];
	int n = 0;
	while (n < 64 && fgets(line, sizeof(line), f)) {
		int pid = 0;
		char event[128];
		/* "p:tusk_123/ssl_… /path:0x…" */
		if (sscanf(line, "%*c:tusk_%d/%127s", &pid, event) == 2 && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
			snprintf(stale[n++], sizeof(stale[0]), "tusk_%d/%s", pid, event);
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		snprintf(removal, sizeof(removal), "-:%s\n", stale[i]);
		write_uprobe_events(removal);
	}
}

/* The uprobe event for `offset` in the file at `path` (identity `st`), made on first use with
 * `prog` on it. NULL with *err set on failure. */
static struct tls_event *tls_event_for(struct tusk_probes *p, const char *path, const struct stat *st, uint64_t offset,
				       int retprobe, struct bpf_program *prog, int *err)
{
	for (uint32_t i = 0; i < p->tls_event_count; i++) {
		struct tls_event *e = p->tls_events[i];
		if (e->inode == st->st_ino && e->device == st->st_dev && e->offset == offset && e->retprobe == retprobe)
			return e;
	}
	if (p->tls_event_count == p->tls_event_capacity) {
		uint32_t capacity = p->tls_event_capacity ? 2 * p->tls_event_capacity : 64;
		struct tls_event **grown = realloc(p->tls_events, capacity * sizeof(*grown));
		if (!grown) {
			*err = -ENOMEM;
			return NULL;
		}
		p->tls_events = grown;
		p->tls_event_capacity = capacity;
	}
	struct tls_event *e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->inode = st->st_ino;
	e->device = st->st_dev;
	e->offset = offset;
	e->retprobe = retprobe;
	/* named by the probes' own number too: two sets of probes in one process (tests) stay apart */
	snprintf(e->name, sizeof(e->name), "ssl%u_%llx_%llx_%llx_%c", p->number, (unsigned long long)e->inode,
		 (unsigned long long)e->device, (unsigned long long)offset, retprobe ? 'r' : 'p');
	char line[512], id_path[256], id_text[32] = { 0 };
	snprintf(line, sizeof(line), "%c:tusk_%d/%s %s:0x%llx\n", retprobe ? 'r' : 'p', getpid(), e->name, path,
		 (unsigned long long)offset);
	if (p->tls_event_count == 0)
		remove_stale_tls_events();
	*err = write_uprobe_events(line);
	if (*err) {
		free(e);
		return NULL;
	}
	snprintf(id_path, sizeof(id_path), "%s/events/tusk_%d/%s/id", tracefs(), getpid(), e->name);
	int fd = open(id_path, O_RDONLY | O_CLOEXEC);
	int holder = -ENOENT;
	if (fd >= 0 && read(fd, id_text, sizeof(id_text) - 1) > 0) {
		e->id = (uint32_t)strtoul(id_text, NULL, 10);
		holder = perf_event_on(e->id, getpid());
	}
	if (fd >= 0)
		close(fd);
	if (holder >= 0) {
		e->link = bpf_program__attach_perf_event(prog, holder);
		if (!e->link) {
			int failure = -errno;
			close(holder);
			holder = failure;
		}
	}
	if (holder < 0) {
		*err = holder;
		tls_event_free(e);
		return NULL;
	}
	p->tls_events[p->tls_event_count++] = e;
	return e;
}

/* The OpenSSL probes on the file at `path` for process `pid` alone, into `t`. */
static int attach_tls_process_files(struct tusk_probes *p, struct tusk_tls_process *t, int32_t pid, const char *path,
				    const uint64_t offsets[TUSK_TLS_FUNCTIONS], char *error, size_t error_len)
{
	struct tusk_bpf *s = p->skel;
	struct bpf_program *enters[TUSK_TLS_FUNCTIONS];
	tls_enter_programs(s, enters);
	struct stat st;
	if (stat(path, &st) != 0) {
		fail(error, error_len, path, errno);
		return -errno;
	}
	uint32_t first = t->probe_count;
	int attached = 0;
	for (int i = 0; i < TUSK_TLS_FUNCTIONS; i++) {
		int required = tls_slot_required(i, offsets);
		int err = offsets[i] ? 0 : -ENOENT;
		uint32_t before = t->probe_count;
		/* the return first: an entry without its return would leave a stash behind */
		for (int retprobe = 1; retprobe >= 0 && !err; retprobe--) {
			struct bpf_program *prog = retprobe ? s->progs.ssl_return : enters[i];
			struct tls_probe *probe = &t->probes[t->probe_count];
			*probe = (struct tls_probe){ .fd = -1 };
			if (!p->tls_events_unusable) {
				struct tls_event *e = tls_event_for(p, path, &st, offsets[i], retprobe, prog, &err);
				/* tracefs mounted read-only, or none: the slower kind of probe */
				if (!e && (err == -EROFS || err == -EACCES || err == -EPERM || err == -ENOENT)) {
					p->tls_events_unusable = 1;
					err = 0;
				} else if (e) {
					probe->fd = perf_event_on(e->id, pid);
					err = probe->fd < 0 ? probe->fd : 0;
				}
			}
			if (p->tls_events_unusable) {
				LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
				probe->link = bpf_program__attach_uprobe_opts(prog, pid, path, offsets[i], &opts);
				err = probe->link ? 0 : -errno;
			}
			if (!err)
				t->probe_count++;
		}
		/* a return without its entry does no harm, but is of no use either */
		while (err && t->probe_count > before)
			tls_probe_close(&t->probes[--t->probe_count]);
		if (err && required) {
			char what[512];
			snprintf(what, sizeof(what), "attaching uprobes to %s in %s for process %d", tls_functions[i], path, pid);
			fail(error, error_len, what, err);
			while (t->probe_count > first)
				tls_probe_close(&t->probes[--t->probe_count]);
			return err;
		}
		if (!err)
			attached++;
	}
	return attached;
}

int tusk_probes_prepare_tls_process(struct tusk_probes *p, const char *path, const uint64_t offsets[TUSK_TLS_FUNCTIONS])
{
	struct tusk_bpf *s = p->skel;
	struct bpf_program *enters[TUSK_TLS_FUNCTIONS];
	tls_enter_programs(s, enters);
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	int err = 0;
	for (int i = 0; i < TUSK_TLS_FUNCTIONS && !err && !p->tls_events_unusable; i++) {
		if (offsets[i] && !tls_event_for(p, path, &st, offsets[i], 1, s->progs.ssl_return, &err))
			break;
		if (offsets[i] && !tls_event_for(p, path, &st, offsets[i], 0, enters[i], &err))
			break;
	}
	if (err == -EROFS || err == -EACCES || err == -EPERM || err == -ENOENT)
		p->tls_events_unusable = 1;
	return err;
}

int tusk_probes_attach_tls_process(struct tusk_probes *p, int32_t pid, uint32_t max_processes, const char *path,
				   const uint64_t offsets[TUSK_TLS_FUNCTIONS], char *error, size_t error_len)
{
	char what[512];
	struct tusk_tls_process *t = tls_process_of(p, pid);
	struct tusk_tls_process *created = NULL;
	if (!t) {
		if (p->tls_process_count >= max_processes || p->tls_process_count >= TUSK_TLS_MAX_PROCESSES) {
			snprintf(what, sizeof(what), "%s in process %d: %u processes have OpenSSL probes already", path, pid,
				 p->tls_process_count);
			fail(error, error_len, what, E2BIG);
			return -E2BIG;
		}
		if (p->tls_process_count == p->tls_process_capacity) {
			uint32_t capacity = p->tls_process_capacity ? 2 * p->tls_process_capacity : 64;
			struct tusk_tls_process **grown = realloc(p->tls_processes, capacity * sizeof(*grown));
			if (!grown) {
				fail(error, error_len, "out of memory", ENOMEM);
				return -ENOMEM;
			}
			p->tls_processes = grown;
			p->tls_process_capacity = capacity;
		}
		/* the pidfd says when the process is gone; its pid may name another process by then */
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		created = pidfd >= 0 ? calloc(1, sizeof(*created)) : NULL;
		if (!created) {
			int err = pidfd < 0 ? errno : ENOMEM;
			if (pidfd >= 0)
				close(pidfd);
			snprintf(what, sizeof(what), "%s in process %d", path, pid);
			fail(error, error_len, what, err);
			return -err;
		}
		created->pid = pid;
		created->pidfd = pidfd;
		t = created;
	}
	if (t->files >= TUSK_TLS_FILES_PER_PROCESS) {
		snprintf(what, sizeof(what), "%s in process %d: %u OpenSSL files are probed in it already", path, pid, t->files);
		fail(error, error_len, what, E2BIG);
		return -E2BIG;
	}
	int attached = attach_tls_process_files(p, t, pid, path, offsets, error, error_len);
	if (attached <= 0) {
		tusk_tls_process_free(created);
		return attached < 0 ? attached : -ENOENT;
	}
	t->files++;
	if (created) {
		p->tls_processes[p->tls_process_count++] = created;
		uint8_t yes = 1;
		uint32_t key = (uint32_t)pid;
		/* its forks are reported (best effort: a full map only loses that report) */
		bpf_map__update_elem(p->skel->maps.tls_processes, &key, sizeof(key), &yes, 1, BPF_ANY);
	}
	return attached;
}

/* Removes entry `i` (order does not matter) and forgets its process in the kernel. */
static struct tusk_tls_process *take_tls_process(struct tusk_probes *p, uint32_t i)
{
	struct tusk_tls_process *t = p->tls_processes[i];
	p->tls_processes[i] = p->tls_processes[--p->tls_process_count];
	uint32_t key = (uint32_t)t->pid;
	bpf_map__delete_elem(p->skel->maps.tls_processes, &key, sizeof(key), 0);
	return t;
}

uint32_t tusk_probes_take_exited_tls(struct tusk_probes *p, struct tusk_tls_process **out, uint32_t capacity)
{
	uint32_t n = p->tls_process_count;
	if (!n || !capacity)
		return 0;
	struct pollfd *fds = calloc(n, sizeof(*fds));
	if (!fds)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		fds[i] = (struct pollfd){ .fd = p->tls_processes[i]->pidfd, .events = POLLIN };
	uint32_t taken = 0;
	if (poll(fds, n, 0) > 0) {
		/* from the end: taking entry i moves the last one into its place */
		for (uint32_t i = n; i-- > 0 && taken < capacity;)
			if (fds[i].revents)
				out[taken++] = take_tls_process(p, i);
	}
	free(fds);
	return taken;
}

/* One uprobe at `offset` in the file at `path`, for every process running it. */
static int attach_go_uprobe(struct tusk_probes *p, struct bpf_program *prog, const char *path, uint64_t offset)
{
	if (p->go_link_count == p->go_link_capacity) {
		uint32_t capacity = p->go_link_capacity ? 2 * p->go_link_capacity : 64;
		struct bpf_link **links = realloc(p->go_links, capacity * sizeof(*links));
		if (!links)
			return -ENOMEM;
		p->go_links = links;
		p->go_link_capacity = capacity;
	}
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, -1, path, offset, NULL);
	if (!link)
		return -errno;
	p->go_links[p->go_link_count++] = link;
	return 0;
}

int tusk_probes_attach_go_tls(struct tusk_probes *p, const char *path, const struct tusk_go_function *write,
			      const struct tusk_go_function *read, char *error, size_t error_len)
{
	struct tusk_bpf *s = p->skel;
	const struct tusk_go_function *functions[] = { write, read };
	struct bpf_program *enters[] = { s->progs.go_tls_write_enter, s->progs.go_tls_read_enter };
	const char *names[] = { "crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read" };
	uint32_t first = p->go_link_count;
	int err = 0;
	char what[512];
	/* the RETs first: an entry without its returns would leave calls behind */
	for (int f = 0; f < 2 && !err; f++) {
		if (!functions[f]->return_count) {
			snprintf(what, sizeof(what), "%s in %s has no RET instruction", names[f], path);
			err = -ENOENT;
			break;
		}
		for (uint32_t i = 0; i < functions[f]->return_count && !err; i++) {
			err = attach_go_uprobe(p, s->progs.go_tls_return, path, functions[f]->returns[i]);
			if (err)
				snprintf(what, sizeof(what), "attaching a uprobe to a RET of %s in %s", names[f], path);
		}
	}
	for (int f = 0; f < 2 && !err; f++) {
		err = attach_go_uprobe(p, enters[f], path, functions[f]->entry);
		if (err)
			snprintf(what, sizeof(what), "attaching a uprobe to %s in %s", names[f], path);
	}
	if (err) {
		fail(error, error_len, what, err);
		while (p->go_link_count > first)
			bpf_link__destroy(p->go_links[--p->go_link_count]);
		return err;
	}
	return (int)(p->go_link_count - first);
}

int tusk_probes_forget_file(struct tusk_probes *p, uint64_t inode, uint32_t device)
{
	struct tusk_file_key key = { .inode = inode, .device = device };
	return bpf_map__delete_elem(p->skel->maps.reported_files, &key, sizeof(key), 0);
}

static void detach_tls(struct tusk_probes *p)
{
	while (p->tls_link_count > 0)
		bpf_link__destroy(p->tls_links[--p->tls_link_count]);
	while (p->tls_process_count > 0)
		tusk_tls_process_free(take_tls_process(p, p->tls_process_count - 1));
	while (p->tls_event_count > 0)
		tls_event_free(p->tls_events[--p->tls_event_count]);
	while (p->go_link_count > 0)
		bpf_link__destroy(p->go_links[--p->go_link_count]);
}

int tusk_probes_poll(struct tusk_probes *p, int timeout_ms, uint32_t max_records, tusk_record_fn fn, void *ctx)
{
	p->fn = fn;
	p->ctx = ctx;
	p->taken = 0;
	p->budget = max_records ? max_records : 1;
	/* records are submitted without wakeups until enough pile up, so poll, then drain */
	int woken = ring_buffer__poll(p->ring, timeout_ms);
	if (woken == BUDGET_SPENT)
		return p->taken;
	if (woken < 0 && woken != -EINTR)
		return woken;
	int drained = ring_buffer__consume(p->ring);
	if (drained < 0 && drained != BUDGET_SPENT)
		return drained;
	return p->taken;
}

int tusk_probes_counters(struct tusk_probes *p, uint64_t *out, uint32_t n)
{
	uint32_t zero = 0;
	size_t per_cpu = sizeof(uint64_t) * TUSK_C_MAX;
	uint64_t *values = calloc(p->ncpus, per_cpu);
	if (!values)
		return -ENOMEM;
	int err = bpf_map__lookup_elem(p->skel->maps.counters, &zero, sizeof(zero), values, per_cpu * p->ncpus, 0);
	if (!err) {
		for (uint32_t i = 0; i < n; i++) {
			out[i] = 0;
			if (i >= TUSK_C_MAX)
				continue;
			for (int cpu = 0; cpu < p->ncpus; cpu++)
				out[i] += values[cpu * TUSK_C_MAX + i];
		}
	}
	free(values);
	return err;
}

static uint32_t count_entries(const struct bpf_map *map)
{
	uint32_t n = 0;
	size_t key_size = bpf_map__key_size(map);
	char key[64], next[64];
	if (key_size > sizeof(key))
		return 0;
	void *prev = NULL;
	while (bpf_map__get_next_key(map, prev, next, key_size) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

int tusk_probes_map_entries(struct tusk_probes *p, uint32_t *connections, uint32_t *requests)
{
	*connections = count_entries(p->skel->maps.conns);
	*requests = 0;
	const struct bpf_map *map = p->skel->maps.slots;
	size_t size = bpf_map__value_size(map);
	char *value = malloc(size);
	if (!value)
		return -ENOMEM;
	for (uint32_t i = 0; i < bpf_map__max_entries(map); i++) {
		if (bpf_map__lookup_elem(map, &i, sizeof(i), value, size, 0) == 0 &&
		    ((struct tusk_slot_head *)value)->busy)
			(*requests)++;
	}
	free(value);
	return 0;
}

void tusk_probes_detach(struct tusk_probes *p)
{
	detach_tls(p);
	tusk_bpf__detach(p->skel);
}

void tusk_probes_destroy(struct tusk_probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->ring);
	detach_tls(p);
	free(p->tls_processes);
	free(p->tls_events);
	free(p->go_links);
	tusk_bpf__destroy(p->skel);
	free(p);
}

/* ---- the contract, as the BPF compiler saw it ---- */

static const struct btf_type *btf_struct(struct bpf_object **obj, const struct btf **btf, const char *name)
{
	size_t size = 0;
	const void *bytes = tusk_bpf__elf_bytes(&size);
	*obj = bpf_object__open_mem(bytes, size, NULL);
	if (!*obj)
		return NULL;
	*btf = bpf_object__btf(*obj);
	if (!*btf)
		return NULL;
	int id = btf__find_by_name_kind(*btf, name, BTF_KIND_STRUCT);
	return id < 0 ? NULL : btf__type_by_id(*btf, id);
}

int tusk_btf_struct_size(const char *struct_name, uint32_t *size)
{
	struct bpf_object *obj = NULL;
	const struct btf *btf = NULL;
	const struct btf_type *t = btf_struct(&obj, &btf, struct_name);
	int err = t ? 0 : -ENOENT;
	if (t)
		*size = t->size;
	bpf_object__close(obj);
	return err;
}

int tusk_btf_member_offset(const char *struct_name, const char *member, uint32_t *offset)
{
	struct bpf_object *obj = NULL;
	const struct btf *btf = NULL;
	const struct btf_type *t = btf_struct(&obj, &btf, struct_name);
	int err = -ENOENT;
	if (t) {
		const struct btf_member *m = btf_members(t);
		for (int i = 0; i < btf_vlen(t); i++, m++) {
			if (strcmp(btf__name_by_offset(btf, m->name_off), member) == 0) {
				*offset = btf_member_bit_offset(t, i) / 8;
				err = 0;
				break;
			}
		}
	}
	bpf_object__close(obj);
	return err;
}

int tusk_btf_member_name(const char *struct_name, uint32_t index, char *name, size_t name_len)
{
	struct bpf_object *obj = NULL;
	const struct btf *btf = NULL;
	const struct btf_type *t = btf_struct(&obj, &btf, struct_name);
	int err = -ENOENT;
	if (t && index < btf_vlen(t)) {
		snprintf(name, name_len, "%s", btf__name_by_offset(btf, btf_members(t)[index].name_off));
		err = 0;
	}
	bpf_object__close(obj);
	return err;
}
