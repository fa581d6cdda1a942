#!/bin/bash
# Test fetch-base.sh's search with a throwaway $CACHE (the real one is not
# touched; 2.5 GB and a few minutes). Without the suite that serves the pinned
# base (SUITE, default sid) it must find the base elsewhere or fail saying
# what every suite serves; with SUITE last, it must find the base.
#   scripts/test-fetch-base.sh [SUITE]
. "$(dirname "$0")/common.sh"
home=${1:-sid}
others=$(echo $(grep -vxF "$home" <<<"$SUITES"))
t=$(mktemp -d) && trap 'rm -rf "$t"' EXIT
run() {	# run SUITES: fetch-base.sh into $t, output also in $t/log
	rm -rf "$t/base.git" "$t/dl"
	CACHE=$t BASE_SUITE= BASE_SUITES="$1" "$TOP/scripts/fetch-base.sh" 2>&1 | tee "$t/log"
}
found() { grep -q '^==> base: Debian .*, linux-source-7.2 ' "$t/log" &&
	git -C "$t/base.git" log -1 --format=%b base | grep -qx "tarball sha256: $BASE_SHA256"; }

say "test: BASE_SUITES=\"$others\""
if run "$others"; then
	found || die "fetch-base.sh succeeded without naming the pinned base's suite"
else
	for s in $others; do grep -q "^         $s: " "$t/log" || die "the message does not say what $s serves"; done
fi
say "test: BASE_SUITES=\"$others $home\""
run "$others $home" && found || die "the pinned base was not found"
say "test: fetch-base.sh passed"
