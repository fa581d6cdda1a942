// SPDX-License-Identifier: GPL-2.0
/*
 * The debug tier's two long runs, on the debug kernel (scripts/vm-b.config):
 *
 *   debug-tier soak N   N cycles of the signed light skeleton that bpftool
 *                       signed at build time: load (the kernel verifies and
 *                       promotes its loader), install, run the payload,
 *                       unload; each followed by a refused cycle, a tampered
 *                       blob and an LSM refusal in turn.
 *   debug-tier faults   the same load with a failure injected at the 1st,
 *                       2nd, ... allocation the kernel makes for it
 *                       (/proc/thread-self/fail-nth), until a load completes
 *                       with none injected.
 *
 * Both check after every cycle that no BPF program or map is left behind,
 * and print one line per failure. Exit status 0 only if all went well.
 * Built by scripts/build-selftests.sh next to test_progs, whose signing key,
 * light skeleton and observer (progs/test_signed_loader_verify.c) it uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/keyctl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/libbpf_internal.h"	/* libbpf_sha256() */
#include "test_signed_payload.lskel.h"
#include "test_signed_loader_verify.skel.h"

#define SIG_METADATA_VERIFIED 2

static struct test_signed_loader_verify *obs;
static int failures;

#define fail(fmt, ...) do { failures++; printf("FAIL: " fmt "\n", ##__VA_ARGS__); } while (0)

/* How many BPF programs and maps exist now. */
static int count_objects(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id))
		n++;
	id = 0;
	while (!bpf_map_get_next_id(id, &id))
		n++;
	return n;
}

/* Load the signed light skeleton; returns it, or NULL with *err set. */
static struct test_signed_payload_lskel *load_lskel(int *err)
{
	struct test_signed_payload_lskel *skel = test_signed_payload_lskel__open();

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	skel->keyring_id = KEY_SPEC_SESSION_KEYRING;
	*err = test_signed_payload_lskel__load(skel);
	if (*err) {
		test_signed_payload_lskel__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The payload runs and counts its runs in its map. */
static int payload_works(struct test_signed_payload_lskel *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	char pkt[64] = {};
	__u64 runs = 0;
	__u32 key = 0;

	opts.data_in = pkt;
	opts.data_size_in = sizeof(pkt);
	if (bpf_prog_test_run_opts(skel->progs.count.prog_fd, &opts))
		return -errno;
	if (bpf_map_lookup_elem(skel->maps.runs.map_fd, &key, &runs))
		return -errno;
	return runs == 1 ? 0 : -EINVAL;
}

/* A signed loader for the skeleton's object, generated and signed here. */
static struct {
	struct gen_loader_opts gen;
	__u8 excl[32];
	char sig[8192];
	__u32 sig_sz;
	char *blob;
} tl;

/* Sign tl.gen's loader with ./sign-file and signing_key.pem, as test_progs does. */
static int sign_loader(void)
{
	char path[] = "/tmp/debug-tierXXXXXX", p7s[sizeof(path) + 4];
	int fd = mkstemp(path), pid, status, n;

	if (fd < 0 || write(fd, tl.gen.insns, tl.gen.insns_sz) != (ssize_t)tl.gen.insns_sz)
		return -EIO;
	close(fd);
	pid = fork();
	if (pid == 0) {
		execl("./sign-file", "./sign-file", "-d", "sha256", "signing_key.pem",
		      "signing_key.pem", path, NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -EINVAL;
	snprintf(p7s, sizeof(p7s), "%s.p7s", path);
	fd = open(p7s, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, tl.sig, sizeof(tl.sig));
	if (fd >= 0)
		close(fd);
	unlink(path);
	unlink(p7s);
	if (n <= 0)
		return -EIO;
	tl.sig_sz = n;
	return 0;
}

static int tampered_loader_init(void)
{
	struct bpf_object *obj = bpf_object__open_file("test_signed_payload.bpf.o", NULL);
	int err;

	if (!obj)
		return -errno;
	tl.gen.sz = sizeof(tl.gen);
	tl.gen.gen_hash = true;
	tl.gen.kernel_verify = true;
	err = bpf_object__gen_loader(obj, &tl.gen) ?: bpf_object__load(obj);
	if (err)
		return err;
	/* The blob stays valid: bpf_object__close() is never called on obj. */
	tl.blob = malloc(tl.gen.data_sz);
	if (!tl.blob)
		return -ENOMEM;
	memcpy(tl.blob, tl.gen.data, tl.gen.data_sz);
	tl.blob[tl.gen.data_sz / 2] ^= 0xff;
	libbpf_sha256(tl.gen.insns, tl.gen.insns_sz, tl.excl);
	return sign_loader();
}

/* The skeleton's loader, signed, with one byte of its blob changed. */
static int tampered_cycle(void)
{
	struct {
		struct bpf_loader_ctx ctx;
		struct bpf_map_desc map;
		struct bpf_prog_desc prog;
	} ctx = { .ctx.sz = sizeof(ctx) };
	struct bpf_load_and_run_opts opts = {
		.ctx = &ctx.ctx,
		.data = tl.blob,
		.data_sz = tl.gen.data_sz,
		.insns = tl.gen.insns,
		.insns_sz = tl.gen.insns_sz,
		.signature = tl.sig,
		.signature_sz = tl.sig_sz,
		.keyring_id = KEY_SPEC_SESSION_KEYRING,
		.excl_prog_hash = tl.excl,
		.excl_prog_hash_sz = sizeof(tl.excl),
		.kernel_verify = true,
	};

	return bpf_load_and_run(&opts);
}

static int soak(int n)
{
	struct timespec t0, t1;
	int i, err, before = count_objects();
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		struct test_signed_payload_lskel *skel = load_lskel(&err);

		if (!skel) {
			fail("cycle %d: signed load: %d", i, err);
			continue;
		}
		if (payload_works(skel))
			fail("cycle %d: payload does not run", i);
		test_signed_payload_lskel__destroy(skel);

		if (i % 2) {
			err = tampered_cycle();
			if (err != -EBADMSG)
				fail("cycle %d: tampered blob: %d, want %d", i, err, -EBADMSG);
		} else {
			obs->bss->deny = -EPERM;
			skel = load_lskel(&err);
			obs->bss->deny = 0;
			if (skel || err != -EPERM)
				fail("cycle %d: LSM refusal: %d, want %d", i, err, -EPERM);
			if (skel)
				test_signed_payload_lskel__destroy(skel);
		}
		if (count_objects() != before)
			fail("cycle %d: %d BPF objects, %d before", i, count_objects(), before);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("soak: %d cycles (each a signed load and a refused one) in %.1f s: %.1f cycles/s\n",
	       n, secs, n / secs);
	printf("soak: BPF programs and maps: %d before, %d after\n", before, count_objects());
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static int read_int(const char *path)
{
	char buf[32] = {};
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atoi(buf);
}

static int faults(void)
{
	int n, err, injected, before = count_objects(), failed_points = 0;
	struct test_signed_payload_lskel *skel;
	char nth[16];

	for (n = 1; ; n++) {
		obs->bss->calls = 0;
		obs->bss->kernel_loads = 0;
		snprintf(nth, sizeof(nth), "%d", n);
		if (write_str("/proc/thread-self/fail-nth", nth)) {
			fail("point %d: can not set fail-nth", n);
			return -1;
		}
		skel = load_lskel(&err);
		injected = read_int("/proc/thread-self/fail-nth") == 0;
		write_str("/proc/thread-self/fail-nth", "0");
		if (skel) {
			/* Succeeded: promoted, installed and working. */
			if (obs->data->kernel_load_loader_verdict != SIG_METADATA_VERIFIED)
				fail("point %d: loaded, but its loader was not promoted", n);
			if (payload_works(skel))
				fail("point %d: loaded, but the payload does not work", n);
			test_signed_payload_lskel__destroy(skel);
		} else {
			failed_points++;
			/* A payload may come from a promoted loader only. */
			if (obs->bss->kernel_loads && !obs->bss->calls)
				fail("point %d: payload loaded, loader never reported", n);
		}
		if (count_objects() != before)
			fail("point %d: err %d: %d BPF objects left, %d before", n, err,
			     count_objects(), before);
		if (!injected)
			break;
	}
	printf("faults: %d allocation points; the load failed cleanly at %d, "
	       "went through at %d; last run with no fault injected: err %d\n",
	       n - 1, failed_points, n - 1 - failed_points, err);
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	obs = test_signed_loader_verify__open_and_load();
	if (!obs) {
		fail("observer load: %d", -errno);
		return 1;
	}
	obs->bss->monitored_tgid = getpid();
	err = test_signed_loader_verify__attach(obs);
	if (err) {
		fail("observer attach: %d", err);
		return 1;
	}
	if (!strcmp(argv[1], "soak")) {
		err = tampered_loader_init();
		if (err) {
			fail("tampered loader: %d", err);
			return 1;
		}
		err = soak(argc > 2 ? atoi(argv[2]) : 1000);
	}
	else if (!strcmp(argv[1], "faults"))
		err = faults();
	else
		return 2;
	test_signed_loader_verify__destroy(obs);
	printf("%s: %d failures\n", argv[1], failures);
	return err || failures ? 1 : 0;
}
