// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_experimental.h"

/*
 * For prog_tests/signed_loader_verify.c: a syscall program whose bpf_wq
 * callback calls bpf_sys_bpf().  The callback runs on a kworker, after the
 * program has returned, with no run ctx.
 */
struct elem {
	struct bpf_wq w;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} wqs SEC(".maps");

int done;
int ret;

static int from_wq(void *map, int *key, void *value)
{
	union bpf_attr attr = {};

	attr.map_fd = -1;	/* no map: the command fails, after the helper ran */
	ret = bpf_sys_bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
	done = 1;
	return 0;
}

SEC("syscall")
int start(void *ctx)
{
	struct elem *e;
	int key = 0;

	e = bpf_map_lookup_elem(&wqs, &key);
	if (!e || bpf_wq_init(&e->w, &wqs, 0) || bpf_wq_set_callback(&e->w, from_wq, 0))
		return 1;
	return bpf_wq_start(&e->w, 0);
}

char _license[] SEC("license") = "GPL";
