#!/bin/bash
# Configure (tinyconfig + kvm_guest.config + scripts/vm.config) and build
# bzImage in the work tree, through ccache, with pahole from scripts/deps.sh.
. "$(dirname "$0")/common.sh"
need make gcc ccache pahole
cd "$WORK"
JOBS=${JOBS:-$(nproc)}
KMAKE=(make -s -j"$JOBS" PAHOLE="$BIN/pahole" KBUILD_BUILD_TIMESTAMP=2000-01-01
       KBUILD_BUILD_USER=build KBUILD_BUILD_HOST=vm)

want=$(cat "$TOP/scripts/vm.config" kernel/configs/kvm_guest.config | sha256sum | cut -c1-16)
if [ ! -f .config ] || [ "$(cat .config.fragment-stamp 2>/dev/null)" != "$want" ]; then
	say "kernel: configuring"
	"${KMAKE[@]}" tinyconfig >/dev/null
	scripts/kconfig/merge_config.sh -m -Q .config kernel/configs/kvm_guest.config \
		"$TOP/scripts/vm.config" >/dev/null
	echo "$want" > .config.fragment-stamp
fi
"${KMAKE[@]}" olddefconfig >/dev/null
bad=0
while IFS= read -r line; do
	grep -qxF "$line" .config || { echo "config: wanted $line, got: $(grep "^${line%%=*}=\|# ${line%%=*} is" .config || echo unset)" >&2; bad=1; }
done < <(grep '^CONFIG_' "$TOP/scripts/vm.config")
[ $bad = 0 ] || die "kernel config lacks options scripts/vm.config asks for"

say "kernel: make bzImage (-j$JOBS)"
mkdir -p "$OUT"
"${KMAKE[@]}" bzImage > "$OUT/kbuild.log" 2>&1 ||
	{ tail -40 "$OUT/kbuild.log" >&2; die "kernel build failed (log: $OUT/kbuild.log)"; }
say "kernel: $(cat include/config/kernel.release) built"
