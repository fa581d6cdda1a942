#!/bin/bash
# The 7.3 edition (patches/7.3/) shares patches with the series: a patch of
# patches/7.3/series whose subject is that of a patch in patches/series is
# that patch, carried to 7.3.4 by git am; it is never edited by hand.
#   scripts/edition-7.3.sh          rebuild the 7.3 work tree from
#                                   patches/7.3/series, each shared patch taken
#                                   from patches/, and export patches/7.3/
#   scripts/edition-7.3.sh --check  fail if a shared patch of patches/7.3/
#                                   differs from the one in patches/ in its
#                                   message or its changes
export EDITION=7.3
. "$(dirname "$0")/common.sh"

subject() { git mailinfo /dev/null /dev/null < "$1" | sed -n 's/^Subject: //p'; }
# shared NAME: the patch of patches/ whose subject is that of patches/7.3/NAME
shared() {
	local s p
	s=$(subject "$PATCHES/$1")
	for p in $(list "$TOP/patches/series"); do
		[ "$(subject "$TOP/patches/$p")" != "$s" ] || { echo "$TOP/patches/$p"; return; }
	done
}
message() { git mailinfo "$2" /dev/null < "$1" > /dev/null; }
patch_id() { git patch-id --stable < "$1" | cut -d' ' -f1; }

if [ "${1:-}" = --check ]; then
	tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
	bad=0 n=0
	for p in $(list "$PATCHES/series"); do
		q=$(shared "$p")
		[ -n "$q" ] || continue
		n=$((n + 1))
		message "$PATCHES/$p" "$tmp/a" && message "$q" "$tmp/b"
		cmp -s "$tmp/a" "$tmp/b" || { echo "patches/7.3/$p: message differs from ${q#$TOP/}" >&2; bad=1; }
		[ "$(patch_id "$PATCHES/$p")" = "$(patch_id "$q")" ] ||
			{ echo "patches/7.3/$p: changes differ from ${q#$TOP/}" >&2; bad=1; }
	done
	[ $bad = 0 ] || die "patches/7.3/ is out of sync with patches/: run scripts/edition-7.3.sh"
	say "edition 7.3: $n patches shared with patches/, identical"
	exit 0
fi

"$TOP/scripts/fetch-base.sh"
"$TOP/scripts/apply.sh"		# refuses to throw away unexported work
git -C "$WORK" checkout -q -B series base
for p in $(list "$PATCHES/series"); do
	q=$(shared "$p")
	git -C "$WORK" am -q --committer-date-is-author-date "${q:-$PATCHES/$p}" ||
		die "does not apply to 7.3: ${q:-$PATCHES/$p} (the work tree is left mid-am)"
done
"$TOP/scripts/export.sh"
