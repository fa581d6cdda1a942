#!/bin/bash
# The series on every other $PKG build that Debian serves, in the
# suites fetch-base.sh searches: git am of patches/series applies, quilt push -a
# gives the same files, and the files the series creates equal the repository's
# copies. One line per build (suite, version), also kept in $ECACHE/other-bases.last:
#   PASS: other-base/<suite>/<version>
#   FAIL: other-base/<suite>/<version>: <reason> (log: $OUT/other-bases/...)
#   NOTE: other-base/<suite>/<version>: <the canonical base, or no longer served>
# Each .deb is kept in $CACHE/dl; of each tarball, the files the series
# names (those it changes, creates or deletes: all that git am and quilt
# read) are unpacked and committed once, like the base, into the work tree
# $ECACHE/bases/<tarball sha256>.<hash of the file list>. A file the series
# creates that a build already has is unpacked too, so that git am refuses
# it there.
. "$(dirname "$0")/common.sh"
need git quilt dpkg-deb
[ "$EDITION" = 7.2 ] || die "other-bases.sh: the 7.2 edition only (it compares the kernel-path copies)"
last=$ECACHE/other-bases.last
mkdir -p "$ECACHE/bases" "$OUT/other-bases"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
paths=$(series_files)
key=$(sha256sum <<< "$paths" | cut -c1-12)

check() {	# check TREE: the series on TREE's tag "base", checked as apply.sh checks it
	local stamp=$1/.git/checked-series	# "<hash of patches/> <head>" after the last pass
	if [ "$(cat "$stamp" 2>/dev/null)" != "$(series_stamp) $(git -C "$1" rev-parse HEAD)" ]; then
		git -C "$1" am --abort >/dev/null 2>&1 || true
		git -C "$1" checkout -q -f -B series base && git -C "$1" clean -q -fdx || die "cannot reset $1"
		git -C "$1" config user.name "$AUTHOR_NAME" && git -C "$1" config user.email "$AUTHOR_EMAIL"
		am_series "$1"
		quilt_same "$1" "$tmp/quilt"
		echo "$(series_stamp) $(git -C "$1" rev-parse HEAD)" > "$stamp"
	fi
	for f in $(git -C "$1" diff --name-only --diff-filter=A base HEAD); do
		git -C "$1" show "HEAD:$f" | cmp -s - "$TOP/$f" || die "the series creates $f unlike the copy in $TOP"
	done
}

for suite in $SUITES; do
	versions=$(served "$suite") || { echo "FAIL: other-base/$suite: its package lists could not be fetched"; continue; }
	[ -n "$versions" ] || echo "NOTE: other-base/$suite: serves no $PKG"
	for v in $(grep -v 'no longer served' "$last" 2>/dev/null | sed -n "s|^[A-Z]*: other-base/$suite/\([^ :]*\).*|\1|p"); do
		grep -qxF "$v" <<<"$versions" || echo "NOTE: other-base/$suite/$v: no longer served (listed on the last run)"
	done
	for v in $versions; do
		name=other-base/$suite/$v
		deb=$(fetch_deb "$suite" "$v") || { echo "NOTE: $name: no longer served (listed, but its download failed)"; continue; }
		sum=$(deb_tarball "$deb" | sha256sum | cut -d' ' -f1)
		[ "$sum" != "$BASE_SHA256" ] || { echo "NOTE: $name: the canonical base (the apply gate)"; continue; }
		tree=$ECACHE/bases/$sum.$key
		echo "${tree##*/}" >> "$tmp/used"
		if [ ! -d "$tree/.git" ]; then
			say "$name: unpacking and committing its tarball in $tree"
			deb_tarball "$deb" | tarball_repo "$tree.tmp" "Linux ${v%%-*} (Debian $PKG $v)" \
				"tarball sha256: $sum (the files patches/ names)" "$paths"
			mv "$tree.tmp" "$tree"
		fi
		log=$OUT/other-bases/$suite-$v.log
		if (check "$tree") > "$log" 2>&1; then echo "PASS: $name"
		else echo "FAIL: $name: $(sed -n 's/^error: //p' "$log" | tail -1 | sed 's/ (see above.*//') (log: $log)"; fi
	done
done | tee "$tmp/now"
{ date -u +"# %F %T UTC, patches/ $(series_stamp)"; cat "$tmp/now"; } > "$last"
# Trees of builds no longer served go, after a run over every suite of the
# default list.
[ -n "${BASE_SUITES:-}${BASE_SUITE:-}" ] || grep -q 'package lists could not' "$last" ||
	for d in "$ECACHE"/bases/*; do grep -qxF "${d##*/}" "$tmp/used" 2>/dev/null || rm -rf "$d"; done
