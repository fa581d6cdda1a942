#!/bin/bash
# kernel-doc -none -Wall on FILE as the series leaves it, minus the
# warnings the base already has: prints (and fails on) new warnings only.
. "$(dirname "$0")/common.sh"
f=$1
cd "$WORK"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
warn() { scripts/kernel-doc -none -Wall "$1" 2>&1 | sed -E "s|^([^:]*: )?$1:[0-9]+ ?|$f: |" | sort; }
if git cat-file -e "base:$f" 2>/dev/null; then
	mkdir -p "$tmp/$(dirname "$f")"
	git show "base:$f" > "$tmp/$f"
	(cd "$tmp" && "$WORK/scripts/kernel-doc" -none -Wall "$f" 2>&1) |
		sed -E "s|^([^:]*: )?$f:[0-9]+ ?|$f: |" | sort > "$tmp/base.txt"
else
	: > "$tmp/base.txt"
fi
warn "$f" > "$tmp/head.txt"
new=$(comm -13 "$tmp/base.txt" "$tmp/head.txt")
[ -z "$new" ] || { echo "$new"; exit 1; }
