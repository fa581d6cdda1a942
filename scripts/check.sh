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
	local name=$1 log=$OUT/gates/${1//\//_}.log t0=$SECONDS; shift
	mkdir -p "$OUT/gates"
	if "$@" > "$log" 2>&1; then result "$name" 0; gate_rc=0
	else tail -30 "$log"; result "$name" 1; gate_rc=1; fi
	took $t0 "$name"
}
# took START NAME: NAME took from START (a $SECONDS) until now; the
# longest steps are listed at the end, where CI's excerpt of the output is.
steps=()
took() { steps+=("$((SECONDS - $1)) $2"); }
finish() {
	[ -z "${ob_pid:-}" ] || collect_ob	# the other 7.2.y builds, if not counted yet
	[ -z "${b_pid:-}" ] || collect_b	# kernel B's boot, if it still runs
	printf '%s\n' "${steps[@]}" | sort -rn | head -15 | awk '{ t = $1; $1 = ""; printf "time: %5d s%s\n", t, $0 }'
	echo "make check: $((SECONDS / 60)) min $((SECONDS % 60)) s"
	echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?
}

t0=$SECONDS
"$TOP/scripts/deps.sh"
"$TOP/scripts/fetch-base.sh"
took $t0 "deps and the base"
rm -rf "$OUT/gates"	# no log of a gate that no longer exists
gate apply "$TOP/scripts/apply.sh" || true
[ "$fail" = 0 ] || finish
# Downloads and unpacking, mostly waiting on the network and the disk, run
# in the background while the kernels build: the other 7.2.y builds Debian
# serves (counted by collect_ob) and the 7.3 edition's base (fetched again,
# in the foreground, where its gates begin).
# (One job: the two share apt lists.)
mkdir -p "$OUT/gates"
{ "$TOP/scripts/other-bases.sh" 2> "$OUT/gates/other-bases.log" ||
	echo "FAIL: other-bases: scripts/other-bases.sh stopped (see $OUT/gates/other-bases.log)"
  env -u BASE_DEB_VERSION -u BASE_SHA256 -u BASE_TARBALL EDITION=7.3 \
	"$TOP/scripts/fetch-base.sh" > "$OUT/gates/fetch-base-7.3.log" 2>&1; } > "$OUT/other-bases.out" &
ob_pid=$!
# One result per other linux-source-7.2 build Debian serves; NOTE lines (the
# canonical base, a build no longer served) are not results.
collect_ob() {
	wait "$ob_pid" || true
	ob_pid=
	while IFS= read -r line; do
		case $line in PASS:*) result "${line#PASS: }" 0 ;; FAIL:*) result "${line#FAIL: }" 1 ;; *) echo "$line" ;; esac
	done < "$OUT/other-bases.out"
}
gate export-in-sync "$TOP/scripts/export.sh" --check

# The gates of one edition's patches (PREFIX: "" or "7.3/"), on $PATCHES.
# fix_gates: the fixes (patches with a Fixes: tag) apply and build on the
# base alone. lint_gates: checkpatch, one result per patch (the base is a
# tarball without upstream's history: checkpatch can not look up the
# commits that Fixes: tags name; they were checked against upstream), and
# no placeholder left in the cover letter.
fix_gates() {
	local p
	for p in $(cd "$PATCHES" && grep -l '^Fixes: ' "${SERIES[@]}"); do
		gate "${1}fix-alone/$p" "$TOP/scripts/build-fix-alone.sh" "$p"
	done
}
lint_gates() {
	local p
	for p in "${SERIES[@]}"; do
		gate "${1}checkpatch/$p" sh -c "cd '$WORK' && scripts/checkpatch.pl --strict --no-summary --ignore UNKNOWN_COMMIT_ID '$PATCHES/$p'"
	done
	gate "${1}cover-letter" sh -c "! grep -n '\*\*\* .* HERE \*\*\*' '$PATCHES/0000-cover-letter.patch'"
}

mapfile -t SERIES < <(list "$PATCHES/series")
# What kernel B's boot needs first: it is the longest step, and starts as
# soon as it can; the other builds (the fixes alone, each commit, the base)
# run beside it.
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

# known_test_ok TEST LOG: TEST is in scripts/selftests.known, the assertion
# listed there passed, and every assertion that failed is one it allows.
known_test_ok() {
	local test must allowed fails
	IFS=$'\t' read -r test must allowed < <(list "$TOP/scripts/selftests.known" | awk -F'\t' -v t="$1" '$1 == t') || return 1
	[ -n "$test" ] || return 1
	grep -q "^test_$1:PASS:$must " "$2" || return 1
	fails=$(grep "^test_$1:FAIL:" "$2" | grep -v "^test_$1:FAIL:$allowed")
	[ -z "$fails" ] && echo "KNOWN: $1: $must passed; $allowed needs bpf_testmod.ko"
}

# vm_tests PREFIX NAME 'test_progs arguments' ['more commands']: boot
# (KTREE's kernel), run test_progs, and count one result per subtest (and
# per test without subtests) as test_progs reports them: "#N name:OK",
# "#N/M name/sub:OK". A SKIP is counted as a failure: a chosen test that
# did not run is no pass. The commands of a fourth argument run afterwards
# in the same boot, in the test binaries' directory; what they write to
# /tmp/out lands in $OUT/vm-NAME. $VM_BEFORE runs before test_progs.
vm_cmd() {	# vm_cmd ARGS [MORE]: the guest's command line
	local cmd="${VM_BEFORE:-}cd $VM_OUT/${SELFTESTS:-selftests} && ./test_progs $1"
	[ -z "${2:-}" ] || cmd="$cmd; rc=\$?; $2; exit \$rc"
	echo "$cmd"
}
vm_tests() {
	local rc t0=$SECONDS
	"$TOP/scripts/vm-run.sh" "$2" "$(vm_cmd "$3" "${4:-}")" && rc=0 || rc=$?
	took $t0 "$1 (boot)"
	progs_results "$1" "$OUT/vm-$2/output" "$rc"
}
# vm_bg NAME ARGS [MORE]: the boot of vm_tests, to be run in the background
# (a VM under TCG keeps about one core busy); its exit status and
# vm-run.sh's messages go to $OUT/vm-NAME.rc and .log, and its results are
# counted later.
vm_bg() {
	{ "$TOP/scripts/vm-run.sh" "$1" "$(vm_cmd "$2" "${3:-}")" && rc=0 || rc=$?
	  echo "$rc" > "$OUT/vm-$1.rc"; } > "$OUT/vm-$1.log" 2>&1
}
vm_took() {	# vm_took NAME PREFIX: the time vm-run.sh logged for a background boot
	local s
	s=$(sed -n "s/.* finished after \([0-9]*\)s$/\1/p" "$BOUT/vm-$1.log" 2>/dev/null)
	[ -z "$s" ] || steps+=("$s $2 (boot, in the background)")
}
# progs_lines LOG: "STATUS NAME" per subtest, and per test without subtests,
# of a test_progs log (not the failures' logs repeated at its end).
progs_lines() {
	sed '/^All error logs:$/,$d' "$1" 2>/dev/null |
		sed -n -E 's|^#[0-9]+(/[0-9]+)? +(.+):(OK\|FAIL\|SKIP)$|\3 \2|p' |
		awk '{ st = $1; n = substr($0, length(st) + 2); line[NR] = $0; name[NR] = n
		       if (n ~ /\//) { split(n, a, "/"); has_sub[a[1]] = 1 } }
		     END { for (i = 1; i <= NR; i++) if (name[i] ~ /\// || !(name[i] in has_sub)) print line[i] }'
}
# progs_results PREFIX LOG EXIT_STATUS: the results of one test_progs run.
progs_results() {
	local prefix=$1 log=$2 rc=$3 ran=0 known=0 other=0 status sub
	[ -f "$log" ] && cat "$log"
	while read -r status sub; do
		ran=$((ran + 1))
		if [ "$status" = FAIL ] && known_test_ok "$sub" "$log"; then
			known=$((known + 1))
			result "$prefix/$sub (only what needs bpf_testmod.ko failed, scripts/selftests.known)" 0
			continue
		fi
		[ "$status" = OK ] || other=$((other + 1))
		result "$prefix/$sub$([ "$status" = OK ] || echo " ($status)")" "$([ "$status" = OK ] && echo 0 || echo 1)"
	done < <(progs_lines "$log")
	# test_progs exits 1 when a test failed, the known ones too; vm-run.sh
	# exits 125 when the VM itself failed (kernel report, timeout).
	if [ "$rc" = 1 ] && [ "$known" -gt 0 ] && [ "$other" = 0 ]; then
		result "$prefix/test_progs exit status (1: only the known failures above)" 0
	else
		result "$prefix/test_progs exit status" "$rc"
	fi
	[ "$ran" -gt 0 ] || result "$prefix: test_progs ran at least one test" 1
}
# KUnit suites run at boot: one result per case of the console's TAP output.
kunit_results() {	# kunit_results PREFIX CONSOLE_LOG
	local status name n=0
	while read -r status name; do
		n=$((n + 1))
		result "$1/$name$([ "$status" = ok ] || echo " ($status)")" "$([ "$status" = ok ] && echo 0 || echo 1)"
	done < <(sed -E 's/^\[[^]]*\] ?//' "$2" | awk '
		/^    # Subtest: / { suite = $3; next }
		/^        (ok|not ok) [0-9]+ / { next }
		/^    (ok|not ok) [0-9]+ / && suite != "" {
			st = ($1 == "ok") ? "ok" : "FAIL"; name = ($1 == "ok") ? $3 : $4
			if ($0 ~ /# SKIP/) st = "SKIP"
			print st, suite "/" name }')
	[ "$n" -gt 0 ] || result "$1: KUnit reported at least one case" 1
}

# The results of a test_verifier run as "NUMBER STATUS p|u description"
# lines (tv_numbered), and without the number (tv_lines: the series adds
# tests, so a number names another test in another build).
tv_numbered() {
	sed -n -E -e 's/^#([0-9]+)\/([up]) (.*) Did not run the program \(.*\) OK$/\1 OK \2 \3/p' \
		  -e 's/^#([0-9]+)\/([up]) (.*) (OK|FAIL|SKIP)$/\1 \4 \2 \3/p' "$1"
}
tv_lines() { tv_numbered "$1" | cut -d' ' -f2-; }
# Upstream's verifier suites on the series head: the verifier_* tests of
# test_progs, and test_verifier (unprivileged runs included; the lean
# kernels refuse those by default). Their output goes to
# $OUT/vm-NAME/verifier_progs and test_verifier.
UNPRIV="echo 0 > /proc/sys/kernel/unprivileged_bpf_disabled"
VERIFIER_SUITES="$UNPRIV
	./test_verifier > /tmp/out/test_verifier 2>&1
	./test_progs -t verifier_ > /tmp/out/verifier_progs 2>&1"
# base_suites: what the base's boot runs of the same suites, the same
# binaries: the tests the known lists name (the test_verifier tests by
# their numbers in the head's run, the verifier_* tests whole). Every
# other test must pass on the head (suite_results), so only one of those
# can pass on the base and not with the series (no_regression).
base_suites() {
	local nums tests
	nums=$(awk 'NR == FNR { k[$0]; next } { n = $1; sub(/^[0-9]+ [A-Z]+ /, ""); if ($0 in k) print n }' \
		<(list "$TOP/scripts/test_verifier.known") <(tv_numbered "$OUT/vm-selftests/test_verifier") | tr '\n' ' ')
	tests=$(list "$TOP/scripts/verifier_progs.known" | cut -d/ -f1 | sort -u | paste -sd,)
	echo "$UNPRIV
	for n in $nums; do ./test_verifier \$n; done > /tmp/out/test_verifier 2>&1
	./test_progs -t $tests > /tmp/out/verifier_progs 2>&1"
}
# listed KNOWN NAME: KNOWN names the test NAME ("test/" names its subtests).
listed() {
	list "$1" | awk -v n="$2" '$0 == n || (/\/$/ && index(n, $0) == 1) { f = 1 } END { exit !f }'
}
# suite_results PREFIX KNOWN RESULTS: one result per test of RESULTS
# ("STATUS NAME" lines) that passed or failed; the failures and skips
# KNOWN lists (the lean kernels' reasons, base and series alike) are
# listed and counted neither way.
suite_results() {
	local status name n=0
	[ -s "$3" ] || { result "$1: the suite ran" 1; return; }
	result "$1: the suite ran to its end (its Summary line)" \
		"$(grep -q '^Summary: ' "${3%.results}" && echo 0 || echo 1)"
	while read -r status name; do
		if [ "$status" = OK ]; then
			result "$1/$name" 0
		elif listed "$2" "$name"; then
			n=$((n + 1)); echo "KNOWN: $1/$name ($status)"
		else
			result "$1/$name ($status)" 1
		fi
	done < "$3"
	echo "$1: $n known failures and skips (${2#"$TOP"/}) counted neither way"
}
# no_regression NAME BASE_RESULTS HEAD_RESULTS: every test that passes on
# the base passes with the series (the base ran those base_suites names).
no_regression() {
	local lost
	lost=$(comm -23 <(sed -n 's/^OK //p' "$2" | sort) <(sed -n 's/^OK //p' "$3" | sort))
	echo "$1: on the base, $(grep -c '^OK ' "$2") of the $(wc -l < "$2") tests run pass; with the series, $(grep -c '^OK ' "$3") of $(wc -l < "$3")"
	[ -z "$lost" ] || { echo "$1: passes on the base, not with the series:"; echo "$lost"; }
	result "vm-base/$1: nothing that passes on the base fails with the series" \
		"$([ -s "$2" ] && [ -s "$3" ] && [ -z "$lost" ] && echo 0 || echo 1)"
}
# suites_lines NAME: the results of both suites in $OUT/vm-NAME.
suites_lines() {
	tv_lines "$OUT/vm-$1/test_verifier" > "$OUT/vm-$1/test_verifier.results"
	progs_lines "$OUT/vm-$1/verifier_progs" > "$OUT/vm-$1/verifier_progs.results"
}

NOT_HERE="-b signed_loader_verify/old_kernel_refuses,ipe_bpf,verifier_"
# Kernel B (KASAN, lockdep and kmemleak under TCG) runs the tests several
# times slower than the test kernel: there test_progs' watchdog, which
# kills a test after 120 s, waits 600 s. The soak has 100 cycles (46 s
# beside the other boots, 2026-12-01).
B_ARGS="-w 600" SOAK=100
# Kernel B, the debug kernel: every test again (among them the light
# skeleton signed at build time, byte for byte the one that runs on the
# test kernel, on other BTF ids), then the soak and the fault injection
# runs, then a kmemleak scan. vm-run.sh fails the run on any KASAN,
# lockdep, RCU or sleeping-in-atomic report. Faults are injected only
# through fail-nth. The longest boot (KASAN under TCG): it runs in the
# background from here on, and is counted at the end (collect_b). Then,
# in the same background job, ipe_bpf on kernel B: it leaves an IPE policy
# active, so it has a boot of its own.
KMEMLEAK_SCAN="D=/sys/kernel/debug; echo scan > \$D/kmemleak; sleep 5; echo scan > \$D/kmemleak; cat \$D/kmemleak > /tmp/out/kmemleak"
DEBUG_TIER="D=/sys/kernel/debug
	for f in failslab fail_page_alloc; do echo 0 > \$D/\$f/ignore-gfp-wait; echo 0 > \$D/\$f/verbose; done
	./vm-tool soak $SOAK > /tmp/out/soak 2>&1; echo \$? >> /tmp/out/soak
	./vm-tool faults > /tmp/out/faults 2>&1; echo \$? >> /tmp/out/faults
	$KMEMLEAK_SCAN"
KMEMLEAK_CLEAR="mount -t debugfs debugfs /sys/kernel/debug; echo scan > /sys/kernel/debug/kmemleak; echo clear > /sys/kernel/debug/kmemleak; "
BOUT=$OUT
b_boot() {	# b_boot NAME ARGS MORE: vm_bg on kernel B, kmemleak cleared first
	VM_BEFORE=$KMEMLEAK_CLEAR KTREE=$WORK_B VM_TIMEOUT=${VM_TIMEOUT_B:-3600} \
		vm_bg "$1" "$B_ARGS $2" "$3"
}
{ b_boot selftests-b "$NOT_HERE" "$DEBUG_TIER"
  b_boot selftests-b-ipe "-t ipe_bpf" "$KMEMLEAK_SCAN"; } &
b_pid=$!

# Beside kernel B's boot: each fix alone on the base, each commit of the
# series, the base kernel (the fixes' builds fill ccache for it).
fix_gates ""
gate build-bisect "$TOP/scripts/build-bisect.sh"
gate build-kernel-base "$TOP/scripts/build-kernel.sh" base
collect_ob
[ "$fail" = 0 ] || finish
debug_result() {	# debug_result NAME FILE: its last line is the exit status
	[ -s "$2" ] && cat "$2" | grep -v '^[0-9]*$'
	result "vm-b/$1" "$([ -s "$2" ] && [ "$(tail -1 "$2")" = 0 ] && echo 0 || echo 1)"
}
kmemleak_result() {	# kmemleak_result NAME FILE: the scan found nothing
	[ ! -s "$2" ] || head -60 "$2"
	result "$1" "$([ -f "$2" ] && [ ! -s "$2" ] && echo 0 || echo 1)"
}
collect_b() {
	local d=$BOUT/vm-selftests-b
	wait "$b_pid" || true
	b_pid=
	cat "$BOUT/vm-selftests-b.log"
	vm_took selftests-b vm-b
	progs_results vm-b "$d/output" "$(cat "$BOUT/vm-selftests-b.rc" 2>/dev/null || echo 1)"
	debug_result "soak: $SOAK signed loads and $SOAK refused ones, nothing left behind" "$d/soak"
	debug_result "faults: a failure at each allocation point leaves nothing behind" "$d/faults"
	kmemleak_result "vm-b/kmemleak: no leak after every test, the soak and the faults" "$d/kmemleak"
	d=$BOUT/vm-selftests-b-ipe
	cat "$BOUT/vm-selftests-b-ipe.log"
	vm_took selftests-b-ipe vm-b-ipe
	progs_results vm-b-ipe "$d/output" "$(cat "$BOUT/vm-selftests-b-ipe.rc" 2>/dev/null || echo 1)"
	kmemleak_result "vm-b-ipe/kmemleak: no leak after ipe_bpf" "$d/kmemleak"
}

# The lint gates, while kernel B boots.
lint_gates ""
for f in $(git -C "$WORK" diff --name-only base HEAD -- '*.c' '*.h'); do
	[ -f "$WORK/$f" ] || continue
	gate "kernel-doc/$f" "$TOP/scripts/kernel-doc-new.sh" "$f"
done

# Every test in scripts/selftests.list on the test kernel (old_kernel_refuses
# is for kernels without the series), the verifier suites, KUnit.
vm_tests vm selftests "$NOT_HERE" "$VERIFIER_SUITES"
suites_lines selftests
suite_results vm/test_verifier "$TOP/scripts/test_verifier.known" "$OUT/vm-selftests/test_verifier.results"
suite_results vm/verifier_progs "$TOP/scripts/verifier_progs.known" "$OUT/vm-selftests/verifier_progs.results"
kunit_results vm/kunit "$OUT/vm-selftests/console.log"
# On the base: a loader that calls the kfunc is refused there, and every
# test of the verifier suites that passes there passes with the series.
KTREE=$WORK_BASE vm_tests vm-base selftests-base "-t signed_loader_verify/old_kernel_refuses" "$(base_suites)"
suites_lines selftests-base
for suite in test_verifier verifier_progs; do
	no_regression "$suite" "$OUT/vm-selftests-base/$suite.results" "$OUT/vm-selftests/$suite.results"
done
# ipe_bpf leaves an IPE policy active: a boot of its own.
vm_tests vm-ipe selftests-ipe "-t ipe_bpf"

# Every patch leaves the tests that exist at that point green: the commit
# that changes libbpf is the one where that could break, so its selftests
# (libbpf, bpftool and tests of that commit) run too, on the head's kernel,
# which is that commit's.
for c in $(git -C "$WORK" log --format=%h --grep='^libbpf: ' base..HEAD); do
	gate "build-selftests-at/$c" "$TOP/scripts/selftests-at.sh" "$c"
	[ "$gate_rc" != 0 ] || SELFTESTS=selftests-at vm_tests "vm-at-$c" selftests-at "$NOT_HERE"
done

# The series' own tests again on two CPUs (the other test boots but the
# bench's have one, see scripts/vm-run.sh): concurrent loads and
# verifications on CPUs of their own.
VM_CPUS=2 vm_tests vm-smp2 selftests-smp2 "-t signed_loader_verify,signed_inputs,lsm_post_integrity $NOT_HERE"

# make bench still builds and runs: one round on the test kernel (13 to
# 18 s warm). Its figures are not judged; a load that fails fails it.
gate bench-smoke "$TOP/scripts/bench.sh" 1 bench-smoke

# The 7.3 edition (patches/7.3/) on Debian's 7.3.4, in its own work tree:
# applied with git am and quilt, in sync with patches/ where it shares
# patches, each patch building on its own and the fix alone, then 7.3's
# own signed_loader tests, the relocation attack (signed_inputs),
# lsm_post_integrity, test_lsm and the wrapper's KUnit test.
export EDITION=7.3
unset BASE_DEB_VERSION BASE_SHA256 BASE_TARBALL
fail72=$fail
. "$TOP/scripts/common.sh"
"$TOP/scripts/fetch-base.sh"
gate 7.3/apply "$TOP/scripts/apply.sh"
[ "$gate_rc" = 0 ] || finish
gate 7.3/export-in-sync "$TOP/scripts/export.sh" --check
mapfile -t SERIES < <(list "$PATCHES/series")
lint_gates 7.3/
fix_gates 7.3/
gate 7.3/build-bisect "$TOP/scripts/build-bisect.sh"
gate 7.3/build-kernel "$TOP/scripts/build-kernel.sh"
gate 7.3/build-selftests "$TOP/scripts/build-selftests.sh"
[ "$fail" = "$fail72" ] || finish
vm_tests 7.3/vm selftests "-t signed_loader,signed_inputs,lsm_post_integrity,test_lsm"
kunit_results 7.3/vm/kunit "$OUT/vm-selftests/console.log"
finish
