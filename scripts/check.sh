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
gate build-selftests "$TOP/scripts/build-selftests.sh"
[ "$fail" = 0 ] || finish

# The VM: test_progs for every test in scripts/selftests.list; one result
# per subtest (and per test without subtests), as test_progs reports them.
log=$OUT/vm-selftests/output
"$TOP/scripts/vm-run.sh" selftests "cd $VM_OUT/selftests && ./test_progs" && vmrc=0 || vmrc=$?
[ -f "$log" ] && cat "$log"
# test_progs prints "#N name:OK" per test and "#N/M name/sub:OK" per subtest.
# A SKIP is counted as a failure: a chosen test that did not run is no pass.
ran=0
while read -r status name; do
	ran=$((ran + 1))
	result "vm/$name$([ "$status" = OK ] || echo " ($status)")" "$([ "$status" = OK ] && echo 0 || echo 1)"
done < <(sed -n -E 's|^#[0-9]+(/[0-9]+)? +([^ :]+):(OK\|FAIL\|SKIP)$|\3 \2|p' "$log" 2>/dev/null |
	 awk '{ line[NR] = $0; name[NR] = $2; if ($2 ~ /\//) { split($2, a, "/"); has_sub[a[1]] = 1 } }
	      END { for (i = 1; i <= NR; i++) if (name[i] ~ /\// || !(name[i] in has_sub)) print line[i] }')
result "vm/test_progs exit status" "$vmrc"
[ "$ran" -gt 0 ] || result "vm: test_progs ran at least one test" 1
finish
