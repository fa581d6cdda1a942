// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * For prog_tests/signed_inputs.c: a map element iterator that only reads,
 * but tail-calls whatever program the test puts into jmp[0], such as the
 * writer here, which is never attached itself.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

SEC("iter/bpf_map_elem")
int tail_reader(struct bpf_iter__bpf_map_elem *ctx)
{
	bpf_tail_call(ctx, &jmp, 0);
	return 0;
}

SEC("iter/bpf_map_elem")
int tail_writer(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;

	if (val)
		*val = 7;
	return 0;
}

char _license[] SEC("license") = "GPL";
