#!/bin/bash
# Configure (tinyconfig + kvm_guest.config + scripts/vm.config) and build
# bzImage in the work tree, through ccache, with pahole from scripts/deps.sh.
#   scripts/build-kernel.sh     the test kernel, in $WORK
#   scripts/build-kernel.sh b   kernel B: the same commit in a second work
#                               tree, $WORK_B, with scripts/vm-b.config too
. "$(dirname "$0")/common.sh"
need make gcc ccache pahole
frags=("$TOP/scripts/vm.config")
if [ "${1:-}" = b ]; then
	[ -d "$WORK_B" ] || git -C "$WORK" worktree add -q --detach "$WORK_B"
	git -C "$WORK_B" checkout -q --detach "$(git -C "$WORK" rev-parse HEAD)"
	frags+=("$TOP/scripts/vm-b.config")
	cd "$WORK_B"
else
	cd "$WORK"
fi
JOBS=${JOBS:-$(nproc)}
KMAKE=(make -s -j"$JOBS" PAHOLE="$BIN/pahole" KBUILD_BUILD_TIMESTAMP=2000-01-01
       KBUILD_BUILD_USER=build KBUILD_BUILD_HOST=vm)

want=$(cat "${frags[@]}" kernel/configs/kvm_guest.config | sha256sum | cut -c1-16)
if [ ! -f .config ] || [ "$(cat .config.fragment-stamp 2>/dev/null)" != "$want" ]; then
	say "kernel: configuring"
	"${KMAKE[@]}" tinyconfig >/dev/null
	scripts/kconfig/merge_config.sh -m -Q .config kernel/configs/kvm_guest.config \
		"${frags[@]}" >/dev/null
	echo "$want" > .config.fragment-stamp
fi
"${KMAKE[@]}" olddefconfig >/dev/null
bad=0
while IFS= read -r line; do
	grep -qxF "$line" .config || { echo "config: wanted $line, got: $(grep "^${line%%=*}=\|# ${line%%=*} is" .config || echo unset)" >&2; bad=1; }
done < <(grep -h '^CONFIG_' "${frags[@]}")
[ $bad = 0 ] || die "kernel config lacks options ${frags[*]##*/} ask for"

say "kernel: make bzImage in $PWD (-j$JOBS)"
mkdir -p "$OUT"
"${KMAKE[@]}" bzImage > "$OUT/kbuild${1:+-$1}.log" 2>&1 ||
	{ tail -40 "$OUT/kbuild${1:+-$1}.log" >&2; die "kernel build failed (log: $OUT/kbuild${1:+-$1}.log)"; }
say "kernel: $(cat include/config/kernel.release) built"
