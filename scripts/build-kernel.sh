#!/bin/bash
# Configure (tinyconfig + kvm_guest.config + scripts/vm.config) and build
# bzImage in the work tree, through ccache, with pahole from scripts/deps.sh.
#   scripts/build-kernel.sh     the test kernel, in $WORK
#   scripts/build-kernel.sh b   kernel B: the same commit in a second work
#                               tree, $WORK_B, with scripts/vm-b.config too
#   scripts/build-kernel.sh base  the base without the series, in $WORK_BASE
#   scripts/build-kernel.sh bisect [COMMIT]  COMMIT (default: as the tree
#                               is) in a third work tree, $ECACHE/linux-bisect:
#                               the directories in $BISECT_DIRS if set (a
#                               compile test), else bzImage
. "$(dirname "$0")/common.sh"
need make gcc ccache pahole
frags=("$TOP/scripts/vm.config") guest=kernel/configs/kvm_guest.config target=bzImage
# worktree DIR COMMIT: DIR, a second work tree of $WORK, at COMMIT
worktree() {
	[ -d "$1" ] || git -C "$WORK" worktree add -q --detach "$1"
	git -C "$1" checkout -q --detach "$2"
	cd "$1"
}
case "${1:-}" in
b)	worktree "$WORK_B" "$(git -C "$WORK" rev-parse HEAD)"
	frags+=("$TOP/scripts/vm-b.config")
	# The test kernel's signing key, so that what the tests sign with it
	# (IPE policies) is trusted by both kernels.
	if [ -f "$WORK/certs/signing_key.pem" ] && ! cmp -s "$WORK/certs/signing_key.pem" certs/signing_key.pem; then
		cp "$WORK/certs/signing_key.pem" certs/signing_key.pem
	fi ;;
base)	worktree "$WORK_BASE" base
	export ABSENT_OK=1 ;;	# options the series adds do not exist there
bisect)	worktree "$ECACHE/linux-bisect" "${2:-HEAD}"
	target=${BISECT_DIRS:-bzImage}
	export ABSENT_OK=1 ;;
*)	cd "$WORK" ;;
esac
[ "$EDITION" = 7.2 ] || export ABSENT_OK=1
JOBS=${JOBS:-$(nproc)}
KMAKE=(make -s -j"$JOBS" PAHOLE="$BIN/pahole" KBUILD_BUILD_TIMESTAMP=2000-01-01
       KBUILD_BUILD_USER=build KBUILD_BUILD_HOST=vm)

want=$(cat $guest "${frags[@]}" | sha256sum | cut -c1-16)
configure() {
	say "kernel: configuring"
	"${KMAKE[@]}" tinyconfig >/dev/null
	scripts/kconfig/merge_config.sh -m -Q .config $guest "${frags[@]}" >/dev/null
	echo "$want" > .config.fragment-stamp
	"${KMAKE[@]}" olddefconfig >/dev/null
}
# The fragments' settings, "CONFIG_X=..." and "# CONFIG_X is not set", the
# last fragment's where two set the same option (merge_config.sh's rule).
settings() {
	awk 'match($0, /^CONFIG_[A-Za-z0-9_]+=/) { s = substr($0, 1, RLENGTH - 1) }
	     /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { s = $2 }
	     s != "" { if (!(s in v)) k[++n] = s; v[s] = $0; s = "" }
	     END { for (i = 1; i <= n; i++) print v[k[i]] }' "${frags[@]}"
}
# Every option of the fragments set as written. With ABSENT_OK, options
# whose symbol the tree does not have are let go: an earlier commit of the
# series (build-bisect.sh) lacks those it adds later, the base lacks them
# all, and the 7.3 edition lacks IPE's BPF properties.
config_ok() {
	local line sym bad=0
	while IFS= read -r line; do
		grep -qxF "$line" .config && continue
		case $line in "# "*) grep -q "^${line:2:-11}=" .config || continue ;; esac
		sym=${line%%=*} && sym=${sym#CONFIG_}
		[ -n "${ABSENT_OK:-}" ] && ! grep -rqx --include='Kconfig*' "config $sym" . && continue
		[ -z "${1:-}" ] || echo "config: wanted $line, got: $(grep "^${line%%=*}=\|# ${line%%=*} is" .config || echo unset)" >&2
		bad=1
	done < <(settings)
	return $bad
}
if [ ! -f .config ] || [ "$(cat .config.fragment-stamp 2>/dev/null)" != "$want" ]; then
	configure
else
	"${KMAKE[@]}" olddefconfig >/dev/null
fi
# A commit built before may have dropped options this one has: start over.
config_ok || configure
config_ok verbose || die "kernel config lacks options ${frags[*]##*/} ask for"

say "kernel: make $target in $PWD (-j$JOBS)"
mkdir -p "$OUT"
"${KMAKE[@]}" $target > "$OUT/kbuild${1:+-$1}.log" 2>&1 ||
	{ tail -40 "$OUT/kbuild${1:+-$1}.log" >&2; die "kernel build failed (log: $OUT/kbuild${1:+-$1}.log)"; }
say "kernel: $(cat include/config/kernel.release) built"
