// SPDX-License-Identifier: GPL-2.0
/*
 * What the test VM runs besides test_progs, as root in a fresh boot:
 *
 *   vm-tool demo        make's account of the series at work (scripts/demo.sh)
 *
 * and the debug tier's two long runs, on the debug kernel (vm-b.config):
 *
 *   vm-tool soak N      N cycles of the signed light skeleton that bpftool
 *                       signed at build time: load (the kernel verifies and
 *                       promotes its loader), install, run the payload,
 *                       unload; each followed by a refused cycle, a tampered
 *                       blob and an LSM refusal in turn.
 *   vm-tool faults      the same load with a failure injected at the 1st,
 *                       2nd, ... allocation the kernel makes for it
 *                       (/proc/thread-self/fail-nth), until a load completes
 *                       with none injected.
 *
 * faults checks after every point, soak every 100 cycles and at its end,
 * that no BPF program or map is left behind once the kernel has freed what
 * is on its way out; both print one line per failure. Exit status 0 only
 * if all went well.
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

/*
 * The count of BPF programs and maps once those on their way out are gone:
 * the kernel frees a sleepable program (a loader) after an RCU tasks trace
 * grace period, and only then puts the maps it holds, which stay visible
 * until that happens. Waits up to 10 s for the count to come down to @want.
 */
static int settled(int want)
{
	int n = count_objects(), i;

	for (i = 0; i < 1000 && n > want; i++) {
		usleep(10000);
		n = count_objects();
	}
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
	char path[] = "/tmp/vm-toolXXXXXX", p7s[sizeof(path) + 4];
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
	int i, err, now, most = 0, before = count_objects();
	struct timespec t0, t1;
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
		/*
		 * What the last cycles freed may still be on its way out; every
		 * 100 cycles, wait until it is gone: a leak of even one object
		 * per cycle shows there.
		 */
		now = count_objects();
		most = now > most ? now : most;
		if (i % 100 == 99 && settled(before) != before)
			fail("cycle %d: %d BPF objects, %d before", i, settled(before), before);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("soak: %d cycles (each a signed load and a refused one) in %.1f s: %.1f cycles/s\n",
	       n, secs, n / secs);
	now = settled(before);
	printf("soak: BPF programs and maps: %d before, at most %d while it ran, %d after\n",
	       before, most, now);
	if (now != before)
		fail("soak: %d BPF objects left, %d before", now, before);
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
		if (settled(before) != before)
			fail("point %d: err %d: %d BPF objects left, %d before", n, err,
			     settled(before), before);
		if (!injected)
			break;
	}
	printf("faults: %d allocation points; the load failed cleanly at %d, "
	       "went through at %d; last run with no fault injected: err %d\n",
	       n - 1, failed_points, n - 1 - failed_points, err);
	return 0;
}

/* Trust signing_key.der for BPF signatures, as test_progs does. */
static int trust_test_key(void)
{
	char cert[4096];
	int fd = open("signing_key.der", O_RDONLY), n;

	n = fd < 0 ? -1 : read(fd, cert, sizeof(cert));
	if (fd >= 0)
		close(fd);
	if (n <= 0 || syscall(__NR_add_key, "asymmetric", "vm-tool", cert, n,
			      KEY_SPEC_SESSION_KEYRING) < 0) {
		fail("adding the signing key: %d", -errno);
		return -1;
	}
	return 0;
}

/*
 * demo: the series at work, each line from what the kernel just did: the
 * errno of the call and, for IPE's decisions, its audit record (kauditd
 * prints it to the kernel log: read from /dev/kmsg).
 */
#define IPE "/sys/kernel/security/ipe"
static int kmsg = -1;

/* IPE's audit records logged since the last step. */
static char records[64][512];
static int nr_records;

static void next_step(void)
{
	char buf[2048];

	nr_records = 0;
	while (read(kmsg, buf, sizeof(buf) - 1) > 0)
		;
}

/* The last of IPE's audit records of this step that contains @want. */
static const char *ipe_record(const char *want)
{
	char buf[2048], *msg;
	ssize_t n;
	int i;

	while ((n = read(kmsg, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		msg = strstr(buf, "audit: type=1420");
		if (!msg || nr_records == (int)(sizeof(records) / sizeof(records[0])))
			continue;
		msg[strcspn(msg, "\n")] = 0;
		snprintf(records[nr_records++], sizeof(records[0]), "%s", msg);
	}
	for (i = nr_records - 1; i >= 0; i--)
		if (strstr(records[i], want))
			return records[i];
	return "(no such audit record)";
}

static void say_errno(const char *what, int err)
{
	printf("  %s: %s\n", what, err ? strerror(-err) : "done");
}

/* Sign @text with ipe_policy_key.pem, load it, activate it. 0 or -errno. */
static int ipe_policy(const char *name, const char *text)
{
	char txt[] = "/tmp/policyXXXXXX", p7b[32], path[128], buf[8192];
	int fd = mkstemp(txt), pid, st, n, err = 0;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -EIO;
	close(fd);
	snprintf(p7b, sizeof(p7b), "%s.p7b", txt);
	pid = fork();
	if (!pid) {
		execlp("openssl", "openssl", "smime", "-sign", "-in", txt, "-signer",
		       "ipe_policy_key.pem", "-inkey", "ipe_policy_key.pem", "-noattr",
		       "-nodetach", "-nosmimecap", "-outform", "der", "-out", p7b, NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		err = -EINVAL;
	fd = err ? -1 : open(p7b, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	unlink(txt);
	unlink(p7b);
	if (n <= 0)
		return err ?: -EIO;
	fd = open(IPE "/new_policy", O_WRONLY);
	if (fd < 0 || write(fd, buf, n) != n)
		err = -errno;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), IPE "/policies/%s/active", name);
	return err ?: write_str(path, "1");
}

static int demo(void)
{
	static const struct bpf_insn ret0[] = {
		{ .code = 0xb7 },	/* r0 = 0 */
		{ .code = 0x95 },	/* exit */
	};
	struct test_signed_payload_lskel *skel;
	int err, before;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg < 0 || lseek(kmsg, 0, SEEK_END) < 0 ||
	    write_str("/proc/sys/kernel/printk_ratelimit", "0") ||
	    write_str("/sys/module/ipe/parameters/success_audit", "1")) {
		fail("demo: kernel log or IPE parameters: %d", -errno);
		return -1;
	}

	printf("1. An IPE policy, signed with a key the kernel trusts, goes active.\n"
	       "   BPF programs load only if signed, or if a signed loader whose\n"
	       "   metadata the kernel verified installs them:\n");
	err = ipe_policy("demo",
		"policy_name=demo policy_version=0.0.1\n"
		"DEFAULT action=ALLOW\n"
		"DEFAULT op=BPF_PROG_LOAD action=DENY\n"
		"op=BPF_PROG_LOAD bpf_signature=VERIFIED action=ALLOW\n"
		"op=BPF_PROG_LOAD bpf_loader_signature=METADATA_VERIFIED action=ALLOW\n");
	say_errno("policy \"demo\" loaded and activated", err);
	if (err)
		return err;

	printf("\n2. An unsigned program, loaded from user space:\n");
	next_step();
	err = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "unsigned", "GPL", ret0, 2, NULL);
	if (err >= 0)
		close(err);
	say_errno("BPF_PROG_LOAD", err < 0 ? -errno : 0);
	printf("  %s\n", ipe_record("ipe_op=BPF_PROG_LOAD"));

	printf("\n3. A light skeleton signed at build time (bpftool gen skeleton -L -S\n"
	       "   --kernel-verify): its loader is signed; it has the kernel check\n"
	       "   its blob, which promotes it to BPF_SIG_METADATA_VERIFIED; the\n"
	       "   program it installs is admitted because of that loader:\n");
	next_step();
	skel = load_lskel(&err);
	say_errno("load", err);
	printf("  loader:  %s\n", ipe_record("bpf_signature=VERIFIED"));
	printf("  payload: %s\n", ipe_record("bpf_loader_signature=METADATA_VERIFIED"));
	if (skel) {
		say_errno("the installed program runs and counts", payload_works(skel));
		test_signed_payload_lskel__destroy(skel);
	}

	printf("\n4. The same loader, signed, with one byte of its blob changed:\n");
	before = count_objects();
	err = tampered_loader_init() ?: tampered_cycle();
	say_errno("load", err);
	printf("  BPF programs and maps: %d before, %d after\n", before, settled(before));

	printf("\n5. IPE refuses the loader scheme's report (policy \"demo\" 0.0.2):\n");
	err = ipe_policy("demo",
		"policy_name=demo policy_version=0.0.2\n"
		"DEFAULT action=ALLOW\n"
		"DEFAULT op=BPF_PROG_LOAD action=DENY\n"
		"op=BPF_PROG_LOAD bpf_signature=VERIFIED action=ALLOW\n"
		"op=BPF_PROG_LOAD bpf_loader_signature=METADATA_VERIFIED action=ALLOW\n"
		"op=BPF_PROG_LOAD_POST_INTEGRITY bpf_integrity_scheme=BPF_LOADER action=DENY\n");
	say_errno("policy updated", err);
	before = count_objects();
	next_step();
	skel = load_lskel(&err);
	say_errno("load of the signed light skeleton", err);
	printf("  %s\n", ipe_record("ipe_op=BPF_PROG_LOAD_POST_INTEGRITY"));
	printf("  BPF programs and maps: %d before, %d after\n", before, settled(before));
	if (skel)
		test_signed_payload_lskel__destroy(skel);
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (trust_test_key())
		return 1;
	if (!strcmp(argv[1], "demo"))
		return demo() ? 1 : 0;
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
