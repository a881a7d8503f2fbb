/* Inside the C glue: the embedded BPF object (or the one TUSK_BPF_OBJECT names), opened and
 * configured with the options; only tusk_probes.c holds the skeleton itself. */
#ifndef TUSK_OBJECT_H
#define TUSK_OBJECT_H

#include <bpf/libbpf.h>
#include "tusk_probes.h"

struct tusk_bpf;

/* Open and configure (tunables, map sizes), not load. verify_only: small maps, for loads that
 * only ask the verifier. NULL on failure with errno set and `error` filled. */
struct tusk_bpf *tusk_object_open(const struct tusk_probe_options *o, int verify_only, char *error, size_t error_len);
struct bpf_object *tusk_object_of(struct tusk_bpf *s);
void tusk_object_close(struct tusk_bpf *s);

/* libbpf's messages go to tusk_probes_last_log, not to stderr. */
void tusk_libbpf_log_to_memory(void);

/* Load program `name` alone and fill `out` with what the verifier said. 0 if it loaded. */
int tusk_program_diagnose(const struct tusk_probe_options *o, const char *name, struct tusk_program_verdict *out);

#endif
