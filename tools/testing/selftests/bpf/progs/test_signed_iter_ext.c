// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * For prog_tests/signed_inputs.c: an extension of the global function
 * bpf_iter_bpf_map_elem() of the iterator program call_sub in
 * test_signed_iter.c, and an iterator program that would take that
 * function for its target.
 */
SEC("freplace/bpf_iter_bpf_map_elem")
int new_sub(int x)
{
	return 0;
}

SEC("iter/bpf_map_elem")
int prog_target(struct bpf_iter__bpf_map_elem *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
