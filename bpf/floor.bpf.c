// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor: empty programs on exactly the tracepoints tusk.bpf.c uses, so the
 * cost of merely hooking those syscalls can be told apart from the cost of Tusk's work. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(name)                                                    \
	SEC("tracepoint/syscalls/" #name) int floor_##name(void *ctx) \
	{                                                              \
		return 0;                                              \
	}

EMPTY(sys_enter_write)
EMPTY(sys_enter_sendto)
EMPTY(sys_enter_writev)
EMPTY(sys_enter_sendmsg)
EMPTY(sys_exit_write)
EMPTY(sys_exit_sendto)
EMPTY(sys_exit_writev)
EMPTY(sys_exit_sendmsg)
EMPTY(sys_exit_read)
EMPTY(sys_exit_recvfrom)
EMPTY(sys_exit_readv)
EMPTY(sys_exit_recvmsg)
EMPTY(sys_enter_close)

SEC("tracepoint/sched/sched_process_exit") int floor_process_exit(void *ctx)
{
	return 0;
}
