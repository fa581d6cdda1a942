// SPDX-License-Identifier: GPL-2.0

/*
 * For prog_tests/ipe_bpf.c: a verification scheme of its own, implemented
 * as a BPF LSM program, that reports a verdict to the LSMs on each program
 * the test loads from user space; and a count of the bpf() commands that a
 * loader run by the test issues.
 */

#include "vmlinux.h"
#include <errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "err.h"

char _license[] SEC("license") = "GPL";

int bpf_report_prog_integrity(struct bpf_prog *prog,
			      enum lsm_integrity_verdict verdict) __ksym;

/* What the kernel's enum says, for user space to report with. */
int verdict_ok = LSM_INT_VERDICT_OK;
int verdict_badsig = LSM_INT_VERDICT_BADSIG;

/* Only the test's thread is watched. */
__u32 monitored_tid;

/* bpf() commands issued from kernel context, that is by a loader. */
int kernel_cmds;

/* The verdict to report, 0 for none; the reports and the LSMs' answer. */
int report_verdict;
int reports;
int report_ret;

static bool monitored(void)
{
	return monitored_tid &&
	       (__u32)bpf_get_current_pid_tgid() == monitored_tid;
}

SEC("lsm/bpf")
int BPF_PROG(count_kernel_cmds, int cmd, union bpf_attr *attr,
	     unsigned int size, bool kernel)
{
	if (monitored() && kernel)
		kernel_cmds++;
	return 0;
}

SEC("lsm.s/bpf_prog_load")
int BPF_PROG(report, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	long ret;

	if (!monitored() || kernel || !report_verdict)
		return 0;
	report_ret = bpf_report_prog_integrity(prog, report_verdict);
	reports++;
	/* A refused report fails the load; LSM programs return 0 or an errno. */
	ret = report_ret;
	set_if_not_errno_or_zero(ret, -EFAULT);
	return ret;
}
