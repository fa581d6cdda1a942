#!/bin/bash
# kernel-doc -none -Wall on FILE as the series leaves it, minus the
# warnings the base already has: prints (and fails on) new warnings only.
. "$(dirname "$0")/common.sh"
f=$1
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
# The warnings for $f in tree DIR, without line numbers (they move).
warn() { (cd "$1" && "$WORK/scripts/kernel-doc" -none -Wall "$f" 2>&1) |
	 sed -E "s|^([^:]*: )?$f:[0-9]+ ?|$f: |" | sort; }
if git -C "$WORK" cat-file -e "base:$f" 2>/dev/null; then
	mkdir -p "$tmp/$(dirname "$f")"
	git -C "$WORK" show "base:$f" > "$tmp/$f"
	warn "$tmp" > "$tmp/base.txt"
else
	: > "$tmp/base.txt"
fi
new=$(comm -13 "$tmp/base.txt" <(warn "$WORK"))
[ -z "$new" ] || { echo "$new"; exit 1; }
