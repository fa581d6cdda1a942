// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Payload for prog_tests/signed_loader_verify.c: a constant in .rodata,
 * which its signed loader fills and freezes before it loads the program
 * that returns it, and a mmapable map that the loader creates before and
 * leaves writable.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} plain SEC(".maps");

const __u32 signed_answer = 0x5167;

SEC("socket")
int answer(void *ctx)
{
	const __u32 *p = &signed_answer;

	barrier_var(p);	/* read it from the map, not as an immediate */
	return *p;
}

char _license[] SEC("license") = "GPL";
