// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Map element iterators for prog_tests/signed_inputs.c: two write into
 * the values of the map they are attached to, one with a store and one
 * through a helper, one only reads them, one calls a global function that
 * test_signed_iter_ext.c would replace, and one is sleepable.
 */
#define WRITTEN 7

__u64 seen;

SEC("iter/bpf_map_elem")
int write_value(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;

	if (val)
		*val = WRITTEN;
	return 0;
}

SEC("iter/bpf_map_elem")
int read_value(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;

	if (val)
		seen = *val;
	return 0;
}

SEC("iter/bpf_map_elem")
int helper_write(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;
	__u64 v = WRITTEN;

	if (val)
		bpf_probe_read_kernel(val, sizeof(v), &v);
	return 0;
}

/*
 * Named as the target's function is, so that an extension of it passes
 * for an iterator program of that target.
 */
int sub_calls;

__noinline int bpf_iter_bpf_map_elem(int x)
{
	sub_calls += x;
	return 0;
}

SEC("iter/bpf_map_elem")
int call_sub(struct bpf_iter__bpf_map_elem *ctx)
{
	return bpf_iter_bpf_map_elem(1);
}

SEC("iter.s/bpf_map_elem")
int sleepable(struct bpf_iter__bpf_map_elem *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
