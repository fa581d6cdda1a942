// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for security/bpf_lsm_kfuncs.c, included from there: a report
 * whose scheme or verdict is not a value of its enum is refused with -EINVAL.
 */

#include <kunit/test.h>

static void report_refuses_bad_values(struct kunit *test)
{
	/* For each enum: 0 (NONE), one past the last value, and (u32)-1. */
	static const struct {
		u32 scheme;
		u32 verdict;
	} bad[] = {
		{ LSM_INT_SCHEME_NONE, LSM_INT_VERDICT_OK },
		{ LSM_INT_SCHEME_MAX + 1, LSM_INT_VERDICT_OK },
		{ (u32)-1, LSM_INT_VERDICT_OK },
		{ LSM_INT_SCHEME_BPF_LOADER, LSM_INT_VERDICT_NONE },
		{ LSM_INT_SCHEME_BPF_LOADER, LSM_INT_VERDICT_MAX + 1 },
		{ LSM_INT_SCHEME_BPF_LSM, (u32)-1 },
	};
	struct bpf_prog *prog;
	int i;

	/* Must never reach an LSM: @prog is a zeroed dummy. */
	prog = kunit_kzalloc(test, sizeof(*prog), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, prog);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,
				    lsm_bpf_report_integrity(prog, bad[i].scheme,
							     bad[i].verdict),
				    "scheme %u, verdict %u", bad[i].scheme,
				    bad[i].verdict);
}

static struct kunit_case bpf_integrity_test_cases[] = {
	KUNIT_CASE(report_refuses_bad_values),
	{}
};

static struct kunit_suite bpf_integrity_test_suite = {
	.name = "lsm_bpf_integrity",
	.test_cases = bpf_integrity_test_cases,
};

kunit_test_suite(bpf_integrity_test_suite);
