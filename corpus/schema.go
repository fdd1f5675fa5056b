package corpus

// The messenger schema. It is what a chat app keeps on a phone, and it holds
// every structure a repair must get right:
//
//   - rowid tables with an INTEGER PRIMARY KEY (stored as NULL in the
//     record: the value is the rowid) and one without (attachments keeps
//     its rowid hidden);
//   - messages is AUTOINCREMENT, so sqlite_sequence exists;
//   - reactions is WITHOUT ROWID: an index b-tree holding rows, keyed in
//     PRIMARY KEY order, not declaration order;
//   - REAL columns whose integral values SQLite stores as integers;
//   - text long enough, and blobs large enough, to need overflow chains of
//     several pages at every page size;
//   - indexes, a view and a trigger (no b-tree of their own for the latter
//     two);
//   - messages.status, added by ALTER TABLE ADD COLUMN ... DEFAULT after
//     rows exist: those older rows store one field fewer than the table has
//     columns, and read the default.
var messengerSchema = []string{
	`CREATE TABLE contacts (
		id         INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		phone      TEXT,
		email      TEXT,
		avatar     BLOB,
		blocked    INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX contacts_by_name ON contacts(name)`,
	`CREATE TABLE conversations (
		id              INTEGER PRIMARY KEY,
		title           TEXT,
		kind            TEXT NOT NULL,
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
		payload         BLOB
	)`,
	`CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at)`,
	`CREATE TABLE attachments (
		message_id INTEGER NOT NULL,
		mime       TEXT NOT NULL,
		file_name  TEXT,
		size       INTEGER NOT NULL,
		duration   REAL,
		data       BLOB
	)`,
	`CREATE INDEX attachments_by_message ON attachments(message_id)`,
	`CREATE TABLE reactions (
		message_id INTEGER NOT NULL,
		contact_id INTEGER NOT NULL,
		emoji      TEXT NOT NULL,
		reacted_at INTEGER,
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

// addStatusColumn runs after the first part of the messages exists.
const addStatusColumn = `ALTER TABLE messages ADD COLUMN status INTEGER NOT NULL DEFAULT 2`

// Header fields an app sets on its database.
const (
	messengerUserVersion   = 12
	messengerApplicationID = 0x4d534731 // "MSG1"
)

// searchSchema is the full-text index of Spec.Search: an FTS5 table with
// its own copy of the text, whose index lives in message_search_data.
const searchSchema = `CREATE VIRTUAL TABLE message_search USING fts5(body)`
