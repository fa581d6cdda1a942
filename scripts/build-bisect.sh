#!/bin/bash
# Every patch builds on its own: each commit base..HEAD~1 of the work tree,
# in order, is compiled in the bisect tree (scripts/build-kernel.sh bisect,
# the test kernel's config): every directory whose C files the series
# changes, which takes in all that includes a header the commit changed
# there. The series head is built in full by build-kernel.sh, and each fix
# alone on the base by build-fix-alone.sh. A commit is built only if its
# kernel is new: trees that built once are remembered in $CACHE/bisect-ok
# by the hash of all but tools/, Documentation/ and MAINTAINERS, which the
# kernel build does not read (the tools are built with the selftests).
. "$(dirname "$0")/common.sh"
ok=$CACHE/bisect-ok && touch "$ok"
BISECT_DIRS=$(git -C "$WORK" diff --name-only base HEAD -- '*.c' ':!tools' |
	make_dirs)
export BISECT_DIRS
say "bisect: compiling $BISECT_DIRS at each commit"
for c in $(git -C "$WORK" rev-list --reverse base..HEAD~1 2>/dev/null); do
	tree=$(kernel_tree "$c")
	subj=$(git -C "$WORK" log -1 --format=%s "$c")
	if grep -qx "dirs $tree" "$ok"; then say "bisect: built before: $subj"; continue; fi
	say "bisect: building $subj"
	"$TOP/scripts/build-kernel.sh" bisect "$c" || die "does not build on its own: $subj"
	echo "dirs $tree" >> "$ok"
done
