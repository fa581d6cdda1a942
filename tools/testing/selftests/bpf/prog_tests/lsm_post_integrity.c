// SPDX-License-Identifier: GPL-2.0

#include <test_progs.h>
#include <linux/filter.h>

#include "lsm_post_integrity.skel.h"
#include "lsm_post_integrity_fail.skel.h"
#include "lsm_post_integrity_ext.skel.h"

/* Load a program for the reporter to judge; returns an fd or -errno. */
static int load_probe(const char *name)
{
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};

	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns,
			     ARRAY_SIZE(insns), NULL);
}

static struct lsm_post_integrity *setup(bool with_observer)
{
	struct lsm_post_integrity *skel;

	skel = lsm_post_integrity__open_and_load();
	if (!ASSERT_OK_PTR(skel, "skel_load"))
		return NULL;
	skel->links.report = bpf_program__attach(skel->progs.report);
	if (!ASSERT_OK_PTR(skel->links.report, "attach_report"))
		goto err;
	if (with_observer) {
		skel->links.observe = bpf_program__attach(skel->progs.observe);
		if (!ASSERT_OK_PTR(skel->links.observe, "attach_observe"))
			goto err;
	}
	skel->bss->monitored_tid = sys_gettid();
	return skel;
err:
	lsm_post_integrity__destroy(skel);
	return NULL;
}

/* With nothing attached to the hook, reporting succeeds. */
static void no_program_on_hook(void)
{
	struct lsm_post_integrity *skel = setup(false);
	int fd;

	if (!skel)
		return;
	fd = load_probe("good_probe");
	ASSERT_OK_FD(fd, "load");
	ASSERT_EQ(skel->bss->reports, 1, "reports");
	ASSERT_EQ(skel->bss->report_ret, 0, "report_ret");
	if (fd >= 0)
		close(fd);
	lsm_post_integrity__destroy(skel);
}

/* The hook receives the program, the scheme and the reporter's verdict. */
static void verdict_reaches_hook(void)
{
	struct lsm_post_integrity *skel = setup(true);
	int fd;

	if (!skel)
		return;
	fd = load_probe("good_probe");
	if (ASSERT_OK_FD(fd, "load good"))
		close(fd);
	ASSERT_EQ(skel->bss->reports, 1, "good: reports");
	ASSERT_EQ(skel->bss->report_ret, 0, "good: report_ret");
	ASSERT_EQ(skel->bss->seen, 1, "good: seen once");
	ASSERT_EQ(skel->bss->seen_scheme, skel->data->scheme_bpf_lsm, "good: scheme");
	ASSERT_EQ(skel->bss->seen_verdict, skel->data->verdict_ok, "good: verdict");
	ASSERT_NEQ(skel->bss->seen_prog, 0, "good: prog");
	ASSERT_EQ(skel->bss->seen_prog, skel->bss->reported_prog, "good: same prog");

	fd = load_probe("other_probe");
	if (ASSERT_OK_FD(fd, "load other"))
		close(fd);
	ASSERT_EQ(skel->bss->reports, 2, "other: reports");
	ASSERT_EQ(skel->bss->seen, 2, "other: seen twice");
	ASSERT_EQ(skel->bss->seen_scheme, skel->data->scheme_bpf_lsm, "other: scheme");
	ASSERT_EQ(skel->bss->seen_verdict, skel->data->verdict_badsig, "other: verdict");
	ASSERT_EQ(skel->bss->seen_prog, skel->bss->reported_prog, "other: same prog");
	lsm_post_integrity__destroy(skel);
}

/*
 * A denial comes back to the reporter as the errno the hook returned; it
 * fails the load only if the reporter passes it on.
 */
static void hook_denies(void)
{
	struct lsm_post_integrity *skel = setup(true);
	int fd;

	if (!skel)
		return;
	skel->bss->deny = -ENOKEY;

	fd = load_probe("good_probe");
	if (ASSERT_OK_FD(fd, "not passed on: load"))
		close(fd);
	ASSERT_EQ(skel->bss->seen, 1, "not passed on: seen");
	ASSERT_EQ(skel->bss->report_ret, -ENOKEY, "not passed on: report_ret");

	skel->bss->fail_load = true;
	fd = load_probe("good_probe");
	ASSERT_EQ(fd, -ENOKEY, "passed on: load fails with the hook's errno");
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(skel->bss->seen, 2, "passed on: seen");
	ASSERT_EQ(skel->bss->report_ret, -ENOKEY, "passed on: report_ret");
	lsm_post_integrity__destroy(skel);
}

/*
 * Two BPF LSM programs on the hook: the one called first accepts, the
 * second refuses.  The first is not told; what it can learn is the outcome,
 * here that the program it accepted a report on went away (its load failed).
 */
static void stacked_refusal(void)
{
	struct lsm_post_integrity *skel = setup(true);
	int fd;

	if (!skel)
		return;
	/* BPF LSM programs on one hook run newest first. */
	skel->links.accept = bpf_program__attach(skel->progs.accept);
	skel->links.forget = bpf_program__attach(skel->progs.forget);
	if (!ASSERT_OK_PTR(skel->links.accept, "attach_accept") ||
	    !ASSERT_OK_PTR(skel->links.forget, "attach_forget"))
		goto out;
	skel->bss->deny = -EPERM;
	skel->bss->fail_load = true;

	fd = load_probe("good_probe");
	ASSERT_EQ(fd, -EPERM, "load fails with the second LSM's errno");
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(skel->bss->accepted, 1, "first LSM saw the report");
	ASSERT_EQ(skel->bss->seen, 1, "second LSM saw the report");
	ASSERT_LT(skel->bss->accepted_at, skel->bss->seen_at, "first accepted, then refused");
	ASSERT_EQ(skel->bss->accepted_prog, skel->bss->reported_prog, "same program");
	ASSERT_EQ(skel->bss->report_ret, -EPERM, "the reporter got the refusal");
	ASSERT_TRUE(skel->bss->accepted_prog_freed, "first LSM learns the program is gone");
out:
	lsm_post_integrity__destroy(skel);
}

/*
 * A program that replaces a function of a BPF LSM program on bpf_prog_load
 * is not that LSM program: the kfunc is refused to it.
 */
static void freplace_refused(void)
{
	struct lsm_post_integrity_ext *tgt = NULL, *ext = NULL;
	char log[8192] = "";
	int err;

	tgt = lsm_post_integrity_ext__open();
	if (!ASSERT_OK_PTR(tgt, "target open"))
		return;
	bpf_program__set_autoload(tgt->progs.replacement, false);
	if (!ASSERT_OK(lsm_post_integrity_ext__load(tgt), "target load"))
		goto out;

	ext = lsm_post_integrity_ext__open();
	if (!ASSERT_OK_PTR(ext, "ext open"))
		goto out;
	bpf_program__set_autoload(ext->progs.judged_load, false);
	bpf_program__set_log_buf(ext->progs.replacement, log, sizeof(log));
	if (!ASSERT_OK(bpf_program__set_attach_target(ext->progs.replacement,
						      bpf_program__fd(tgt->progs.judged_load),
						      "judge"), "set target"))
		goto out;
	err = lsm_post_integrity_ext__load(ext);
	ASSERT_ERR(err, "freplace program refused");
	ASSERT_HAS_SUBSTR(log, "calling kernel function bpf_report_prog_integrity is not allowed",
			  "verifier log");
out:
	lsm_post_integrity_ext__destroy(ext);
	lsm_post_integrity_ext__destroy(tgt);
}

/* Values outside enum lsm_integrity_verdict never reach the LSMs. */
static void bad_verdict(void)
{
	struct lsm_post_integrity *skel = setup(true);
	int bad[] = { 0, 0, -1, 0x7fffffff };
	int i, fd;

	if (!skel)
		return;
	bad[1] = skel->data->verdict_max + 1;
	skel->bss->force_verdict = true;
	skel->bss->fail_load = true;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		skel->bss->forced_verdict = bad[i];
		skel->bss->report_ret = 0;
		fd = load_probe("good_probe");
		ASSERT_EQ(fd, -EINVAL, "load fails");
		if (fd >= 0)
			close(fd);
		ASSERT_EQ(skel->bss->reports, i + 1, "reported");
		ASSERT_EQ(skel->bss->report_ret, -EINVAL, "report_ret");
		ASSERT_EQ(skel->bss->seen, 0, "hook not called");
	}
	lsm_post_integrity__destroy(skel);
}

void test_lsm_post_integrity(void)
{
	if (test__start_subtest("no_program_on_hook"))
		no_program_on_hook();
	if (test__start_subtest("verdict_reaches_hook"))
		verdict_reaches_hook();
	if (test__start_subtest("hook_denies"))
		hook_denies();
	if (test__start_subtest("bad_verdict"))
		bad_verdict();
	if (test__start_subtest("stacked_refusal"))
		stacked_refusal();
	if (test__start_subtest("freplace_refused"))
		freplace_refused();
	RUN_TESTS(lsm_post_integrity_fail);
}
