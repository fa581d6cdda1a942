// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Map element iterators for prog_tests/signed_inputs.c: one writes into
 * the values of the map it is attached to, the other only reads them.
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

char _license[] SEC("license") = "GPL";
