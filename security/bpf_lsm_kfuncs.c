// SPDX-License-Identifier: GPL-2.0
/*
 * BPF kfuncs owned by the LSM framework.
 *
 * Verification schemes for BPF programs report the verdict they reach to
 * the LSMs through security_bpf_prog_load_post_integrity(). Code in the
 * kernel reports through lsm_bpf_report_integrity(); BPF LSM programs that
 * implement a scheme of their own report through bpf_report_prog_integrity(),
 * so that every LSM, the BPF LSM included, enforces its policy through one
 * interface whatever scheme the system uses.
 */

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/lsm/bpf_integrity.h>
#include <linux/security.h>

/**
 * lsm_bpf_report_integrity - report a BPF program's integrity verdict
 * @prog: BPF program the verdict is about
 * @scheme: verification scheme that reached the verdict
 * @verdict: the scheme's verdict on @prog
 *
 * Check @scheme and @verdict, then pass them to the LSMs through
 * security_bpf_prog_load_post_integrity(). This is the entry point for
 * kernel code that implements a verification scheme.
 *
 * It must never be reachable from a BPF program attached to the
 * bpf_prog_load_post_integrity hook, or that program could re-enter the
 * hook: a kfunc that calls it must be filtered like
 * bpf_report_prog_integrity() is, or be unavailable to BPF LSM programs.
 *
 * Context: Process context; may sleep.
 * Return: 0 if every LSM accepts the verdict; -EINVAL, without calling any
 * LSM, if @scheme or @verdict is not a valid value; otherwise the negative
 * error code of the first LSM that refused it.
 */
int lsm_bpf_report_integrity(struct bpf_prog *prog,
			     enum lsm_integrity_scheme scheme,
			     enum lsm_integrity_verdict verdict)
{
	might_sleep();
	/* As u32: an enum may be signed, and callers pass any int they got. */
	if ((u32)scheme == LSM_INT_SCHEME_NONE || (u32)scheme > LSM_INT_SCHEME_MAX ||
	    (u32)verdict == LSM_INT_VERDICT_NONE || (u32)verdict > LSM_INT_VERDICT_MAX)
		return -EINVAL;
	return security_bpf_prog_load_post_integrity(prog, scheme, verdict);
}

#ifdef CONFIG_BPF_LSM
__bpf_kfunc_start_defs();

/**
 * bpf_report_prog_integrity - report a verdict on a program being loaded
 * @prog: the program being loaded, as passed to the bpf_prog_load LSM hook;
 *	  any trusted program pointer is accepted, and not checked further
 * @verdict: the verdict of the calling program's verification scheme, an
 *	     enum lsm_integrity_verdict value
 *
 * Report @verdict on @prog to the LSMs, with %LSM_INT_SCHEME_BPF_LSM as the
 * scheme: a BPF program can not report on behalf of another scheme.
 *
 * This BPF kfunc may only be called from sleepable BPF LSM programs attached
 * to the bpf_prog_load hook. Unlike the filesystem kfuncs, it calls into an
 * LSM hook on purpose: reporting to the LSMs is its whole point. The
 * restriction to the bpf_prog_load hook is also what keeps it from
 * recursing: no BPF program attached to bpf_prog_load_post_integrity can
 * call it, and that hook does not load programs.
 *
 * Return: 0 if every LSM accepts the verdict; -EINVAL if @verdict is not a
 * valid verdict (no LSM is called); otherwise the negative error code of the
 * first LSM that refused it. What to do with a refusal is up to the caller,
 * which may, for example, return the error to fail the load.
 */
__bpf_kfunc int bpf_report_prog_integrity(struct bpf_prog *prog,
					  enum lsm_integrity_verdict verdict)
{
	return lsm_bpf_report_integrity(prog, LSM_INT_SCHEME_BPF_LSM, verdict);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(bpf_lsm_kfunc_set_ids)
BTF_ID_FLAGS(func, bpf_report_prog_integrity, KF_SLEEPABLE)
BTF_KFUNCS_END(bpf_lsm_kfunc_set_ids)

BTF_ID_LIST_SINGLE(bpf_lsm_prog_load_btf_ids, func, bpf_lsm_bpf_prog_load)

/*
 * LSM programs share their kfunc hook with the tracing program types, so
 * refuse everything but BPF LSM programs attached to the vmlinux function
 * bpf_lsm_bpf_prog_load: the hook at which a program's load is decided.
 * That also keeps out programs on the post-integrity hook itself, which
 * must not re-enter it.
 */
static int bpf_lsm_kfuncs_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&bpf_lsm_kfunc_set_ids, kfunc_id))
		return 0;
	if (prog->type == BPF_PROG_TYPE_LSM &&
	    prog->expected_attach_type == BPF_LSM_MAC &&
	    prog->aux->attach_btf && btf_is_kernel(prog->aux->attach_btf) &&
	    prog->aux->attach_btf_id == bpf_lsm_prog_load_btf_ids[0])
		return 0;
	return -EACCES;
}

static const struct btf_kfunc_id_set bpf_lsm_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &bpf_lsm_kfunc_set_ids,
	.filter = bpf_lsm_kfuncs_filter,
};

static int __init bpf_lsm_kfuncs_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM, &bpf_lsm_kfunc_set);
}

late_initcall(bpf_lsm_kfuncs_init);
#endif /* CONFIG_BPF_LSM */

#ifdef CONFIG_SECURITY_BPF_INTEGRITY_KUNIT_TEST
#include "bpf_lsm_kfuncs_test.c"
#endif
