// SPDX-License-Identifier: GPL-2.0
/*
 * IPE on BPF programs, end to end: signed IPE policies, loaded through
 * securityfs and activated, decide BPF_PROG_LOAD and
 * BPF_PROG_LOAD_POST_INTEGRITY.  Each decision is checked by its errno and
 * by IPE's AUDIT_IPE_ACCESS record, which kauditd prints to the kernel log
 * when no audit daemon runs.
 *
 * Needs IPE with IPE_PROP_BPF_SIGNATURE, the BPF LSM, kernel BTF and a JIT
 * with kfunc calls (for the loaders that call bpf_loader_verify_metadata()),
 * openssl, and next to test_progs sign-file and ipe_policy_key.pem: the
 * private key and the certificate of a key in the kernel's builtin trusted
 * keyring (certs/signing_key.pem of the kernel's build).  It signs the
 * policies and the programs that must verify against the builtin keyring.
 *
 * An active IPE policy governs the whole system, test_progs included, and
 * can be replaced but never removed.  So the test runs alone, and each
 * subtest loads what it needs beforehand, then activates its policies, and
 * ends by activating an allow-all policy that it loaded at its start.
 */

#include <test_progs.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/keyctl.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#include "bpf/libbpf_internal.h" /* for libbpf_sha256() */
#include "bpf/skel_internal.h"	 /* for the loader ctx layout */
#include "testing_helpers.h"

#include "ipe_bpf.skel.h"
#include "test_signed_loader_map.skel.h"

#define SECURITYFS	"/sys/kernel/security"
#define IPE_FS		SECURITYFS "/ipe"
#define POLICY_KEY	"ipe_policy_key.pem"

#define OP_LOAD		"BPF_PROG_LOAD"
#define OP_POST		"BPF_PROG_LOAD_POST_INTEGRITY"

/* A socket filter that returns 0, loaded from user space. */
static const struct bpf_insn ret0[] = {
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

/* Policy versions: each policy this process writes has a higher one. */
static __u64 next_version;
static int policy_seq;

struct ipe_env {
	int kmsg;
	char allow[64];		/* the allow-all policy to end with */
	__u64 version;		/* of the next policy of this subtest */
	char ratelimit[32];	/* printk_ratelimit to restore */
};

static int write_file(const char *path, const void *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static int write_str(const char *path, const char *s)
{
	return write_file(path, s, strlen(s));
}

/* Run @argv; 0 if it exits with 0. */
static int run(char *const argv[])
{
	int pid, status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EINVAL;
}

/* Read all of @path into a new buffer. */
static int slurp(const char *path, void **buf, size_t *len)
{
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	*buf = malloc(st.st_size ?: 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	if (read(fd, *buf, st.st_size) != st.st_size) {
		free(*buf);
		err = -EIO;
		goto out;
	}
	*len = st.st_size;
out:
	close(fd);
	return err;
}

/*
 * Sign @len bytes at @buf with @key, a PEM file with the private key and
 * its certificate, into the detached PKCS#7 that BPF_PROG_LOAD takes.
 */
static int sign_with(const char *key, const void *buf, __u32 len, void *sig, __u32 *sig_sz)
{
	char data[] = "/tmp/ipe_bpf_progXXXXXX";
	char p7s[sizeof(data) + sizeof(".p7s")];
	char *const argv[] = { "./sign-file", "-d", "sha256", (char *)key, (char *)key,
			       data, NULL };
	size_t sz;
	void *out;
	int fd, err;

	fd = mkstemp(data);
	if (fd < 0)
		return -errno;
	err = write(fd, buf, len) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	snprintf(p7s, sizeof(p7s), "%s.p7s", data);
	err = err ?: run(argv);
	err = err ?: slurp(p7s, &out, &sz);
	if (!err) {
		if (sz > *sig_sz)
			err = -E2BIG;
		else
			memcpy(sig, out, sz);
		*sig_sz = sz;
		free(out);
	}
	unlink(p7s);
	unlink(data);
	return err;
}

/* Sign the policy @text with POLICY_KEY, as IPE takes it. */
static int sign_policy(const char *text, void **p7b, size_t *len)
{
	char in[] = "/tmp/ipe_bpf_policyXXXXXX";
	char out[sizeof(in) + sizeof(".p7b")];
	char *const argv[] = { "openssl", "smime", "-sign", "-in", in,
			       "-signer", POLICY_KEY, "-inkey", POLICY_KEY,
			       "-noattr", "-nodetach", "-nosmimecap",
			       "-outform", "der", "-out", out, NULL };
	ssize_t n = strlen(text);
	int fd, err;

	fd = mkstemp(in);
	if (fd < 0)
		return -errno;
	err = write(fd, text, n) == n ? 0 : -EIO;
	close(fd);
	snprintf(out, sizeof(out), "%s.p7b", in);
	err = err ?: run(argv);
	err = err ?: slurp(out, p7b, len);
	unlink(out);
	unlink(in);
	return err;
}

/*
 * Sign @rules under a header naming policy @name at @version, and write
 * the result to new_policy; 0, or the error new_policy returned.
 */
static int policy_load(const char *name, __u64 version, const char *rules)
{
	char *text = NULL;
	size_t len;
	void *p7b;
	int err;

	if (asprintf(&text, "policy_name=%s policy_version=%u.%u.%u\n%s", name,
		     (unsigned int)(version >> 32) & 0xffff,
		     (unsigned int)(version >> 16) & 0xffff,
		     (unsigned int)version & 0xffff, rules) < 0)
		return -ENOMEM;
	err = sign_policy(text, &p7b, &len);
	free(text);
	if (err) {
		fprintf(stderr, "ipe_bpf: could not sign a policy with %s: %d\n",
			POLICY_KEY, err);
		return err;
	}
	err = write_file(IPE_FS "/new_policy", p7b, len);
	free(p7b);
	return err;
}

static int policy_delete(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), IPE_FS "/policies/%s/delete", name);
	return write_str(path, "1");
}

/*
 * The active policy's version, and its name in @name; -ENOENT if there is
 * no active policy.
 */
static int policy_active(char *name, size_t name_sz, __u64 *version)
{
	unsigned short v[3];
	char path[512], buf[64];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	d = opendir(IPE_FS "/policies");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IPE_FS "/policies/%s/active", de->d_name);
		if (read_file(path, buf, sizeof(buf)) || buf[0] != '1')
			continue;
		snprintf(path, sizeof(path), IPE_FS "/policies/%s/version", de->d_name);
		if (read_file(path, buf, sizeof(buf)) ||
		    sscanf(buf, "%hu.%hu.%hu", &v[0], &v[1], &v[2]) != 3)
			continue;
		*version = (__u64)v[0] << 32 | (__u64)v[1] << 16 | v[2];
		snprintf(name, name_sz, "%s", de->d_name);
		err = 0;
		break;
	}
	closedir(d);
	return err;
}

static bool ours(const char *name)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "ipe_bpf_%d_", getpid());
	return !strncmp(name, prefix, strlen(prefix));
}

/* Activate policy @name, and delete the one it replaces if this test wrote it. */
static int policy_activate(const char *name)
{
	char path[256], old[256] = "";
	__u64 version;
	int err;

	policy_active(old, sizeof(old), &version);
	snprintf(path, sizeof(path), IPE_FS "/policies/%s/active", name);
	err = write_str(path, "1");
	if (!err && old[0] && strcmp(old, name) && ours(old))
		policy_delete(old);
	return err;
}

static void policy_name(char *name, size_t sz)
{
	snprintf(name, sz, "ipe_bpf_%d_%d", getpid(), policy_seq++);
}

/*
 * Load @rules as a new policy and make it the active one.  The rules of
 * every subtest start with "DEFAULT action=ALLOW", so that the operations
 * they do not name, openssl's EXECUTE among them, are not affected.
 */
static int ipe_policy(struct ipe_env *e, const char *rules)
{
	char name[64];
	int err;

	policy_name(name, sizeof(name));
	err = policy_load(name, e->version++, rules);
	return err ?: policy_activate(name);
}

/*
 * Wait up to five seconds for a record of the kernel log that contains
 * every string of @want.  The IPE records passed over are kept in @seen,
 * for the test's log if the wait fails.
 */
static bool kmsg_wait(int fd, const char *const *want, char *seen, size_t seen_sz)
{
	int waited = 0, i;
	char rec[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten before we got to it */
				continue;
			if (errno != EAGAIN || waited >= 5000)
				return false;
			usleep(20000);
			waited += 20;
			continue;
		}
		rec[n] = 0;
		for (i = 0; want[i] && strstr(rec, want[i]); i++)
			;
		if (!want[i])
			return true;
		if (seen && strstr(rec, "type=142") &&
		    strlen(seen) + n < seen_sz)
			strcat(seen, rec);
	}
}

/*
 * Start reading the kernel log after every record IPE has queued for audit
 * so far.  kauditd prints records in order; writing something that is not
 * a policy to new_policy queues an AUDIT_IPE_POLICY_LOAD failure behind the
 * earlier ones, and once it is printed, so are they.
 */
static int audit_mark(struct ipe_env *e)
{
	const char *const want[] = { "type=1422 ", " res=0 ", NULL };

	if (lseek(e->kmsg, 0, SEEK_END) < 0)
		return -errno;
	if (!write_str(IPE_FS "/new_policy", "not a policy"))
		return -EINVAL;
	return kmsg_wait(e->kmsg, want, NULL, 0) ? 0 : -ETIMEDOUT;
}

/*
 * Wait for IPE's record of a decision it took for this process: operation
 * @op at the hook of the same name, enforcing or not, by @rule as the record
 * quotes it.  Allowed events are recorded only with success_audit on.
 */
static bool audit_decision(struct ipe_env *e, const char *op, int enforcing,
			   const char *rule)
{
	char head[128], tail[512], seen[8192] = "";
	const char *const want[] = { "type=1420 ", head, tail, NULL };

	snprintf(head, sizeof(head), "ipe_op=%s ipe_hook=%s enforcing=%d pid=%d ",
		 op, op, enforcing, getpid());
	snprintf(tail, sizeof(tail), " rule=\"%s\"", rule);
	if (kmsg_wait(e->kmsg, want, seen, sizeof(seen)))
		return true;
	printf("%s: no record with \"%s\" and \"%s\"; IPE records seen:\n%s",
	       __func__, head, tail, seen);
	return false;
}

/*
 * Get ready for a subtest: IPE's securityfs, the kernel log, enforcing, and
 * an allow-all policy to end with, loaded but not active.  False if the
 * subtest can not run; it is skipped when IPE or the key is missing.
 */
static bool ipe_begin(struct ipe_env *e)
{
	char old[256];
	__u64 version;

	memset(e, 0, sizeof(*e));
	e->kmsg = -1;
	if (access(IPE_FS, F_OK))
		mount("securityfs", SECURITYFS, "securityfs", 0, NULL);
	if (access(IPE_FS "/new_policy", F_OK) || access(POLICY_KEY, R_OK)) {
		printf("%s:SKIP: needs IPE and %s\n", __func__, POLICY_KEY);
		test__skip();
		return false;
	}
	if (!next_version)
		next_version = policy_active(old, sizeof(old), &version) ? 1 : version + 1;
	/* The allow-all policy comes last, so it gets the highest version. */
	e->version = next_version;
	next_version += 32;
	policy_name(e->allow, sizeof(e->allow));
	if (!ASSERT_OK(policy_load(e->allow, next_version - 1, "DEFAULT action=ALLOW\n"),
		       "load the allow-all policy"))
		return false;

	e->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (!ASSERT_OK_FD(e->kmsg, "open /dev/kmsg"))
		return false;
	if (read_file("/proc/sys/kernel/printk_ratelimit", e->ratelimit, sizeof(e->ratelimit)))
		e->ratelimit[0] = 0;
	/* kauditd prints records only while printk is not rate limited. */
	if (!ASSERT_OK(write_str("/proc/sys/kernel/printk_ratelimit", "0"), "printk_ratelimit") ||
	    !ASSERT_OK(write_str(IPE_FS "/enforce", "1"), "enforce") ||
	    !ASSERT_OK(write_str(IPE_FS "/success_audit", "0"), "success_audit"))
		return false;
	return true;
}

/* End a subtest with the allow-all policy active, whatever happened. */
static void ipe_end(struct ipe_env *e)
{
	write_str(IPE_FS "/success_audit", "0");
	write_str(IPE_FS "/enforce", "1");
	if (e->allow[0])
		ASSERT_OK(policy_activate(e->allow), "activate the allow-all policy");
	if (e->ratelimit[0])
		write_str("/proc/sys/kernel/printk_ratelimit", e->ratelimit);
	if (e->kmsg >= 0)
		close(e->kmsg);
}

/* BPF_PROG_LOAD from user space, signed if @sig; the fd or -errno. */
static int load_raw(__u32 type, __u32 flags, const struct bpf_insn *insns, __u32 cnt,
		    int *fd_array, const void *sig, __u32 sig_sz, __s32 keyring_id)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.prog_flags = flags;
	attr.insns = ptr_to_u64(insns);
	attr.insn_cnt = cnt;
	attr.license = ptr_to_u64("GPL");
	attr.fd_array = ptr_to_u64(fd_array);
	strcpy(attr.prog_name, "ipe_bpf");
	if (sig) {
		attr.signature = ptr_to_u64(sig);
		attr.signature_size = sig_sz;
		attr.keyring_id = keyring_id;
	}
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, offsetofend(union bpf_attr, keyring_id));
	return fd < 0 ? -errno : fd;
}

/* Load ret0 from user space; 0 if it loaded, or -errno. */
static int load_ret0(const void *sig, __u32 sig_sz, __s32 keyring_id)
{
	int fd;

	fd = load_raw(BPF_PROG_TYPE_SOCKET_FILTER, 0, ret0, ARRAY_SIZE(ret0), NULL,
		      sig, sig_sz, keyring_id);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* A light skeleton loader from libbpf's gen_loader, and what it installs. */
enum loader_kind {
	LOADER_UNSIGNED,	/* no signature */
	LOADER_SIGNED,		/* signed, checks its metadata itself */
	LOADER_VERIFIED,	/* signed, has the kernel check its metadata */
};

struct loader {
	struct test_signed_loader_map *skel;
	struct gen_loader_opts opts;
	enum loader_kind kind;
	int nr_maps;
	int nr_progs;
	void *ctx;
	__u32 ctx_sz;
	int map_fd;		/* the metadata map */
	int prog_fd;		/* the loader */
	__u8 sig[8192];
	__u32 sig_sz;
};

static void loader_init(struct loader *l)
{
	memset(l, 0, sizeof(*l));
	l->map_fd = -1;
	l->prog_fd = -1;
}

/* Generate, sign and stage a loader, all but its BPF_PROG_LOAD. */
static int loader_prepare(struct loader *l, enum loader_kind kind)
{
	LIBBPF_OPTS(gen_loader_opts, gopts, .gen_hash = kind != LOADER_UNSIGNED,
		    .kernel_verify = kind == LOADER_VERIFIED);
	LIBBPF_OPTS(bpf_map_create_opts, mopts);
	__u8 excl[SHA256_DIGEST_LENGTH], hash[SHA256_DIGEST_LENGTH];
	struct bpf_program *p;
	struct bpf_map_info info;
	struct bpf_map *m;
	__u32 key = 0, len;

	loader_init(l);
	l->kind = kind;
	l->skel = test_signed_loader_map__open();
	if (!l->skel)
		return -errno;
	if (bpf_object__gen_loader(l->skel->obj, &gopts) || bpf_object__load(l->skel->obj))
		return -EINVAL;
	l->opts = gopts;
	bpf_object__for_each_program(p, l->skel->obj)
		l->nr_progs++;
	bpf_object__for_each_map(m, l->skel->obj)
		l->nr_maps++;
	l->ctx_sz = sizeof(struct bpf_loader_ctx) + l->nr_maps * sizeof(struct bpf_map_desc) +
		    l->nr_progs * sizeof(struct bpf_prog_desc);
	l->ctx = calloc(1, l->ctx_sz);
	if (!l->ctx)
		return -ENOMEM;
	((struct bpf_loader_ctx *)l->ctx)->sz = l->ctx_sz;

	libbpf_sha256(gopts.insns, gopts.insns_sz, excl);
	mopts.excl_prog_hash = excl;
	mopts.excl_prog_hash_size = sizeof(excl);
	l->map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "__loader.map", 4, gopts.data_sz, 1,
				   &mopts);
	if (l->map_fd < 0)
		return -errno;
	if (bpf_map_update_elem(l->map_fd, &key, gopts.data, 0) || bpf_map_freeze(l->map_fd))
		return -errno;
	if (kind == LOADER_SIGNED) {
		/* Its own check compares map->sha, which this sets. */
		memset(&info, 0, sizeof(info));
		info.hash = ptr_to_u64(hash);
		info.hash_size = sizeof(hash);
		len = sizeof(info);
		if (bpf_map_get_info_by_fd(l->map_fd, &info, &len))
			return -errno;
	}
	if (kind == LOADER_UNSIGNED)
		return 0;
	l->sig_sz = sizeof(l->sig);
	return sign_with_test_key(gopts.insns, gopts.insns_sz, l->sig, &l->sig_sz);
}

/* BPF_PROG_LOAD of the loader, with the session keyring's key; 0 or -errno. */
static int loader_load(struct loader *l)
{
	l->prog_fd = load_raw(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE,
			      (const void *)l->opts.insns,
			      l->opts.insns_sz / sizeof(struct bpf_insn), &l->map_fd,
			      l->kind == LOADER_UNSIGNED ? NULL : l->sig, l->sig_sz,
			      KEY_SPEC_SESSION_KEYRING);
	return l->prog_fd < 0 ? l->prog_fd : 0;
}

/* Run the loader; its return value, or -errno if it could not run. */
static int loader_run(struct loader *l)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = l->ctx, .ctx_size_in = l->ctx_sz);

	if (bpf_prog_test_run_opts(l->prog_fd, &topts))
		return -errno;
	return (int)topts.retval;
}

/* The fd of the program the loader installed, 0 if none. */
static int loader_payload_fd(struct loader *l)
{
	struct bpf_prog_desc *pd = l->ctx + sizeof(struct bpf_loader_ctx) +
				   l->nr_maps * sizeof(struct bpf_map_desc);

	return pd[0].prog_fd;
}

/* @installed: the loader succeeded, and the fds in its ctx are ours to close. */
static void loader_fini(struct loader *l, bool installed)
{
	struct bpf_map_desc *md;
	struct bpf_prog_desc *pd;
	int i;

	if (l->ctx && installed) {
		md = l->ctx + sizeof(struct bpf_loader_ctx);
		pd = (void *)(md + l->nr_maps);
		for (i = 0; i < l->nr_maps; i++)
			if (md[i].map_fd > 0)
				close(md[i].map_fd);
		for (i = 0; i < l->nr_progs; i++)
			if (pd[i].prog_fd > 0)
				close(pd[i].prog_fd);
	}
	free(l->ctx);
	if (l->prog_fd >= 0)
		close(l->prog_fd);
	if (l->map_fd >= 0)
		close(l->map_fd);
	test_signed_loader_map__destroy(l->skel);
}

/* The BPF LSM side, attached and watching this thread. */
static struct ipe_bpf *watch(void)
{
	struct ipe_bpf *skel;

	skel = ipe_bpf__open_and_load();
	if (!ASSERT_OK_PTR(skel, "ipe_bpf load"))
		return NULL;
	if (!ASSERT_OK(ipe_bpf__attach(skel), "ipe_bpf attach")) {
		ipe_bpf__destroy(skel);
		return NULL;
	}
	skel->bss->monitored_tid = sys_gettid();
	return skel;
}

#define RULE_UNSIGNED_USER \
	"op=BPF_PROG_LOAD bpf_kernel=FALSE bpf_signature=UNSIGNED action=DENY"
#define RULE_SIGNED_USER \
	"op=BPF_PROG_LOAD bpf_kernel=FALSE bpf_signature=VERIFIED action=ALLOW"
#define RULE_LOAD_DEFAULT_DENY "DEFAULT op=BPF_PROG_LOAD action=DENY"

/*
 * An unsigned program loaded from user space is refused by the rule that
 * names it; a signed one is allowed by the rule that names it.
 */
static void unsigned_denied(void)
{
	__u8 sig[8192];
	__u32 sig_sz = sizeof(sig);
	struct ipe_env e;

	if (!ipe_begin(&e))
		goto out;
	if (!ASSERT_OK(sign_with_test_key(ret0, sizeof(ret0), sig, &sig_sz), "sign"))
		goto out;
	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_UNSIGNED_USER "\n"
				  RULE_SIGNED_USER "\n"), "policy"))
		goto out;

	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(NULL, 0, 0), -EACCES, "unsigned load");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_UNSIGNED_USER), "denial recorded");

	ASSERT_OK(write_str(IPE_FS "/success_audit", "1"), "success_audit");
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_OK(load_ret0(sig, sig_sz, KEY_SPEC_SESSION_KEYRING), "signed load");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_SIGNED_USER), "allow recorded");
out:
	ipe_end(&e);
}

#define RULE_BUILTIN \
	"op=BPF_PROG_LOAD bpf_signature=VERIFIED bpf_keyring=BUILTIN action=ALLOW"
#define RULE_USER \
	"op=BPF_PROG_LOAD bpf_signature=VERIFIED bpf_keyring=USER action=ALLOW"

/*
 * The same program signed with the session keyring's key, and with a key
 * of the builtin trusted keyring: each is allowed only where the policy
 * names its keyring.
 */
static void keyring(void)
{
	__u8 user_sig[8192], builtin_sig[8192];
	__u32 user_sz = sizeof(user_sig), builtin_sz = sizeof(builtin_sig);
	struct ipe_env e;

	if (!ipe_begin(&e))
		goto out;
	if (!ASSERT_OK(sign_with_test_key(ret0, sizeof(ret0), user_sig, &user_sz),
		       "sign with the session key") ||
	    !ASSERT_OK(sign_with(POLICY_KEY, ret0, sizeof(ret0), builtin_sig, &builtin_sz),
		       "sign with the builtin key"))
		goto out;
	ASSERT_OK(write_str(IPE_FS "/success_audit", "1"), "success_audit");

	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_BUILTIN "\n"), "builtin policy"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(user_sig, user_sz, KEY_SPEC_SESSION_KEYRING), -EACCES,
		  "session key, BUILTIN wanted");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOAD_DEFAULT_DENY), "denial recorded");
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_OK(load_ret0(builtin_sig, builtin_sz, 0), "builtin key, BUILTIN wanted");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_BUILTIN), "allow recorded");

	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_USER "\n"), "user policy"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_OK(load_ret0(user_sig, user_sz, KEY_SPEC_SESSION_KEYRING),
		  "session key, USER allowed");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_USER), "allow recorded");
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(builtin_sig, builtin_sz, 0), -EACCES,
		  "builtin key, USER wanted");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOAD_DEFAULT_DENY), "denial recorded");
out:
	ipe_end(&e);
}

#define RULE_LOADER \
	"op=BPF_PROG_LOAD bpf_kernel=FALSE bpf_signature=VERIFIED bpf_keyring=USER action=ALLOW"
#define RULE_PAYLOAD_USER \
	"op=BPF_PROG_LOAD bpf_kernel=TRUE bpf_loader_signature=METADATA_VERIFIED " \
	"bpf_loader_keyring=USER action=ALLOW"
#define RULE_PAYLOAD_BUILTIN \
	"op=BPF_PROG_LOAD bpf_kernel=TRUE bpf_loader_signature=METADATA_VERIFIED " \
	"bpf_loader_keyring=BUILTIN action=ALLOW"

/*
 * A signed loader that has the kernel verify its metadata is allowed, and
 * so is its payload, by the rule on its loader's verdict.  The same payload
 * is refused when a signed loader that checks its metadata itself loads it,
 * when an unsigned loader does, and when the policy wants the loader signed
 * with a builtin key.
 */
static void loader_link(void)
{
	struct loader verified, verified2, signed_, unsigned_;
	struct ipe_bpf *skel = NULL;
	bool installed = false;
	struct ipe_env e;

	loader_init(&verified);
	loader_init(&verified2);
	loader_init(&signed_);
	loader_init(&unsigned_);
	if (!ipe_begin(&e))
		goto out;
	skel = watch();
	if (!skel ||
	    !ASSERT_OK(loader_prepare(&verified, LOADER_VERIFIED), "verified loader") ||
	    !ASSERT_OK(loader_prepare(&verified2, LOADER_VERIFIED), "second verified loader") ||
	    !ASSERT_OK(loader_prepare(&signed_, LOADER_SIGNED), "signed loader") ||
	    !ASSERT_OK(loader_prepare(&unsigned_, LOADER_UNSIGNED), "unsigned loader") ||
	    /* It could not be loaded under the policy. */
	    !ASSERT_OK(loader_load(&unsigned_), "unsigned loader load"))
		goto out;
	ASSERT_OK(write_str(IPE_FS "/success_audit", "1"), "success_audit");
	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_LOADER "\n"
				  RULE_PAYLOAD_USER "\n"), "policy"))
		goto out;

	ASSERT_OK(audit_mark(&e), "audit mark");
	if (!ASSERT_OK(loader_load(&verified), "verified loader load"))
		goto out;
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOADER), "loader allowed");
	skel->bss->kernel_cmds = 0;
	ASSERT_OK(audit_mark(&e), "audit mark");
	installed = ASSERT_EQ(loader_run(&verified), 0, "verified loader run");
	ASSERT_GT(loader_payload_fd(&verified), 0, "payload installed");
	ASSERT_GT(skel->bss->kernel_cmds, 0, "the loader issued bpf() commands");
	ASSERT_TRUE(audit_decision(&e, OP_POST, 1, "DEFAULT action=ALLOW"),
		    "report allowed");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_PAYLOAD_USER), "payload allowed");

	ASSERT_OK(audit_mark(&e), "audit mark");
	if (ASSERT_OK(loader_load(&signed_), "signed loader load")) {
		ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOADER), "loader allowed");
		ASSERT_EQ(loader_run(&signed_), -EACCES, "signed loader's payload");
		ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOAD_DEFAULT_DENY),
			    "payload denied");
	}

	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(loader_run(&unsigned_), -EACCES, "unsigned loader's payload");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOAD_DEFAULT_DENY), "payload denied");

	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_LOADER "\n"
				  RULE_PAYLOAD_BUILTIN "\n"), "builtin loaders policy"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	if (ASSERT_OK(loader_load(&verified2), "second verified loader load")) {
		ASSERT_EQ(loader_run(&verified2), -EACCES, "payload of a USER loader");
		ASSERT_TRUE(audit_decision(&e, OP_POST, 1, "DEFAULT action=ALLOW"),
			    "report allowed");
		ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_LOAD_DEFAULT_DENY),
			    "payload denied");
	}
out:
	ipe_end(&e);
	loader_fini(&verified, installed);
	loader_fini(&verified2, false);
	loader_fini(&signed_, false);
	loader_fini(&unsigned_, false);
	ipe_bpf__destroy(skel);
}

#define RULE_POST_LOADER \
	"op=BPF_PROG_LOAD_POST_INTEGRITY bpf_integrity_scheme=BPF_LOADER " \
	"bpf_signature=VERIFIED bpf_keyring=USER action=DENY"
#define RULE_PAYLOAD \
	"op=BPF_PROG_LOAD bpf_kernel=TRUE bpf_loader_signature=METADATA_VERIFIED action=ALLOW"

/*
 * The policy refuses the loader scheme's report on a loader: its kfunc
 * fails, and the loader stops before it issues any bpf() command, so it
 * creates nothing at all.
 */
static void post_integrity_loader(void)
{
	struct ipe_bpf *skel = NULL;
	struct ipe_env e;
	struct loader l;

	loader_init(&l);
	if (!ipe_begin(&e))
		goto out;
	skel = watch();
	if (!skel || !ASSERT_OK(loader_prepare(&l, LOADER_VERIFIED), "loader"))
		goto out;
	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_LOAD_DEFAULT_DENY "\n"
				  RULE_LOADER "\n"
				  RULE_PAYLOAD "\n"
				  RULE_POST_LOADER "\n"), "policy"))
		goto out;
	if (!ASSERT_OK(loader_load(&l), "loader load"))
		goto out;
	skel->bss->kernel_cmds = 0;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(loader_run(&l), -EACCES, "loader run");
	ASSERT_TRUE(audit_decision(&e, OP_POST, 1, RULE_POST_LOADER), "denial recorded");
	ASSERT_EQ(skel->bss->kernel_cmds, 0, "no bpf() command after the refusal");
	ASSERT_EQ(loader_payload_fd(&l), 0, "no payload");
out:
	ipe_end(&e);
	loader_fini(&l, false);
	ipe_bpf__destroy(skel);
}

#define RULE_POST_BADSIG \
	"op=BPF_PROG_LOAD_POST_INTEGRITY bpf_integrity_scheme=BPF_LSM " \
	"bpf_integrity_verdict=BADSIG action=DENY"
#define RULE_POST_OK \
	"op=BPF_PROG_LOAD_POST_INTEGRITY bpf_integrity_scheme=BPF_LSM " \
	"bpf_integrity_verdict=OK bpf_signature=UNSIGNED action=ALLOW"

/*
 * A BPF LSM program implements a verification scheme of its own and reports
 * its verdicts: the policy refuses BADSIG, and the program fails the load
 * with the refusal; OK is allowed.
 */
static void post_integrity_bpf_lsm(void)
{
	struct ipe_bpf *skel = NULL;
	struct ipe_env e;

	if (!ipe_begin(&e))
		goto out;
	skel = watch();
	if (!skel)
		goto out;
	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  "DEFAULT op=BPF_PROG_LOAD_POST_INTEGRITY action=DENY\n"
				  RULE_POST_BADSIG "\n"
				  RULE_POST_OK "\n"), "policy"))
		goto out;

	skel->bss->report_verdict = skel->data->verdict_badsig;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(NULL, 0, 0), -EACCES, "BADSIG");
	ASSERT_EQ(skel->bss->reports, 1, "reported");
	ASSERT_EQ(skel->bss->report_ret, -EACCES, "report refused");
	ASSERT_TRUE(audit_decision(&e, OP_POST, 1, RULE_POST_BADSIG), "denial recorded");

	ASSERT_OK(write_str(IPE_FS "/success_audit", "1"), "success_audit");
	skel->bss->report_verdict = skel->data->verdict_ok;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_OK(load_ret0(NULL, 0, 0), "OK");
	ASSERT_EQ(skel->bss->reports, 2, "reported");
	ASSERT_EQ(skel->bss->report_ret, 0, "report accepted");
	ASSERT_TRUE(audit_decision(&e, OP_POST, 1, RULE_POST_OK), "allow recorded");
out:
	if (skel)
		skel->bss->report_verdict = 0;
	ipe_end(&e);
	ipe_bpf__destroy(skel);
}

#define RULE_POST_ANY_LOADER \
	"op=BPF_PROG_LOAD_POST_INTEGRITY bpf_integrity_scheme=BPF_LOADER action=DENY"

/*
 * In permissive mode the decisions are recorded with enforcing=0 and
 * nothing is refused: an unsigned program loads, and a loader whose report
 * the policy refuses installs its payload.
 */
static void permissive_mode(void)
{
	bool installed = false;
	struct ipe_env e;
	struct loader l;

	loader_init(&l);
	if (!ipe_begin(&e))
		goto out;
	if (!ASSERT_OK(loader_prepare(&l, LOADER_VERIFIED), "loader"))
		goto out;
	if (!ASSERT_OK(ipe_policy(&e, "DEFAULT action=ALLOW\n"
				  RULE_UNSIGNED_USER "\n"
				  RULE_POST_ANY_LOADER "\n"), "policy"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(NULL, 0, 0), -EACCES, "enforcing: unsigned load");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_UNSIGNED_USER), "denial recorded");

	if (!ASSERT_OK(write_str(IPE_FS "/enforce", "0"), "permissive"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_OK(load_ret0(NULL, 0, 0), "permissive: unsigned load");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 0, RULE_UNSIGNED_USER), "denial recorded");
	if (ASSERT_OK(loader_load(&l), "loader load")) {
		ASSERT_OK(audit_mark(&e), "audit mark");
		installed = ASSERT_EQ(loader_run(&l), 0, "permissive: loader run");
		ASSERT_GT(loader_payload_fd(&l), 0, "payload installed");
		ASSERT_TRUE(audit_decision(&e, OP_POST, 0, RULE_POST_ANY_LOADER),
			    "denial recorded");
	}

	if (!ASSERT_OK(write_str(IPE_FS "/enforce", "1"), "enforcing"))
		goto out;
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(load_ret0(NULL, 0, 0), -EACCES, "enforcing again: unsigned load");
	ASSERT_TRUE(audit_decision(&e, OP_LOAD, 1, RULE_UNSIGNED_USER), "denial recorded");
out:
	ipe_end(&e);
	loader_fini(&l, installed);
}

#define OLD_DEFAULTS			\
	"DEFAULT op=EXECUTE action=ALLOW\n"	\
	"DEFAULT op=FIRMWARE action=ALLOW\n"	\
	"DEFAULT op=KMODULE action=ALLOW\n"	\
	"DEFAULT op=KEXEC_IMAGE action=ALLOW\n"	\
	"DEFAULT op=KEXEC_INITRAMFS action=ALLOW\n" \
	"DEFAULT op=POLICY action=ALLOW\n"	\
	"DEFAULT op=X509_CERT action=ALLOW\n"

/*
 * A policy with a DEFAULT for each operation and no global DEFAULT must
 * name the BPF operations too: written for the operations of older kernels
 * only, it no longer parses.  So does a BPF property on an operation where
 * it can not match.
 */
static void policy_compat(void)
{
	char name[64], errno_field[32];
	const char *const failed[] = { "type=1422 ", errno_field, NULL };
	struct ipe_env e;

	snprintf(errno_field, sizeof(errno_field), " res=0 errno=%d", -EBADMSG);
	if (!ipe_begin(&e))
		goto out;

	policy_name(name, sizeof(name));
	ASSERT_OK(audit_mark(&e), "audit mark");
	ASSERT_EQ(policy_load(name, e.version, OLD_DEFAULTS), -EBADMSG,
		  "old per-operation defaults");
	ASSERT_TRUE(kmsg_wait(e.kmsg, failed, NULL, 0), "failure recorded");

	ASSERT_EQ(policy_load(name, e.version, OLD_DEFAULTS
			      "DEFAULT op=BPF_PROG_LOAD action=ALLOW\n"), -EBADMSG,
		  "without BPF_PROG_LOAD_POST_INTEGRITY");

	ASSERT_EQ(policy_load(name, e.version, "DEFAULT action=ALLOW\n"
			      "op=BPF_PROG_LOAD bpf_integrity_verdict=OK action=ALLOW\n"),
		  -EBADMSG, "a report property on BPF_PROG_LOAD");
	ASSERT_EQ(policy_load(name, e.version, "DEFAULT action=ALLOW\n"
			      "op=EXECUTE bpf_signature=VERIFIED action=ALLOW\n"),
		  -EBADMSG, "a BPF property on EXECUTE");

	if (ASSERT_OK(policy_load(name, e.version, OLD_DEFAULTS
				  "DEFAULT op=BPF_PROG_LOAD action=ALLOW\n"
				  "DEFAULT op=BPF_PROG_LOAD_POST_INTEGRITY action=ALLOW\n"),
		      "with both BPF operations"))
		ASSERT_OK(policy_delete(name), "delete it");
out:
	ipe_end(&e);
}

/* Serial: the policies govern every process, other tests' included. */
void serial_test_ipe_bpf(void)
{
	/* Loaders that call the kfunc run only from an unshared fd table. */
	if (unshare(CLONE_FILES))
		fprintf(stderr, "unshare(CLONE_FILES): %d\n", -errno);
	if (test__start_subtest("unsigned_denied"))
		unsigned_denied();
	if (test__start_subtest("keyring"))
		keyring();
	if (test__start_subtest("loader_link"))
		loader_link();
	if (test__start_subtest("post_integrity_loader"))
		post_integrity_loader();
	if (test__start_subtest("post_integrity_bpf_lsm"))
		post_integrity_bpf_lsm();
	if (test__start_subtest("permissive"))
		permissive_mode();
	if (test__start_subtest("policy_compat"))
		policy_compat();
}
