#!/bin/bash
# Every patch builds on its own: build each commit base..HEAD~1 in the work
# tree, in order (incremental builds), then return to the series head,
# which build-kernel.sh builds. A commit is built only if the kernel it
# builds is new: trees that built once are remembered in $CACHE/bisect-ok
# by the hash of all but tools/, Documentation/ and MAINTAINERS, which the
# kernel build does not read (the tools are built with the selftests).
. "$(dirname "$0")/common.sh"
cd "$WORK"
head=$(git symbolic-ref -q --short HEAD) || die "work tree is not on a branch"
ok=$CACHE/bisect-ok && touch "$ok"
trap 'git checkout -q "$head"' EXIT
for c in $(git rev-list --reverse base..HEAD~1 2>/dev/null); do
	tree=$(kernel_tree "$c")
	subj=$(git log -1 --format=%s "$c")
	if grep -qx "$tree" "$ok"; then say "bisect: built before: $subj"; continue; fi
	say "bisect: building $subj"
	git checkout -q "$c"
	BISECT=1 "$TOP/scripts/build-kernel.sh" || die "does not build on its own: $subj"
	echo "$tree" >> "$ok"
done
