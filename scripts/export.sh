#!/bin/bash
# Turn the work tree's commits (base..HEAD) into patches/ and refresh the
# kernel-path copies of the files the series creates. Deterministic: an
# export without changes gives byte-identical files.
#   scripts/export.sh          write patches/ and the copies
#   scripts/export.sh --check  write nothing; fail if either is stale
# The cover letter's text is kept: it is read back from
# patches/0000-cover-letter.patch (edit it there, or with
# git branch --edit-description in the work tree).
# EDITION=7.3: patches/7.3/ from the 7.3 work tree, without copies; --check
# also fails if a patch it shares with patches/ (same subject) differs from
# that one in its message or its changes (scripts/edition-7.3.sh makes them).
. "$(dirname "$0")/common.sh"
mode=${1:-write}
cd "$WORK"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
n=$(git rev-list --count base..HEAD)

mkdir -p "$tmp/patches"
if [ "$n" -gt 0 ]; then
	cover=$PATCHES/0000-cover-letter.patch
	if [ -f "$cover" ]; then
		git mailinfo "$tmp/msg" /dev/null < "$cover" > "$tmp/info"
		sed -n 's/^Subject: //p' "$tmp/info" > "$tmp/desc"
		echo >> "$tmp/desc"
		# the body ends where git's shortlog ("Name (N):") begins
		awk -v who="$AUTHOR_NAME" 'index($0, who " (") == 1 && /\([0-9]+\):$/ {exit} {print}' \
			"$tmp/msg" >> "$tmp/desc"
		git config branch.series.description "$(cat "$tmp/desc")"
	fi
	# Ignore the user's git config, and fix the abbreviation of the index
	# lines (git sizes it from the repository's object count otherwise).
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
	git -c user.name="$AUTHOR_NAME" -c user.email="$AUTHOR_EMAIL" -c core.abbrev=12 \
	    format-patch -q --zero-commit --no-signature --cover-letter \
		--subject-prefix="$SUBJECT_PREFIX$([ "$EDITION" = 7.2 ] || echo " $EDITION")" \
		--cover-from-description=subject -o "$tmp/patches" base..HEAD
	# the cover letter takes the date of the newest patch, not "now"
	last=$(ls "$tmp"/patches/*.patch | tail -1)
	date=$(sed -n '/^Date: /{p;q}' "$last")
	sed -i "s/^Date: .*/$date/" "$tmp/patches/0000-cover-letter.patch"
	(cd "$tmp/patches" && ls *.patch | grep -v '^0000-cover-letter' ) > "$tmp/patches/series"
else
	: > "$tmp/patches/series"
fi

# kernel-path copies of the files the series creates (the 7.2 edition's)
mkdir -p "$tmp/created"
[ "$EDITION" != 7.2 ] && : > "$tmp/created.list" ||
	git diff --name-only --diff-filter=A base HEAD > "$tmp/created.list"
while IFS= read -r f; do
	mkdir -p "$tmp/created/$(dirname "$f")"
	git show "HEAD:$f" > "$tmp/created/$f"
done < "$tmp/created.list"
dirs="security include kernel tools Documentation"
current() { (cd "$TOP" && for d in $dirs; do [ ! -d "$d" ] || find "$d" -type f; done | sort); }

if [ "$mode" = --check ]; then
	bad=0
	diff -r -q -x 7.3 "$tmp/patches" "$PATCHES" >&2 ||
		{ echo "${PATCHES#$TOP/}/ is stale: run make export" >&2; bad=1; }
	[ "$EDITION" != 7.2 ] || [ "$(current)" = "$(sort "$tmp/created.list")" ] ||
		{ echo "kernel-path copies: files differ from those the series creates" >&2; bad=1; }
	[ "$EDITION" = 7.2 ] || "$TOP/scripts/edition-7.3.sh" --check || bad=1
	while IFS= read -r f; do
		cmp -s "$tmp/created/$f" "$TOP/$f" || { echo "stale copy: $f" >&2; bad=1; }
	done < "$tmp/created.list"
	[ $bad = 0 ] || die "export is out of sync with the work tree"
	say "export: ${PATCHES#$TOP/}/ and $(wc -l < "$tmp/created.list") kernel-path copies in sync"
	exit 0
fi
mkdir -p "$PATCHES" && rm -f "$PATCHES"/*.patch
cp "$tmp"/patches/* "$PATCHES/"
if [ "$EDITION" = 7.2 ]; then
	(cd "$TOP" && for d in $dirs; do rm -rf "$d"; done)
	cp -r "$tmp/created/." "$TOP/"
fi
mark_applied	# patches/ now is this head: make apply keeps it as it is
say "export: $n patches, $(wc -l < "$tmp/created.list") created files copied"
