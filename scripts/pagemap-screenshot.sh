#!/usr/bin/env bash
# Regenerates docs/pagemap.png, the README's picture of a page map: a
# messenger database from package corpus (about 2 MB), damaged three ways
# with `dbrescue corrupt` (an interior page zeroed, a leaf overwritten with
# garbage, the file cut short), repaired without a metadata backup with
# `dbrescue repair --map`, and the map shot with headless Chromium
# (Debian: apt-get install -y chromium). Not part of go test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/dbrescue" ./cmd/dbrescue
go run ./bench/pagemap -mb 2 -runs 1 -db "$work/app.db" >/dev/null
d=("$work/dbrescue")
"${d[@]}" corrupt --kind zero-page --target interior --seed 3 -o "$work/a.db" "$work/app.db" >/dev/null
"${d[@]}" corrupt --kind garbage-page --target leaf --seed 5 -o "$work/b.db" "$work/a.db" >/dev/null
"${d[@]}" corrupt --kind truncate --fraction 0.93 --seed 1 -o "$work/broken.db" "$work/b.db" >/dev/null
# A partial repair exits 3: that is the case worth drawing.
"${d[@]}" repair -o "$work/fixed.db" --map "$work/broken.html" "$work/broken.db" >/dev/null || [[ $? == 3 ]]

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --hide-scrollbars \
	--screenshot="$work/pagemap.png" --window-size=1200,640 "file://$work/broken.html" 2>/dev/null
mv "$work/pagemap.png" docs/pagemap.png
echo "wrote docs/pagemap.png"
