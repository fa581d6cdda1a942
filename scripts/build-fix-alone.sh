#!/bin/bash
# A fix of the series (a patch with a Fixes: tag) applies with git am to the
# pristine base and builds there without the rest of the series, so that a
# distribution can take it alone:
#   scripts/build-fix-alone.sh PATCH
# Built in the work tree, like build-bisect.sh, on a detached base + PATCH;
# trees that built once are remembered in $CACHE/bisect-ok (kernel_tree).
. "$(dirname "$0")/common.sh"
patch=$TOP/patches/$1
[ -f "$patch" ] || die "no patch $patch"
cd "$WORK"
head=$(git symbolic-ref -q --short HEAD) || die "work tree is not on a branch"
trap 'git am --abort >/dev/null 2>&1; git checkout -q "$head"' EXIT
git checkout -q --detach base
git am -q --committer-date-is-author-date "$patch" || die "does not apply to the base alone: $1"
tree=$(kernel_tree HEAD)
ok=$CACHE/bisect-ok && touch "$ok"
if grep -qx "$tree" "$ok"; then say "fix alone: built before: $1"; exit 0; fi
say "fix alone: building base + $1"
BISECT=1 "$TOP/scripts/build-kernel.sh" || die "does not build alone on the base: $1"
echo "$tree" >> "$ok"
