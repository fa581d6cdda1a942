// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel side of signed BPF light-skeleton loaders.
 *
 * The signature of a loader covers its instructions only.  The programs it
 * installs come from its metadata map, whose SHA-256 the signed instructions
 * carry.  bpf_loader_verify_metadata() checks that map in the kernel, reports
 * the result to the LSMs and records it in the loader's verdict.
 */

#include <crypto/sha2.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/fdtable.h>
#include <linux/init.h>
#include <linux/lsm/bpf_integrity.h>
#include <linux/security.h>
#include <linux/string.h>

/*
 * The metadata map of @aux's loader, @map, checked against @hash: 0, or the
 * error that bpf_loader_verify_metadata() returns.
 */
static int check_metadata(struct bpf_prog_aux *aux, struct bpf_map *map,
			  const u8 *hash)
{
	u8 digest[SHA256_DIGEST_SIZE];
	struct bpf_array *array;
	int err;

	/*
	 * The verifier binds an exclusive map only to a program of its
	 * digest, but any program to a map that is not exclusive.
	 */
	if (!map->excl_prog_sha ||
	    memcmp(map->excl_prog_sha, aux->prog->digest, SHA256_DIGEST_SIZE))
		return -EACCES;
	if (!READ_ONCE(map->frozen))
		return -EBUSY;
	/*
	 * A writer that found the map not yet frozen may still be copying its
	 * value in: hash only once none is left.  Writers count themselves
	 * before they look at map->frozen.
	 */
	smp_mb();
	if (bpf_map_write_active(map))
		return -EBUSY;
	/*
	 * Freezing stops writes through bpf(), and no other program may use
	 * an exclusive map, but a page of an mmapable array pinned through a
	 * writable mapping before the freeze stays writable after it.  A
	 * frozen value holds no special field, which the kernel could change
	 * (map_freeze() refuses a map with a btf_record).  The ops, not the
	 * type, tell a struct bpf_array: an offloaded array map has other ops
	 * (and the verifier binds it only to a program bound to its device,
	 * which no syscall program is).
	 */
	if (map->ops != &array_map_ops || map->max_entries != 1 ||
	    (map->map_flags & BPF_F_MMAPABLE))
		return -EINVAL;

	/* elem_size, not value_size: what BPF_OBJ_GET_INFO_BY_FD hashes too. */
	array = container_of(map, struct bpf_array, map);
	sha256(array->value, array->elem_size, digest);
	if (memcmp(digest, hash, SHA256_DIGEST_SIZE))
		return -EBADMSG;

	/*
	 * A promoted loader writes the fds of what it creates into its map and
	 * reads them back: no second loader of the same digest may be promoted
	 * on the same map and write into it meanwhile.
	 */
	if (cmpxchg(&map->loader_metadata, 0, 1))
		return -EEXIST;
	err = lsm_bpf_report_integrity(aux->prog, LSM_INT_SCHEME_BPF_LOADER,
				       LSM_INT_VERDICT_OK);
	if (err)
		WRITE_ONCE(map->loader_metadata, 0);
	return err;
}

__bpf_kfunc_start_defs();

/**
 * bpf_loader_verify_metadata - check a signed loader's metadata map
 * @hash0: bytes 0 to 7 of the SHA-256 of the metadata
 * @hash1: bytes 8 to 15
 * @hash2: bytes 16 to 23
 * @hash3: bytes 24 to 31
 * @aux: the calling loader, supplied by the verifier
 *
 * A signed light-skeleton loader calls this first, before any bpf()
 * command of its own, and before it writes into its metadata map, the one
 * map it was loaded with.  It passes the SHA-256
 * of the metadata that its signed instructions carry in four registers,
 * each holding its eight bytes as a BPF_DW store would write them to
 * memory: loaded by ld_imm64, it needs no copy on the stack.  The checks,
 * in order:
 *
 * * the loader's verdict is %BPF_SIG_VERIFIED, and this task runs it, not
 *   a program that tail-called it;
 * * it has not called bpf_sys_bpf() in this run: the run holds only the
 *   maps the loader creates once promoted (bpf_loader_run_end());
 * * its instructions are those that were signed, name one map, by
 *   fd_array index, and it holds no BTF: no program BTF, and no BTF
 *   object bound by fd_array_cnt, a module kfunc call or a ksym;
 * * it was loaded with no other map, bound by fd_array_cnt: the map it
 *   names is its metadata map.  Maps that %BPF_PROG_BIND_MAP binds later
 *   play no part: none of its instructions can reach them;
 * * no other task shares its file descriptor table;
 * * no other call is checking the same loader;
 * * once claimed, its verdict is still %BPF_SIG_VERIFIED: the call that
 *   held the claim before may have promoted it;
 * * the metadata map was created exclusive to the loader's digest;
 * * it is frozen, and no writer is still at work on it;
 * * it is a plain %BPF_MAP_TYPE_ARRAY (not offloaded) with one element,
 *   not mmapable;
 * * the SHA-256 of its value is the hash passed in.  It is computed
 *   here, into a local buffer: map->sha stays what user space was last
 *   told;
 * * no other loader was promoted, or is being checked, on it.
 *
 * Then the result is reported to the LSMs through
 * security_bpf_prog_load_post_integrity() with %LSM_INT_SCHEME_BPF_LOADER
 * and %LSM_INT_VERDICT_OK.  Only if every LSM accepts it is the verdict
 * promoted to %BPF_SIG_METADATA_VERIFIED.  On any error the verdict is
 * left as it was and a later call may try again; after the -EPERM for a
 * loader that called bpf_sys_bpf(), only in another run.
 *
 * Calls for one loader are claimed in the loader itself, so that a loader
 * run by several tasks at once is reported and promoted at most once;
 * calls for different loaders never wait for each other.
 *
 * Context: Process context, from a sleepable BPF_PROG_TYPE_SYSCALL program.
 * Return: 0 if the verdict was promoted.  -EPERM if the loader is not signed,
 * was tail-called or has called bpf_sys_bpf() in this run, -EALREADY if its
 * verdict was promoted already, -EKEYREJECTED if its instructions are not
 * those that were signed or do not name exactly one map, by fd_array index, or
 * it holds BTF or was loaded with another map, -EUSERS if another task shares
 * its file descriptor table, -EINPROGRESS if another call is checking it right
 * now, -EACCES if the map is not exclusive to the loader, -EBUSY if it is not
 * frozen or a writer is still at work, -EINVAL if it is not a plain one-element
 * array or is mmapable, -EBADMSG if its contents do not match the hash,
 * -EEXIST if another loader was promoted, or is being checked, on it, or the
 * error of the first LSM that refused the verdict.
 */
__bpf_kfunc int bpf_loader_verify_metadata(u64 hash0, u64 hash1, u64 hash2,
					   u64 hash3, struct bpf_prog_aux *aux)
{
	const u64 hash[] = { hash0, hash1, hash2, hash3 };
	struct bpf_loader_run_ctx *run;
	struct bpf_map *map;
	int err;

	BUILD_BUG_ON(sizeof(hash) != SHA256_DIGEST_SIZE);

	switch (READ_ONCE(aux->sig.verdict)) {
	case BPF_SIG_VERIFIED:
		break;
	case BPF_SIG_METADATA_VERIFIED:
		return -EALREADY;
	default:
		return -EPERM;
	}
	/*
	 * Only in a run of its own: the programs a loader loads record
	 * %BPF_SIG_METADATA_VERIFIED only in the run that promoted it, and a
	 * loader that another program tail-called is in that program's run.
	 */
	run = bpf_loader_run_of(aux->prog);
	if (!run)
		return -EPERM;
	/*
	 * The run holds the maps the loader creates from its promotion on
	 * (bpf_loader_run_end()): none that it could have created before,
	 * which others could have written since.
	 */
	if (run->sys_bpf_called)
		return -EPERM;
	/*
	 * Only what the signature covers may be vouched for: not a loader
	 * whose instructions changed after the signature was checked, nor
	 * one that holds BTF, which the signature does not cover and which
	 * signed loaders never need: program BTF, or a BTF object that
	 * fd_array_cnt, a module kfunc call or a BPF_PSEUDO_BTF_ID ksym
	 * bound, mostly by an fd the caller chose, deciding whose kfunc or
	 * variable a signed instruction means.  A loader's instructions name
	 * one map, its metadata: this kfunc checks that map, and all the
	 * loader reads must come from it.  They name it by fd_array index,
	 * which the digest covers: a program that differs from the loader
	 * only in the fd or value offset of a map-by-fd instruction has the
	 * loader's digest, and would be given its exclusive map too.
	 */
	if (aux->sig.insns_changed || aux->btf || aux->used_btf_cnt ||
	    aux->kfunc_btf_tab || aux->sig.insn_maps != 1)
		return -EKEYREJECTED;
	/*
	 * So the one map it was loaded with is the one it names, its
	 * metadata map, and not one that fd_array_cnt bound besides.  The
	 * verifier recorded it, so that no lock on used_maps is needed.
	 */
	map = aux->sig.meta_map;
	if (!map)
		return -EKEYREJECTED;
	/*
	 * The loader keeps the fds of what it creates in its caller's fd table
	 * and uses them again later: no other task may share that table while
	 * it runs, or it could put other objects behind those fds.  Only this
	 * task, busy running the loader, could share it from now on.
	 */
	if (current->files && atomic_read(&current->files->count) > 1)
		return -EUSERS;
	if (cmpxchg(&aux->sig.claimed, 0, 1))
		return -EINPROGRESS;
	/* The call that held the claim before may have promoted it. */
	if (READ_ONCE(aux->sig.verdict) == BPF_SIG_METADATA_VERIFIED)
		err = -EALREADY;
	else
		err = check_metadata(aux, map, (const u8 *)hash);
	if (!err) {
		WRITE_ONCE(aux->sig.verdict, BPF_SIG_METADATA_VERIFIED);
		run->promoted = true;
	}
	/* Pairs with the cmpxchg(): whoever claims next sees the verdict. */
	smp_store_release(&aux->sig.claimed, 0);
	return err;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(signed_loader_kfunc_ids)
BTF_ID_FLAGS(func, bpf_loader_verify_metadata, KF_SLEEPABLE | KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(signed_loader_kfunc_ids)

static const struct btf_kfunc_id_set signed_loader_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &signed_loader_kfunc_ids,
};

static int __init signed_loader_kfuncs_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
					 &signed_loader_kfunc_set);
}
late_initcall(signed_loader_kfuncs_init);
