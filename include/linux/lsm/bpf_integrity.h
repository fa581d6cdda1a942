/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux Security Module interface to BPF program verification schemes:
 * kernel code that verifies BPF programs reports its verdicts through
 * lsm_bpf_report_integrity() (security/bpf_lsm_kfuncs.c).
 */
#ifndef __LINUX_LSM_BPF_INTEGRITY_H
#define __LINUX_LSM_BPF_INTEGRITY_H

#include <linux/security.h>

struct bpf_prog;

#ifdef CONFIG_BPF_SYSCALL
int lsm_bpf_report_integrity(struct bpf_prog *prog,
			     enum lsm_integrity_scheme scheme,
			     enum lsm_integrity_verdict verdict);
#endif

#endif /* __LINUX_LSM_BPF_INTEGRITY_H */
