// SPDX-License-Identifier: GPL-2.0
/*
 * The object of the benchmark's light skeletons: one program and PAD bytes
 * of initialized data, which the skeleton's blob carries and its loader
 * copies into a map, so that PAD sets the size of what is hashed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char pad[PAD] = { 1 };

SEC("socket")
int bench(void *ctx)
{
	return pad[0];
}

char _license[] SEC("license") = "GPL";
