#!/bin/bash
# Install what the build and the tests need, from Debian's archive only:
# host packages from the host's own release, and pahole 1.30 from trixie
# unpacked into a private root (bookworm's 1.24 is too old for 7.2), so
# the host is never upgraded to another release. Idempotent.
. "$(dirname "$0")/common.sh"

PKGS="build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync
      qemu-system-x86 busybox-static ccache quilt clang-19 llvm-19 lld-19
      libcap-dev zlib1g-dev libzstd-dev keyutils xz-utils openssl python3
      ca-certificates git python3-ply python3-git"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=" $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "need root to install: $missing"
	say "deps: installing" $missing
	apt-get -qq update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		die "apt-get install failed for: $missing"
fi

# pahole >= 1.26 from trixie, run through trixie's own loader.
TRIXIE_PKGS="pahole libc6 libbpf1 libdw1t64 libelf1t64 zlib1g libzstd1 liblzma5 libbz2-1.0"
if ! [ -x "$BIN/pahole" ] || ! "$BIN/pahole" --version >/dev/null 2>&1; then
	say "deps: pahole from trixie into $TOOLROOT"
	rm -rf "$CACHE/dl/trixie" "$TOOLROOT" && mkdir -p "$CACHE/dl/trixie" "$TOOLROOT" "$BIN"
	(cd "$CACHE/dl/trixie" && suite_apt trixie apt-get -qq download $TRIXIE_PKGS) ||
		die "could not download from trixie: $TRIXIE_PKGS"
	for d in "$CACHE"/dl/trixie/*.deb; do dpkg-deb -x "$d" "$TOOLROOT"; done
	lib=$TOOLROOT/usr/lib/x86_64-linux-gnu
	cat > "$BIN/pahole" <<EOW
#!/bin/sh
exec $lib/ld-linux-x86-64.so.2 --library-path $lib $TOOLROOT/usr/bin/pahole "\$@"
EOW
	chmod +x "$BIN/pahole"
fi
v=$("$BIN/pahole" --version) || die "pahole wrapper in $BIN does not run"
[ "${v#v}" \> "1.25" ] || die "pahole $v is older than 1.26"

# Debian's python3 (with python3-ply and python3-git) for checkpatch's SPDX check.
ln -sf /usr/bin/python3 "$BIN/python3"
# ccache in front of gcc for the kernel build.
for c in gcc cc; do
	[ -e "$BIN/$c" ] || ln -sf /usr/bin/ccache "$BIN/$c"
done
say "deps: ok (gcc $(gcc -dumpversion), clang $(clang-19 -dumpversion), pahole $v, $(qemu-system-x86_64 --version | head -1))"
