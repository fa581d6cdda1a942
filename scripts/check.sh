#!/bin/bash
# make check: every gate and every VM test, one result each, then
# "N passed, N failed". Exits non-zero if anything failed.
. "$(dirname "$0")/common.sh"
pass=0 fail=0
result() {	# result NAME STATUS
	if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "PASS: $1"
	else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
gate() {	# gate NAME CMD... (output kept in $OUT/gates/NAME.log, shown on failure)
	local name=$1 log=$OUT/gates/${1//\//_}.log; shift
	mkdir -p "$OUT/gates"
	if "$@" > "$log" 2>&1; then result "$name" 0
	else tail -30 "$log"; result "$name" 1; fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

"$TOP/scripts/deps.sh"
"$TOP/scripts/fetch-base.sh"
gate apply "$TOP/scripts/apply.sh" || true
[ "$fail" = 0 ] || finish
gate export-in-sync "$TOP/scripts/export.sh" --check

mapfile -t SERIES < <(list "$TOP/patches/series")
for p in "${SERIES[@]}"; do
	gate "checkpatch/$p" sh -c "cd '$WORK' && scripts/checkpatch.pl --strict --no-summary '$TOP/patches/$p'"
done
if [ ${#SERIES[@]} -gt 0 ]; then
	gate cover-letter sh -c "! grep -n '\*\*\* .* HERE \*\*\*' '$TOP/patches/0000-cover-letter.patch'"
fi
for f in $(git -C "$WORK" diff --name-only base HEAD -- '*.c' '*.h'); do
	[ -f "$WORK/$f" ] || continue
	gate "kernel-doc/$f" "$TOP/scripts/kernel-doc-new.sh" "$f"
done
gate build-bisect "$TOP/scripts/build-bisect.sh"
gate build-kernel "$TOP/scripts/build-kernel.sh"
gate build-kernel-b "$TOP/scripts/build-kernel.sh" b
gate build-selftests "$TOP/scripts/build-selftests.sh"
[ "$fail" = 0 ] || finish

# Kernel B must number bpf_loader_verify_metadata differently from the test
# kernel, or running the same signed loader on both proves nothing.
kfunc_btf_id() {
	"$OUT/selftests/bpftool/bootstrap/bpftool" btf dump file "$1/vmlinux" |
		sed -n "s/^\[\([0-9]*\)\] FUNC 'bpf_loader_verify_metadata' .*/\1/p"
}
btf_ids_differ() {
	local a b
	a=$(kfunc_btf_id "$WORK") b=$(kfunc_btf_id "$WORK_B")
	echo "bpf_loader_verify_metadata: BTF id ${a:-none} in the test kernel, ${b:-none} in kernel B"
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
}
gate kernel-b-btf-id-differs btf_ids_differ

# vm_tests PREFIX NAME 'test_progs arguments': boot (KTREE's kernel), run
# test_progs, and count one result per subtest (and per test without
# subtests) as test_progs reports them: "#N name:OK", "#N/M name/sub:OK".
# A SKIP is counted as a failure: a chosen test that did not run is no pass.
vm_tests() {
	local prefix=$1 name=$2 args=$3 log=$OUT/vm-$2/output rc ran=0 status sub
	"$TOP/scripts/vm-run.sh" "$name" "cd $VM_OUT/selftests && ./test_progs $args" && rc=0 || rc=$?
	[ -f "$log" ] && cat "$log"
	while read -r status sub; do
		ran=$((ran + 1))
		result "$prefix/$sub$([ "$status" = OK ] || echo " ($status)")" "$([ "$status" = OK ] && echo 0 || echo 1)"
	done < <(sed -n -E 's|^#[0-9]+(/[0-9]+)? +([^ :]+):(OK\|FAIL\|SKIP)$|\3 \2|p' "$log" 2>/dev/null |
		 awk '{ line[NR] = $0; name[NR] = $2; if ($2 ~ /\//) { split($2, a, "/"); has_sub[a[1]] = 1 } }
		      END { for (i = 1; i <= NR; i++) if (name[i] ~ /\// || !(name[i] in has_sub)) print line[i] }')
	result "$prefix/test_progs exit status" "$rc"
	[ "$ran" -gt 0 ] || result "$prefix: test_progs ran at least one test" 1
}
# Every test in scripts/selftests.list on the test kernel.
vm_tests vm selftests ""
# On kernel B, the light skeleton signed at build time, byte for byte the
# one that ran above.
KTREE=$WORK_B vm_tests vm-b selftests-b "-t 'signed_loader/signed_lskel_*'"
finish
