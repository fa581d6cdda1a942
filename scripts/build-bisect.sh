#!/bin/bash
# Every patch builds on its own: each commit base..HEAD~1 of the work tree,
# in order, is built in the bisect tree (scripts/build-kernel.sh bisect:
# vmlinux with scripts/bisect.config, incremental); the series head is
# built by build-kernel.sh itself. A commit is built only if the kernel it
# builds is new: trees that built once are remembered in $BISECT_OK
# by the hash of all but tools/, Documentation/ and MAINTAINERS, which the
# kernel build does not read (the tools are built with the selftests).
. "$(dirname "$0")/common.sh"
ok=$BISECT_OK && touch "$ok"
for c in $(git -C "$WORK" rev-list --reverse base..HEAD~1 2>/dev/null); do
	tree=$(kernel_tree "$c")
	subj=$(git -C "$WORK" log -1 --format=%s "$c")
	if grep -qx "$tree" "$ok"; then say "bisect: built before: $subj"; continue; fi
	say "bisect: building $subj"
	"$TOP/scripts/build-kernel.sh" bisect "$c" || die "does not build on its own: $subj"
	echo "$tree" >> "$ok"
done
