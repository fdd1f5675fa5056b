package ciphertest

import "strconv"

// MessengerSQL creates and fills a small messenger-style database: a rowid
// table with an index, overflowing text and blobs (long overflow chains at
// any page size), a WITHOUT ROWID table, REAL values and NULLs, and
// deleted rows. rows scales the messages table. SQLite's own functions
// make the values, so the file is SQLCipher's work from end to end.
func MessengerSQL(rows int) string {
	return `
CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT, avatar BLOB);
CREATE TABLE messages(id INTEGER PRIMARY KEY, conv INTEGER, body TEXT, sent REAL, attachment BLOB);
CREATE INDEX messages_conv ON messages(conv, sent);
CREATE TABLE settings(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 40)
  INSERT INTO contacts SELECT i, 'contact ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE '+33 6 ' || (i * 7919 % 100000) END, randomblob(i * 3) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ` + strconv.Itoa(rows) + `)
  INSERT INTO messages SELECT i, i % 9, 'message ' || i || ' ' || substr(hex(randomblob(40)), 1, i % 70) || CASE WHEN i % 50 = 0 THEN hex(randomblob(3000)) ELSE '' END,
    i * 1.25, CASE WHEN i % 31 = 0 THEN randomblob(9000) ELSE NULL END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 60)
  INSERT INTO settings SELECT 'key.' || i, CASE WHEN i % 3 = 0 THEN i ELSE 'value ' || i END FROM n;
DELETE FROM messages WHERE id % 13 = 0;
`
}

// MessengerTables are the tables MessengerSQL fills, for comparing rows.
var MessengerTables = []string{"contacts", "messages", "settings"}
