// SPDX-License-Identifier: GPL-2.0

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

int bpf_report_prog_integrity(struct bpf_prog *prog,
			      enum lsm_integrity_verdict verdict) __ksym;

__noinline int judge(int verdict)
{
	return verdict == LSM_INT_VERDICT_OK ? 0 : -1;
}

/* A BPF LSM program on bpf_prog_load with a function to replace. */
SEC("lsm.s/bpf_prog_load")
int BPF_PROG(judged_load, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	return judge(LSM_INT_VERDICT_OK) ? -1 : 0;
}

/* Replaces judge() and tries to report: it is not the LSM program. */
SEC("freplace/judge")
int replacement(int verdict)
{
	return bpf_report_prog_integrity(NULL, verdict);
}
