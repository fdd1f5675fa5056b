#!/usr/bin/env bash
# Installs the real SQLCipher builds dbrescue's encrypted-database tests
# read their files from (see pagefile/ciphertest_test.go), into
# ${DBRESCUE_SQLCIPHER_DIR:-/usr/local/lib/dbrescue-sqlcipher}:
#   sqlcipher3-exec  .ci/sqlcipher/exec.c against Debian's libsqlcipher
#                    (SQLCipher 3.4.1: the v3 format)
#   sqlcipher4-exec  the same against the SQLCipher 4.5.5 amalgamation from
#                    the npm package @commapp/sqlcipher-amalgamation,
#                    compiled with gcc and Debian's libssl-dev
# Idempotent: a build already in place at the pinned version is kept.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest=${DBRESCUE_SQLCIPHER_DIR:-/usr/local/lib/dbrescue-sqlcipher}
amalgamation_version=4.5.5
stamp="$dest/.stamp-$amalgamation_version-$(sha256sum "$here/sqlcipher/exec.c" | cut -c1-16)"

if [[ -f $stamp && -x $dest/sqlcipher3-exec && -x $dest/sqlcipher4-exec ]]; then
	echo "SQLCipher test tools already in $dest"
	exit 0
fi

need=()
for pkg in gcc libssl-dev libsqlcipher-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]} > 0)); then
	echo "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# SQLCipher 3 (Debian): the library's header lives in include/sqlcipher.
gcc -O1 -o "$work/sqlcipher3-exec" -I/usr/include/sqlcipher "$here/sqlcipher/exec.c" -lsqlcipher

# SQLCipher 4 from its amalgamation, OpenSSL (libcrypto) as crypto provider.
(cd "$work" && npm pack --silent "@commapp/sqlcipher-amalgamation@$amalgamation_version" >/dev/null)
tar -xzf "$work"/commapp-sqlcipher-amalgamation-"$amalgamation_version".tgz -C "$work"
gcc -O1 -o "$work/sqlcipher4-exec" \
	-DSQLITE_HAS_CODEC -DSQLCIPHER_CRYPTO_OPENSSL -DSQLITE_TEMP_STORE=2 -DSQLITE_THREADSAFE=0 \
	-DSQLITE_OMIT_LOAD_EXTENSION \
	-I"$work/package/src" "$here/sqlcipher/exec.c" "$work/package/src/sqlite3.c" -lcrypto -lm

install -m 0755 "$work/sqlcipher3-exec" "$work/sqlcipher4-exec" "$dest/"
rm -f "$dest"/.stamp-*
touch "$stamp"
echo "SQLCipher test tools installed in $dest"
