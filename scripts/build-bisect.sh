#!/bin/bash
# Every patch builds on its own: build each commit base..HEAD~1 in the work
# tree, in order (incremental builds), then return to the series head,
# which build-kernel.sh builds. Trees that built once are remembered by
# their git tree hash in $CACHE/bisect-ok and not built again.
. "$(dirname "$0")/common.sh"
cd "$WORK"
head=$(git symbolic-ref -q --short HEAD) || die "work tree is not on a branch"
ok=$CACHE/bisect-ok && touch "$ok"
trap 'git checkout -q "$head"' EXIT
for c in $(git rev-list --reverse base..HEAD~1 2>/dev/null); do
	tree=$(git rev-parse "$c^{tree}")
	subj=$(git log -1 --format=%s "$c")
	if grep -qx "$tree" "$ok"; then say "bisect: built before: $subj"; continue; fi
	say "bisect: building $subj"
	git checkout -q "$c"
	BISECT=1 "$TOP/scripts/build-kernel.sh" || die "does not build on its own: $subj"
	echo "$tree" >> "$ok"
done
