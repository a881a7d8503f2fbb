/* What the kernel's verifier says of each program: loaded on its own, with its statistics, and,
 * when it refuses one, the lines of its log that say why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "tusk_object.h"

#define STATS_LOG_BYTES (64 << 10) /* level 4: statistics and error lines only */
#define TRACE_LOG_BYTES (16 << 20) /* level 1: every instruction; kept only if it holds the end */
#define LOG_STATS 4
#define LOG_TRACE 1

/* Load program `name` alone, from a newly opened object, with the verifier log at `level` in
 * log[0..size). 0 if it loaded, else -errno. */
static int load_alone(const struct tusk_probe_options *o, const char *name, struct tusk_program_verdict *out,
		      char *log, size_t size, unsigned level)
{
	char error[256];
	struct tusk_bpf *s = tusk_object_open(o, 1, error, sizeof(error));
	if (!s)
		return -errno;
	struct bpf_object *obj = tusk_object_of(s);
	struct bpf_program *p, *mine = NULL;
	bpf_object__for_each_program(p, obj) {
		int is = strcmp(bpf_program__name(p), name) == 0;
		bpf_program__set_autoload(p, is);
		if (is)
			mine = p;
	}
	if (!mine) {
		tusk_object_close(s);
		return -ENOENT;
	}
	snprintf(out->program, sizeof(out->program), "%s", bpf_program__name(mine));
	snprintf(out->section, sizeof(out->section), "%s", bpf_program__section_name(mine));
	log[0] = 0;
	/* a log buffer of our own also keeps libbpf from retrying with ever larger ones */
	bpf_program__set_log_buf(mine, log, size);
	bpf_program__set_log_level(mine, level);
	int err = bpf_object__load(obj);
	tusk_object_close(s);
	return err;
}

static uint32_t stat_after(const char *log, const char *label)
{
	const char *at = strstr(log, label);
	unsigned long value = 0;
	if (at && sscanf(at + strlen(label), "%lu", &value) == 1)
		return value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
	return 0;
}

int tusk_program_diagnose(const struct tusk_probe_options *o, const char *name, struct tusk_program_verdict *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->program, sizeof(out->program), "%s", name);
	char *log = malloc(STATS_LOG_BYTES);
	if (!log) {
		out->error = ENOMEM;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return -ENOMEM;
	}
	int err = load_alone(o, name, out, log, STATS_LOG_BYTES, LOG_STATS);
	out->instructions = stat_after(log, "processed ");
	out->verification_usec = stat_after(log, "verification time ");
	if (err) {
		out->error = -err;
		tusk_verifier_reason(log, out->reason, sizeof(out->reason));
		/* a program over the instruction budget has no one instruction to blame; any other
		 * rejection is about an instruction, which only the full log names */
		char *trace = err == -E2BIG ? NULL : malloc(TRACE_LOG_BYTES);
		if (trace) {
			struct tusk_program_verdict again = { 0 };
			/* a log cut short (ENOSPC) has lost its end, where the reason is */
			if (load_alone(o, name, &again, trace, TRACE_LOG_BYTES, LOG_TRACE | LOG_STATS) == err)
				tusk_verifier_reason(trace, out->reason, sizeof(out->reason));
			free(trace);
		}
		if (!out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "%s", strerror(-err));
	}
	free(log);
	return err;
}

int tusk_programs_verify(const struct tusk_probe_options *o, struct tusk_program_verdict *out, uint32_t capacity)
{
	tusk_libbpf_log_to_memory();
	char error[256];
	struct tusk_bpf *s = tusk_object_open(o, 1, error, sizeof(error));
	if (!s)
		return -errno;
	char names[64][64];
	uint32_t count = 0;
	struct bpf_program *p;
	bpf_object__for_each_program(p, tusk_object_of(s)) {
		if (count < 64)
			snprintf(names[count], sizeof(names[count]), "%s", bpf_program__name(p));
		count++;
	}
	tusk_object_close(s);
	for (uint32_t i = 0; i < count && i < capacity && i < 64; i++)
		tusk_program_diagnose(o, names[i], &out[i]);
	return (int)count;
}

/* ---- reading a verifier log ---- */

static int starts_with_number_colon(const char *line, const char *end)
{
	const char *c = line;
	while (c < end && *c >= '0' && *c <= '9')
		c++;
	return c > line && c < end && *c == ':';
}

/* Appends line[0..len) to out (separated by `separator`), as room allows. */
static void append(char *out, size_t out_len, const char *separator, const char *line, size_t len)
{
	size_t used = strlen(out);
	if (used && used + strlen(separator) < out_len) {
		strcpy(out + used, separator);
		used += strlen(separator);
	}
	if (used + 1 >= out_len)
		return;
	if (len > out_len - used - 1)
		len = out_len - used - 1;
	memcpy(out + used, line, len);
	out[used + len] = 0;
}

void tusk_verifier_reason(const char *log, char *out, size_t out_len)
{
	if (!out_len)
		return;
	out[0] = 0;
	if (!log)
		return;
	/* the statistics come last (level 4): the reason is what precedes them */
	const char *end = log + strlen(log);
	for (const char *at = strstr(log, "verification time"); at; at = strstr(at + 1, "verification time"))
		if (at == log || at[-1] == '\n')
			end = at;

	/* walk back over the lines: error lines, then the instruction they are about, then its source */
	const char *errors[4];
	size_t error_lens[4];
	int error_count = 0;
	const char *insn = NULL, *source = NULL;
	size_t insn_len = 0, source_len = 0;
	const char *line_end = end;
	int looked = 0;
	while (line_end > log && looked < 64) {
		while (line_end > log && line_end[-1] == '\n')
			line_end--;
		const char *line = line_end;
		while (line > log && line[-1] != '\n')
			line--;
		if (line == line_end)
			break;
		looked++;
		if (!insn && starts_with_number_colon(line, line_end)) {
			insn = line;
			/* instruction lines may carry register state after "; " */
			const char *state = strstr(line, " ; ");
			insn_len = (state && state < line_end ? state : line_end) - line;
			while (insn_len && line[insn_len - 1] == ' ')
				insn_len--;
		} else if (!insn && line[0] != ';') {
			if (error_count < 4) {
				errors[error_count] = line;
				error_lens[error_count] = line_end - line;
				error_count++;
			}
		} else if (insn && line[0] == ';') {
			source = line + 1;
			while (source < line_end && *source == ' ')
				source++;
			source_len = line_end - source;
			break;
		} else if (!insn) {
			/* a source line before any instruction: the log has no per-instruction trace */
			break;
		}
		if (!insn && error_count && looked > 8)
			break;
		line_end = line;
	}
	for (int i = error_count - 1; i >= 0; i--)
		append(out, out_len, " / ", errors[i], error_lens[i]);
	if (insn) {
		append(out, out_len, " — at instruction ", insn, insn_len);
		if (source)
			append(out, out_len, ": ", source, source_len);
	}
}
