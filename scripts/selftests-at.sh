#!/bin/bash
# Build the selftests of an earlier commit of the series, for the VM tests
# check.sh runs there:  scripts/selftests-at.sh COMMIT
# Only for a commit whose kernel is the head's (it differs from the head in
# tools/, Documentation/ and MAINTAINERS only), so that the tests run on the
# kernel already built. Its tools/ are checked out in $CACHE/linux-at and the
# tests built into $OUT/selftests-at.
. "$(dirname "$0")/common.sh"
c=$1 at=$CACHE/linux-at
git -C "$WORK" diff --quiet "$c" HEAD -- . ':(exclude)tools' ':(exclude)Documentation' \
	':(exclude)MAINTAINERS' || die "the kernel at $c is not the head's: it needs a build of its own"
[ -d "$at" ] || git -C "$WORK" worktree add -q --detach "$at"
git -C "$at" checkout -q --detach "$c"
"$TOP/scripts/build-selftests.sh" "$at" selftests-at
