#!/bin/bash
# make bench: boot the series kernel once and measure what the kernel's
# metadata check costs a signed light skeleton (scripts/bench/bench.c says
# what and how). Needs make selftests (the series' libbpf and bpftool, the
# signing key). Builds 7.2.13's own libbpf and bpftool from the base tree.
#   scripts/bench.sh [ROUNDS [NAME]]   default 50 rounds, NAME bench
# Output: the summary on stdout and in $OUT/vm-NAME/output, the raw samples
# in $OUT/vm-NAME/samples.csv, and for make bench in $OUT/bench/samples.csv.
# Any NAME but bench is a smoke run (make check: bench-smoke, 1 round): it
# judges no figure, so figures the bench calls unusable (exit 3: a clock too
# coarse or changed during the run, or a and b apart where they do the same
# work) pass it. The guest has two CPUs (section 3: loaders at once).
. "$(dirname "$0")/common.sh"
rounds=${1:-50} vm=${2:-bench}
B=$OUT/bench S=$OUT/selftests
mkdir -p "$B/base/libbpf" "$B/base/bpftool" "$B/series"
[ -x "$S/test_progs" ] || die "run make selftests first"
[ -d "$WORK_BASE" ] || git -C "$WORK" worktree add -q --detach "$WORK_BASE" base
J=-j${JOBS:-$(nproc)}

say "bench: 7.2.13's libbpf and bpftool"
make -s $J -C "$WORK_BASE/tools/lib/bpf" OUTPUT="$B/base/libbpf/" DESTDIR="$B/base" prefix= \
	BUILD_STATIC_ONLY=1 install >/dev/null
make -s $J -C "$WORK_BASE/tools/bpf/bpftool" OUTPUT="$B/base/bpftool/" bootstrap >/dev/null

# One object per blob size, two light skeletons of each, signed alike.
SYS_INC=$(clang-19 -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
KEY=(-k "$S/signing_key.pem" -i "$S/signing_key.der")
for size in 4k:1024 64k:61440 1m:1044480; do
	name=${size%%:*} pad=${size#*:}
	clang-19 -g -O2 --target=bpf -mcpu=v3 -Wno-missing-declarations -DPAD="$pad" -I"$S/include" $SYS_INC \
		-c "$TOP/scripts/bench/payload.bpf.c" -o "$B/payload_$name.o"
	"$B/base/bpftool/bootstrap/bpftool" gen skeleton -L -S "${KEY[@]}" "$B/payload_$name.o" \
		name "bench_a_$name" > "$B/base/bench_a_$name.lskel.h"
	"$S/bpftool/bootstrap/bpftool" gen skeleton -L -S --kernel-verify "${KEY[@]}" \
		"$B/payload_$name.o" name "bench_b_$name" > "$B/series/bench_b_$name.lskel.h"
done

# Each variant with its own libbpf headers (skel_internal.h) and UAPI.
gcc -O2 -Wall -Werror -DVARIANT=a -I"$B/base" -I"$B/base/include" \
	-I"$WORK_BASE/tools/include/uapi" -c "$TOP/scripts/bench/lskel.c" -o "$B/lskel_a.o"
gcc -O2 -Wall -Werror -DVARIANT=b -I"$B/series" -I"$S/include" \
	-I"$WORK/tools/include/uapi" -c "$TOP/scripts/bench/lskel.c" -o "$B/lskel_b.o"
gcc -O2 -Wall -Werror -I"$WORK/tools/lib" -I"$WORK/tools/include/uapi" -I"$WORK/tools/include" \
	"$TOP/scripts/bench/bench.c" "$B/lskel_a.o" "$B/lskel_b.o" \
	"$S/libbpf/libbpf.a" -Wl,--wrap=syscall -lelf -lz -o "$B/bench"
cp "$S/sign-file" "$S/signing_key.pem" "$S/signing_key.der" "$B/"

say "bench: $rounds rounds in one boot"
VM_CPUS=2 VM_TIMEOUT=${VM_TIMEOUT:-3600} "$TOP/scripts/vm-run.sh" "$vm" "cd $VM_OUT/bench && ./bench $rounds" && rc=0 || rc=$?
cat "$OUT/vm-$vm/output"
# 3: it all ran, but the figures are unusable; the smoke judges none.
[ "$rc" != 3 ] || [ "$vm" = bench ] || rc=0
[ "$vm" != bench ] || [ ! -f "$OUT/vm-bench/samples.csv" ] || cp "$OUT/vm-bench/samples.csv" "$B/samples.csv"
exit $rc
