#!/bin/bash
# A fix of the series (a patch with a Fixes: tag) applies with git am to the
# pristine base and builds there (bzImage, the test kernel's config) without
# the rest of the series, so that a distribution can take it alone:
#   scripts/build-fix-alone.sh PATCH
# Applied and built in the bisect tree; trees that built once are remembered
# in $CACHE/bisect-ok (kernel_tree).
. "$(dirname "$0")/common.sh"
patch=$PATCHES/$1 d=$ECACHE/linux-bisect
[ -f "$patch" ] || die "no patch $patch"
[ -d "$d" ] || git -C "$WORK" worktree add -q --detach "$d"
git -C "$d" am --abort >/dev/null 2>&1 || true
git -C "$d" checkout -q --detach base
git -C "$d" -c user.name="$AUTHOR_NAME" -c user.email="$AUTHOR_EMAIL" \
	am -q --committer-date-is-author-date "$patch" || die "does not apply to the base alone: $1"
tree=$(kernel_tree "$(git -C "$d" rev-parse HEAD)")
ok=$CACHE/bisect-ok && touch "$ok"
if grep -qx "full $tree" "$ok"; then say "fix alone: built before: $1"; exit 0; fi
say "fix alone: building base + $1"
BISECT_DIRS= "$TOP/scripts/build-kernel.sh" bisect || die "does not build alone on the base: $1"
echo "full $tree" >> "$ok"
