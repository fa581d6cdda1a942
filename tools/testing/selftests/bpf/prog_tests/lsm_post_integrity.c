// SPDX-License-Identifier: GPL-2.0

#include <test_progs.h>
#include <linux/filter.h>

#include "lsm_post_integrity.skel.h"
#include "lsm_post_integrity_fail.skel.h"

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
	RUN_TESTS(lsm_post_integrity_fail);
}
