// SPDX-License-Identifier: GPL-2.0
/* Tusk's programs plus one that every verifier refuses (a user-memory read of an unbounded
 * length): the object PreflightTests loads through TUSK_BPF_OBJECT to see how a rejection is
 * reported. */
#include "../../bpf/tusk.bpf.c"

SEC("tracepoint/syscalls/sys_exit_getpid")
int unbounded_read(struct syscall_exit_ctx *ctx)
{
	char buf[16];
	bpf_probe_read_user(buf, ctx->ret, 0);
	return 0;
}
