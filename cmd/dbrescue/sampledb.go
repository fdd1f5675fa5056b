package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// The sample database imitates what a messenger app keeps on a phone. It is
// built by SQLite itself (modernc.org/sqlite), so what dbrescue reads is
// what real apps write. Every value is fixed: two builds hold the same rows,
// and tests compare what inspect decodes with the rows inserted here.

// sampleSchema covers the structures a repair must handle: rowid tables,
// an AUTOINCREMENT table (and with it sqlite_sequence), an index, a WITHOUT
// ROWID table (an index b-tree holding rows), a view and a trigger (no
// b-tree at all), and blobs large enough to need overflow pages.
var sampleSchema = []string{
	`CREATE TABLE contacts (
		id     INTEGER PRIMARY KEY,
		name   TEXT NOT NULL,
		phone  TEXT,
		avatar BLOB
	)`,
	`CREATE TABLE conversations (
		id              INTEGER PRIMARY KEY,
		title           TEXT NOT NULL,
		created_at      INTEGER NOT NULL,
		last_message_at INTEGER,
		muted           INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE TABLE messages (
		id              INTEGER PRIMARY KEY AUTOINCREMENT,
		conversation_id INTEGER NOT NULL REFERENCES conversations(id),
		sender_id       INTEGER REFERENCES contacts(id),
		sent_at         INTEGER NOT NULL,
		body            TEXT,
		attachment      BLOB
	)`,
	`CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at)`,
	`CREATE TABLE reactions (
		message_id INTEGER NOT NULL,
		contact_id INTEGER NOT NULL,
		emoji      TEXT NOT NULL,
		PRIMARY KEY (message_id, contact_id)
	) WITHOUT ROWID`,
	`CREATE VIEW conversation_summary AS
		SELECT c.id, c.title, count(m.id) AS message_count, max(m.sent_at) AS last_sent_at
		FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
		GROUP BY c.id`,
	`CREATE TRIGGER messages_touch_conversation AFTER INSERT ON messages BEGIN
		UPDATE conversations SET last_message_at = NEW.sent_at WHERE id = NEW.conversation_id;
	END`,
}

// sampleContact is one row of the contacts table.
type sampleContact struct {
	ID     int64
	Name   string
	Phone  any // string, or nil for a contact without a number
	Avatar []byte
}

// sampleContacts fit on one leaf page, so the contacts root is that leaf.
var sampleContacts = []sampleContact{
	{1, "Alice Martin", "+33 6 12 34 56 78", []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}},
	{2, "Bob Okafor", "+234 803 555 0142", nil},
	{3, "Chloé Dubois", nil, []byte{0xff, 0xd8, 0xff, 0xe0}},
	{4, "Dmitri Ivanov", "+7 912 555 01 23", []byte{}},
}

var sampleConversations = []struct {
	ID    int64
	Title string
}{
	{1, "Alice"},
	{2, "Weekend trip 🏔"},
	{3, "Bob"},
}

const (
	sampleMessages   = 300        // spans many leaves, so messages has an interior page
	sampleEpoch      = 1700000000 // sent_at of the first message, Unix seconds
	sampleDraftRows  = 80         // rows of the dropped table, freed into the freelist
	sampleUserVer    = 7          // apps version their schema with user_version
	sampleAppID      = 0x4d534731 // "MSG1"
	samplePageSize   = 4096
	sampleDBFileName = "messenger.db"
)

// sampleAttachments are the large blobs: message id → size. Both exceed a
// 4096-byte page, so each needs a chain of overflow pages.
var sampleAttachments = map[int64]int{42: 10000, 217: 25000}

var sampleBodies = []string{
	"Are we still on for tonight?",
	"Running ten minutes late, sorry!",
	"Sent you the photos from the hike 📷",
	"Can you pick up bread on the way home?",
	"Meeting moved to 15:30.",
	"😂😂😂",
	"Don't forget Mum's birthday on Sunday — I booked the restaurant for 8 people, table by the window.",
}

// sampleDraftBody is the text of the dropped drafts, as a SQL literal.
const sampleDraftBody = `'Sorry I missed your call, I was on the train with no signal. I will ring you back tonight after dinner.'`

// buildSampleDB creates the sample database at path, which must not exist.
func buildSampleDB(ctx context.Context, path string) (err error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s already exists; the sample is only written to a new file", path)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	// PRAGMAs apply per connection: keep to one.
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", samplePageSize),
		fmt.Sprintf("PRAGMA user_version = %d", sampleUserVer),
		fmt.Sprintf("PRAGMA application_id = %d", sampleAppID),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fillSample(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// A table a later app version dropped: its pages go to the freelist,
	// where they keep their old rows until reused.
	for _, q := range []string{
		"CREATE TABLE drafts (id INTEGER PRIMARY KEY, conversation_id INTEGER, body TEXT)",
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
			INSERT INTO drafts SELECT i, 1 + i %% 3, printf('unsent draft %%d: %%s', i, %s) FROM n`, sampleDraftRows, sampleDraftBody),
		"DROP TABLE drafts",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.40s...: %w", q, err)
		}
	}
	return nil
}

func fillSample(ctx context.Context, tx *sql.Tx) error {
	for _, q := range sampleSchema {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.40s...: %w", q, err)
		}
	}
	for _, c := range sampleContacts {
		if _, err := tx.ExecContext(ctx, "INSERT INTO contacts VALUES (?, ?, ?, ?)", c.ID, c.Name, c.Phone, c.Avatar); err != nil {
			return err
		}
	}
	for _, c := range sampleConversations {
		if _, err := tx.ExecContext(ctx, "INSERT INTO conversations (id, title, created_at) VALUES (?, ?, ?)", c.ID, c.Title, sampleEpoch-86400*c.ID); err != nil {
			return err
		}
	}
	for i := int64(1); i <= sampleMessages; i++ {
		var attachment any
		if n, ok := sampleAttachments[i]; ok {
			attachment = sampleBlob(n, uint64(i))
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO messages (conversation_id, sender_id, sent_at, body, attachment) VALUES (?, ?, ?, ?, ?)",
			1+i%3, 1+i%int64(len(sampleContacts)), sampleEpoch+97*i, sampleBodies[i%int64(len(sampleBodies))], attachment)
		if err != nil {
			return err
		}
	}
	emojis := []string{"👍", "❤️", "😂", "😮"}
	for i := int64(1); i <= 40; i++ {
		_, err := tx.ExecContext(ctx, "INSERT INTO reactions VALUES (?, ?, ?)", 7*i, 1+i%int64(len(sampleContacts)), emojis[i%int64(len(emojis))])
		if err != nil {
			return err
		}
	}
	return nil
}

// sampleBlob returns n reproducible, incompressible-looking bytes (an
// xorshift stream): a photo attachment without shipping a photo.
func sampleBlob(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 32)
	}
	return b
}
