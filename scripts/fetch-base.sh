#!/bin/bash
# Fetch the pinned base, $PKG $BASE_DEB_VERSION (or a backport
# build of it) whose tarball has the sha256 $BASE_SHA256, from the first
# Debian suite that serves it (BASE_SUITES, default sid forky trixie-backports
# experimental; BASE_SUITE, if set, first), and make it a git repository with
# one commit tagged "base". A tarball with another sha256 is never taken.
# Cached: a second run is a no-op.
# Override: BASE_TARBALL=/path/$PKG.tar.xz (sha256 still checked;
# BASE_SHA256=any skips the check for a tarball you trust, and says so).
. "$(dirname "$0")/common.sh"

if git -C "$BASE_GIT" rev-parse -q --verify base >/dev/null 2>&1; then
	from=$(git -C "$BASE_GIT" config base.from || true)
	say "base: cached at $BASE_GIT ($(git -C "$BASE_GIT" log -1 --format=%s base)${from:+; from $from})"
	exit 0
fi
mkdir -p "$CACHE/dl"
if [ -n "${BASE_TARBALL:-}" ]; then
	[ -f "$BASE_TARBALL" ] || die "no tarball at $BASE_TARBALL"
	from=$BASE_TARBALL sum=$(sha256sum < "$BASE_TARBALL" | cut -d' ' -f1)
else
	deb= offers=
	for d in "$CACHE/dl/${PKG}_$BASE_DEB_VERSION"{,~bpo*}_all.deb; do	# downloaded before
		[ -f "$d" ] && sum=$(deb_tarball "$d" | sha256sum | cut -d' ' -f1) && [ "$sum" = "$BASE_SHA256" ] &&
			{ deb=$d from="the earlier download $d"; break; }
	done
	[ -n "$deb" ] || for suite in $SUITES; do
		versions=$(served "$suite") || { offers+=$'\n'"         $suite: its package lists could not be fetched"; continue; }
		offer=
		for v in $versions; do
			case $v in "$BASE_DEB_VERSION" | "$BASE_DEB_VERSION"~bpo*) ;; *) offer+=" $v"; continue ;; esac
			if ! d=$(fetch_deb "$suite" "$v"); then offer+=" $v (download failed)"; continue; fi
			sum=$(deb_tarball "$d" | sha256sum | cut -d' ' -f1)
			if [ "$sum" = "$BASE_SHA256" ] || [ "$BASE_SHA256" = any ]; then
				deb=$d from="Debian $suite, $PKG $v"; break 2
			fi
			say "base: not $suite's $v: its tarball's sha256 is $sum, not the pinned one"
			offer+=" $v (tarball sha256 $sum, not the pinned one)"
		done
		offers+=$'\n'"         $suite:${offer:- no $PKG}"
	done
	[ -n "$deb" ] || die "wanted $PKG $BASE_DEB_VERSION (tarball sha256 $BASE_SHA256)
       from Debian $(echo $SUITES), found it in none. They serve:$offers
       Try BASE_SUITE=<suite> BASE_DEB_VERSION=<version> (and BASE_SHA256),
       or BASE_TARBALL=/path/to/$PKG.tar.xz"
fi
if [ "$sum" != "$BASE_SHA256" ]; then
	[ "$BASE_SHA256" = any ] || die "sha256 of $from is $sum, wanted $BASE_SHA256 (BASE_SHA256=any to accept it)"
	say "base: WARNING: sha256 of $from is $sum, not checked against a pin (BASE_SHA256=any)"
fi

say "base: $from (tarball sha256 $sum): unpacking"
tmp=$ECACHE/base.tmp
subject="Linux $BASE_VERSION (Debian $PKG $BASE_DEB_VERSION)"
if [ -n "${BASE_TARBALL:-}" ]; then
	tarball_repo "$tmp" "$subject" "tarball sha256: $sum" < "$BASE_TARBALL"
else
	deb_tarball "$deb" | tarball_repo "$tmp" "$subject" "tarball sha256: $sum"
fi
rm -rf "$BASE_GIT"
git clone -q --bare "$tmp" "$BASE_GIT"
git -C "$BASE_GIT" config base.from "$from"
rm -rf "$tmp"
say "base: $(git -C "$BASE_GIT" log -1 --format='%h %s' base)"
