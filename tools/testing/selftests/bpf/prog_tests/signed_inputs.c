// SPDX-License-Identifier: GPL-2.0
/*
 * What BPF_PROG_LOAD takes besides the signed instructions must not change
 * what a signed program does: CO-RE relocations are refused for signed
 * programs, and maps bound through fd_array_cnt are held to the program's
 * real digest.  Nor may anything change the constants that the verifier
 * took from a frozen map read-only to programs, such as a signed
 * skeleton's .rodata: no map element iterator writes into one, whether
 * attached, swapped in by a link update, tail-called or an extension.
 */

#include <test_progs.h>
#include <sched.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <bpf/btf.h>

#include "bpf/libbpf_internal.h" /* for libbpf_sha256() */
#include "bpf/skel_internal.h"	 /* for the loader ctx layout */
#include "testing_helpers.h"

#include "test_signed_iter.skel.h"
#include "test_signed_iter_ext.skel.h"
#include "test_signed_iter_tail.skel.h"
#include "test_signed_loader_data.skel.h"
#include "test_signed_answer.skel.h"
#include "test_signed_loader_verify.skel.h"

#define DATA_MAGIC 0x5eed1234abad1deaULL	/* progs/test_signed_loader_data.c */
#define TAMPERED 0x1337ULL

static char log_buf[1 << 16];

/*
 * Program BTF for relocations: ints with type ids 1 to @nr_ints, so that a
 * BPF_CORE_TYPE_ID_LOCAL relocation can write any of those numbers, a
 * function "loader" of type int (void), and the "0" access string that type
 * based relocations use.
 */
static int relo_btf(__u32 nr_ints, __u32 *func_id, __u32 *str0)
{
	struct btf *btf = btf__new_empty();
	int int_id, proto, fd = -1;
	__u32 i;

	if (!btf)
		return -errno;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	for (i = 1; i < nr_ints && int_id > 0; i++)
		int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	proto = btf__add_func_proto(btf, int_id);
	*func_id = btf__add_func(btf, "loader", BTF_FUNC_GLOBAL, proto);
	*str0 = btf__add_str(btf, "0");
	if (int_id > 0 && proto > 0 && (int)*func_id > 0 && (int)*str0 > 0 &&
	    !btf__load_into_kernel(btf))
		fd = dup(btf__fd(btf));
	btf__free(btf);
	return fd;
}

struct load_opts {
	const struct bpf_insn *insns;
	__u32 insn_cnt;
	__u32 prog_type;
	int *fd_array;
	__u32 fd_array_cnt;
	const void *sig;
	__u32 sig_sz;
	int btf_fd;			/* > 0: with a func_info record */
	__u32 func_id;
	const struct bpf_core_relo *relos;
	__u32 nr_relos;
};

/* BPF_PROG_LOAD of @o with the verifier log in log_buf; fd or -errno. */
static int load(const struct load_opts *o)
{
	struct bpf_func_info fi = { .insn_off = 0, .type_id = o->func_id };
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = o->prog_type;
	attr.insns = ptr_to_u64(o->insns);
	attr.insn_cnt = o->insn_cnt;
	attr.license = ptr_to_u64("GPL");
	if (o->prog_type == BPF_PROG_TYPE_SYSCALL)
		attr.prog_flags = BPF_F_SLEEPABLE;
	attr.fd_array = ptr_to_u64(o->fd_array);
	attr.fd_array_cnt = o->fd_array_cnt;
	if (o->btf_fd > 0) {
		attr.prog_btf_fd = o->btf_fd;
		attr.func_info = ptr_to_u64(&fi);
		attr.func_info_cnt = 1;
		attr.func_info_rec_size = sizeof(fi);
	}
	if (o->nr_relos) {
		attr.core_relos = ptr_to_u64(o->relos);
		attr.core_relo_cnt = o->nr_relos;
		attr.core_relo_rec_size = sizeof(*o->relos);
	}
	if (o->sig) {
		attr.signature = ptr_to_u64(o->sig);
		attr.signature_size = o->sig_sz;
		attr.keyring_id = KEY_SPEC_SESSION_KEYRING;
	}
	log_buf[0] = 0;
	attr.log_buf = ptr_to_u64(log_buf);
	attr.log_size = sizeof(log_buf);
	attr.log_level = 1;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, offsetofend(union bpf_attr, keyring_id));
	return fd < 0 ? -errno : fd;
}

/* A frozen one-element array holding @data, exclusive to @excl if not NULL. */
static int meta_map(const void *data, __u32 sz, const __u8 *excl)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	__u32 key = 0;
	int fd;

	if (excl) {
		mopts.excl_prog_hash = excl;
		mopts.excl_prog_hash_size = SHA256_DIGEST_LENGTH;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, sz, 1, &mopts);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, &key, data, 0) || bpf_map_freeze(fd)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * The ld_imm64 instructions that hold the signed hash words in a loader
 * with libbpf's inline metadata check: each follows the load of the
 * matching word of map->sha, "r2 = *(u64 *)(r1 + i * 8)".
 */
static int hash_word_insns(const struct bpf_insn *in, int n, int idx[4])
{
	int i, w, found = 0;

	for (w = 0; w < 4; w++) {
		for (i = 0; i + 2 < n; i++) {
			if (in[i].code == (BPF_LDX | BPF_MEM | BPF_DW) &&
			    in[i].dst_reg == BPF_REG_2 && in[i].src_reg == BPF_REG_1 &&
			    in[i].off == w * 8 &&
			    in[i + 1].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    in[i + 1].dst_reg == BPF_REG_3 && in[i + 1].src_reg == 0) {
				idx[w] = i + 1;
				found++;
				break;
			}
		}
	}
	return found == 4 ? 0 : -ENOENT;
}

/*
 * The attack on the in-loader metadata check of Linux 7.2: a signed
 * light-skeleton loader, sent with its genuine instructions and signature,
 * a tampered blob, and four BPF_CORE_TYPE_ID_LOCAL relocations that turn
 * the signed hash words into zero, the value map->sha has when user space
 * never asks for it.  With the relocations applied the check passes for
 * any blob.  A signed program must not carry relocations at all.
 */
static void core_relo_signed_loader(void)
{
	LIBBPF_OPTS(gen_loader_opts, gopts, .gen_hash = true);
	struct bpf_core_relo relos[4] = {};
	struct test_signed_loader_data *skel;
	struct load_opts o = {};
	int nr_maps = 0, nr_progs = 0, idx[4], btf_fd = -1, map_fd = -1, fd = -1, i;
	__u8 excl[SHA256_DIGEST_LENGTH], sig[8192];
	__u32 sig_sz = sizeof(sig), str0, func_id, ctx_sz, key = 0;
	struct bpf_insn *relocated = NULL;
	unsigned char *blob = NULL;
	struct bpf_map_desc *md;
	struct bpf_program *p;
	struct bpf_map *m;
	__u64 magic = DATA_MAGIC, v[8];
	void *ctx = NULL, *at;
	int n;

	skel = test_signed_loader_data__open();
	if (!ASSERT_OK_PTR(skel, "skel_open") ||
	    !ASSERT_OK(bpf_object__gen_loader(skel->obj, &gopts), "gen_loader") ||
	    !ASSERT_OK(bpf_object__load(skel->obj), "gen_load"))
		goto out;
	n = gopts.insns_sz / sizeof(struct bpf_insn);
	if (!ASSERT_OK(hash_word_insns((const void *)gopts.insns, n, idx), "hash words"))
		goto out;
	if (!ASSERT_OK(sign_with_test_key(gopts.insns, gopts.insns_sz, sig, &sig_sz), "sign"))
		goto out;

	/* The blob installs 0x1337 where the signer's .data said DATA_MAGIC. */
	blob = malloc(gopts.data_sz);
	if (!ASSERT_OK_PTR(blob, "blob"))
		goto out;
	memcpy(blob, gopts.data, gopts.data_sz);
	at = memmem(blob, gopts.data_sz, &magic, sizeof(magic));
	if (!ASSERT_OK_PTR(at, "magic in blob"))
		goto out;
	magic = TAMPERED;
	memcpy(at, &magic, sizeof(magic));

	btf_fd = relo_btf(1, &func_id, &str0);
	if (!ASSERT_GT(btf_fd, 0, "program btf"))
		goto out;
	relocated = malloc(gopts.insns_sz);
	if (!ASSERT_OK_PTR(relocated, "insns"))
		goto out;
	memcpy(relocated, gopts.insns, gopts.insns_sz);
	for (i = 0; i < 4; i++) {
		relos[i].insn_off = idx[i] * sizeof(struct bpf_insn);
		relos[i].type_id = 0;
		relos[i].access_str_off = str0;
		relos[i].kind = BPF_CORE_TYPE_ID_LOCAL;
		relocated[idx[i]].imm = 0;
		relocated[idx[i] + 1].imm = 0;
	}
	/* The map is exclusive to the digest the loader has once relocated. */
	libbpf_sha256(relocated, gopts.insns_sz, excl);
	map_fd = meta_map(blob, gopts.data_sz, excl);
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		goto out;

	o.insns = (const void *)gopts.insns;
	o.insn_cnt = n;
	o.prog_type = BPF_PROG_TYPE_SYSCALL;
	o.fd_array = &map_fd;
	o.btf_fd = btf_fd;
	o.func_id = func_id;
	o.relos = relos;
	o.nr_relos = 4;

	/* Unsigned, the same relocations are valid and applied. */
	fd = load(&o);
	if (!ASSERT_OK_FD(fd, "relocations on an unsigned loader"))
		goto out;
	close(fd);

	o.sig = sig;
	o.sig_sz = sig_sz;
	fd = load(&o);
	ASSERT_EQ(fd, -EINVAL, "relocations on a signed loader refused");
	ASSERT_HAS_SUBSTR(log_buf, "CO-RE relocations are not allowed in a signed program",
			  "verifier log");
	if (fd >= 0) {
		/* Loaded: it must at least not install the tampered blob. */
		LIBBPF_OPTS(bpf_test_run_opts, topts);

		bpf_object__for_each_program(p, skel->obj)
			nr_progs++;
		bpf_object__for_each_map(m, skel->obj)
			nr_maps++;
		ctx_sz = sizeof(struct bpf_loader_ctx) + nr_maps * sizeof(*md) +
			 nr_progs * sizeof(struct bpf_prog_desc);
		ctx = calloc(1, ctx_sz);
		if (!ASSERT_OK_PTR(ctx, "ctx"))
			goto out;
		((struct bpf_loader_ctx *)ctx)->sz = ctx_sz;
		topts.ctx_in = ctx;
		topts.ctx_size_in = ctx_sz;
		ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "loader run");
		ASSERT_NEQ((int)topts.retval, 0, "tampered blob refused by the loader");
		md = ctx + sizeof(struct bpf_loader_ctx);
		for (i = 0; i < nr_maps; i++) {
			if (md[i].map_fd <= 0)
				continue;
			if (!bpf_map_lookup_elem(md[i].map_fd, &key, v))
				ASSERT_NEQ(v[0], TAMPERED, "tampered .data installed");
			close(md[i].map_fd);
		}
	}

	/* Refused even where, without program BTF, they would not be applied. */
	o.btf_fd = 0;
	if (fd >= 0)
		close(fd);
	fd = load(&o);
	ASSERT_EQ(fd, -EINVAL, "relocations without func_info refused");
out:
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	if (btf_fd >= 0)
		close(btf_fd);
	free(ctx);
	free(relocated);
	free(blob);
	test_signed_loader_data__destroy(skel);
}

#define ANSWER 0x7a11	/* progs/test_signed_answer.c */

/*
 * A loader generated with kernel_verify for progs/test_signed_answer.c,
 * signed, its blob and the loader ctx it runs with.
 */
struct kv_loader {
	struct test_signed_answer *skel;
	struct gen_loader_opts opts;
	const struct bpf_insn *insns;
	int n;
	int call;		/* the fixed call of bpf_loader_verify_metadata() */
	__u8 sig[8192];
	__u32 sig_sz;
	struct {
		struct bpf_loader_ctx hdr;
		struct bpf_map_desc map;
		struct bpf_prog_desc prog;
	} ctx;
};

static int kv_loader_init(struct kv_loader *k)
{
	LIBBPF_OPTS(gen_loader_opts, gopts, .gen_hash = true, .kernel_verify = true);
	int i;

	memset(k, 0, sizeof(*k));
	k->skel = test_signed_answer__open();
	if (!ASSERT_OK_PTR(k->skel, "skel_open") ||
	    !ASSERT_OK(bpf_object__gen_loader(k->skel->obj, &gopts), "gen_loader") ||
	    !ASSERT_OK(bpf_object__load(k->skel->obj), "gen_load"))
		return -1;
	k->opts = gopts;
	k->insns = (const void *)gopts.insns;
	k->n = gopts.insns_sz / sizeof(struct bpf_insn);
	k->call = -1;
	for (i = 0; i < k->n; i++)
		if (k->insns[i].code == (BPF_JMP | BPF_CALL) &&
		    k->insns[i].src_reg == BPF_PSEUDO_KFUNC_CALL_FIXED)
			k->call = i;
	if (!ASSERT_GT(k->call, 0, "fixed call"))
		return -1;
	k->sig_sz = sizeof(k->sig);
	if (!ASSERT_OK(sign_with_test_key(gopts.insns, gopts.insns_sz, k->sig, &k->sig_sz),
		       "sign"))
		return -1;
	k->ctx.hdr.sz = sizeof(k->ctx);
	return 0;
}

static void kv_loader_fini(struct kv_loader *k)
{
	if (k->ctx.map.map_fd > 0)
		close(k->ctx.map.map_fd);
	if (k->ctx.prog.prog_fd > 0)
		close(k->ctx.prog.prog_fd);
	test_signed_answer__destroy(k->skel);
}

/*
 * Send @k's signed loader with @nr relocations @relos, each applied to a
 * copy of the instructions first so that the metadata map is exclusive to
 * the digest the relocated loader has.  Then, should the load succeed, run
 * it and check that it installed nothing but what was signed.
 */
static void kv_relocated(struct kv_loader *k, const struct bpf_core_relo *relos, int nr,
			 const __u32 *vals, __u32 nr_ints)
{
	struct test_signed_loader_verify *obs = NULL;
	struct bpf_insn *relocated = NULL;
	int btf_fd = -1, map_fd = -1, fd = -1, i;
	__u8 excl[SHA256_DIGEST_LENGTH];
	struct load_opts o = {};
	__u32 func_id, str0;
	struct bpf_core_relo r[4];

	btf_fd = relo_btf(nr_ints, &func_id, &str0);
	relocated = malloc(k->opts.insns_sz);
	if (!ASSERT_GT(btf_fd, 0, "program btf") || !ASSERT_OK_PTR(relocated, "insns") ||
	    !ASSERT_LE(nr, ARRAY_SIZE(r), "relocations"))
		goto out;
	memcpy(relocated, k->insns, k->opts.insns_sz);
	for (i = 0; i < nr; i++) {
		struct bpf_insn *in = &relocated[relos[i].insn_off / sizeof(*in)];

		r[i] = relos[i];
		r[i].access_str_off = str0;
		if (BPF_CLASS(in->code) == BPF_STX)
			in->off = vals[i];
		else
			in->imm = vals[i];
		/* The kernel sets all 64 bits of an ld_imm64. */
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
			in[1].imm = 0;
	}
	libbpf_sha256(relocated, k->opts.insns_sz, excl);
	map_fd = meta_map(k->opts.data, k->opts.data_sz, excl);
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		goto out;

	o.insns = k->insns;
	o.insn_cnt = k->n;
	o.prog_type = BPF_PROG_TYPE_SYSCALL;
	o.fd_array = &map_fd;
	o.btf_fd = btf_fd;
	o.func_id = func_id;
	o.relos = r;
	o.nr_relos = nr;
	o.sig = k->sig;
	o.sig_sz = k->sig_sz;
	fd = load(&o);
	ASSERT_EQ(fd, -EINVAL, "relocated signed loader refused at load");
	ASSERT_HAS_SUBSTR(log_buf, "CO-RE relocations are not allowed in a signed program",
			  "verifier log");
	if (fd < 0)
		goto out;

	/* Loaded all the same: it must not be promoted, nor install anything. */
	obs = test_signed_loader_verify__open_and_load();
	if (!ASSERT_OK_PTR(obs, "observer"))
		goto out;
	obs->bss->monitored_tgid = getpid();
	if (!ASSERT_OK(test_signed_loader_verify__attach(obs), "observer attach"))
		goto out;
	{
		LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &k->ctx,
			    .ctx_size_in = sizeof(k->ctx));

		ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "loader run");
		ASSERT_NEQ((int)topts.retval, 0, "relocated loader refused by the kfunc");
	}
	ASSERT_EQ(obs->bss->calls, 0, "never reported to the LSMs");
	if (k->ctx.prog.prog_fd > 0) {
		LIBBPF_OPTS(bpf_test_run_opts, popts);
		char pkt[64] = {};

		popts.data_in = pkt;
		popts.data_size_in = sizeof(pkt);
		ASSERT_OK(bpf_prog_test_run_opts(k->ctx.prog.prog_fd, &popts), "payload run");
		ASSERT_EQ(popts.retval, ANSWER, "payload answers what was signed");
	}
out:
	test_signed_loader_verify__destroy(obs);
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	if (btf_fd >= 0)
		close(btf_fd);
	free(relocated);
}

/*
 * After the kfunc call: the loader stores the fd of the map it created
 * into its blob, "*(u32 *)(r1 + 0) = r7" with r1 pointing at the blob's fd
 * array.  Relocate the offset of that store onto the immediate of the
 * payload's "r0 = ANSWER" in the blob, which the loader loads next: with
 * the relocation applied, a loader promoted to BPF_SIG_METADATA_VERIFIED
 * installs a payload that answers the map's fd.
 */
static void core_relo_after_verify(void)
{
	struct bpf_insn want64 = BPF_MOV64_IMM(BPF_REG_0, ANSWER);
	struct bpf_insn want32 = BPF_MOV32_IMM(BPF_REG_0, ANSWER);
	struct bpf_core_relo relo = { .kind = BPF_CORE_TYPE_ID_LOCAL };
	struct kv_loader k;
	const void *at;
	__u32 off;
	int i;

	if (kv_loader_init(&k))
		goto out;
	/* "r0 = ANSWER", or "w0 = ANSWER" as clang emits it with alu32 */
	at = memmem(k.opts.data, k.opts.data_sz, &want64, sizeof(want64)) ?:
	     memmem(k.opts.data, k.opts.data_sz, &want32, sizeof(want32));
	if (!ASSERT_OK_PTR(at, "payload's answer in the blob"))
		goto out;
	for (i = k.call; i + 2 < k.n; i++) {
		if (k.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    k.insns[i].dst_reg == BPF_REG_1 &&
		    k.insns[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE &&
		    k.insns[i + 2].code == (BPF_STX | BPF_MEM | BPF_W) &&
		    k.insns[i + 2].dst_reg == BPF_REG_1 && k.insns[i + 2].src_reg == BPF_REG_7 &&
		    k.insns[i + 2].off == 0)
			break;
	}
	if (!ASSERT_LT(i + 2, k.n, "map fd store after the call"))
		goto out;
	/* The store's base is the blob's fd array; its new offset, the answer. */
	off = (const char *)at - (const char *)k.opts.data + offsetof(struct bpf_insn, imm) -
	      k.insns[i].imm;
	relo.insn_off = (i + 2) * sizeof(struct bpf_insn);
	relo.type_id = off;
	kv_relocated(&k, &relo, 1, &off, off);
out:
	kv_loader_fini(&k);
}

/* Before the call: "r4 = ...", the last word of the signed hash. */
static void core_relo_before_verify(void)
{
	struct bpf_core_relo relo = { .kind = BPF_CORE_TYPE_ID_LOCAL };
	struct kv_loader k;
	__u32 word = 16;

	if (kv_loader_init(&k))
		goto out;
	if (!ASSERT_EQ(k.insns[k.call - 2].code, BPF_LD | BPF_IMM | BPF_DW, "ld_imm64") ||
	    !ASSERT_EQ((int)k.insns[k.call - 2].dst_reg, BPF_REG_4, "r4 = hash word"))
		goto out;
	relo.insn_off = (k.call - 2) * sizeof(struct bpf_insn);
	relo.type_id = word;
	kv_relocated(&k, &relo, 1, &word, word);
out:
	kv_loader_fini(&k);
}

/*
 * Program BTF, even without relocations, is not covered by the signature:
 * the loader loads, but the kernel does not vouch for it.
 */
static void btf_not_vouched_for(void)
{
	struct test_signed_loader_verify *obs = NULL;
	int btf_fd = -1, map_fd = -1, fd = -1;
	__u8 excl[SHA256_DIGEST_LENGTH];
	struct load_opts o = {};
	__u32 func_id, str0;
	struct kv_loader k;

	if (kv_loader_init(&k))
		goto out;
	btf_fd = relo_btf(1, &func_id, &str0);
	libbpf_sha256(k.insns, k.opts.insns_sz, excl);
	map_fd = meta_map(k.opts.data, k.opts.data_sz, excl);
	if (!ASSERT_GT(btf_fd, 0, "program btf") || !ASSERT_OK_FD(map_fd, "metadata map"))
		goto out;
	obs = test_signed_loader_verify__open_and_load();
	if (!ASSERT_OK_PTR(obs, "observer"))
		goto out;
	obs->bss->monitored_tgid = getpid();
	if (!ASSERT_OK(test_signed_loader_verify__attach(obs), "observer attach"))
		goto out;

	o.insns = k.insns;
	o.insn_cnt = k.n;
	o.prog_type = BPF_PROG_TYPE_SYSCALL;
	o.fd_array = &map_fd;
	o.btf_fd = btf_fd;
	o.func_id = func_id;
	o.sig = k.sig;
	o.sig_sz = k.sig_sz;
	fd = load(&o);
	if (!ASSERT_OK_FD(fd, "signed loader with program BTF loads"))
		goto out;
	{
		LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &k.ctx,
			    .ctx_size_in = sizeof(k.ctx));

		ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "loader run");
		ASSERT_EQ((int)topts.retval, -EKEYREJECTED, "not vouched for");
	}
	ASSERT_EQ(obs->bss->calls, 0, "never reported to the LSMs");
	ASSERT_LE(k.ctx.prog.prog_fd, 0, "no payload installed");
out:
	test_signed_loader_verify__destroy(obs);
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	if (btf_fd >= 0)
		close(btf_fd);
	kv_loader_fini(&k);
}

static const struct bpf_insn ret0[] = {
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

/*
 * A map exclusive to the all-zero digest is exclusive to no program: binding
 * it through fd_array_cnt must be refused like any other foreign map.
 */
static void excl_zero_digest(void)
{
	__u8 zero[SHA256_DIGEST_LENGTH] = {}, value[8] = {};
	struct load_opts o = {
		.insns = ret0, .insn_cnt = ARRAY_SIZE(ret0),
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .fd_array_cnt = 1,
	};
	int map_fd, fd;

	map_fd = meta_map(value, sizeof(value), zero);
	if (!ASSERT_OK_FD(map_fd, "map"))
		return;
	o.fd_array = &map_fd;
	fd = load(&o);
	ASSERT_EQ(fd, -EACCES, "map of the zero digest refused");
	ASSERT_HAS_SUBSTR(log_buf, "program's hash doesn't match map's excl_prog_hash",
			  "verifier log");
	if (fd >= 0)
		close(fd);
	close(map_fd);
}

/* ... and a map exclusive to the program itself can be passed that way. */
static void excl_own_digest(void)
{
	__u8 digest[SHA256_DIGEST_LENGTH], value[8] = {};
	struct load_opts o = {
		.insns = ret0, .insn_cnt = ARRAY_SIZE(ret0),
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .fd_array_cnt = 1,
	};
	int map_fd, fd;

	libbpf_sha256(ret0, sizeof(ret0), digest);
	map_fd = meta_map(value, sizeof(value), digest);
	if (!ASSERT_OK_FD(map_fd, "map"))
		return;
	o.fd_array = &map_fd;
	fd = load(&o);
	ASSERT_OK_FD(fd, "map of the program's own digest bound");
	if (fd >= 0)
		close(fd);
	close(map_fd);
}

/* @prog attached to the elements of map @map_fd, or NULL with errno set. */
static struct bpf_link *iter_attach(struct bpf_program *prog, int map_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo = {};

	linfo.map.map_fd = map_fd;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	return bpf_program__attach_iter(prog, &opts);
}

/* Run iterator @link once: 0 or -errno. */
static int iter_run(struct bpf_link *link)
{
	int iter_fd, n, err = 0;
	char buf[16];

	iter_fd = bpf_iter_create(bpf_link__fd(link));
	if (iter_fd < 0)
		return -errno;
	while ((n = read(iter_fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(iter_fd);
	return err;
}

/* Attach @prog to the elements of map @map_fd and run it once: 0 or -errno. */
static int iter_map_once(struct bpf_program *prog, int map_fd)
{
	struct bpf_link *link = iter_attach(prog, map_fd);
	int err;

	if (!link)
		return -errno;
	err = iter_run(link);
	bpf_link__destroy(link);
	return err;
}

/* A one-element array read-only to programs, holding 1, frozen: fd or -errno. */
static int frozen_ro_map(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, ro, .map_flags = BPF_F_RDONLY_PROG);
	__u64 one = 1;
	__u32 key = 0;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ro", 4, 8, 1, &ro);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, &key, &one, 0) || bpf_map_freeze(fd)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static __u64 value_of(int map_fd)
{
	__u64 val = 0;
	__u32 key = 0;

	bpf_map_lookup_elem(map_fd, &key, &val);
	return val;
}

/*
 * A map element iterator's program gets each value as memory it may write.
 * One that writes, with a store or through a helper, is refused a map
 * read-only to programs (-EACCES), whose values the verifier takes as
 * constants once the map is frozen, and can not replace a reader attached
 * to one; a reader attaches to it, and a writer to a map that is not
 * read-only, whose value it changes.
 */
static void map_iter_rdonly(void)
{
	struct test_signed_iter *skel;
	int ro_fd = -1, rw_fd = -1;
	struct bpf_link *link;
	__u64 one = 1;
	__u32 key = 0;

	skel = test_signed_iter__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	ro_fd = frozen_ro_map();
	rw_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rw", 4, 8, 1, NULL);
	if (!ASSERT_OK_FD(ro_fd, "read-only map") || !ASSERT_OK_FD(rw_fd, "other map") ||
	    !ASSERT_OK(bpf_map_update_elem(rw_fd, &key, &one, 0), "fill other"))
		goto out;

	ASSERT_EQ(iter_map_once(skel->progs.write_value, ro_fd), -EACCES, "writer refused");
	ASSERT_EQ(iter_map_once(skel->progs.helper_write, ro_fd), -EACCES,
		  "helper writer refused");
	ASSERT_EQ(value_of(ro_fd), 1, "constant unchanged");

	ASSERT_OK(iter_map_once(skel->progs.read_value, ro_fd), "reader attaches");
	ASSERT_EQ(skel->bss->seen, 1, "and reads the value");

	link = iter_attach(skel->progs.read_value, ro_fd);
	if (ASSERT_OK_PTR(link, "reader attached")) {
		ASSERT_EQ(bpf_link_update(bpf_link__fd(link),
					  bpf_program__fd(skel->progs.write_value), NULL),
			  -EACCES, "writer can not replace it");
		ASSERT_OK(iter_run(link), "run");
		ASSERT_EQ(value_of(ro_fd), 1, "constant still unchanged");
		bpf_link__destroy(link);
	}
	link = iter_attach(skel->progs.read_value, rw_fd);
	if (ASSERT_OK_PTR(link, "reader attached to the other map")) {
		ASSERT_EQ(bpf_link_update(bpf_link__fd(link),
					  bpf_program__fd(skel->progs.sleepable), NULL),
			  -EINVAL, "a sleepable program can not replace it");
		bpf_link__destroy(link);
	}
	/* call_sub reads no value: read_value, which reads 8 bytes, can not replace it. */
	link = iter_attach(skel->progs.call_sub, rw_fd);
	if (ASSERT_OK_PTR(link, "program reading nothing attached")) {
		ASSERT_EQ(bpf_link_update(bpf_link__fd(link),
					  bpf_program__fd(skel->progs.read_value), NULL),
			  -EACCES, "one that reads further can not replace it");
		bpf_link__destroy(link);
	}

	ASSERT_OK(iter_map_once(skel->progs.write_value, rw_fd), "writer, other map");
	ASSERT_EQ(value_of(rw_fd), 7, "written");	/* WRITTEN, progs/test_signed_iter.c */
out:
	if (ro_fd >= 0)
		close(ro_fd);
	if (rw_fd >= 0)
		close(rw_fd);
	test_signed_iter__destroy(skel);
}

/*
 * An iterator program can not tail-call: the target checks only the
 * program attached to it.  Should one load, the writer it tail-calls,
 * never attached, writes into a frozen map read-only to programs.
 */
static void map_iter_tail_call(void)
{
	struct test_signed_iter_tail *skel;
	int ro_fd, err, writer;
	__u32 key = 0;

	ro_fd = frozen_ro_map();
	if (!ASSERT_OK_FD(ro_fd, "read-only map"))
		return;
	skel = test_signed_iter_tail__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		goto out;
	log_buf[0] = 0;
	bpf_program__set_log_buf(skel->progs.tail_reader, log_buf, sizeof(log_buf));
	bpf_program__set_log_level(skel->progs.tail_reader, 1);
	err = test_signed_iter_tail__load(skel);
	ASSERT_ERR(err, "an iterator program that tail-calls is refused");
	ASSERT_HAS_SUBSTR(log_buf, "cannot use helper bpf_tail_call", "verifier log");
	if (!err) {
		writer = bpf_program__fd(skel->progs.tail_writer);
		bpf_map_update_elem(bpf_map__fd(skel->maps.jmp), &key, &writer, 0);
		iter_map_once(skel->progs.tail_reader, ro_fd);
		ASSERT_EQ(value_of(ro_fd), 1, "constant unchanged");
	}
	test_signed_iter_tail__destroy(skel);
out:
	close(ro_fd);
}

/*
 * Nor can an iterator program's functions be replaced (freplace), nor an
 * iterator program take one for its target.
 */
static void map_iter_extension(void)
{
	struct test_signed_iter_ext *ext = NULL;
	struct test_signed_iter *skel;

	skel = test_signed_iter__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	ext = test_signed_iter_ext__open();
	if (!ASSERT_OK_PTR(ext, "open extension") ||
	    !ASSERT_OK(bpf_program__set_attach_target(ext->progs.new_sub,
						      bpf_program__fd(skel->progs.call_sub),
						      "bpf_iter_bpf_map_elem"), "target"))
		goto out;
	bpf_program__set_autoload(ext->progs.prog_target, false);
	log_buf[0] = 0;
	bpf_program__set_log_buf(ext->progs.new_sub, log_buf, sizeof(log_buf));
	bpf_program__set_log_level(ext->progs.new_sub, 1);
	ASSERT_ERR(test_signed_iter_ext__load(ext), "extension refused");
	ASSERT_HAS_SUBSTR(log_buf, "Cannot extend iterator programs", "verifier log");
	test_signed_iter_ext__destroy(ext);

	ext = test_signed_iter_ext__open();
	if (!ASSERT_OK_PTR(ext, "open again") ||
	    !ASSERT_OK(bpf_program__set_attach_target(ext->progs.prog_target,
						      bpf_program__fd(skel->progs.call_sub),
						      "bpf_iter_bpf_map_elem"), "target"))
		goto out;
	bpf_program__set_autoload(ext->progs.new_sub, false);
	log_buf[0] = 0;
	bpf_program__set_log_buf(ext->progs.prog_target, log_buf, sizeof(log_buf));
	bpf_program__set_log_level(ext->progs.prog_target, 1);
	ASSERT_ERR(test_signed_iter_ext__load(ext), "iterator on a program refused");
	ASSERT_HAS_SUBSTR(log_buf, "Iterator programs can not attach to a BPF program",
			  "verifier log");
out:
	test_signed_iter_ext__destroy(ext);
	test_signed_iter__destroy(skel);
}

/*
 * An iterator program is a tracing program: another type with the
 * iterator attach type is refused, where it used to load (and let an
 * extension of it load).
 */
static void map_iter_not_tracing(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER,
		    .log_buf = log_buf, .log_size = sizeof(log_buf), .log_level = 1);
	struct bpf_insn insns[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	int id, fd;

	id = libbpf_find_vmlinux_btf_id("bpf_map_elem", BPF_TRACE_ITER);
	if (!ASSERT_GT(id, 0, "bpf_iter_bpf_map_elem"))
		return;
	o.attach_btf_id = id;
	log_buf[0] = 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "lsm_iter", "GPL", insns, ARRAY_SIZE(insns), &o);
	ASSERT_EQ(fd, -EINVAL, "an LSM program as an iterator");
	ASSERT_HAS_SUBSTR(log_buf, "Only tracing programs can be iterators", "verifier log");
	if (fd >= 0)
		close(fd);
}

/*
 * "bpf: look up each map an instruction names once per load": an fd_array
 * index is never negative.  fd_array[-1] holds a map here, and the load
 * must still be refused rather than bind it.
 */
static void map_idx_negative(void)
{
	const struct bpf_insn insns[] = {
		BPF_LD_IMM64_RAW(BPF_REG_1, BPF_PSEUDO_MAP_IDX, 0xffffffffULL),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	struct load_opts o = {
		.insns = insns, .insn_cnt = ARRAY_SIZE(insns),
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
	};
	__u8 value[8] = {};
	int fds[2], fd;

	fds[0] = meta_map(value, sizeof(value), NULL);
	fds[1] = -1;
	if (!ASSERT_OK_FD(fds[0], "map"))
		return;
	o.fd_array = &fds[1];
	fd = load(&o);
	ASSERT_EQ(fd, -EINVAL, "negative fd_array index refused");
	ASSERT_HAS_SUBSTR(log_buf, "fd_array index -1 is negative", "verifier log");
	if (fd >= 0)
		close(fd);
	close(fds[0]);
}

void test_signed_inputs(void)
{
	/* For the loaders that call the kfunc: an fd table of our own. */
	if (unshare(CLONE_FILES))
		fprintf(stderr, "unshare(CLONE_FILES): %d\n", -errno);
	if (test__start_subtest("core_relo_signed_loader"))
		core_relo_signed_loader();
	if (test__start_subtest("excl_zero_digest"))
		excl_zero_digest();
	if (test__start_subtest("excl_own_digest"))
		excl_own_digest();
	if (test__start_subtest("map_iter_rdonly"))
		map_iter_rdonly();
	if (test__start_subtest("map_iter_tail_call"))
		map_iter_tail_call();
	if (test__start_subtest("map_iter_extension"))
		map_iter_extension();
	if (test__start_subtest("map_iter_not_tracing"))
		map_iter_not_tracing();
	if (test__start_subtest("map_idx_negative"))
		map_idx_negative();
	if (test__start_subtest("core_relo_after_verify"))
		core_relo_after_verify();
	if (test__start_subtest("core_relo_before_verify"))
		core_relo_before_verify();
	if (test__start_subtest("btf_not_vouched_for"))
		btf_not_vouched_for();
}
