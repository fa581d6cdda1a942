#!/bin/bash
# A fix of the series (a patch with a Fixes: tag) applies with git am to the
# pristine base and builds there without the rest of the series, so that a
# distribution can take it alone:
#   scripts/build-fix-alone.sh PATCH
# Applied and built in the bisect tree with the test kernel's config: in
# full (bzImage) when it changes a header, else every directory whose C
# files it changes (a C file's change reaches only its own object; the
# head's full build links them). Trees that built once are remembered in
# $CACHE/bisect-ok (kernel_tree).
. "$(dirname "$0")/common.sh"
patch=$PATCHES/$1 d=$ECACHE/linux-bisect
[ -f "$patch" ] || die "no patch $patch"
[ -d "$d" ] || git -C "$WORK" worktree add -q --detach "$d"
git -C "$d" am --abort >/dev/null 2>&1 || true
git -C "$d" checkout -q --detach base
git -C "$d" -c user.name="$AUTHOR_NAME" -c user.email="$AUTHOR_EMAIL" \
	am -q --committer-date-is-author-date "$patch" || die "does not apply to the base alone: $1"
files=$(git -C "$d" diff --name-only base HEAD)
if grep -qv '\.c$' <<< "$files"; then
	how=full dirs=
else
	how=fixdirs dirs=$(make_dirs <<< "$files")
fi
tree=$(kernel_tree "$(git -C "$d" rev-parse HEAD)")
ok=$CACHE/bisect-ok && touch "$ok"
if grep -qx "$how $tree" "$ok"; then say "fix alone: built before: $1"; exit 0; fi
say "fix alone: building base + $1 (${dirs:-bzImage})"
BISECT_DIRS=$dirs "$TOP/scripts/build-kernel.sh" bisect || die "does not build alone on the base: $1"
echo "$how $tree" >> "$ok"
