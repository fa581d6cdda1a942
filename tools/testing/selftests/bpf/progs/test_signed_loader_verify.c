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
 * on demand (read when user space takes an fd of it by id).  It can hold
 * a report inside the hook, and a second LSM program on the hook accepts
 * every report before the first one decides.
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
int order;
int observe_at;

/*
 * The first report on loader hold_id stays in the hook until user space
 * makes the page at hold_addr (registered with userfaultfd) present.
 */
__u32 hold_id;
__u64 hold_addr;
bool held;
bool released;

/* The second program on the hook, which runs before observe(). */
int bystander_calls;
int bystander_at;
__u32 bystander_id;

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
	int payload_loader_verdict;	/* what the payload says of its loader */
	int payload_loader_keyring;
};

/* What the last program loaded from user space, or by a loader, says of its loader. */
int user_loads;
int user_load_loader_verdict = -1;
int kernel_loads;
int kernel_load_loader_verdict = -1;
int kernel_load_loader_keyring = -1;

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
	observe_at = ++order;
	if (hold_id && prog->aux->id == hold_id && !held) {
		char c;

		held = true;
		bpf_copy_from_user(&c, sizeof(c), (void *)hold_addr);
		released = true;
	}
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

	if (monitored() && !kernel) {
		user_loads++;
		user_load_loader_verdict = prog->aux->sig.loader_verdict;
	} else if (monitored()) {
		kernel_loads++;
		kernel_load_loader_verdict = prog->aux->sig.loader_verdict;
		kernel_load_loader_keyring = prog->aux->sig.loader_keyring;
	}
	s = loader_state(kernel);
	if (!s)
		return 0;
	s->prog_loads++;
	s->payload_loader_verdict = prog->aux->sig.loader_verdict;
	s->payload_loader_keyring = prog->aux->sig.loader_keyring;
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

/*
 * The monitored loader's first BPF_MAP_FREEZE stays in the hook until user
 * space makes the page at freeze_hold_addr present: the map is filled then,
 * and not frozen yet.  freeze_fd is its fd, in freeze_tid's fd table.
 */
__u64 freeze_hold_addr;
int freeze_fd = -1;
__u32 freeze_tid;

SEC("lsm.s/bpf")
int BPF_PROG(hold_freeze, int cmd, union bpf_attr *attr, unsigned int size, bool kernel)
{
	__u64 addr = freeze_hold_addr;
	char c;

	if (!kernel || cmd != BPF_MAP_FREEZE || !addr || !monitored())
		return 0;
	freeze_hold_addr = 0;
	freeze_fd = attr->map_fd;
	freeze_tid = (__u32)bpf_get_current_pid_tgid();
	bpf_copy_from_user(&c, sizeof(c), (void *)addr);
	return 0;
}

SEC("lsm/bpf_prog")
int BPF_PROG(query, struct bpf_prog *prog)
{
	if (monitored() && query_id && prog->aux->id == query_id)
		queried_verdict = prog->aux->sig.verdict;
	return 0;
}

SEC("lsm.s/bpf_prog_load_post_integrity")
int BPF_PROG(bystander, struct bpf_prog *prog, enum lsm_integrity_scheme scheme,
	     enum lsm_integrity_verdict verdict)
{
	if (!monitored())
		return 0;
	bystander_calls++;
	bystander_at = ++order;
	bystander_id = prog->aux->id;
	return 0;
}
