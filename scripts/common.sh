# Shared settings for the project's scripts. Source it; do not run it.
# Everything the scripts make lives under $CACHE, outside the checkout.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpf-post-integrity}
BASE_VERSION=7.2.13
BASE_DEB_VERSION=${BASE_DEB_VERSION:-7.2.13-1}
BASE_SUITE=${BASE_SUITE:-sid}
BASE_SHA256=${BASE_SHA256:-ecb3877b9988c936dcc64c63af8a54c2fa6df7f717d4e5ee429d0f4c4859e68b}
BASE_GIT=$CACHE/base.git            # bare repo, one commit, tag "base"
WORK=$CACHE/linux                   # work tree the series is applied to
WORK_B=$CACHE/linux-b               # its head again, built as kernel B (scripts/vm-b.config)
WORK_BASE=$CACHE/linux-base         # the base without the series, for regression tests
TOOLROOT=$CACHE/toolroot            # private trixie root (pahole)
BIN=$CACHE/bin                      # wrappers put first in PATH
OUT=$CACHE/out                      # test binaries, logs
VM_OUT=/run/out                     # $OUT as the test VM sees it (read-only)
export PATH="$BIN:/usr/lib/llvm-19/bin:$PATH"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_NOHASHDIR=1           # so that both work trees share the cache

# The one project identity; a submitter substitutes their own here.
AUTHOR_NAME=${AUTHOR_NAME:-"BPF Post-Integrity Series"}
AUTHOR_EMAIL=${AUTHOR_EMAIL:-"bpf-post-integrity@example.org"}
# RFC until the loader half and an in-tree LSM user are in the series.
SUBJECT_PREFIX=${SUBJECT_PREFIX:-"RFC PATCH"}

die() { echo "error: $*" >&2; exit 1; }
# The lines of a list file (patches/series, scripts/selftests.list) without comments and blanks.
list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"; }
# $WORK/.git/applied-series: "<hash of patches/> <work tree head that matches it>",
# written by apply.sh after git am and by export.sh after writing patches/.
series_stamp() { (cd "$TOP/patches" && cat series $(list series) | sha256sum | cut -c1-16); }
mark_applied() { echo "$(series_stamp) $(git -C "$WORK" rev-parse HEAD)" > "$WORK/.git/applied-series"; }
say() { echo "==> $*" >&2; }
# kernel_tree COMMIT: a hash of what the kernel build of COMMIT (in $WORK)
# reads: its tree but tools/, Documentation/ and MAINTAINERS.
kernel_tree() {
	git -C "$WORK" ls-tree "$1" | grep -v -P '\t(tools|Documentation|MAINTAINERS)$' | sha1sum | cut -c1-40
}
need() { for c; do command -v "$c" >/dev/null || die "missing prerequisite '$c' (run: make deps)"; done; }

# apt-get/apt-cache against one extra Debian suite, with private lists, so the
# host is never upgraded to another release.
suite_apt() {
	local suite=$1 cmd=$2; shift 2
	local d=$CACHE/apt-$suite
	mkdir -p "$d/lists/partial"
	[ -f "$d/sources.list" ] || echo "deb http://deb.debian.org/debian $suite main" > "$d/sources.list"
	local opts=(-o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=-
		    -o Dir::State::Lists="$d/lists" -o APT::Get::List-Cleanup=0
		    -o APT::Sandbox::User=root)
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
		apt-get "${opts[@]}" -qq update >&2 || die "apt-get update for suite $suite failed"
	fi
	"$cmd" "${opts[@]}" "$@"
}
