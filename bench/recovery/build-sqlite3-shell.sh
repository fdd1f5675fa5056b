#!/usr/bin/env bash
# Builds a sqlite3 shell that can run .recover, for bench/recovery's
# side-by-side comparison. Debian's sqlite3 (3.40.1 on bookworm) is built
# without SQLITE_ENABLE_DBPAGE_VTAB, which .recover needs, so its shell
# answers "SQL logic error". This script fetches the same version's source
# from Debian's own archive (apt-get source), builds the shell with that
# option, and installs it as $PREFIX/bin/sqlite3 (default /usr/local).
# Usage: bash bench/recovery/build-sqlite3-shell.sh [PREFIX]
set -euo pipefail
prefix=${1:-/usr/local}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/; then
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/debian-src.sources
fi
apt-get update -qq
apt-get install -y -qq build-essential tcl >/dev/null
cd "$work"
apt-get source --download-only sqlite3 >/dev/null
tar xf sqlite3_*.orig.tar.xz
cd "$(find . -maxdepth 1 -type d -name 'sqlite*' | head -1)"
./configure --quiet --disable-tcl CFLAGS="-O2 -DSQLITE_ENABLE_DBPAGE_VTAB -DSQLITE_ENABLE_DBSTAT_VTAB" >/dev/null
make -s sqlite3 >/dev/null
install -m 0755 sqlite3 "$prefix/bin/sqlite3"
"$prefix/bin/sqlite3" :memory: '.recover' >/dev/null && echo "installed $prefix/bin/sqlite3 ($("$prefix/bin/sqlite3" --version | cut -d' ' -f1)) with .recover"
