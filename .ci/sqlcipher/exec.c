/*
 * sqlcipher-exec: runs the SQL read from standard input against DB with
 * real SQLCipher, for dbrescue's tests (files made by SQLCipher itself,
 * not by dbrescue's own code). The SQL sets the key (PRAGMA key = ...) like
 * any SQLCipher client would. Every result row is printed on one line,
 * values separated by tabs, each typed so that a test can compare them
 * exactly: N (NULL), I<integer>, R<%.17g>, T<hex of UTF-8>, B<hex>.
 * Exit status 1 and the message on stderr on any error. With the
 * environment variable SQLCIPHER_EXEC_CRASH set, the process ends without
 * closing the database, as a crash would: a WAL keeps its frames, an open
 * transaction leaves a hot journal.
 *
 * Built twice by .ci/sqlcipher.sh: against Debian's libsqlcipher (3.x,
 * the v3 format) and against the SQLCipher 4 amalgamation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sqlite3.h"

static void hex(const unsigned char *p, int n) {
	for (int i = 0; i < n; i++) printf("%02x", p[i]);
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: %s DB < SQL\n", argv[0]);
		return 2;
	}
	size_t cap = 1 << 16, len = 0;
	char *sql = malloc(cap);
	size_t n;
	while ((n = fread(sql + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len < 2) sql = realloc(sql, cap *= 2);
	}
	sql[len] = 0;

	sqlite3 *db;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "open %s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	const char *tail = sql;
	while (*tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
			fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		if (!st) continue; /* whitespace or a comment */
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int cols = sqlite3_column_count(st);
			for (int i = 0; i < cols; i++) {
				if (i) putchar('\t');
				switch (sqlite3_column_type(st, i)) {
				case SQLITE_NULL: putchar('N'); break;
				case SQLITE_INTEGER: printf("I%lld", sqlite3_column_int64(st, i)); break;
				case SQLITE_FLOAT: printf("R%.17g", sqlite3_column_double(st, i)); break;
				case SQLITE_TEXT: {
					const unsigned char *t = sqlite3_column_text(st, i);
					putchar('T');
					hex(t, sqlite3_column_bytes(st, i));
					break;
				}
				default: {
					const void *b = sqlite3_column_blob(st, i);
					putchar('B');
					hex(b, sqlite3_column_bytes(st, i));
				}
				}
			}
			putchar('\n');
		}
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "step: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_finalize(st);
	}
	if (getenv("SQLCIPHER_EXEC_CRASH")) {
		fflush(stdout);
		_exit(0);
	}
	if (sqlite3_close(db) != SQLITE_OK) {
		fprintf(stderr, "close: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	return 0;
}
