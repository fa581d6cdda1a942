#!/bin/bash
# Fetch linux-source-7.2 from Debian, check its sha256 and make it a git
# repository with one commit tagged "base". Cached: a second run is a no-op.
# Override: BASE_TARBALL=/path/linux-source-7.2.tar.xz (sha256 still checked;
# BASE_SHA256=any skips the check for a tarball you trust).
. "$(dirname "$0")/common.sh"

if git -C "$BASE_GIT" rev-parse -q --verify base >/dev/null 2>&1; then
	say "base: cached at $BASE_GIT ($(git -C "$BASE_GIT" log -1 --format=%s base))"
	exit 0
fi
mkdir -p "$CACHE/dl"
tarball=${BASE_TARBALL:-}
if [ -z "$tarball" ]; then
	deb=$CACHE/dl/linux-source-7.2_${BASE_DEB_VERSION}_all.deb
	if [ ! -f "$deb" ]; then
		found=$(suite_apt "$BASE_SUITE" apt-cache policy linux-source-7.2 | awk '/Candidate:/ {print $2}')
		[ "$found" = "$BASE_DEB_VERSION" ] ||
			die "wanted linux-source-7.2 $BASE_DEB_VERSION from Debian $BASE_SUITE, found '${found:-nothing}'.
       Try BASE_SUITE=trixie-backports BASE_DEB_VERSION=<version> (and BASE_SHA256),
       or BASE_TARBALL=/path/to/linux-source-7.2.tar.xz"
		(cd "$CACHE/dl" && suite_apt "$BASE_SUITE" apt-get -qq download "linux-source-7.2=$BASE_DEB_VERSION") ||
			die "download of linux-source-7.2 $BASE_DEB_VERSION failed"
	fi
	rm -rf "$CACHE/dl/deb" && mkdir "$CACHE/dl/deb"
	dpkg-deb -x "$deb" "$CACHE/dl/deb"
	tarball=$CACHE/dl/deb/usr/src/linux-source-7.2.tar.xz
fi
[ -f "$tarball" ] || die "no tarball at $tarball"
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$BASE_SHA256" != any ] && [ "$sum" != "$BASE_SHA256" ]; then
	die "sha256 of $tarball is $sum, wanted $BASE_SHA256 (BASE_SHA256=any to accept it)"
fi

say "base: unpacking $tarball"
tmp=$CACHE/base.tmp
rm -rf "$tmp" && mkdir -p "$tmp"
tar -C "$tmp" -xf "$tarball" --strip-components=1
rm -rf "$CACHE/dl/deb"
git -C "$tmp" init -q
# Debian's top-level .gitignore ends with "/*": force-add everything that is
# not a build product, then keep upstream's ignore rules for the work tree.
git -C "$tmp" add -f -A .
# Fixed identity and dates: the same tarball always gives the same commit,
# so exported patches are byte-identical on every machine.
GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
git -C "$tmp" -c user.name=base -c user.email=base@localhost \
	commit -q -m "Linux $BASE_VERSION (Debian linux-source-7.2 $BASE_DEB_VERSION)" \
	-m "tarball sha256: $sum"
git -C "$tmp" tag base
rm -rf "$BASE_GIT"
git clone -q --bare "$tmp" "$BASE_GIT"
rm -rf "$tmp"
say "base: $(git -C "$BASE_GIT" log -1 --format='%h %s' base)"
