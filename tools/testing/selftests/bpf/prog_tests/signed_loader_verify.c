// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_loader_verify_metadata(): the kernel's check of a signed loader's
 * metadata, the verdict it promotes, the LSMs it reports to, the fixed call
 * that reaches it, and the loaders libbpf generates for it.
 */

#include <test_progs.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <linux/keyctl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/userfaultfd.h>
#include <bpf/btf.h>

#include "bpf/libbpf_internal.h" /* for libbpf_sha256() */
#include "bpf/skel_internal.h"	 /* for the loader ctx layout */
#include "testing_helpers.h"

#include "test_signed_loader_map.skel.h"
#include "test_signed_rodata.skel.h"
#include "test_signed_loader_verify.skel.h"
#include "test_signed_payload.lskel.h"
#include "test_signed_async.skel.h"

enum {
	BPF_SIG_UNSIGNED = 0,
	BPF_SIG_VERIFIED,
	BPF_SIG_METADATA_VERIFIED,
};

/*
 * A minimal signed loader: it names fd_array[0], its metadata map, calls the
 * kfunc by its fixed number with a hash in r1-r4 and returns the result.
 * The map is built for each case.
 */
#define META_VALUE_SZ 64

struct verify_case {
	__u32 map_type;		/* 0: BPF_MAP_TYPE_ARRAY */
	__u32 max_entries;	/* 0: 1 */
	__u32 map_flags;
	bool not_exclusive;
	bool not_frozen;
	bool user_hash;		/* user space has the kernel hash the map too */
	bool unsigned_loader;
	bool other_contents;	/* the map does not hold what the hash is of */
	bool excl_zero_digest;	/* exclusive to the all-zero digest, via fd_array_cnt */
	bool map_by_fd;		/* the loader names its map by fd, not fd_array index */
	bool btf_fd;		/* fd_array_cnt binds a BTF object as well */
	bool ksym;		/* the loader names a kernel function, by BTF id */
	bool cnt_map;		/* fd_array_cnt binds a second map as well */
	bool bound_map;		/* BPF_PROG_BIND_MAP binds a second map after the load */
	__u8 hash_xor[SHA256_DIGEST_LENGTH];	/* flipped in the loader's hash */
	bool cnt_self;		/* fd_array_cnt binds the metadata map */
	bool no_map_insn;	/* no instruction names the map */
	bool sys_bpf_first;	/* the loader calls bpf_sys_bpf() before the kfunc */
	bool spin_lock;		/* the map's value starts with a bpf_spin_lock */
};

/* As progs/test_signed_loader_verify.c keeps it, per thread. */
struct loader_state {
	__u64 loader;
	int verdict_at_payload;
	int prog_loads;
	int map_creates;
	int commands;
	int payload_loader_verdict;
	int payload_loader_keyring;
};

enum {
	BPF_SIG_KEYRING_NONE = 0,
	BPF_SIG_KEYRING_BUILTIN,
	BPF_SIG_KEYRING_SECONDARY,
	BPF_SIG_KEYRING_PLATFORM,
	BPF_SIG_KEYRING_USER,
};

struct verify_loader {
	struct bpf_insn insns[24];
	int cnt;
	int map_fd;
	int prog_fd;
	int freeze_err;		/* 0, or -errno of its BPF_MAP_FREEZE */
	__u32 id;
	__u8 sig[8192];
	__u32 sig_sz;
};

static char log_buf[1 << 16];

static struct bpf_insn *emit_ld64(struct bpf_insn *i, int reg, int src, __u64 imm)
{
	struct bpf_insn ld[] = { BPF_LD_IMM64_RAW(reg, src, imm) };

	memcpy(i, ld, sizeof(ld));
	return i + 2;
}

/*
 * The BTF id of kernel function @name in vmlinux BTF: 0 if there is none,
 * -errno if vmlinux BTF can not be read.
 */
static int vmlinux_func_id(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id;

	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	btf__free(vmlinux);
	return id > 0 ? id : 0;
}

/*
 * The loader names its map with @map_src: BPF_PSEUDO_MAP_IDX (fd_array[0]),
 * BPF_PSEUDO_MAP_FD (an fd that verify_loader_load() sets) or 0 (not at all).
 * If @sys_bpf_first, it issues a bpf() command before it calls the kfunc.
 */
static int verify_loader_insns(struct bpf_insn *insns, const __u8 *hash, int map_src,
			       __u32 ksym_id, bool sys_bpf_first)
{
	struct bpf_insn *i = insns;
	__u64 dw;
	int k;

	/* r1 = the address of the kernel function ksym_id names, unused */
	if (ksym_id)
		i = emit_ld64(i, BPF_REG_1, BPF_PSEUDO_BTF_ID, ksym_id);
	/* r0 = the map, unused */
	if (map_src)
		i = emit_ld64(i, BPF_REG_0, map_src, 0);
	/* bpf_sys_bpf(BPF_MAP_FREEZE, { .map_fd = -1 }, 8): -EBADF, unused */
	if (sys_bpf_first) {
		*i++ = (struct bpf_insn)BPF_ST_MEM(BPF_W, BPF_REG_10, -8, -1);
		*i++ = (struct bpf_insn)BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0);
		*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_1, BPF_MAP_FREEZE);
		*i++ = (struct bpf_insn)BPF_MOV64_REG(BPF_REG_2, BPF_REG_10);
		*i++ = (struct bpf_insn)BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8);
		*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_3, 8);
		*i++ = (struct bpf_insn)BPF_EMIT_CALL(BPF_FUNC_sys_bpf);
	}
	for (k = 0; k < 4; k++) {
		memcpy(&dw, hash + k * 8, sizeof(dw));
		i = emit_ld64(i, BPF_REG_1 + k, 0, dw);
	}
	*i++ = (struct bpf_insn)BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL_FIXED,
					     0, BPF_FIXED_KFUNC_LOADER_VERIFY_METADATA);
	*i++ = (struct bpf_insn)BPF_EXIT_INSN();
	return i - insns;
}

/*
 * BPF_PROG_LOAD with fd_array = { *map_fd } (bound up front if @fd_cnt is 1,
 * through the instructions if 0), a signature if @sig, the log in log_buf.
 */
static int load_raw(__u32 type, __u32 flags, const struct bpf_insn *insns, __u32 cnt,
		    int *map_fd, __u32 fd_cnt, const void *sig, __u32 sig_sz)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = ptr_to_u64(insns);
	attr.insn_cnt = cnt;
	attr.license = ptr_to_u64("GPL");
	attr.prog_flags = flags;
	attr.fd_array = ptr_to_u64(map_fd);
	attr.fd_array_cnt = fd_cnt;
	log_buf[0] = 0;
	attr.log_buf = ptr_to_u64(log_buf);
	attr.log_size = sizeof(log_buf);
	attr.log_level = 1;
	if (sig) {
		attr.signature = ptr_to_u64(sig);
		attr.signature_size = sig_sz;
		attr.keyring_id = KEY_SPEC_SESSION_KEYRING;
	}
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, offsetofend(union bpf_attr, keyring_id));
	return fd < 0 ? -errno : fd;
}

/* The id of program @fd, or 0. */
static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_prog_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * BTF for a metadata map whose value starts with a bpf_spin_lock, put in
 * @opts; NULL if the kernel did not take it.
 */
static struct btf *spin_lock_btf(struct bpf_map_create_opts *opts)
{
	struct btf *btf = btf__new_empty();
	int i32, uchar, lock, pad, val;

	if (!btf)
		return NULL;
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	uchar = btf__add_int(btf, "unsigned char", 1, 0);
	lock = btf__add_struct(btf, "bpf_spin_lock", 4);
	if (lock > 0 && btf__add_field(btf, "val", i32, 0, 0))
		lock = -1;
	pad = btf__add_array(btf, i32, uchar, META_VALUE_SZ - 4);
	val = btf__add_struct(btf, "meta", META_VALUE_SZ);
	if (val > 0 && (btf__add_field(btf, "lock", lock, 0, 0) ||
			btf__add_field(btf, "pad", pad, 32, 0)))
		val = -1;
	if (i32 < 0 || uchar < 0 || lock < 0 || pad < 0 || val < 0 ||
	    btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	opts->btf_fd = btf__fd(btf);
	opts->btf_key_type_id = i32;
	opts->btf_value_type_id = val;
	return btf;
}

/*
 * The metadata of @c: bytes that differ from their neighbours, so that a
 * hash of the wrong stretch of them is a wrong hash.  The kernel keeps a
 * lock's bytes zero, whatever is written.
 */
static void meta_value(const struct verify_case *c, __u8 *value)
{
	int k;

	for (k = 0; k < META_VALUE_SZ; k++)
		value[k] = 0x5a + k * 37;
	if (c->spin_lock)
		memset(value, 0, sizeof(struct bpf_spin_lock));
}

/* Build the map and the signed loader of @c into @l; 0 or -errno. */
static int verify_loader_load(const struct verify_case *c, struct verify_loader *l)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = c->map_flags);
	__u8 excl[SHA256_DIGEST_LENGTH], hash[SHA256_DIGEST_LENGTH];
	__u8 value[META_VALUE_SZ], hbuf[SHA256_DIGEST_LENGTH];
	__u32 key = 0, len;
	struct bpf_map_info info;
	struct btf *btf = NULL;
	int err, k, ksym_id = 0, fds[2], other = -1;

	l->map_fd = -1;
	l->prog_fd = -1;
	l->freeze_err = 0;
	meta_value(c, value);
	libbpf_sha256(value, sizeof(value), hash);
	if (c->other_contents)
		value[0] ^= 0xff;
	for (k = 0; k < SHA256_DIGEST_LENGTH; k++)
		hash[k] ^= c->hash_xor[k];
	if (c->ksym) {
		ksym_id = vmlinux_func_id("bpf_loader_verify_metadata");
		if (ksym_id <= 0)
			return -ENOENT;
	}
	l->cnt = verify_loader_insns(l->insns, hash,
				     c->no_map_insn ? 0 :
				     c->map_by_fd ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_IDX,
				     ksym_id, c->sys_bpf_first);
	/* The digest: the same with the fd of a map-by-fd instruction zeroed. */
	libbpf_sha256(l->insns, l->cnt * sizeof(struct bpf_insn), excl);
	if (c->excl_zero_digest)
		memset(excl, 0, sizeof(excl));
	if (!c->not_exclusive) {
		mopts.excl_prog_hash = excl;
		mopts.excl_prog_hash_size = sizeof(excl);
	}
	if (c->spin_lock) {
		btf = spin_lock_btf(&mopts);
		if (!btf)
			return -EINVAL;
	}
	l->map_fd = bpf_map_create(c->map_type ?: BPF_MAP_TYPE_ARRAY, "__loader.map", 4,
				   sizeof(value), c->max_entries ?: 1, &mopts);
	btf__free(btf);
	btf = NULL;
	if (l->map_fd < 0)
		return -errno;
	if (bpf_map_update_elem(l->map_fd, &key, value, 0))
		return -errno;
	/* The caller checks whether a map with a lock could be frozen. */
	if (!c->not_frozen && bpf_map_freeze(l->map_fd)) {
		l->freeze_err = -errno;
		if (!c->spin_lock)
			return l->freeze_err;
	}
	for (k = 0; c->map_by_fd && k < l->cnt; k++)
		if (l->insns[k].src_reg == BPF_PSEUDO_MAP_FD)
			l->insns[k].imm = l->map_fd;
	if (c->user_hash) {
		memset(&info, 0, sizeof(info));
		info.hash = ptr_to_u64(hbuf);
		info.hash_size = sizeof(hbuf);
		len = sizeof(info);
		if (bpf_map_get_info_by_fd(l->map_fd, &info, &len))
			return -errno;
	}
	l->sig_sz = sizeof(l->sig);
	if (!c->unsigned_loader) {
		err = sign_with_test_key(l->insns, l->cnt * sizeof(struct bpf_insn), l->sig,
					 &l->sig_sz);
		if (err)
			return err;
	}
	fds[0] = l->map_fd;
	if (c->btf_fd) {
		/* Any BTF object will do: one of its own, with one type. */
		btf = btf__new_empty();
		if (!btf || btf__add_int(btf, "int", 4, BTF_INT_SIGNED) < 0 ||
		    btf__load_into_kernel(btf)) {
			btf__free(btf);
			return -EINVAL;
		}
		fds[1] = btf__fd(btf);
	}
	if (c->cnt_map || c->bound_map) {
		other = bpf_map_create(BPF_MAP_TYPE_ARRAY, "other", 4, 4, 1, NULL);
		if (other < 0) {
			btf__free(btf);
			return -errno;
		}
		fds[1] = other;
	}
	l->prog_fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, l->insns, l->cnt,
			      fds, c->btf_fd || c->cnt_map ? 2 : c->excl_zero_digest || c->cnt_self,
			      c->unsigned_loader ? NULL : l->sig, l->sig_sz);
	btf__free(btf);
	err = l->prog_fd < 0 ? l->prog_fd : 0;
	if (!err && c->bound_map && bpf_prog_bind_map(l->prog_fd, other, NULL))
		err = -errno;
	if (other >= 0)
		close(other);
	if (err)
		return err;
	l->id = prog_id(l->prog_fd);
	return l->id ? 0 : -ENOENT;
}

static void verify_loader_close(struct verify_loader *l)
{
	if (l->prog_fd >= 0)
		close(l->prog_fd);
	if (l->map_fd >= 0)
		close(l->map_fd);
}

/* Run a loader once; its return value, or -errno if it could not run. */
static int run_loader(int prog_fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);

	if (bpf_prog_test_run_opts(prog_fd, &topts))
		return -errno;
	return (int)topts.retval;
}

/* The verdict of program @id now, as a BPF LSM program reads it. */
static int read_verdict(struct test_signed_loader_verify *obs, __u32 id)
{
	int fd;

	obs->data->queried_verdict = -1;
	obs->bss->query_id = id;
	fd = bpf_prog_get_fd_by_id(id);
	obs->bss->query_id = 0;
	if (fd < 0)
		return -errno;
	close(fd);
	return obs->data->queried_verdict;
}

static struct test_signed_loader_verify *watch_loaders(int deny)
{
	struct test_signed_loader_verify *obs;

	obs = test_signed_loader_verify__open_and_load();
	if (!ASSERT_OK_PTR(obs, "observer load"))
		return NULL;
	/* This file's copy of enum bpf_sig_verdict against the kernel's. */
	if (!ASSERT_EQ(obs->bss->sig_unsigned, BPF_SIG_UNSIGNED, "BPF_SIG_UNSIGNED") ||
	    !ASSERT_EQ(obs->data->sig_verified, BPF_SIG_VERIFIED, "BPF_SIG_VERIFIED") ||
	    !ASSERT_EQ(obs->data->sig_metadata_verified, BPF_SIG_METADATA_VERIFIED,
		       "BPF_SIG_METADATA_VERIFIED")) {
		test_signed_loader_verify__destroy(obs);
		return NULL;
	}
	obs->bss->deny = deny;
	obs->bss->monitored_tgid = getpid();
	if (!ASSERT_OK(test_signed_loader_verify__attach(obs), "observer attach")) {
		test_signed_loader_verify__destroy(obs);
		return NULL;
	}
	return obs;
}

/*
 * Run loader @l once more. It must return @want; the hook must have been
 * called @calls times so far, for @l; the verdict must end at @verdict.
 */
static void verify_run(struct test_signed_loader_verify *obs,
		       const struct verify_loader *l, int want, int calls, int verdict)
{
	ASSERT_EQ(run_loader(l->prog_fd), want, "kfunc result");
	ASSERT_EQ(obs->bss->calls, calls, "hook calls");
	if (calls) {
		ASSERT_EQ(obs->bss->reporter_ids[0], l->id, "reporter is the loader");
		ASSERT_EQ(obs->bss->seen_scheme, obs->data->scheme_loader, "scheme");
		ASSERT_EQ(obs->bss->seen_verdict, obs->data->verdict_ok, "verdict reported");
		ASSERT_EQ(obs->bss->verdict_at_hook, obs->data->sig_verified,
			  "not promoted before the LSMs allow it");
	}
	ASSERT_EQ(read_verdict(obs, l->id), verdict, "verdict afterwards");
}

/* Load and run the loader of @c once, as verify_run() checks it. */
static void verify_case_on(struct test_signed_loader_verify *obs,
			   const struct verify_case *c, int want, int calls, int verdict)
{
	struct verify_loader l;

	if (ASSERT_OK(verify_loader_load(c, &l), "loader setup"))
		verify_run(obs, &l, want, calls, verdict);
	verify_loader_close(&l);
}

/* ... under an observer of its own. */
static void verify_case(const struct verify_case *c, int want, int calls, int verdict)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);

	if (!obs)
		return;
	verify_case_on(obs, c, want, calls, verdict);
	test_signed_loader_verify__destroy(obs);
}

/* Promoted without user space having had the map hashed: the kernel hashes it. */
static void verify_promotes(void)
{
	struct verify_case c = {};

	verify_case(&c, 0, 1, BPF_SIG_METADATA_VERIFIED);
}

/* ... and with it, as 7.2's light skeletons do. */
static void verify_user_hash(void)
{
	struct verify_case c = { .user_hash = true };

	verify_case(&c, 0, 1, BPF_SIG_METADATA_VERIFIED);
}

/*
 * An LSM refuses: the kfunc fails and the verdict stays. The refusal leaves
 * nothing behind: when the LSM then allows it, the same loader is promoted.
 */
static void verify_denied(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(-EKEYREJECTED);
	struct verify_case c = {};
	struct verify_loader l;

	if (!obs)
		return;
	if (ASSERT_OK(verify_loader_load(&c, &l), "loader setup")) {
		verify_run(obs, &l, -EKEYREJECTED, 1, BPF_SIG_VERIFIED);
		obs->bss->deny = 0;
		verify_run(obs, &l, 0, 2, BPF_SIG_METADATA_VERIFIED);
	}
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * Two BPF LSM programs on the hook: the one that runs first accepts, the
 * second refuses.  The first is not told of the refusal; what it can see is
 * the outcome, the loader's verdict, which stays unpromoted.
 */
static void verify_stacked_refusal(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(-EPERM);
	struct verify_case c = {};
	struct verify_loader l;

	if (!obs)
		return;
	if (ASSERT_OK(verify_loader_load(&c, &l), "loader setup")) {
		ASSERT_EQ(run_loader(l.prog_fd), -EPERM, "the second program's error");
		ASSERT_EQ(obs->bss->bystander_calls, 1, "first program saw the report");
		ASSERT_EQ(obs->bss->bystander_id, l.id, "on the loader");
		ASSERT_EQ(obs->bss->calls, 1, "second program saw it");
		ASSERT_LT(obs->bss->bystander_at, obs->bss->observe_at,
			  "first accepted, then the second refused");
		ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_VERIFIED,
			  "what the first can read afterwards: not promoted");
	}
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

static void verify_unsigned(void)
{
	struct verify_case c = { .unsigned_loader = true };

	verify_case(&c, -EPERM, 0, BPF_SIG_UNSIGNED);
}

/*
 * The loader names one map and is loaded with a second, bound by
 * fd_array_cnt: the kfunc checks only a loader whose one map is the one it
 * names.  A map that BPF_PROG_BIND_MAP binds after the load is out of the
 * instructions' reach: the kfunc still checks the metadata map, and
 * promotes the loader.
 */
static void verify_other_map(void)
{
	struct verify_case cnt = { .cnt_map = true }, bound = { .bound_map = true };

	verify_case(&cnt, -EKEYREJECTED, 0, BPF_SIG_VERIFIED);
	verify_case(&bound, 0, 1, BPF_SIG_METADATA_VERIFIED);
}

/*
 * The metadata map bound up front by fd_array_cnt: promoted as well.  But
 * not when no instruction names it: the loader could not read it.
 */
static void verify_fd_array_cnt(void)
{
	struct verify_case self = { .cnt_self = true };
	struct verify_case unnamed = { .cnt_self = true, .no_map_insn = true };

	verify_case(&self, 0, 1, BPF_SIG_METADATA_VERIFIED);
	verify_case(&unnamed, -EKEYREJECTED, 0, BPF_SIG_VERIFIED);
}

/*
 * The hash the loader passes differs from the map's in its last byte only.
 * The map's has a zero byte before it: a comparison that stopped at one,
 * as a string's would, would take the two for equal.
 */
static void verify_hash_last_byte(void)
{
	struct verify_case c = { .hash_xor[SHA256_DIGEST_LENGTH - 1] = 1 };
	__u8 value[META_VALUE_SZ], hash[SHA256_DIGEST_LENGTH];

	meta_value(&c, value);
	libbpf_sha256(value, sizeof(value), hash);
	ASSERT_OK_PTR(memchr(hash, 0, SHA256_DIGEST_LENGTH - 1), "a zero byte in the hash");
	verify_case(&c, -EBADMSG, 0, BPF_SIG_VERIFIED);
}

/*
 * ... or in one bit of the first or the last byte of one of the four
 * 64-bit arguments it is passed in (the low and high halves of an
 * ld_imm64), each of the eight bits once: each argument is compared whole,
 * every bit of it.  Then in the same bit of two arguments, and of all four:
 * the arguments are compared each on its own, not folded into one value
 * first (a XOR of them would not change).  One observer for all ten
 * loaders: attaching it is the slow part on a debug kernel.
 */
static void verify_hash_each_word(void)
{
	static const struct {
		int byte, bit;
	} flips[] = { { 0, 0 }, { 7, 7 }, { 8, 1 }, { 15, 6 },
		      { 16, 2 }, { 23, 5 }, { 24, 3 }, { 31, 4 } };
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_case c;
	int i;

	if (!obs)
		return;
	for (i = 0; i < ARRAY_SIZE(flips); i++) {
		memset(&c, 0, sizeof(c));
		c.hash_xor[flips[i].byte] = 1 << flips[i].bit;
		verify_case_on(obs, &c, -EBADMSG, 0, BPF_SIG_VERIFIED);
	}
	memset(&c, 0, sizeof(c));
	c.hash_xor[2] = 0x10;
	c.hash_xor[10] = 0x10;
	verify_case_on(obs, &c, -EBADMSG, 0, BPF_SIG_VERIFIED);
	c.hash_xor[18] = 0x10;
	c.hash_xor[26] = 0x10;
	verify_case_on(obs, &c, -EBADMSG, 0, BPF_SIG_VERIFIED);
	test_signed_loader_verify__destroy(obs);
}

/*
 * A metadata map whose value holds a special field, a bpf_spin_lock here,
 * can not be frozen, so the kfunc refuses it, though the loader passes
 * the hash of what the map holds.  The kfunc refuses it as it refuses any
 * map not frozen: what this checks is that BPF_MAP_FREEZE refuses the
 * map, which the kfunc relies on.
 */
static void verify_special_field(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_case c = { .spin_lock = true };
	struct verify_loader l;

	if (!obs)
		return;
	if (ASSERT_OK(verify_loader_load(&c, &l), "loader setup")) {
		/* 524: the kernel's ENOTSUPP, for a map with a btf_record */
		ASSERT_EQ(l.freeze_err, -524, "BPF_MAP_FREEZE refused");
		verify_run(obs, &l, -EBUSY, 0, BPF_SIG_VERIFIED);
	}
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

static void verify_not_exclusive(void)
{
	struct verify_case c = { .not_exclusive = true };

	verify_case(&c, -EACCES, 0, BPF_SIG_VERIFIED);
}

/* Exclusive to no program: the verifier does not bind it at all. */
static void verify_excl_zero_digest(void)
{
	struct verify_case c = { .excl_zero_digest = true };
	struct verify_loader l;

	ASSERT_EQ(verify_loader_load(&c, &l), -EACCES, "loader refused at load");
	ASSERT_HAS_SUBSTR(log_buf, "program's hash doesn't match map's excl_prog_hash",
			  "verifier log");
	verify_loader_close(&l);
}

static void verify_not_frozen(void)
{
	struct verify_case c = { .not_frozen = true };

	verify_case(&c, -EBUSY, 0, BPF_SIG_VERIFIED);
}

static void verify_not_array(void)
{
	struct verify_case hash = { .map_type = BPF_MAP_TYPE_HASH };
	struct verify_case two = { .max_entries = 2 };

	verify_case(&hash, -EINVAL, 0, BPF_SIG_VERIFIED);
	verify_case(&two, -EINVAL, 0, BPF_SIG_VERIFIED);
}

/*
 * A loader that names its map by fd: the digest, to which the map is
 * exclusive, leaves the fd out, so a program that differs from the loader
 * only there (an unsigned one, naming the same map or another) has the
 * loader's digest and is given the map as well.  The map loads, exclusive
 * to that digest, but the kfunc does not vouch for the loader.
 */
static void verify_map_by_fd(void)
{
	struct verify_case c = { .map_by_fd = true };

	verify_case(&c, -EKEYREJECTED, 0, BPF_SIG_VERIFIED);
}

/*
 * A BTF object bound through fd_array_cnt: the signature does not cover it,
 * so the loader is not vouched for.
 */
static void verify_btf_fd(void)
{
	struct verify_case c = { .btf_fd = true };

	verify_case(&c, -EKEYREJECTED, 0, BPF_SIG_VERIFIED);
}

/*
 * A loader that names a kernel function (a BPF_PSEUDO_BTF_ID ksym) holds
 * the BTF it is resolved in, for a module an object named by fd: not
 * vouched for either.
 */
static void verify_ksym(void)
{
	struct verify_case c = { .ksym = true };

	verify_case(&c, -EKEYREJECTED, 0, BPF_SIG_VERIFIED);
}

/*
 * A loader that issued a bpf() command before it called the kfunc (a
 * refused BPF_MAP_FREEZE here) is not promoted: the run holds only the
 * maps the loader creates once promoted, and those it created before could
 * have been written by others since.
 */
static void verify_sys_bpf_first(void)
{
	struct verify_case c = { .sys_bpf_first = true };

	verify_case(&c, -EPERM, 0, BPF_SIG_VERIFIED);
}

/*
 * An mmapable array: a page of it pinned through a writable mapping before
 * the freeze (an io_uring fixed buffer, say) stays writable after it, so
 * its contents may change after the kernel hashed them.  Refused.
 */
static void verify_mmapable(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_case c = { .map_flags = BPF_F_MMAPABLE };
	struct verify_loader l;

	if (!obs)
		return;
	if (ASSERT_OK(verify_loader_load(&c, &l), "loader setup"))
		verify_run(obs, &l, -EINVAL, 0, BPF_SIG_VERIFIED);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/* Exclusive, frozen: but not the map whose hash was signed. */
static void verify_wrong_map(void)
{
	struct verify_case c = { .other_contents = true };

	verify_case(&c, -EBADMSG, 0, BPF_SIG_VERIFIED);
}

/* Promotion happens once; the second call changes nothing. */
static void verify_repeated(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_case c = {};
	struct verify_loader l;

	if (!obs)
		return;
	if (ASSERT_OK(verify_loader_load(&c, &l), "loader setup")) {
		verify_run(obs, &l, 0, 1, BPF_SIG_METADATA_VERIFIED);
		verify_run(obs, &l, -EALREADY, 1, BPF_SIG_METADATA_VERIFIED);
	}
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * The verdict that what a loader loads records is that of the run: a
 * promoted loader run again gets -EALREADY, and should it load anyway
 * (this one ignores the kfunc's result; libbpf's stop), the program it
 * loads in that run records BPF_SIG_VERIFIED, not METADATA_VERIFIED.
 */
static void verify_other_run(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	const struct bpf_insn payload[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	struct test_signed_loader_verify *obs = watch_loaders(0);
	__u8 value[META_VALUE_SZ], hash[SHA256_DIGEST_LENGTH], excl[SHA256_DIGEST_LENGTH];
	__u8 sig[8192];
	__u32 key = 0, sig_sz = sizeof(sig);
	int map_fd = -1, fd = -1, run, cnt;
	struct bpf_insn insns[48], *i;

	if (!obs)
		return;
	/* The blob: the payload's instructions, then its license. */
	memset(value, 0, sizeof(value));
	memcpy(value, payload, sizeof(payload));
	memcpy(value + sizeof(payload), "GPL", 4);
	libbpf_sha256(value, sizeof(value), hash);
	cnt = verify_loader_insns(insns, hash, BPF_PSEUDO_MAP_IDX, 0, false);
	/* In place of "exit": bpf_sys_bpf(BPF_PROG_LOAD) of the payload. */
	i = &insns[cnt - 1];
	*i++ = (struct bpf_insn)BPF_ST_MEM(BPF_W, BPF_REG_10, -64, BPF_PROG_TYPE_SOCKET_FILTER);
	*i++ = (struct bpf_insn)BPF_ST_MEM(BPF_W, BPF_REG_10, -60, ARRAY_SIZE(payload));
	i = emit_ld64(i, BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, 0);
	*i++ = (struct bpf_insn)BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -56);
	i = emit_ld64(i, BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, (__u64)sizeof(payload) << 32);
	*i++ = (struct bpf_insn)BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -48);
	*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_1, BPF_PROG_LOAD);
	*i++ = (struct bpf_insn)BPF_MOV64_REG(BPF_REG_2, BPF_REG_10);
	*i++ = (struct bpf_insn)BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -64);
	*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_3, 24);
	*i++ = (struct bpf_insn)BPF_EMIT_CALL(BPF_FUNC_sys_bpf);
	*i++ = (struct bpf_insn)BPF_EXIT_INSN();
	cnt = i - insns;

	libbpf_sha256(insns, cnt * sizeof(struct bpf_insn), excl);
	mopts.excl_prog_hash = excl;
	mopts.excl_prog_hash_size = sizeof(excl);
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, sizeof(value), 1, &mopts);
	if (!ASSERT_OK_FD(map_fd, "metadata map") ||
	    !ASSERT_OK(bpf_map_update_elem(map_fd, &key, value, 0), "update") ||
	    !ASSERT_OK(bpf_map_freeze(map_fd), "freeze") ||
	    !ASSERT_OK(sign_with_test_key(insns, cnt * sizeof(struct bpf_insn), sig, &sig_sz),
		       "sign"))
		goto out;
	fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, insns, cnt, &map_fd, 0,
		      sig, sig_sz);
	if (!ASSERT_OK_FD(fd, "loader load"))
		goto out;
	for (run = 0; run < 2; run++) {
		LIBBPF_OPTS(bpf_test_run_opts, topts);

		obs->bss->kernel_loads = 0;
		if (!ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "loader run") ||
		    !ASSERT_GT((int)topts.retval, 0, "payload loaded"))
			goto out;
		close(topts.retval);
		ASSERT_EQ(obs->bss->kernel_loads, 1, "one payload");
		ASSERT_EQ(obs->data->kernel_load_loader_verdict,
			  run ? BPF_SIG_VERIFIED : BPF_SIG_METADATA_VERIFIED,
			  run ? "other run: VERIFIED" : "promoting run: METADATA_VERIFIED");
	}
	ASSERT_EQ(obs->bss->calls, 1, "reported once");
out:
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	test_signed_loader_verify__destroy(obs);
}

/*
 * An unsigned syscall program tail-calls a signed loader: the loader runs in
 * the other program's run, where it may not spend its promotion (what it
 * loads there records the other program's verdict).  The kfunc refuses it
 * there, and the loader is promoted when it runs itself.
 */
static void verify_tail_called(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct bpf_insn caller[8], *i = caller;
	struct verify_case c = {};
	struct verify_loader l;
	int pa_fd = -1, fd = -1;
	__u32 key = 0;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup"))
		goto out;
	pa_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "loader_tail", 4, 4, 1, NULL);
	if (!ASSERT_OK_FD(pa_fd, "prog array") ||
	    !ASSERT_OK(bpf_map_update_elem(pa_fd, &key, &l.prog_fd, 0), "loader in prog array"))
		goto out;
	/* bpf_tail_call(ctx, prog_array, 0); return 1 if it did not happen. */
	i = emit_ld64(i, BPF_REG_2, BPF_PSEUDO_MAP_FD, pa_fd);
	*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_3, 0);
	*i++ = (struct bpf_insn)BPF_EMIT_CALL(BPF_FUNC_tail_call);
	*i++ = (struct bpf_insn)BPF_MOV64_IMM(BPF_REG_0, 1);
	*i++ = (struct bpf_insn)BPF_EXIT_INSN();
	fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, caller, i - caller, NULL, 0,
		      NULL, 0);
	if (!ASSERT_OK_FD(fd, "caller load"))
		goto out;
	/* The loader's return value is the caller's: the kfunc's result. */
	ASSERT_EQ(run_loader(fd), -EPERM, "tail-called: kfunc result");
	ASSERT_EQ(obs->bss->calls, 0, "tail-called: no report");
	ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_VERIFIED, "tail-called: not promoted");
	verify_run(obs, &l, 0, 1, BPF_SIG_METADATA_VERIFIED);
out:
	if (fd >= 0)
		close(fd);
	if (pa_fd >= 0)
		close(pa_fd);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * A page registered with userfaultfd, which stays missing until
 * release_hold() fills it: whoever touches it first is held there.
 */
struct hold {
	int uffd;
	void *page;
	long page_sz;
};

static int hold_page(struct hold *h)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};

	h->page_sz = sysconf(_SC_PAGESIZE);
	h->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (h->uffd < 0)
		return -errno;
	h->page = mmap(NULL, h->page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->page == MAP_FAILED)
		return -errno;
	reg.range.start = (unsigned long)h->page;
	reg.range.len = h->page_sz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(h->uffd, UFFDIO_API, &api) || ioctl(h->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

/* A report held in the hook: observe() reads the page. */
static int hold_reports(struct test_signed_loader_verify *obs, struct hold *h, __u32 id)
{
	int err = hold_page(h);

	if (err)
		return err;
	obs->bss->hold_addr = (unsigned long)h->page;
	obs->bss->hold_id = id;
	return 0;
}

/* Wait until a report is held, that is the hook faulted on the page. */
static int wait_held(struct hold *h)
{
	struct pollfd p = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, 60000) != 1)
		return -ETIMEDOUT;
	if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -EIO;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EINVAL;
}

static int release_hold(struct hold *h)
{
	struct uffdio_zeropage zp = {
		.range = { .start = (unsigned long)h->page, .len = h->page_sz },
	};

	return ioctl(h->uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
}

static void hold_fini(struct hold *h)
{
	if (h->page && h->page != MAP_FAILED)
		munmap(h->page, h->page_sz);
	if (h->uffd >= 0)
		close(h->uffd);
}

/* A thread running fn on prog_fd; see runner_fn() and info_fn(). */
struct runner {
	pthread_t th;
	int prog_fd;
	__u64 map_ids;		/* info_fn(): where the map ids go */
	int ret;
	bool started;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	/* A loader runs only from a task with an fd table of its own. */
	r->ret = unshare(CLONE_FILES) ? -errno : run_loader(r->prog_fd);
	return NULL;
}

static int thread_start(struct runner *r, void *(*fn)(void *), int prog_fd)
{
	r->prog_fd = prog_fd;
	r->ret = 1;
	r->started = !pthread_create(&r->th, NULL, fn, r);
	return r->started ? 0 : -EAGAIN;
}

static int runner_start(struct runner *r, int prog_fd)
{
	return thread_start(r, runner_fn, prog_fd);
}

/* Join @r, giving up after @secs seconds; 0 if it finished. */
static int runner_join(struct runner *r, int secs)
{
	struct timespec ts;

	if (!r->started)
		return -ESRCH;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	if (pthread_timedjoin_np(r->th, NULL, &ts))
		return -ETIMEDOUT;
	r->started = false;
	return 0;
}

/*
 * One loader run by four threads: while the first call is held in the
 * hook, the other three are refused at once (-EINPROGRESS) instead of
 * reporting the loader again; once released, the first one promotes it.
 * The loader is reported once and promoted once, with no help from timing.
 */
static void verify_same_loader_concurrent(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct hold h = { .uffd = -1 };
	struct verify_case c = {};
	struct runner r[4] = {};
	struct verify_loader l;
	int i;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup") ||
	    !ASSERT_OK(hold_reports(obs, &h, l.id), "userfaultfd"))
		goto out;
	if (!ASSERT_OK(runner_start(&r[0], l.prog_fd), "first thread") ||
	    !ASSERT_OK(wait_held(&h), "first call held in the hook"))
		goto release;
	for (i = 1; i < 4; i++) {
		if (!ASSERT_OK(runner_start(&r[i], l.prog_fd), "thread"))
			goto release;
		if (!ASSERT_OK(runner_join(&r[i], 60), "returns while the first is held"))
			goto release;
		ASSERT_EQ(r[i].ret, -EINPROGRESS, "refused while the first is checking");
	}
	ASSERT_EQ(obs->bss->calls, 1, "reported once");
	ASSERT_FALSE(obs->bss->released, "first still held");
	ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_VERIFIED, "not promoted yet");
release:
	ASSERT_OK(release_hold(&h), "release");
	for (i = 0; i < 4; i++)
		if (r[i].started)
			ASSERT_OK(runner_join(&r[i], 60), "join");
	ASSERT_EQ(r[0].ret, 0, "the first call promotes");
	ASSERT_EQ(obs->bss->calls, 1, "reported once in all");
	ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_METADATA_VERIFIED, "promoted");
	ASSERT_EQ(run_loader(l.prog_fd), -EALREADY, "and only once");
out:
	hold_fini(&h);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/* BPF_OBJ_GET_INFO_BY_FD of a program, its map ids written to r->map_ids. */
static void *info_fn(void *arg)
{
	struct runner *r = arg;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	info.nr_map_ids = 1;
	info.map_ids = r->map_ids;
	r->ret = bpf_prog_get_info_by_fd(r->prog_fd, &info, &len) ? -errno : 0;
	return NULL;
}

/*
 * BPF_OBJ_GET_INFO_BY_FD holds a program's used_maps_mutex while it writes
 * the map ids out to memory its caller chooses, here a page held missing.
 * The kfunc does not wait for that lock: the loader is promoted meanwhile.
 */
static void verify_info_held(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct hold h = { .uffd = -1 };
	struct runner ir = {}, r = {};
	struct verify_case c = {};
	struct verify_loader l;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup") ||
	    !ASSERT_OK(hold_page(&h), "userfaultfd"))
		goto out;
	ir.map_ids = ptr_to_u64(h.page);
	if (!ASSERT_OK(thread_start(&ir, info_fn, l.prog_fd), "info thread") ||
	    !ASSERT_OK(wait_held(&h), "map ids held, with the lock"))
		goto release;
	if (ASSERT_OK(runner_start(&r, l.prog_fd), "loader thread") &&
	    ASSERT_OK(runner_join(&r, 30), "returns while the info is held"))
		ASSERT_EQ(r.ret, 0, "promoted");
	ASSERT_EQ(obs->bss->calls, 1, "reported");
	ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_METADATA_VERIFIED, "verdict");
release:
	ASSERT_OK(release_hold(&h), "release");
	if (r.started)
		ASSERT_OK(runner_join(&r, 60), "join loader");
	if (ir.started) {
		ASSERT_OK(runner_join(&ir, 60), "join info");
		ASSERT_OK(ir.ret, "info");
	}
out:
	hold_fini(&h);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * Unrelated loaders do not wait for each other: while one loader's report
 * is held in the hook, another loader is checked, reported and promoted.
 */
static void verify_other_loader_not_blocked(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_loader a = { .map_fd = -1, .prog_fd = -1 }, b = a;
	struct hold h = { .uffd = -1 };
	struct verify_case c = {};
	struct runner ra = {}, rb = {};

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &a), "loader a") ||
	    !ASSERT_OK(verify_loader_load(&c, &b), "loader b") ||
	    !ASSERT_OK(hold_reports(obs, &h, a.id), "userfaultfd"))
		goto out;
	if (!ASSERT_OK(runner_start(&ra, a.prog_fd), "thread a") ||
	    !ASSERT_OK(wait_held(&h), "a held in the hook") ||
	    !ASSERT_OK(runner_start(&rb, b.prog_fd), "thread b"))
		goto release;
	if (ASSERT_OK(runner_join(&rb, 60), "b finishes while a is held")) {
		ASSERT_EQ(rb.ret, 0, "b promoted");
		ASSERT_EQ(read_verdict(obs, b.id), BPF_SIG_METADATA_VERIFIED, "b's verdict");
		ASSERT_FALSE(obs->bss->released, "a still held");
	}
release:
	ASSERT_OK(release_hold(&h), "release");
	if (ra.started && ASSERT_OK(runner_join(&ra, 60), "join a"))
		ASSERT_EQ(ra.ret, 0, "a promoted");
	if (rb.started)
		runner_join(&rb, 60);
	ASSERT_EQ(obs->bss->calls, 2, "each reported once");
out:
	hold_fini(&h);
	verify_loader_close(&a);
	verify_loader_close(&b);
	test_signed_loader_verify__destroy(obs);
}

/*
 * A loader keeps the fds of what it creates in its caller's fd table: run
 * while another task shares that table, which could swap them, it is not
 * promoted; with a table of its own it is.
 */
static int wait_for_pipe(void *arg)
{
	char c;

	/* Returns at EOF, once the parent has closed the write end. */
	return read(*(int *)arg, &c, 1) < 0;
}

static void verify_shared_fd_table(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	const size_t stack_sz = 64 * 1024;
	struct verify_case c = {};
	struct verify_loader l;
	int gate[2] = { -1, -1 };
	char *stack = NULL;
	pid_t child = -1;
	int status;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup") ||
	    !ASSERT_OK(pipe(gate), "pipe"))
		goto out;
	stack = malloc(stack_sz);
	if (!ASSERT_OK_PTR(stack, "child stack"))
		goto out;
	/*
	 * A child process, not a thread, shares this task's fd table until
	 * it reads EOF from the pipe.  waitpid() returns only once do_exit()
	 * has dropped the child's reference on the table (exit_files() comes
	 * before exit_notify()), whereas pthread_join() may return before a
	 * thread has dropped its own.
	 */
	child = clone(wait_for_pipe, stack + stack_sz, CLONE_FILES | SIGCHLD, &gate[0]);
	if (!ASSERT_GT(child, 0, "clone(CLONE_FILES)"))
		goto out;
	verify_run(obs, &l, -EUSERS, 0, BPF_SIG_VERIFIED);
	/* The child shares the table: this closes its write end too. */
	close(gate[1]);
	gate[1] = -1;
	if (!ASSERT_EQ(waitpid(child, &status, 0), child, "waitpid"))
		goto out;
	child = -1;
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "child read EOF");
	verify_run(obs, &l, 0, 1, BPF_SIG_METADATA_VERIFIED);
out:
	if (gate[1] >= 0)
		close(gate[1]);
	if (child > 0)
		waitpid(child, &status, 0);
	if (gate[0] >= 0)
		close(gate[0]);
	free(stack);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * The same signed loader loaded twice binds the same map, exclusive to
 * their one digest.  Only one of them is promoted on it, and a refusal
 * gives the map back.
 */
static void verify_map_once(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(-EPERM);
	struct verify_case c = {};
	struct verify_loader l;
	int second = -1;
	__u32 id2;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup"))
		goto out;
	second = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, l.insns, l.cnt, &l.map_fd, 0,
			  l.sig, l.sig_sz);
	if (!ASSERT_OK_FD(second, "second loader, same map"))
		goto out;
	id2 = prog_id(second);
	/* The LSM refuses the first: the map is given back. */
	verify_run(obs, &l, -EPERM, 1, BPF_SIG_VERIFIED);
	obs->bss->deny = 0;
	ASSERT_EQ(run_loader(second), 0, "the second is promoted on the map");
	ASSERT_EQ(read_verdict(obs, id2), BPF_SIG_METADATA_VERIFIED, "second's verdict");
	/* Now the first can not be. */
	ASSERT_EQ(run_loader(l.prog_fd), -EEXIST, "map taken");
	ASSERT_EQ(obs->bss->calls, 2, "not reported a third time");
	ASSERT_EQ(read_verdict(obs, l.id), BPF_SIG_VERIFIED, "first's verdict");
out:
	if (second >= 0)
		close(second);
	verify_loader_close(&l);
	test_signed_loader_verify__destroy(obs);
}

/*
 * A loader whose instructions name a second map besides its metadata: the
 * kfunc would check one and the loader could read another.
 */
static void verify_two_maps(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct verify_case c = {};
	struct bpf_insn *exit_insn;
	struct verify_loader l;
	int fds[2] = { -1, -1 }, fd = -1;

	if (!obs)
		return;
	if (!ASSERT_OK(verify_loader_load(&c, &l), "loader setup"))
		goto out;
	/* The same loader with "r1 = map fd_array[1]" before its exit. */
	exit_insn = &l.insns[l.cnt - 1];
	emit_ld64(exit_insn, BPF_REG_1, BPF_PSEUDO_MAP_IDX, 1);
	l.insns[l.cnt + 1] = (struct bpf_insn)BPF_EXIT_INSN();
	l.cnt += 2;
	/* A map exclusive to the new digest, and any other map. */
	verify_loader_close(&l);
	{
		LIBBPF_OPTS(bpf_map_create_opts, mopts);
		__u8 excl[SHA256_DIGEST_LENGTH], value[META_VALUE_SZ];
		__u32 key = 0;

		memset(value, 0x5a, sizeof(value));
		libbpf_sha256(l.insns, l.cnt * sizeof(struct bpf_insn), excl);
		mopts.excl_prog_hash = excl;
		mopts.excl_prog_hash_size = sizeof(excl);
		fds[0] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, sizeof(value), 1,
					&mopts);
		fds[1] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "other", 4, sizeof(value), 1, NULL);
		if (!ASSERT_OK_FD(fds[0], "metadata map") || !ASSERT_OK_FD(fds[1], "other map") ||
		    !ASSERT_OK(bpf_map_update_elem(fds[0], &key, value, 0), "update") ||
		    !ASSERT_OK(bpf_map_freeze(fds[0]), "freeze"))
			goto out;
	}
	l.sig_sz = sizeof(l.sig);
	if (!ASSERT_OK(sign_with_test_key(l.insns, l.cnt * sizeof(struct bpf_insn), l.sig,
					  &l.sig_sz), "sign"))
		goto out;
	fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, l.insns, l.cnt, fds, 0, l.sig,
		      l.sig_sz);
	if (!ASSERT_OK_FD(fd, "loader naming two maps loads"))
		goto out;
	ASSERT_EQ(run_loader(fd), -EKEYREJECTED, "not vouched for");
	ASSERT_EQ(obs->bss->calls, 0, "never reported");
	ASSERT_EQ(read_verdict(obs, prog_id(fd)), BPF_SIG_VERIFIED, "verdict");
out:
	if (fd >= 0)
		close(fd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	test_signed_loader_verify__destroy(obs);
}

/*
 * The verifier binds only maps exclusive to the loader, but a map-in-map
 * lookup hands out inner maps it never bound.  An exclusive map can not
 * become an inner map, so no other program reaches the metadata that way.
 */
static void verify_excl_not_inner(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, xopts);
	LIBBPF_OPTS(bpf_map_create_opts, oopts);
	__u8 digest[SHA256_DIGEST_LENGTH] = { 1 };
	int excl, plain = -1, outer = -1, key = 0;

	xopts.excl_prog_hash = digest;
	xopts.excl_prog_hash_size = sizeof(digest);
	excl = bpf_map_create(BPF_MAP_TYPE_ARRAY, "excl", 4, META_VALUE_SZ, 1, &xopts);
	if (!ASSERT_OK_FD(excl, "exclusive map"))
		return;
	oopts.inner_map_fd = excl;
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4, 1, &oopts);
	ASSERT_LT(outer, 0, "not a template for inner maps");
	if (outer >= 0)
		close(outer);

	plain = bpf_map_create(BPF_MAP_TYPE_ARRAY, "plain", 4, META_VALUE_SZ, 1, NULL);
	if (!ASSERT_OK_FD(plain, "plain map"))
		goto out;
	oopts.inner_map_fd = plain;
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4, 1, &oopts);
	if (!ASSERT_OK_FD(outer, "outer map"))
		goto out;
	ASSERT_OK(bpf_map_update_elem(outer, &key, &plain, 0), "a plain map goes in");
	ASSERT_ERR(bpf_map_update_elem(outer, &key, &excl, 0), "an exclusive one does not");
out:
	if (outer >= 0)
		close(outer);
	if (plain >= 0)
		close(plain);
	close(excl);
}

/*
 * The fixed number is checked, also in a signed program: unknown numbers
 * and reserved fields are refused with the verifier's message, whether or
 * not the signature over them is good.
 */
static void fixed_call(void)
{
	static const struct {
		__s32 imm;
		__s16 off;
		__u8 dst_reg;
		const char *what;
	} bad[] = {
		{ 0, 0, 0, "number 0" },
		{ __MAX_BPF_FIXED_KFUNC, 0, 0, "unknown number" },
		{ -1, 0, 0, "negative number" },
		{ BPF_FIXED_KFUNC_LOADER_VERIFY_METADATA, 1, 0, "off set" },
		{ BPF_FIXED_KFUNC_LOADER_VERIFY_METADATA, 0, 1, "dst_reg set" },
	};
	__u8 hash[SHA256_DIGEST_LENGTH] = {}, sig[8192];
	struct bpf_insn insns[24], *call;
	int cnt, fd, map_fd, i;
	__u32 sig_sz;

	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, 64, 1, NULL);
	if (!ASSERT_OK_FD(map_fd, "map"))
		return;
	cnt = verify_loader_insns(insns, hash, BPF_PSEUDO_MAP_IDX, 0, false);
	call = &insns[cnt - 2];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		call->imm = bad[i].imm;
		call->off = bad[i].off;
		call->dst_reg = bad[i].dst_reg;
		sig_sz = sizeof(sig);
		if (!ASSERT_OK(sign_with_test_key(insns, cnt * sizeof(*insns), sig, &sig_sz),
			       "sign"))
			break;
		fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, insns, cnt, &map_fd, 0,
			      sig, sig_sz);
		ASSERT_EQ(fd, -EINVAL, bad[i].what);
		ASSERT_HAS_SUBSTR(log_buf, "invalid fixed kfunc call", bad[i].what);
		if (fd >= 0)
			close(fd);
	}
	call->imm = BPF_FIXED_KFUNC_LOADER_VERIFY_METADATA;
	call->off = 0;
	call->dst_reg = 0;

	/* Not a SYSCALL program: the kfunc the number names is not for it. */
	fd = load_raw(BPF_PROG_TYPE_SOCKET_FILTER, 0, insns, cnt, &map_fd, 0, NULL, 0);
	ASSERT_EQ(fd, -EACCES, "socket filter");
	ASSERT_HAS_SUBSTR(log_buf, "bpf_loader_verify_metadata", "names the kfunc");
	if (fd >= 0)
		close(fd);
	close(map_fd);
}

/* Where the program descriptors of a loader's @ctx start. */
static struct bpf_prog_desc *ctx_progs(void *ctx, int nr_maps)
{
	struct bpf_map_desc *md = ctx + sizeof(struct bpf_loader_ctx);

	return (void *)(md + nr_maps);
}

static void close_ctx_fds(void *ctx, int nr_maps, int nr_progs)
{
	struct bpf_map_desc *md = ctx + sizeof(struct bpf_loader_ctx);
	struct bpf_prog_desc *pd = ctx_progs(ctx, nr_maps);
	int i;

	for (i = 0; i < nr_maps; i++)
		if (md[i].map_fd > 0)
			close(md[i].map_fd);
	for (i = 0; i < nr_progs; i++)
		if (pd[i].prog_fd > 0)
			close(pd[i].prog_fd);
}

/* A loader generated by libbpf with gen_hash and kernel_verify. */
struct gen_loader {
	struct test_signed_loader_map *skel;
	struct test_signed_rodata *rodata;	/* or this object's */
	struct bpf_object *obj;
	struct gen_loader_opts opts;
	int nr_maps;
	int nr_progs;
	void *ctx;
	__u32 ctx_sz;
};

/* @g's loader, for progs/test_signed_rodata.c if @rodata. */
static int gen_loader_open(struct gen_loader *g, bool rodata)
{
	LIBBPF_OPTS(gen_loader_opts, gopts, .gen_hash = true, .kernel_verify = true);
	struct bpf_program *p;
	struct bpf_map *m;

	memset(g, 0, sizeof(*g));
	if (rodata) {
		g->rodata = test_signed_rodata__open();
		g->obj = g->rodata ? g->rodata->obj : NULL;
	} else {
		g->skel = test_signed_loader_map__open();
		g->obj = g->skel ? g->skel->obj : NULL;
	}
	if (!ASSERT_OK_PTR(g->obj, "skel_open") ||
	    !ASSERT_OK(bpf_object__gen_loader(g->obj, &gopts), "gen_loader") ||
	    !ASSERT_OK(bpf_object__load(g->obj), "gen_load"))
		return -1;
	g->opts = gopts;
	bpf_object__for_each_program(p, g->obj)
		g->nr_progs++;
	bpf_object__for_each_map(m, g->obj)
		g->nr_maps++;
	g->ctx_sz = sizeof(struct bpf_loader_ctx) + g->nr_maps * sizeof(struct bpf_map_desc) +
		    g->nr_progs * sizeof(struct bpf_prog_desc);
	g->ctx = calloc(1, g->ctx_sz);
	if (!ASSERT_OK_PTR(g->ctx, "ctx"))
		return -1;
	((struct bpf_loader_ctx *)g->ctx)->sz = g->ctx_sz;
	return 0;
}

static int gen_loader_init(struct gen_loader *g)
{
	return gen_loader_open(g, false);
}

static void gen_loader_fini(struct gen_loader *g)
{
	if (g->ctx)
		close_ctx_fds(g->ctx, g->nr_maps, g->nr_progs);
	free(g->ctx);
	test_signed_loader_map__destroy(g->skel);
	test_signed_rodata__destroy(g->rodata);
}

/* Load @g's loader signed, its blob in an exclusive frozen map; fd or -errno. */
static int gen_loader_load(struct gen_loader *g, int *map_fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	__u8 excl[SHA256_DIGEST_LENGTH], sig[8192];
	__u32 sig_sz = sizeof(sig), key = 0;
	int err;

	libbpf_sha256(g->opts.insns, g->opts.insns_sz, excl);
	mopts.excl_prog_hash = excl;
	mopts.excl_prog_hash_size = sizeof(excl);
	*map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, g->opts.data_sz, 1,
				 &mopts);
	if (*map_fd < 0)
		return -errno;
	if (bpf_map_update_elem(*map_fd, &key, g->opts.data, 0) || bpf_map_freeze(*map_fd))
		return -errno;
	err = sign_with_test_key(g->opts.insns, g->opts.insns_sz, sig, &sig_sz);
	if (err)
		return err;
	return load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, (const void *)g->opts.insns,
			g->opts.insns_sz / sizeof(struct bpf_insn), map_fd, 0, sig, sig_sz);
}

/*
 * A real gen_loader loader (one map, one program) in the kernel's hands:
 * promoted before it installs anything, or, when an LSM refuses, stopped
 * before it creates anything.
 */
static void verify_gen_loader(int deny)
{
	struct test_signed_loader_verify *obs = watch_loaders(deny);
	__u32 tid = sys_gettid(), id;
	struct loader_state st = {};
	int map_fd = -1, prog_fd = -1, i;
	struct bpf_prog_desc *pd;
	struct gen_loader g;

	if (!obs)
		return;
	if (gen_loader_init(&g))
		goto out;
	pd = ctx_progs(g.ctx, g.nr_maps);
	prog_fd = gen_loader_load(&g, &map_fd);
	if (!ASSERT_OK_FD(prog_fd, "loader load"))
		goto out;
	id = prog_id(prog_fd);

	{
		LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = g.ctx, .ctx_size_in = g.ctx_sz);

		if (!ASSERT_OK(bpf_prog_test_run_opts(prog_fd, &topts), "loader run"))
			goto out;
		ASSERT_EQ((int)topts.retval, deny, "loader result");
	}
	ASSERT_EQ(obs->bss->calls, 1, "hook calls");
	ASSERT_EQ(obs->bss->reporter_ids[0], id, "reporter is the loader");
	ASSERT_EQ(obs->bss->verdict_at_hook, BPF_SIG_VERIFIED, "verdict at the hook");
	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(obs->maps.loaders), &tid, &st), "state");
	if (deny) {
		ASSERT_EQ(st.commands, 0, "no bpf command after the refusal");
		ASSERT_EQ(st.prog_loads, 0, "no program loaded");
		ASSERT_EQ(st.map_creates, 0, "no map created");
		ASSERT_EQ(read_verdict(obs, id), BPF_SIG_VERIFIED, "verdict kept");
	} else {
		ASSERT_GE(st.commands, g.nr_progs + g.nr_maps, "bpf commands seen");
		ASSERT_EQ(st.prog_loads, g.nr_progs, "programs loaded");
		ASSERT_EQ(st.map_creates, g.nr_maps, "maps created");
		ASSERT_EQ(st.verdict_at_payload, BPF_SIG_METADATA_VERIFIED,
			  "promoted before the payload");
		ASSERT_EQ(st.payload_loader_verdict, BPF_SIG_METADATA_VERIFIED,
			  "the payload names its loader's verdict");
		ASSERT_EQ(st.payload_loader_keyring, BPF_SIG_KEYRING_USER,
			  "and the loader's keyring");
		for (i = 0; i < g.nr_progs; i++)
			ASSERT_GT(pd[i].prog_fd, 0, "prog fd returned");
		ASSERT_EQ(read_verdict(obs, id), BPF_SIG_METADATA_VERIFIED, "verdict afterwards");
	}
out:
	if (prog_fd >= 0)
		close(prog_fd);
	if (map_fd >= 0)
		close(map_fd);
	gen_loader_fini(&g);
	test_signed_loader_verify__destroy(obs);
}

static void gen_loader_promoted(void)
{
	verify_gen_loader(0);
}

static void gen_loader_denied(void)
{
	verify_gen_loader(-EKEYREJECTED);
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/*
 * Runs @g's loader from a thread with an fd table of its own, says so on
 * pipe @done, and exits only once it reads from pipe @go, so that the fds
 * the loader created in its table stay open until then.
 */
struct gen_run {
	struct gen_loader *g;
	int prog_fd;
	int done[2];
	int go[2];
	int ret;
};

static void *gen_run_fn(void *arg)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct gen_run *r = arg;
	char c;

	topts.ctx_in = r->g->ctx;
	topts.ctx_size_in = r->g->ctx_sz;
	if (unshare(CLONE_FILES))
		r->ret = -errno;
	else if (bpf_prog_test_run_opts(r->prog_fd, &topts))
		r->ret = -errno;
	else
		r->ret = (int)topts.retval;
	/* Hold the loader's fds open until told to go. */
	if (write(r->done[1], "", 1) != 1 || read(r->go[0], &c, 1) != 1)
		r->ret = r->ret ?: -EPIPE;
	return NULL;
}

/* fd @fd of thread @tid, as a task with ptrace rights over it takes it. */
static int steal_fd(int tid, int fd)
{
	int pidfd = syscall(__NR_pidfd_open, tid, PIDFD_THREAD), ret;

	if (pidfd < 0)
		return -errno;
	ret = syscall(__NR_pidfd_getfd, pidfd, fd, 0);
	ret = ret < 0 ? -errno : ret;
	close(pidfd);
	return ret;
}

/* The fd, in thread @tid's table below @below, of the map named @name. */
static int steal_map(int tid, int below, const char *name)
{
	struct bpf_map_info info;
	__u32 len;
	int fd, i;

	for (i = 0; i < below; i++) {
		fd = steal_fd(tid, i);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_map_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* What a task with another fd of a map can do with it: 0 or -errno each. */
static int try_update(int fd, __u32 value_size, __u8 byte)
{
	__u8 *v = malloc(value_size);
	__u32 key = 0;
	int err;

	if (!v)
		return -ENOMEM;
	memset(v, byte, value_size);
	err = bpf_map_update_elem(fd, &key, v, 0) ? -errno : 0;
	free(v);
	return err;
}

static int try_map_writable(int fd, __u32 size)
{
	long pg = sysconf(_SC_PAGESIZE), len = (size + pg - 1) / pg * pg;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/*
 * While the run of a promoted loader lasts, the maps it created are its
 * own.  Its .rodata is held in the hook between the loader's update and
 * its freeze; a task that took fds of it and of the mmapable map created
 * before (with pidfd_getfd(), as the caller can from a thread or child of
 * its own that runs the loader, or by id, as CAP_SYS_ADMIN can) can
 * neither write into them nor map them writable.  The program the loader
 * goes on to load returns the signed constant.  Once the run is over, the
 * .rodata stays frozen and the other map is writable again.
 */
static void gen_loader_maps_held(void)
{
	struct test_signed_loader_verify *obs = watch_loaders(0);
	struct gen_run r = { .done = { -1, -1 }, .go = { -1, -1 } };
	int map_fd = -1, ro = -1, ro_id = -1, plain = -1, prog = -1;
	struct hold h = { .uffd = -1 };
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), tid;
	struct loader_state st = {};
	struct bpf_prog_desc *pd;
	bool started = false;
	struct gen_loader g;
	struct pollfd pfd;
	pthread_t th;
	char pkt[64] = {};
	int i;

	if (!obs)
		return;
	if (gen_loader_open(&g, true))
		goto out;
	r.g = &g;
	r.prog_fd = gen_loader_load(&g, &map_fd);
	if (!ASSERT_OK_FD(r.prog_fd, "loader load") ||
	    !ASSERT_OK(hold_page(&h), "userfaultfd") ||
	    !ASSERT_OK(pipe(r.done), "pipe") || !ASSERT_OK(pipe(r.go), "pipe"))
		goto out;
	obs->bss->freeze_hold_addr = (unsigned long)h.page;
	started = !pthread_create(&th, NULL, gen_run_fn, &r);
	if (!ASSERT_TRUE(started, "loader thread") ||
	    !ASSERT_OK(wait_held(&h), "loader held before its freeze"))
		goto out;
	tid = obs->bss->freeze_tid;

	/* The caller's way: its own thread's fds. */
	ro = steal_fd(tid, obs->data->freeze_fd);
	if (!ASSERT_OK_FD(ro, "pidfd_getfd .rodata") ||
	    !ASSERT_OK(bpf_map_get_info_by_fd(ro, &info, &len), "info"))
		goto release;
	ASSERT_HAS_SUBSTR(info.name, ".rodata", "the map held is .rodata");
	ASSERT_TRUE(info.map_flags & BPF_F_RDONLY_PROG, "read-only to programs");
	ASSERT_EQ(try_update(ro, info.value_size, 0x11), -EPERM, "no update of .rodata");
	/* Refused by 7.2 already: the map is read-only to programs. */
	ASSERT_LT(try_map_writable(ro, info.value_size), 0, ".rodata not mapped writable");
	/* CAP_SYS_ADMIN's: by id. */
	ro_id = bpf_map_get_fd_by_id(info.id);
	if (ASSERT_OK_FD(ro_id, "fd by id"))
		ASSERT_EQ(try_update(ro_id, info.value_size, 0x11), -EPERM, "nor by id");
	/* The map created before, which the loader does not freeze. */
	plain = steal_map(tid, obs->data->freeze_fd, "plain");
	if (ASSERT_OK_FD(plain, "pidfd_getfd plain")) {
		__u64 vals[1] = { 0x11 };
		__u32 keys[1] = {}, count = 1;

		ASSERT_EQ(try_update(plain, 8, 0x11), -EPERM, "no update of plain");
		ASSERT_EQ(bpf_map_update_batch(plain, keys, vals, &count, NULL), -EPERM,
			  "nor a batch");
		ASSERT_EQ(bpf_map_freeze(plain), -EPERM, "nor a freeze");
		ASSERT_EQ(try_map_writable(plain, 8), -EPERM, "plain not mapped writable");
	}
release:
	ASSERT_OK(release_hold(&h), "release");
	pfd = (struct pollfd){ .fd = r.done[0], .events = POLLIN };
	if (!ASSERT_EQ(poll(&pfd, 1, 30000), 1, "loader run ends"))
		goto out;
	ASSERT_EQ(r.ret, 0, "loader result");
	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(obs->maps.loaders), &tid, &st), "state");
	ASSERT_EQ(st.payload_loader_verdict, BPF_SIG_METADATA_VERIFIED, "a promoted loader's");

	/* The program returns the constant that was signed. */
	pd = ctx_progs(g.ctx, g.nr_maps);
	prog = steal_fd(tid, pd[0].prog_fd);
	if (ASSERT_OK_FD(prog, "pidfd_getfd program")) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt));

		ASSERT_OK(bpf_prog_test_run_opts(prog, &topts), "program run");
		/* signed_answer, progs/test_signed_rodata.c */
		ASSERT_EQ(topts.retval, 0x5167, "the signed constant");
	}
	/* After the run: .rodata frozen, the other map writable again. */
	if (ro >= 0)
		ASSERT_EQ(try_update(ro, info.value_size, 0x11), -EPERM, ".rodata frozen");
	if (plain >= 0) {
		ASSERT_OK(try_update(plain, 8, 0x11), "plain writable after the run");
		ASSERT_OK(try_map_writable(plain, 8), "and mappable writable");
	}
out:
	if (started) {
		release_hold(&h);	/* -EEXIST if released already */
		ASSERT_EQ(write(r.go[1], "", 1), 1, "let the loader thread go");
		pthread_join(th, NULL);
	}
	for (i = 0; i < 2; i++) {
		if (r.done[i] >= 0)
			close(r.done[i]);
		if (r.go[i] >= 0)
			close(r.go[i]);
	}
	if (prog >= 0)
		close(prog);
	if (plain >= 0)
		close(plain);
	if (ro_id >= 0)
		close(ro_id);
	if (ro >= 0)
		close(ro);
	if (r.prog_fd > 0)
		close(r.prog_fd);
	if (map_fd >= 0)
		close(map_fd);
	hold_fini(&h);
	if (g.ctx)	/* its fds were the loader thread's, closed with its table */
		memset(g.ctx + sizeof(struct bpf_loader_ctx), 0,
		       g.ctx_sz - sizeof(struct bpf_loader_ctx));
	gen_loader_fini(&g);
	test_signed_loader_verify__destroy(obs);
}

/*
 * The loader's check: the blob's SHA-256 in r1-r4, the fixed call, and
 * "r7 = r0; if (w7 != 0) goto cleanup" right after it.  The map the kfunc
 * checks is the one the loader names, always as fd_array[0].
 */
static void gen_loader_shape(void)
{
	__u8 hash[SHA256_DIGEST_LENGTH];
	const struct bpf_insn *in;
	struct gen_loader g;
	int n, i, call = -1;
	__u64 dw;

	if (gen_loader_init(&g))
		goto out;
	in = (const void *)g.opts.insns;
	n = g.opts.insns_sz / sizeof(*in);
	for (i = 0; i < n; i++) {
		if (in[i].code == (BPF_JMP | BPF_CALL) &&
		    in[i].src_reg == BPF_PSEUDO_KFUNC_CALL_FIXED) {
			ASSERT_LT(call, 0, "one fixed call");
			call = i;
		}
	}
	if (!ASSERT_GE(call, 8, "fixed call present") || !ASSERT_LT(call + 2, n, "in range"))
		goto out;
	ASSERT_EQ(in[call].imm, BPF_FIXED_KFUNC_LOADER_VERIFY_METADATA, "calls verify_metadata");
	libbpf_sha256(g.opts.data, g.opts.data_sz, hash);
	for (i = 0; i < 4; i++) {
		const struct bpf_insn *ld = &in[call - 8 + 2 * i];

		memcpy(&dw, hash + i * 8, sizeof(dw));
		ASSERT_EQ(ld->code, (BPF_LD | BPF_IMM | BPF_DW), "ld_imm64");
		ASSERT_EQ((int)ld->dst_reg, BPF_REG_1 + i, "into r1-r4");
		ASSERT_EQ((int)ld->src_reg, 0, "a constant");
		ASSERT_EQ((__u32)ld[0].imm | (__u64)(__u32)ld[1].imm << 32, dw, "the blob's hash");
	}
	for (i = 0; i < n; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW) || !in[i].src_reg)
			continue;
		if (in[i].src_reg == BPF_PSEUDO_MAP_IDX ||
		    in[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			ASSERT_EQ(in[i].imm, 0, "names fd_array[0]");
		else
			ASSERT_FAIL("names a map otherwise");
		i++;
	}
	ASSERT_EQ(in[call + 1].code, (BPF_ALU64 | BPF_MOV | BPF_X), "r7 = r0");
	ASSERT_EQ(in[call + 2].code, (BPF_JMP32 | BPF_JNE | BPF_K), "if w7 != 0");
	ASSERT_EQ((int)in[call + 2].dst_reg, BPF_REG_7, "tests w7");
	/*
	 * Nothing before the check writes memory, the blob least of all, but
	 * the zeroing of the stack (probe_read_kernel() to r1 = r10 - size),
	 * and nothing calls a helper but that and the cleanup's close() (and
	 * its trace_printk() when loaded with a log level): no bpf().
	 */
	for (i = 0; i < call - 8; i++) {
		ASSERT_FALSE(BPF_CLASS(in[i].code) == BPF_ST || BPF_CLASS(in[i].code) == BPF_STX,
			     "no store before the check");
		if (in[i].code != (BPF_JMP | BPF_CALL))
			continue;
		ASSERT_EQ((int)in[i].src_reg, 0, "a helper");
		if (in[i].imm == BPF_FUNC_sys_close || in[i].imm == BPF_FUNC_trace_printk)
			continue;
		ASSERT_EQ(in[i].imm, BPF_FUNC_probe_read_kernel, "only close() or the zeroing");
		ASSERT_TRUE(i >= 4 && in[i - 4].code == (BPF_ALU64 | BPF_MOV | BPF_X) &&
			    in[i - 4].dst_reg == BPF_REG_1 && in[i - 4].src_reg == BPF_REG_10 &&
			    in[i - 3].code == (BPF_ALU64 | BPF_ADD | BPF_K) &&
			    in[i - 3].dst_reg == BPF_REG_1 && in[i - 3].imm < 0,
			    "the zeroing writes the stack");
	}
out:
	gen_loader_fini(&g);
}

/*
 * A light skeleton that bpftool gen skeleton -L -S --kernel-verify signed
 * at build time: its bytes are fixed when test_progs is built and name the
 * kfunc by its fixed number, not by a BTF id, so one signature serves every
 * kernel that has the kfunc.
 */
static void signed_lskel(int deny)
{
	struct test_signed_loader_verify *obs = watch_loaders(deny);
	__u32 tid = sys_gettid();
	struct test_signed_payload_lskel *skel;
	struct loader_state st = {};
	int err;

	if (!obs)
		return;
	skel = test_signed_payload_lskel__open();
	if (!ASSERT_OK_PTR(skel, "lskel open"))
		goto out;
	skel->keyring_id = KEY_SPEC_SESSION_KEYRING;
	err = test_signed_payload_lskel__load(skel);
	ASSERT_EQ(obs->bss->calls, 1, "hook calls");
	ASSERT_EQ(obs->bss->seen_scheme, obs->data->scheme_loader, "scheme");
	ASSERT_EQ(obs->bss->verdict_at_hook, BPF_SIG_VERIFIED, "verdict at the hook");
	ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(obs->maps.loaders), &tid, &st), "state");
	if (deny) {
		ASSERT_EQ(err, deny, "load refused");
		ASSERT_EQ(st.commands, 0, "no bpf command after the refusal");
		ASSERT_EQ(st.prog_loads, 0, "no program loaded");
		ASSERT_EQ(st.map_creates, 0, "no map created");
	} else {
		ASSERT_OK(err, "lskel load");
		ASSERT_EQ(st.verdict_at_payload, BPF_SIG_METADATA_VERIFIED,
			  "promoted before the payload");
		ASSERT_EQ(st.payload_loader_verdict, BPF_SIG_METADATA_VERIFIED,
			  "the payload names its loader's verdict");
		ASSERT_GE(st.commands, 2, "bpf commands seen");
		ASSERT_EQ(st.prog_loads, 1, "program loaded");
		ASSERT_EQ(st.map_creates, 1, "map created");
		ASSERT_GT(skel->progs.count.prog_fd, 0, "program installed");
		ASSERT_GT(skel->maps.runs.map_fd, 0, "map installed");
	}
	test_signed_payload_lskel__destroy(skel);
out:
	test_signed_loader_verify__destroy(obs);
}

static void signed_lskel_loads(void)
{
	signed_lskel(0);
}

static void signed_lskel_denied(void)
{
	signed_lskel(-EKEYREJECTED);
}

/*
 * A syscall program's bpf_wq callback runs after the program returned, on
 * a kworker, with no run ctx: bpf_sys_bpf() called from there runs outside
 * any loader, and must not look for one.
 */
static void async_callback(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct test_signed_async *skel;
	int i;

	skel = test_signed_async__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.start), &topts),
		       "run") ||
	    !ASSERT_EQ(topts.retval, 0, "bpf_wq started"))
		goto out;
	/* Wait for the kworker; the result does not depend on when it runs. */
	for (i = 0; i < 1000 && !READ_ONCE(skel->bss->done); i++)
		usleep(10000);
	ASSERT_EQ(skel->bss->done, 1, "callback ran");
	ASSERT_EQ(skel->bss->ret, -EBADF, "bpf_sys_bpf() from the callback");
out:
	test_signed_async__destroy(skel);
}

/*
 * What payloads record of their loader: a signed loader with the inline
 * metadata check (never promoted) passes on BPF_SIG_VERIFIED, an unsigned
 * one nothing, and a program loaded from user space names no loader.
 */
static void payload_loader_verdicts(void)
{
	struct bpf_insn ret0[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	struct test_signed_loader_verify *obs = watch_loaders(0);
	__u8 excl[SHA256_DIGEST_LENGTH], sig[8192], hbuf[SHA256_DIGEST_LENGTH];
	struct test_signed_loader_map *skel = NULL;
	int signed_run, map_fd = -1, fd = -1;
	__u32 key = 0, sig_sz, len, ctx_sz;
	struct bpf_map_info info;
	void *ctx = NULL;

	if (!obs)
		return;
	for (signed_run = 0; signed_run < 2; signed_run++) {
		LIBBPF_OPTS(gen_loader_opts, gopts, .gen_hash = signed_run);
		LIBBPF_OPTS(bpf_map_create_opts, mopts);
		LIBBPF_OPTS(bpf_test_run_opts, topts);

		skel = test_signed_loader_map__open();
		if (!ASSERT_OK_PTR(skel, "skel_open") ||
		    !ASSERT_OK(bpf_object__gen_loader(skel->obj, &gopts), "gen_loader") ||
		    !ASSERT_OK(bpf_object__load(skel->obj), "gen_load"))
			goto next;
		/* one map, one program */
		ctx_sz = sizeof(struct bpf_loader_ctx) + sizeof(struct bpf_map_desc) +
			 sizeof(struct bpf_prog_desc);
		ctx = calloc(1, ctx_sz);
		if (!ASSERT_OK_PTR(ctx, "ctx"))
			goto next;
		((struct bpf_loader_ctx *)ctx)->sz = ctx_sz;
		libbpf_sha256(gopts.insns, gopts.insns_sz, excl);
		mopts.excl_prog_hash = excl;
		mopts.excl_prog_hash_size = sizeof(excl);
		map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, gopts.data_sz, 1,
					&mopts);
		if (!ASSERT_OK_FD(map_fd, "meta map") ||
		    !ASSERT_OK(bpf_map_update_elem(map_fd, &key, gopts.data, 0), "update") ||
		    !ASSERT_OK(bpf_map_freeze(map_fd), "freeze"))
			goto next;
		/* The inline check compares map->sha, which user space has set. */
		memset(&info, 0, sizeof(info));
		info.hash = ptr_to_u64(hbuf);
		info.hash_size = sizeof(hbuf);
		len = sizeof(info);
		if (!ASSERT_OK(bpf_map_get_info_by_fd(map_fd, &info, &len), "map hash"))
			goto next;
		sig_sz = sizeof(sig);
		if (signed_run && !ASSERT_OK(sign_with_test_key(gopts.insns, gopts.insns_sz,
								sig, &sig_sz), "sign"))
			goto next;
		fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, (const void *)gopts.insns,
			      gopts.insns_sz / sizeof(struct bpf_insn), &map_fd, 0,
			      signed_run ? sig : NULL, sig_sz);
		if (!ASSERT_OK_FD(fd, "loader load"))
			goto next;
		obs->bss->kernel_loads = 0;
		topts.ctx_in = ctx;
		topts.ctx_size_in = ctx_sz;
		ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "loader run");
		ASSERT_EQ((int)topts.retval, 0, "loader result");
		ASSERT_EQ(obs->bss->calls, 0, "the inline check reports nothing");
		ASSERT_EQ(obs->bss->kernel_loads, 1, "payload loaded");
		ASSERT_EQ(obs->data->kernel_load_loader_verdict,
			  signed_run ? BPF_SIG_VERIFIED : BPF_SIG_UNSIGNED, "loader's verdict");
		ASSERT_EQ(obs->data->kernel_load_loader_keyring,
			  signed_run ? BPF_SIG_KEYRING_USER : BPF_SIG_KEYRING_NONE,
			  "loader's keyring");
next:
		if (ctx)
			close_ctx_fds(ctx, 1, 1);
		free(ctx);
		ctx = NULL;
		if (fd >= 0)
			close(fd);
		if (map_fd >= 0)
			close(map_fd);
		fd = -1;
		map_fd = -1;
		test_signed_loader_map__destroy(skel);
		skel = NULL;
	}

	/* From user space: no loader. */
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "direct", "GPL", ret0, ARRAY_SIZE(ret0),
			   NULL);
	if (ASSERT_OK_FD(fd, "direct load"))
		close(fd);
	ASSERT_GT(obs->bss->user_loads, 0, "seen");
	ASSERT_EQ(obs->data->user_load_loader_verdict, BPF_SIG_UNSIGNED, "names no loader");
	test_signed_loader_verify__destroy(obs);
}

/*
 * A kernel without BPF_PSEUDO_KFUNC_CALL_FIXED refuses a loader that calls
 * the kfunc at load, so that it never runs without its metadata check.
 * Only such a kernel can show that: on one whose vmlinux BTF has the kfunc,
 * the subtest is skipped.
 */
static void old_kernel_refuses(void)
{
	int map_fd = -1, fd, id;
	struct gen_loader g;

	id = vmlinux_func_id("bpf_loader_verify_metadata");
	if (!ASSERT_GE(id, 0, "vmlinux BTF"))
		return;
	if (id > 0) {
		test__skip();
		return;
	}
	if (gen_loader_init(&g))
		goto out;
	fd = gen_loader_load(&g, &map_fd);
	ASSERT_EQ(fd, -EINVAL, "loader refused at load");
	ASSERT_HAS_SUBSTR(log_buf, "BPF_CALL uses reserved fields", "verifier log");
	if (fd >= 0)
		close(fd);
out:
	if (map_fd >= 0)
		close(map_fd);
	gen_loader_fini(&g);
}

void test_signed_loader_verify(void)
{
	/*
	 * test_progs has threads of its own; a loader that calls the kfunc
	 * must run from a task whose fd table no other task shares.
	 */
	if (unshare(CLONE_FILES))
		fprintf(stderr, "unshare(CLONE_FILES): %d\n", -errno);
	if (test__start_subtest("verify_promotes"))
		verify_promotes();
	if (test__start_subtest("verify_user_hash"))
		verify_user_hash();
	if (test__start_subtest("verify_denied"))
		verify_denied();
	if (test__start_subtest("verify_stacked_refusal"))
		verify_stacked_refusal();
	if (test__start_subtest("verify_unsigned"))
		verify_unsigned();
	if (test__start_subtest("verify_other_map"))
		verify_other_map();
	if (test__start_subtest("verify_hash_last_byte"))
		verify_hash_last_byte();
	if (test__start_subtest("verify_hash_each_word"))
		verify_hash_each_word();
	if (test__start_subtest("verify_fd_array_cnt"))
		verify_fd_array_cnt();
	if (test__start_subtest("verify_info_held"))
		verify_info_held();
	if (test__start_subtest("verify_not_exclusive"))
		verify_not_exclusive();
	if (test__start_subtest("verify_excl_zero_digest"))
		verify_excl_zero_digest();
	if (test__start_subtest("verify_not_frozen"))
		verify_not_frozen();
	if (test__start_subtest("verify_special_field"))
		verify_special_field();
	if (test__start_subtest("verify_not_array"))
		verify_not_array();
	if (test__start_subtest("verify_mmapable"))
		verify_mmapable();
	if (test__start_subtest("verify_map_by_fd"))
		verify_map_by_fd();
	if (test__start_subtest("verify_btf_fd"))
		verify_btf_fd();
	if (test__start_subtest("verify_ksym"))
		verify_ksym();
	if (test__start_subtest("verify_sys_bpf_first"))
		verify_sys_bpf_first();
	if (test__start_subtest("verify_wrong_map"))
		verify_wrong_map();
	if (test__start_subtest("verify_repeated"))
		verify_repeated();
	if (test__start_subtest("verify_other_run"))
		verify_other_run();
	if (test__start_subtest("verify_tail_called"))
		verify_tail_called();
	if (test__start_subtest("verify_same_loader_concurrent"))
		verify_same_loader_concurrent();
	if (test__start_subtest("verify_other_loader_not_blocked"))
		verify_other_loader_not_blocked();
	if (test__start_subtest("verify_shared_fd_table"))
		verify_shared_fd_table();
	if (test__start_subtest("verify_map_once"))
		verify_map_once();
	if (test__start_subtest("verify_two_maps"))
		verify_two_maps();
	if (test__start_subtest("verify_excl_not_inner"))
		verify_excl_not_inner();
	if (test__start_subtest("fixed_call"))
		fixed_call();
	if (test__start_subtest("gen_loader_shape"))
		gen_loader_shape();
	if (test__start_subtest("gen_loader_promoted"))
		gen_loader_promoted();
	if (test__start_subtest("gen_loader_denied"))
		gen_loader_denied();
	if (test__start_subtest("gen_loader_maps_held"))
		gen_loader_maps_held();
	if (test__start_subtest("signed_lskel_loads"))
		signed_lskel_loads();
	if (test__start_subtest("signed_lskel_denied"))
		signed_lskel_denied();
	if (test__start_subtest("payload_loader_verdicts"))
		payload_loader_verdicts();
	if (test__start_subtest("async_callback"))
		async_callback();
	if (test__start_subtest("old_kernel_refuses"))
		old_kernel_refuses();
}
