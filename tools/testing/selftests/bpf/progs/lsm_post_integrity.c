// SPDX-License-Identifier: GPL-2.0

#include "vmlinux.h"
#include <errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "err.h"

char _license[] SEC("license") = "GPL";

int bpf_report_prog_integrity(struct bpf_prog *prog,
			      enum lsm_integrity_verdict verdict) __ksym;

__u32 monitored_tid;

/* What the kernel's enums say, for user space to compare against. */
int scheme_bpf_lsm = LSM_INT_SCHEME_BPF_LSM;
int verdict_ok = LSM_INT_VERDICT_OK;
int verdict_badsig = LSM_INT_VERDICT_BADSIG;
int verdict_max = LSM_INT_VERDICT_MAX;

/* The reporter: a scheme of its own that trusts programs named "good*". */
bool force_verdict;
int forced_verdict;
bool fail_load;
int reports;
int report_ret;
__u64 reported_prog;

/* The observer on the post-integrity hook. */
int deny;
int seen;
int seen_scheme;
int seen_verdict;
__u64 seen_prog;
int seen_at;

/* A second one that accepts, and what it learns afterwards. */
int accepted;
__u64 accepted_prog;
int accepted_at;
bool accepted_prog_freed;
int order;

static bool monitored(void)
{
	return monitored_tid &&
	       (__u32)bpf_get_current_pid_tgid() == monitored_tid;
}

SEC("lsm.s/bpf_prog_load")
int BPF_PROG(report, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	int verdict = LSM_INT_VERDICT_BADSIG;
	char name[4];
	long ret;

	if (!monitored())
		return 0;
	bpf_probe_read_kernel(name, sizeof(name), prog->aux->name);
	if (name[0] == 'g' && name[1] == 'o' && name[2] == 'o' && name[3] == 'd')
		verdict = LSM_INT_VERDICT_OK;
	if (force_verdict)
		verdict = forced_verdict;
	reported_prog = (__u64)prog;
	report_ret = bpf_report_prog_integrity(prog, verdict);
	reports++;
	if (!fail_load)
		return 0;
	ret = report_ret;
	/* LSM programs must return 0 or an errno. */
	set_if_not_errno_or_zero(ret, -EFAULT);
	return ret;
}

SEC("lsm.s/bpf_prog_load_post_integrity")
int BPF_PROG(observe, struct bpf_prog *prog, enum lsm_integrity_scheme scheme,
	     enum lsm_integrity_verdict verdict)
{
	long ret;

	if (!monitored())
		return 0;
	seen++;
	seen_scheme = scheme;
	seen_verdict = verdict;
	seen_prog = (__u64)prog;
	seen_at = ++order;
	ret = deny;
	set_if_not_errno_or_zero(ret, -EFAULT);
	return ret;
}

SEC("lsm.s/bpf_prog_load_post_integrity")
int BPF_PROG(accept, struct bpf_prog *prog, enum lsm_integrity_scheme scheme,
	     enum lsm_integrity_verdict verdict)
{
	if (!monitored())
		return 0;
	accepted++;
	accepted_prog = (__u64)prog;
	accepted_at = ++order;
	return 0;
}

/* Runs for every program that goes away, whose load failed included. */
SEC("lsm/bpf_prog_free")
int BPF_PROG(forget, struct bpf_prog *prog)
{
	if (monitored() && accepted_prog && (__u64)prog == accepted_prog)
		accepted_prog_freed = true;
	return 0;
}
