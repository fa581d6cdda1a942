// SPDX-License-Identifier: GPL-2.0

#include "vmlinux.h"
#include <errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "err.h"

/*
 * Watches signed loaders of the test's process call
 * bpf_loader_verify_metadata(): what reaches the post-integrity hook, the
 * loader's verdict when its payload is loaded, and any program's verdict
 * on demand (read when user space takes an fd of it by id).
 */

char _license[] SEC("license") = "GPL";

__u32 monitored_tgid;

/* The kernel's values, for user space to compare against. */
int scheme_loader = LSM_INT_SCHEME_BPF_LOADER;
int verdict_ok = LSM_INT_VERDICT_OK;
int sig_unsigned = BPF_SIG_UNSIGNED;
int sig_verified = BPF_SIG_VERIFIED;
int sig_metadata_verified = BPF_SIG_METADATA_VERIFIED;

/* bpf_prog_load_post_integrity: the hook the kfunc calls. */
int deny;
int calls;
int seen_scheme;
int seen_verdict;
int verdict_at_hook;
__u32 reporter_ids[2];

/*
 * What a loader does after the post-integrity hook, per thread: its verdict
 * when it loads its programs, what it creates, and every bpf() command it
 * issues.
 */
struct loader_state {
	__u64 loader;
	int verdict_at_payload;
	int prog_loads;
	int map_creates;
	int commands;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct loader_state);
} loaders SEC(".maps");

/* A program's verdict, read when user space gets an fd for query_id. */
__u32 query_id;
int queried_verdict = -1;

static bool monitored(void)
{
	return monitored_tgid &&
	       bpf_get_current_pid_tgid() >> 32 == monitored_tgid;
}

/*
 * The state of the monitored loader running on this thread, for something
 * it does in the kernel's name (@kernel true); NULL for anything else.
 */
static struct loader_state *loader_state(bool kernel)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!kernel || !monitored())
		return NULL;
	return bpf_map_lookup_elem(&loaders, &tid);
}

SEC("lsm.s/bpf_prog_load_post_integrity")
int BPF_PROG(observe, struct bpf_prog *prog, enum lsm_integrity_scheme scheme,
	     enum lsm_integrity_verdict verdict)
{
	struct loader_state s = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 n;
	long ret;

	if (!monitored())
		return 0;
	n = __sync_fetch_and_add(&calls, 1);
	if (n < 2)
		reporter_ids[n] = prog->aux->id;
	seen_scheme = scheme;
	seen_verdict = verdict;
	verdict_at_hook = prog->aux->sig.verdict;
	s.loader = (__u64)prog;
	s.verdict_at_payload = -1;
	bpf_map_update_elem(&loaders, &tid, &s, BPF_ANY);
	ret = deny;
	set_if_not_errno_or_zero(ret, -EFAULT);
	return ret;
}

/* The loader's own programs and maps come with kernel == true. */
SEC("lsm/bpf_prog_load")
int BPF_PROG(payload_prog, struct bpf_prog *prog, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	struct loader_state *s;
	struct bpf_prog_aux *aux;
	__u8 verdict;

	s = loader_state(kernel);
	if (!s)
		return 0;
	s->prog_loads++;
	bpf_probe_read_kernel(&aux, sizeof(aux),
			      &((struct bpf_prog *)s->loader)->aux);
	if (!bpf_probe_read_kernel(&verdict, sizeof(verdict), &aux->sig.verdict))
		s->verdict_at_payload = verdict;
	return 0;
}

SEC("lsm/bpf_map_create")
int BPF_PROG(payload_map, struct bpf_map *map, union bpf_attr *attr,
	     struct bpf_token *token, bool kernel)
{
	struct loader_state *s;

	s = loader_state(kernel);
	if (s)
		s->map_creates++;
	return 0;
}

/* Any bpf() command of the loader: BTF, maps, programs, updates, freezes. */
SEC("lsm/bpf")
int BPF_PROG(payload_cmd, int cmd, union bpf_attr *attr, unsigned int size, bool kernel)
{
	struct loader_state *s;

	s = loader_state(kernel);
	if (s)
		s->commands++;
	return 0;
}

SEC("lsm/bpf_prog")
int BPF_PROG(query, struct bpf_prog *prog)
{
	if (monitored() && query_id && prog->aux->id == query_id)
		queried_verdict = prog->aux->sig.verdict;
	return 0;
}
