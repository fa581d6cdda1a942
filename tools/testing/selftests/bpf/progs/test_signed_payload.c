// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Payload of a light skeleton signed at build time (LSKELS_SIGNED): one
 * map and one program, so that the test can see its loader install both.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

SEC("socket")
int count(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&runs, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
