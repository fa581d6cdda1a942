# Shared settings for the project's scripts. Source it; do not run it.
# Everything the scripts make lives under $CACHE, outside the checkout.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bpf-post-integrity}
# The edition: 7.2, the series (patches/), or 7.3, its fixes and LSM half
# for Debian's 7.3.4 (patches/7.3/); EDITION=7.3 runs a script on the latter.
# Each pins its base: Debian's linux-source-7.x of this version (or a
# backport build of it) whose tarball has this sha256.
EDITION=${EDITION:-7.2}
case $EDITION in
7.2)	PKG=linux-source-7.2 PATCHES=$TOP/patches ECACHE=$CACHE
	BASE_DEB_VERSION=${BASE_DEB_VERSION:-7.2.13-1}
	BASE_SHA256=${BASE_SHA256:-ecb3877b9988c936dcc64c63af8a54c2fa6df7f717d4e5ee429d0f4c4859e68b} ;;
7.3)	PKG=linux-source-7.3 PATCHES=$TOP/patches/7.3 ECACHE=$CACHE/7.3
	BASE_DEB_VERSION=${BASE_DEB_VERSION:-7.3.4-1}
	BASE_SHA256=${BASE_SHA256:-76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4} ;;
*)	echo "error: EDITION is 7.2 or 7.3, not $EDITION" >&2; exit 1 ;;
esac
BASE_VERSION=${BASE_DEB_VERSION%%-*}
# Debian suites searched for $PKG, in order (BASE_SUITE, if set, first).
SUITES=$(printf '%s\n' ${BASE_SUITE:-} ${BASE_SUITES:-sid forky trixie-backports experimental} | awk '!seen[$0]++')
BASE_GIT=$ECACHE/base.git           # bare repo, one commit, tag "base"
WORK=$ECACHE/linux                  # work tree the series is applied to
WORK_B=$ECACHE/linux-b              # its head again, built as kernel B (scripts/vm-b.config)
WORK_BASE=$ECACHE/linux-base        # the base without the series, for regression tests
TOOLROOT=$CACHE/toolroot            # private trixie root (pahole)
BIN=$CACHE/bin                      # wrappers put first in PATH
OUT=$ECACHE/out                     # test binaries, logs
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
series_stamp() { (cd "$PATCHES" && cat series $(list series) | sha256sum | cut -c1-16); }
mark_applied() { echo "$(series_stamp) $(git -C "$WORK" rev-parse HEAD)" > "$WORK/.git/applied-series"; }
say() { echo "==> $*" >&2; }
# kernel_tree COMMIT: a hash of what the kernel build of COMMIT (in $WORK)
# reads: its tree but tools/, Documentation/ and MAINTAINERS.
kernel_tree() {
	git -C "$WORK" ls-tree "$1" | grep -v -P '\t(tools|Documentation|MAINTAINERS)$' | sha1sum | cut -c1-40
}
# make_dirs: the directories of the file names on stdin, as make targets
# ("kernel/bpf/ security/ipe/").
make_dirs() { xargs -r -n1 dirname | sort -u | sed 's|$|/|' | tr '\n' ' '; }
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

# The versions of $PKG that Debian suite $1 serves, newest first
# (none: no output; fails if the suite's package lists cannot be fetched).
served() { suite_apt "$1" apt-cache madison "$PKG" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'; }
# fetch_deb SUITE VERSION: download $PKG VERSION from SUITE into
# $CACHE/dl, unless it is there already; print the .deb's path.
fetch_deb() {
	local deb=$CACHE/dl/${PKG}_$2_all.deb
	if [ ! -f "$deb" ]; then
		rm -rf "$deb.part" && mkdir -p "$deb.part"
		(cd "$deb.part" && suite_apt "$1" apt-get -qq download "$PKG=$2") >&2 &&
			mv "$deb.part"/*.deb "$deb" || { rm -rf "$deb.part"; return 1; }
		rmdir "$deb.part"
	fi
	echo "$deb"
}
# The $PKG.tar.xz inside the .deb $1, on stdout.
deb_tarball() { dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$PKG.tar.xz"; }
# tarball_repo DIR SUBJECT BODY [PATHS] < $PKG.tar.xz: unpack the tarball
# (with PATHS, only the files it names, one per line, that the tarball has)
# into DIR and make it a git repository with one commit tagged "base".
tarball_repo() {
	rm -rf "$1" "$1.err" && mkdir -p "$1"
	if [ -z "${4:-}" ]; then
		tar -C "$1" -xJf - --strip-components=1
	elif ! tar -C "$1" -xJf - --strip-components=1 --wildcards --no-wildcards-match-slash \
		-T <(sed 's|^|*/|' <<< "$4") 2> "$1.err"; then
		# A file named but absent (one the series creates) is no error.
		! grep -v -e ': Not found in archive$' -e 'Exiting with failure status' "$1.err" >&2 ||
			die "could not unpack the tarball into $1"
	fi
	rm -f "$1.err"
	git -C "$1" init -q
	git -C "$1" config gc.auto 0	# no gc in the background: the tree is kept as it is, or removed
	# Debian's top-level .gitignore ends with "/*": force-add everything that is
	# not a build product, then keep upstream's ignore rules for the work tree.
	git -C "$1" add -f -A .
	# Fixed identity and dates: the same tarball always gives the same commit,
	# so exported patches are byte-identical on every machine.
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
	git -C "$1" -c user.name=base -c user.email=base@localhost commit -q -m "$2" -m "$3"
	git -C "$1" tag base
}

# am_series TREE: git am the patches of $PATCHES/series, in order, onto TREE's HEAD.
am_series() {
	local p
	for p in $(list "$PATCHES/series"); do
		git -C "$1" am -q --committer-date-is-author-date "$PATCHES/$p" ||
			die "patch does not apply: ${PATCHES#$TOP/}/$p (see above; the tree is left mid-am in $1)"
	done
}
# series_files: every file the patches of $PATCHES/series name (changed,
# created, deleted, or either side of a rename), one per line.
series_files() {
	local series
	series=$(list "$PATCHES/series")
	[ -z "$series" ] || (cd "$PATCHES" && grep -h '^diff --git ' $series |
		sed 's|^diff --git a/\([^ ]*\) b/\(.*\)|\1\n\2|' | sort -u)
}
# quilt_same TREE DIR: quilt push -a of patches/series onto copies (in DIR) of
# the touched files as they are at TREE's tag "base" must give TREE's HEAD.
quilt_same() {
	local tree=$1 q=$2 files f
	files=$(series_files)
	[ -n "$files" ] || return 0
	rm -rf "$q" && mkdir -p "$q"
	for f in $files; do
		if git -C "$tree" cat-file -e "base:$f" 2>/dev/null; then
			mkdir -p "$q/$(dirname "$f")"
			git -C "$tree" show "base:$f" > "$q/$f"
		fi
	done
	(cd "$q" && QUILT_PATCHES="$PATCHES" quilt push -a -q >quilt.log 2>&1) ||
		{ cat "$q/quilt.log" >&2; die "quilt push -a of ${PATCHES#$TOP/}/series failed"; }
	for f in $files; do
		if git -C "$tree" cat-file -e "HEAD:$f" 2>/dev/null; then
			git -C "$tree" show "HEAD:$f" | cmp -s - "$q/$f" || die "quilt and git am differ in $f"
		else
			[ ! -e "$q/$f" ] || [ ! -s "$q/$f" ] || die "quilt leaves $f, git am deletes it"
		fi
	done
	say "quilt push -a gives the same $(wc -w <<<"$files") files as git am in $tree"
}
