// SPDX-License-Identifier: GPL-2.0

#include "vmlinux.h"
#include <errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf_misc.h"
#include "err.h"

char _license[] SEC("license") = "GPL";

int bpf_report_prog_integrity(struct bpf_prog *prog,
			      enum lsm_integrity_verdict verdict) __ksym;

SEC("lsm.s/bpf_prog_load")
__success
int BPF_PROG(allowed, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	long ret = bpf_report_prog_integrity(prog, LSM_INT_VERDICT_OK);

	set_if_not_errno_or_zero(ret, -EFAULT);
	return ret;
}

SEC("lsm.s/bpf_prog_load_post_integrity")
__failure __msg("calling kernel function bpf_report_prog_integrity is not allowed")
int BPF_PROG(reenter, struct bpf_prog *prog, enum lsm_integrity_scheme scheme,
	     enum lsm_integrity_verdict verdict)
{
	return bpf_report_prog_integrity(prog, verdict);
}

SEC("lsm.s/bpf_prog")
__failure __msg("calling kernel function bpf_report_prog_integrity is not allowed")
int BPF_PROG(other_hook, struct bpf_prog *prog)
{
	return bpf_report_prog_integrity(prog, LSM_INT_VERDICT_OK);
}

SEC("lsm/bpf_prog_load")
__failure __msg("program must be sleepable to call sleepable kfunc bpf_report_prog_integrity")
int BPF_PROG(not_sleepable, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	return bpf_report_prog_integrity(prog, LSM_INT_VERDICT_OK);
}

SEC("lsm_cgroup/bpf_prog_load")
__failure __msg("calling kernel function bpf_report_prog_integrity is not allowed")
int BPF_PROG(cgroup_lsm, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	bpf_report_prog_integrity(prog, LSM_INT_VERDICT_OK);
	return 1;
}

SEC("fentry/bpf_lsm_bpf_prog_load")
__failure __msg("calling kernel function bpf_report_prog_integrity is not allowed")
int BPF_PROG(tracing, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	return bpf_report_prog_integrity(prog, LSM_INT_VERDICT_OK);
}

SEC("syscall")
__failure __msg("calling kernel function bpf_report_prog_integrity is not allowed")
int syscall_prog(void *ctx)
{
	return bpf_report_prog_integrity(NULL, LSM_INT_VERDICT_OK);
}

SEC("lsm.s/bpf_prog_load")
__failure __msg("Possibly NULL pointer passed to trusted R1")
int BPF_PROG(null_prog, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	return bpf_report_prog_integrity(NULL, LSM_INT_VERDICT_OK);
}

SEC("lsm.s/bpf_prog_load")
__failure __msg("R1 must be referenced or trusted")
int BPF_PROG(untrusted_prog, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	/* A pointer walked out of a trusted one is not trusted. */
	return bpf_report_prog_integrity(prog->aux->dst_prog,
						LSM_INT_VERDICT_OK);
}

SEC("lsm.s/bpf_prog_load")
__failure __msg("expected pointer to STRUCT bpf_prog but R1 has a pointer to UNION bpf_attr")
int BPF_PROG(foreign_object, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	return bpf_report_prog_integrity((struct bpf_prog *)attr,
						LSM_INT_VERDICT_OK);
}
