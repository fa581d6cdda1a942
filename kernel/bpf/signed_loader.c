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
#include <linux/init.h>
#include <linux/lsm/bpf_integrity.h>
#include <linux/mutex.h>
#include <linux/security.h>
#include <linux/string.h>

/*
 * Serialises bpf_loader_verify_metadata(), so that a loader run from two
 * threads at once reports to the LSMs and is promoted once.  Loaders run
 * rarely, mostly at boot; one lock for all of them is enough.
 */
static DEFINE_MUTEX(loader_verify_mutex);

__bpf_kfunc_start_defs();

/**
 * bpf_loader_verify_metadata - check a signed loader's metadata map
 * @map__map: the loader's metadata map
 * @hash: SHA-256 of the metadata, taken from the loader's signed instructions
 * @hash__sz: size of @hash, %SHA256_DIGEST_SIZE
 * @aux: the calling loader, supplied by the verifier
 *
 * A signed light-skeleton loader calls this first, before it writes into
 * its metadata map.  The checks, in order:
 *
 * * the loader's verdict is %BPF_SIG_VERIFIED;
 * * @hash__sz is %SHA256_DIGEST_SIZE;
 * * @map__map was created exclusive to the loader's digest;
 * * it is frozen;
 * * it is a %BPF_MAP_TYPE_ARRAY with one element;
 * * user space had its hash computed (BPF_OBJ_GET_INFO_BY_FD), as the
 *   light-skeleton protocol requires;
 * * the SHA-256 of its value equals @hash.  It is computed into a local
 *   buffer: map->sha stays what user space was last told.
 *
 * Then the result is reported to the LSMs through
 * security_bpf_prog_load_post_integrity() with %LSM_INT_SCHEME_BPF_LOADER
 * and %LSM_INT_VERDICT_OK.  Only if every LSM accepts it is the verdict
 * promoted to %BPF_SIG_METADATA_VERIFIED.  On any error the verdict is
 * left as it was.  Calls are serialised: a loader is reported and promoted
 * at most once, however many threads run it.
 *
 * Context: Process context, from a sleepable BPF_PROG_TYPE_SYSCALL program.
 * Return: 0 if the verdict was promoted.  -EPERM if the loader is not
 * signed, -EALREADY if its verdict was promoted already (by an earlier or a
 * concurrent call), -EMSGSIZE if @hash__sz is wrong, -EACCES if the map is
 * not exclusive to the loader, -EBUSY if it is not frozen, -EINVAL if it is
 * not a one-element array, -ENODATA if its hash was never computed,
 * -EBADMSG if its contents do not match @hash, or the error of the first
 * LSM that refused the verdict.
 */
__bpf_kfunc int bpf_loader_verify_metadata(struct bpf_map *map__map,
					   const u8 *hash, u32 hash__sz,
					   struct bpf_prog_aux *aux)
{
	u8 digest[SHA256_DIGEST_SIZE];
	struct bpf_map *map = map__map;
	struct bpf_array *array;
	int err;

	guard(mutex)(&loader_verify_mutex);
	switch (READ_ONCE(aux->sig.verdict)) {
	case BPF_SIG_VERIFIED:
		break;
	case BPF_SIG_METADATA_VERIFIED:
		return -EALREADY;
	default:
		return -EPERM;
	}
	if (hash__sz != SHA256_DIGEST_SIZE)
		return -EMSGSIZE;
	/*
	 * The verifier compares the digest when it binds a map, but it binds
	 * the maps of fd_array_cnt before it has computed the digest, so a map
	 * exclusive to an all-zero digest gets through there.  Inner maps,
	 * reached through a map-in-map lookup, are never exclusive.
	 */
	if (!map->excl_prog_sha ||
	    memcmp(map->excl_prog_sha, aux->prog->digest, SHA256_DIGEST_SIZE))
		return -EACCES;
	if (!READ_ONCE(map->frozen))
		return -EBUSY;
	if (map->map_type != BPF_MAP_TYPE_ARRAY || map->max_entries != 1)
		return -EINVAL;
	/* As 7.2's in-loader check did, require the hash user space asked for. */
	if (!memchr_inv(map->sha, 0, sizeof(map->sha)))
		return -ENODATA;

	/* elem_size, not value_size: what array_map_get_hash() hashes too. */
	array = container_of(map, struct bpf_array, map);
	sha256(array->value, array->elem_size, digest);
	if (memcmp(digest, hash, SHA256_DIGEST_SIZE))
		return -EBADMSG;

	err = bpf_lsm_report_integrity(aux->prog, LSM_INT_SCHEME_BPF_LOADER,
				       LSM_INT_VERDICT_OK);
	if (err)
		return err;

	WRITE_ONCE(aux->sig.verdict, BPF_SIG_METADATA_VERIFIED);
	return 0;
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
