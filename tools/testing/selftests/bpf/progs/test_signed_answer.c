// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Payload for prog_tests/signed_inputs.c: a program whose answer is an
 * immediate of its own instructions, and a map the loader creates and
 * records in its blob, which no program uses.
 */
#define ANSWER 0x7a11

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unused SEC(".maps");

SEC("socket")
int answer(void *ctx)
{
	return ANSWER;
}

char _license[] SEC("license") = "GPL";
