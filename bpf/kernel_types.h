/* The few kernel structures Tusk reads, declared for CO-RE: libbpf relocates every field access
 * against the running kernel's BTF, so only the names must match, not the layout. */
#ifndef TUSK_KERNEL_TYPES_H
#define TUSK_KERNEL_TYPES_H

#include <linux/types.h>

#define CORE __attribute__((preserve_access_index))

struct files_struct;
struct mm_struct;

struct task_struct {
	struct files_struct *files;
	struct mm_struct *mm;
} CORE;

struct qstr {
	const unsigned char *name;
} CORE;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
} CORE;

struct path {
	struct dentry *dentry;
} CORE;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} CORE;

struct files_struct {
	struct fdtable *fdt;
} CORE;

struct super_block {
	__u32 s_dev;
} CORE;

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
} CORE;

struct file {
	struct inode *f_inode;
	void *private_data;
	struct path f_path;
} CORE;

/* A process's arguments and environment lie one after the other in its memory. */
struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct file *exe_file;
} CORE;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} CORE;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} CORE;

struct sock {
	struct sock_common __sk_common;
} CORE;

struct socket {
	short type;
	struct sock *sk;
} CORE;

/* The user registers saved at syscall entry (x86-64): a syscall's arguments are in di, si, dx,
 * r10, r8 and r9, and are still there when the syscall returns. Go code keeps its goroutine in
 * r14; Go's register ABI passes arguments in ax, bx, cx, … */
struct pt_regs {
	unsigned long r8;
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long cx;
	unsigned long ax;
	unsigned long bx;
	unsigned long r14;
} CORE;

/* Tracepoint contexts of syscalls/sys_enter_* and sys_exit_* (see their `format` files). */
struct syscall_enter_ctx {
	__u64 common;
	long id;
	unsigned long args[6];
};

#define CLONE_THREAD 0x00010000

/* tracepoint/task/task_newtask */
struct task_newtask_ctx {
	__u64 common;
	__s32 pid;
	char comm[16];
	__u64 clone_flags;
	__s16 oom_score_adj;
};

struct syscall_exit_ctx {
	__u64 common;
	long id;
	long ret;
};

struct iovec_user {
	const void *iov_base;
	__u64 iov_len;
};

struct msghdr_user {
	void *msg_name;
	int msg_namelen;
	struct iovec_user *msg_iov;
	__u64 msg_iovlen;
};

#endif
