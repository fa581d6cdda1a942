#!/bin/bash
# Apply patches/ (in the order of patches/series) with git am onto the base,
# in the work tree $WORK. The work tree is kept between runs, so unchanged
# files keep their timestamps and rebuilds stay incremental.
# Then check that quilt, applying the same series file, gives the same files.
. "$(dirname "$0")/common.sh"
need git quilt

[ -f "$PATCHES/series" ] || die "${PATCHES#$TOP/}/series is missing"
mapfile -t SERIES < <(list "$PATCHES/series")
for p in "${SERIES[@]}"; do [ -f "$PATCHES/$p" ] || die "series names $p, not in ${PATCHES#$TOP/}/"; done

if [ ! -d "$WORK/.git" ]; then
	git clone -q "$BASE_GIT" "$WORK"
	git -C "$WORK" checkout -q -B series base
fi
git -C "$WORK" config user.name "$AUTHOR_NAME"
git -C "$WORK" config user.email "$AUTHOR_EMAIL"

stamp=$(series_stamp)
old_stamp= old_head=
[ ! -f "$WORK/.git/applied-series" ] || read -r old_stamp old_head < "$WORK/.git/applied-series"
head=$(git -C "$WORK" rev-parse HEAD)
dirty=$(git -C "$WORK" status --porcelain --untracked-files=no)
if [ "$old_stamp" = "$stamp" ] && [ -z "$dirty" ]; then
	say "apply: ${#SERIES[@]} patches already applied in $WORK"
else
	# Never throw away a developer's work: commits not exported yet, or edits.
	if [ -z "${FORCE_APPLY:-}" ] && { [ -n "$dirty" ] || { [ -n "${old_head:-}" ] && [ "$head" != "$old_head" ]; }; }; then
		die "$WORK has uncommitted edits or commits not in patches/: run 'make export' first (or FORCE_APPLY=1 to discard them)"
	fi
	git -C "$WORK" am --abort >/dev/null 2>&1 || true
	git -C "$WORK" checkout -q -B series base
	git -C "$WORK" reset -q --hard base
	rm -f "$WORK/.git/applied-series"
	am_series "$WORK"
	mark_applied
	say "apply: ${#SERIES[@]} patches applied with git am in $WORK"
fi

# quilt, applied to the base copies of the touched files, gives the same files.
quilt_same "$WORK" "$ECACHE/quilt"
