#!/bin/bash
# Build upstream's test_progs harness, from the applied tree's sources
# unchanged, for the tests in scripts/selftests.list only: libbpf and
# bpftool by their own Makefiles, vmlinux.h from the built kernel, the
# skeletons those tests include, and test_progs with its helpers.
# Building all of test_progs does not work with Debian's toolchains
# (libarena, bpf_testmod; see README) and would not fit CI's time.
#   scripts/build-selftests.sh            from $WORK, into $OUT/selftests
#   scripts/build-selftests.sh TREE DIR   from the tools/ of work tree TREE
#                                         (another commit), into $OUT/DIR,
#                                         the tests that exist there
. "$(dirname "$0")/common.sh"
need make gcc clang-19 "$BIN/pahole"
T=${1:-$WORK}			# the tools and tests; the kernel is $WORK's
S=$T/tools/testing/selftests/bpf
B=$OUT/${2:-selftests}
mkdir -p "$B/include" "$B/prog_tests" "$B/libbpf" "$B/bpftool"
# Compiled from here, so that the binaries do not depend on where the
# project is checked out (debug info records the directory).
cd "$B"
J=-j${JOBS:-$(nproc)}
mapfile -t TESTS < <(list "$TOP/scripts/selftests.list" | while read -r t; do
	[ -f "$S/prog_tests/$t.c" ] && echo "$t"; done)

say "selftests: libbpf, bpftool"
make -s $J -C "$T/tools/lib/bpf" OUTPUT="$B/libbpf/" DESTDIR="$B" prefix= \
	BUILD_STATIC_ONLY=1 install >/dev/null
make -s $J -C "$T/tools/bpf/bpftool" OUTPUT="$B/bpftool/" bootstrap >/dev/null
BPFTOOL=$B/bpftool/bootstrap/bpftool
LIBBPF=$B/libbpf/libbpf.a
"$BPFTOOL" btf dump file "$WORK/vmlinux" format c > "$B/include/vmlinux.h.tmp"
cmp -s "$B/include/vmlinux.h.tmp" "$B/include/vmlinux.h" || mv "$B/include/vmlinux.h.tmp" "$B/include/vmlinux.h"

# The key test_progs registers in its session keyring (as upstream does).
[ -f "$B/signing_key.der" ] || "$S/verify_sig_setup.sh" genkey "$B" >/dev/null
(echo "unsigned char test_progs_verification_cert[] = {"
 od -v -t xC -w12 "$B/signing_key.der" | sed 's/ \(\S\+\)/ 0x\1,/g;s/^\S\+/ /;$d'
 echo "};"
 echo "unsigned int test_progs_verification_cert_len = $(wc -c < "$B/signing_key.der");") > "$B/verification_cert.h"

# BPF objects and skeletons: exactly those the chosen tests include.
SYS_INC=$(clang-19 -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS=(-g -O2 --target=bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_x86 -mlittle-endian
	    -I"$B/include" -I"$S" -I"$T/tools/include/uapi" -I"$T/tools/include"
	    -I"$S/libarena/include" -std=gnu11 -fno-strict-aliasing -Wno-microsoft-anon-tag
	    -fms-extensions -Wno-compare-distinct-pointer-types -Wno-initializer-overrides
	    -DENABLE_ATOMICS_TESTS $SYS_INC)
skels=$(cd "$S/prog_tests" && grep -ho '"[a-z0-9_]*\.\(l\|\)skel\.h"' "${TESTS[@]/%/.c}" | tr -d '"' | sort -u)
# Light skeletons upstream's Makefile signs (LSKELS_SIGNED), signed alike,
# with --kernel-verify for those in LSKELS_KERNEL_VERIFY.
signed=" $(sed -n 's/^LSKELS_SIGNED := //p' "$S/Makefile") "
kverify=" $(sed -n 's/^LSKELS_KERNEL_VERIFY := //p' "$S/Makefile") "
for h in $skels; do
	name=${h%%.*}
	say "selftests: $h"
	clang-19 "${BPF_CFLAGS[@]}" -c "$S/progs/$name.c" -o "$B/$name.bpf.o"
	"$BPFTOOL" gen object "$B/$name.linked.o" "$B/$name.bpf.o"
	sign=()
	[[ $signed == *" $name.c "* ]] && sign=(-S -k "$B/signing_key.pem" -i "$B/signing_key.der")
	[[ $kverify == *" $name.c "* ]] && sign+=(--kernel-verify)
	case $h in
	*.lskel.h) "$BPFTOOL" gen skeleton -L "${sign[@]}" "$B/$name.linked.o" name "${name}_lskel" > "$B/$h" ;;
	*)	   "$BPFTOOL" gen skeleton "$B/$name.linked.o" name "$name" > "$B/$h" ;;
	esac
done

# Target BTF that tests name with __btf_path() (verifier_bitfield_write).
for f in $(for h in $skels; do grep -ho '__btf_path("[a-z0-9_]*\.bpf\.o")' "$S/progs/${h%%.*}.c"; done |
	   sed 's/.*"\(.*\)\.bpf\.o")/\1/' | sort -u); do
	say "selftests: $f.bpf.o"
	clang-19 "${BPF_CFLAGS[@]}" -c "$S/progs/$f.c" -o "$B/$f.bpf.o"
done

# tests.h as upstream generates it, for the chosen tests only.
(echo '/* Generated header, do not edit */'
 cd "$S/prog_tests" && sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/DEFINE_TEST(\2)/p' \
	"${TESTS[@]/%/.c}" | sort) > "$B/prog_tests/tests.h.tmp"
cmp -s "$B/prog_tests/tests.h.tmp" "$B/prog_tests/tests.h" || mv "$B/prog_tests/tests.h.tmp" "$B/prog_tests/tests.h"

CFLAGS=(-g -O0 -rdynamic -std=gnu11 -D_GNU_SOURCE= -Wall -Werror -fno-omit-frame-pointer
	-Wno-unused-but-set-variable -I"$B" -I"$S" -I"$B/include" -I"$T/tools/lib"
	-I"$T/tools/include" -I"$T/tools/arch/x86/include" -I"$T/tools/include/uapi"
	-I"$S/libarena/include")
HELPERS="test_progs.c cgroup_helpers.c trace_helpers.c network_helpers.c testing_helpers.c
	 btf_helpers.c cap_helpers.c unpriv_helpers.c sysctl_helpers.c netlink_helpers.c
	 jit_disasm_helpers.c io_helpers.c test_loader.c disasm.c disasm_helpers.c json_writer.c"
objs=()
for c in $HELPERS; do
	objs+=("$B/${c%.c}.o")
	gcc "${CFLAGS[@]}" -c "$S/$c" -o "$B/${c%.c}.o"
done
gcc "${CFLAGS[@]}" -c "$T/tools/lib/find_bit.c" -o "$B/find_bit.o"
objs+=("$B/find_bit.o")
for t in "${TESTS[@]}"; do
	say "selftests: prog_tests/$t.c"
	gcc -I. "${CFLAGS[@]}" -c "$S/prog_tests/$t.c" -o "$B/$t.test.o"
	objs+=("$B/$t.test.o")
done
gcc "${CFLAGS[@]}" "${objs[@]}" "$LIBBPF" -lelf -lz -lrt -lpthread -lcrypto -o "$B/test_progs"
# test_verifier, as upstream's Makefile builds it, for the 7.2 series head
# (check.sh runs it there and on the base). It loads bpf_testmod.ko before
# any test and stops if it can not; there is no module here, so its two
# module helpers are made no-ops at link time (--wrap), sources unchanged.
if [ "$EDITION" = 7.2 ] && [ -z "${2:-}" ]; then
	mkdir -p "$B/verifier"
	(echo '/* Generated header, do not edit */'; echo '#ifdef FILL_ARRAY'
	 cd "$S/verifier" && ls *.c | sed "s|.*|#include \"$S/verifier/&\"|"; echo '#endif') > "$B/verifier/tests.h"
	printf '%s\n' 'int __wrap_load_bpf_testmod(int verbose) { return 0; }' \
		'int __wrap_unload_bpf_testmod(int verbose) { return 0; }' > "$B/no_testmod.c"
	gcc "${CFLAGS[@]}" -I"$B" "$S/test_verifier.c" "$B/no_testmod.c" "$B/testing_helpers.o" \
		"$B/cap_helpers.o" "$B/unpriv_helpers.o" "$LIBBPF" -Wl,--wrap=load_bpf_testmod \
		-Wl,--wrap=unload_bpf_testmod -lelf -lz -lrt -lpthread -lcrypto -lcap -o "$B/test_verifier"
fi
# ipe_bpf signs IPE policies with the kernel's module signing key, which
# the kernel trusts (builtin keyring).
cp "$WORK/certs/signing_key.pem" "$B/ipe_policy_key.pem"
# The debug tier's soak and fault injection runs (scripts/vm-tool.c).
[ ! -f "$B/test_signed_payload.lskel.h" ] ||
	gcc "${CFLAGS[@]}" "$TOP/scripts/vm-tool.c" "$LIBBPF" -lelf -lz -lcrypto -o "$B/vm-tool"
gcc -I"$T/tools/include/uapi" "$T/scripts/sign-file.c" -o "$B/sign-file" -lcrypto
cp "$S/verify_sig_setup.sh" "$B/"
say "selftests: test_progs with ${#TESTS[@]} test(s) in $B: ${TESTS[*]}"
