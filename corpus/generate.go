package corpus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is a generated database.
type DB struct {
	// Path is the database file; WALPath its -wal file, empty when the
	// database is not in WAL mode.
	Path    string
	WALPath string
	// Spec is the spec it was built from, defaults filled in.
	Spec Spec
}

// Generate builds the database spec describes in dir, as dir/<spec.Name()>.db
// (and its -wal), and returns where it is. The file must not exist yet.
// SQLite (modernc.org/sqlite) writes every page, as it would in an app; the
// generator only chooses the geometry and the rows, from spec.Seed, so the
// same spec always gives byte-identical files (for WAL databases the random
// salts SQLite picks are rewritten from the seed; see normalizeWAL).
func Generate(ctx context.Context, dir string, spec Spec) (*DB, error) {
	spec = spec.withDefaults()
	if err := spec.validate(); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, spec.Name()+".db")
	for _, p := range []string{path, path + "-wal", path + "-journal"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("corpus: %s already exists; Generate only writes new files", p)
		}
	}
	if err := os.WriteFile(path, emptyDatabase(spec), 0o644); err != nil {
		return nil, err
	}
	db := &DB{Path: path, Spec: spec}
	err := build(ctx, path, spec)
	if err == nil && spec.WAL {
		err = adoptSnapshot(path, spec.Seed)
	}
	if err != nil {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal", ".snap", ".snap-wal"} {
			os.Remove(path + suffix)
		}
		return nil, fmt.Errorf("corpus: generating %s: %w", spec.Name(), err)
	}
	if spec.WAL {
		db.WALPath = path + "-wal"
	}
	return db, nil
}

// build fills the database at path through SQLite.
func build(ctx context.Context, path string, spec Spec) (err error) {
	sdb, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	// Closing a WAL database checkpoints it; buildWAL snapshots the files
	// before that and closes the handle itself.
	defer func() {
		if cerr := sdb.Close(); err == nil {
			err = cerr
		}
	}()
	sdb.SetMaxOpenConns(1) // PRAGMAs are per connection
	g := &generator{ctx: ctx, db: sdb, spec: spec, rng: rand.New(rand.NewPCG(spec.Seed, 0x6d657373656e6772))}
	g.plan()
	// Durability is no concern for a file built from scratch, and
	// synchronous only decides when bytes are flushed, not which bytes.
	g.exec(`PRAGMA synchronous = OFF`)
	g.exec(fmt.Sprintf(`PRAGMA user_version = %d`, messengerUserVersion))
	g.exec(fmt.Sprintf(`PRAGMA application_id = %d`, messengerApplicationID))
	if spec.WAL {
		g.exec(`PRAGMA journal_mode = WAL`)
		g.exec(`PRAGMA wal_autocheckpoint = 0`)
	}
	g.inTx(func() {
		for _, q := range messengerSchema {
			g.exec(q)
		}
		g.contactsAndConversations()
	})
	split := g.nMessages * 3 / 5
	g.messages(1, split)
	if spec.WAL {
		// What is in the main file so far stays there; the rest of the
		// history lives only in the WAL.
		g.exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	g.exec(addStatusColumn)
	g.messages(split+1, g.nMessages)
	if spec.Deletes {
		g.deletes()
	}
	if spec.Search {
		g.inTx(func() {
			g.exec(searchSchema)
			g.exec(`INSERT INTO message_search(rowid, body) SELECT id, body FROM messages WHERE body IS NOT NULL`)
		})
	}
	if g.err != nil {
		return g.err
	}
	if spec.WAL {
		g.snapshotWAL(path)
	}
	return g.err
}

// generator holds the state of one build. Errors stick: after the first,
// every step is a no-op and build returns it.
type generator struct {
	ctx  context.Context
	db   *sql.DB
	tx   *sql.Tx
	spec Spec
	rng  *rand.Rand
	err  error

	nContacts, nConversations, nMessages int
	attachmentBytes                      int     // mean attachment size
	attachmentRate                       float64 // attachments per message
	sentAt                               int64
}

// plan scales the row counts to the requested size: about half the bytes
// in attachments, the rest in messages and their index.
func (g *generator) plan() {
	b := g.spec.Bytes
	g.nContacts = int(min(max(b/3000, 12), 5000))
	g.nConversations = int(min(max(b/25000, 4), 800))
	g.nMessages = int(max(120, b*2/5/260))
	g.attachmentBytes = int(min(max(b/400, 3<<10), 64<<10))
	g.attachmentRate = float64(max(4, b/2/int64(g.attachmentBytes))) / float64(g.nMessages)
	g.sentAt = 1_690_000_000
}

func (g *generator) exec(q string, args ...any) {
	if g.err != nil {
		return
	}
	var err error
	if g.tx != nil {
		_, err = g.tx.ExecContext(g.ctx, q, args...)
	} else {
		_, err = g.db.ExecContext(g.ctx, q, args...)
	}
	if err != nil {
		g.err = fmt.Errorf("%.60s: %w", q, err)
	}
}

// inTx runs fn inside one transaction, as an app batches its writes.
func (g *generator) inTx(fn func()) {
	if g.err != nil {
		return
	}
	if g.tx, g.err = g.db.BeginTx(g.ctx, nil); g.err != nil {
		return
	}
	fn()
	tx := g.tx
	g.tx = nil
	if g.err != nil {
		_ = tx.Rollback()
		return
	}
	g.err = tx.Commit()
}

func (g *generator) contactsAndConversations() {
	for id := 1; id <= g.nContacts; id++ {
		var avatar any
		if g.rng.IntN(3) == 0 {
			m := mimes[g.rng.IntN(2)]
			avatar = blob(g.rng, m.magic, 200+g.rng.IntN(1300))
		}
		var email any
		if g.rng.IntN(2) == 0 {
			email = fmt.Sprintf("user%d@example.org", id)
		}
		g.exec(`INSERT INTO contacts (id, name, phone, email, avatar, blocked) VALUES (?, ?, ?, ?, ?, ?)`,
			id, personName(g.rng), phoneNumber(g.rng), email, avatar, boolInt(g.rng.IntN(40) == 0))
	}
	for id := 1; id <= g.nConversations; id++ {
		kind, title := "direct", any(personName(g.rng))
		if g.rng.IntN(3) == 0 {
			kind, title = "group", pick(g.rng, groupTitles)
		}
		g.exec(`INSERT INTO conversations (id, title, kind, created_at, muted) VALUES (?, ?, ?, ?, ?)`,
			id, title, kind, g.sentAt-int64(86400*(g.nConversations-id+1)), boolInt(g.rng.IntN(8) == 0))
	}
}

// messages inserts messages from..to (1-based, inclusive) in batches of a
// hundred per transaction, each with its attachments and reactions. Rows
// after the ALTER TABLE carry a status.
func (g *generator) messages(from, to int) {
	const batch = 100
	for start := from; start <= to && g.err == nil; start += batch {
		g.inTx(func() {
			for i := start; i <= min(to, start+batch-1) && g.err == nil; i++ {
				g.message(i, i > g.nMessages*3/5)
			}
		})
	}
}

func (g *generator) message(i int, withStatus bool) {
	g.sentAt += int64(20 + g.rng.IntN(900))
	conv := 1 + int(float64(g.nConversations)*g.rng.Float64()*g.rng.Float64()) // a few busy chats
	var sender any
	if g.rng.IntN(3) > 0 {
		sender = 1 + g.rng.IntN(g.nContacts)
	}
	var payload any
	switch {
	case i == 7 || i%2000 == 1000:
		// A voice note longer than two pages at any page size: an
		// overflow chain of several pages.
		payload = blob(g.rng, []byte("OggS"), 5*g.spec.PageSize/2+g.rng.IntN(g.spec.PageSize))
	case g.rng.IntN(40) == 0:
		payload = blob(g.rng, []byte("RIFF"), 200+g.rng.IntN(6000))
	}
	body := messageBody(g.rng)
	if withStatus {
		g.exec(`INSERT INTO messages (conversation_id, sender_id, sent_at, body, payload, status) VALUES (?, ?, ?, ?, ?, ?)`,
			conv, sender, g.sentAt, body, payload, g.rng.IntN(4))
	} else {
		g.exec(`INSERT INTO messages (conversation_id, sender_id, sent_at, body, payload) VALUES (?, ?, ?, ?, ?)`,
			conv, sender, g.sentAt, body, payload)
	}
	for n := g.attachmentCount(i); n > 0; n-- {
		g.attachment(i, n)
	}
	if g.rng.IntN(5) == 0 {
		first := g.rng.IntN(g.nContacts)
		for k := range 1 + g.rng.IntN(3) {
			g.exec(`INSERT INTO reactions (message_id, contact_id, emoji, reacted_at) VALUES (?, ?, ?, ?)`,
				i, 1+(first+k)%g.nContacts, pick(g.rng, emojis), g.sentAt+int64(g.rng.IntN(3600)))
		}
	}
}

// attachmentCount draws how many attachments message i has; message 3
// always has one large enough for a multi-page overflow chain.
func (g *generator) attachmentCount(i int) int {
	if i == 3 {
		return 1
	}
	n := 0
	for r := g.attachmentRate; r > 0; r-- {
		if g.rng.Float64() < r {
			n++
		}
	}
	return n
}

func (g *generator) attachment(msg, n int) {
	m := pick(g.rng, mimes)
	size := g.attachmentBytes/4 + g.rng.IntN(g.attachmentBytes*3/2)
	if msg == 3 || g.rng.IntN(300) == 0 {
		size = max(size, 5*g.spec.PageSize/2+g.rng.IntN(g.spec.PageSize))
	}
	var duration any
	if m.media {
		duration = float64(1 + g.rng.IntN(300)) // whole seconds: stored as an integer
		if g.rng.IntN(2) == 0 {
			duration = g.rng.Float64() * 300
		}
	}
	g.exec(`INSERT INTO attachments (message_id, mime, file_name, size, duration, data) VALUES (?, ?, ?, ?, ?, ?)`,
		msg, m.mime, fmt.Sprintf("IMG_%04d_%d.%s", msg, n, m.ext), size, duration, blob(g.rng, m.magic, size))
}

// deletes removes one whole conversation (many pages, overflow chains
// included, go to the freelist) and then scattered messages (freeblocks
// inside pages that stay in use), as a user clearing history does.
func (g *generator) deletes() {
	// The conversation deleted is the busiest one not holding messages 3
	// and 7, whose blobs give every database multi-page overflow chains.
	var conv int64
	if g.err == nil {
		g.err = g.db.QueryRowContext(g.ctx, `SELECT conversation_id FROM messages
			WHERE conversation_id NOT IN (SELECT conversation_id FROM messages WHERE id IN (3, 7))
			GROUP BY conversation_id ORDER BY count(*) DESC, conversation_id LIMIT 1`).Scan(&conv)
	}
	g.inTx(func() {
		g.exec(`DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE conversation_id = ?)`, conv)
		g.exec(`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE conversation_id = ?)`, conv)
		g.exec(`DELETE FROM messages WHERE conversation_id = ?`, conv)
		g.exec(`DELETE FROM conversations WHERE id = ?`, conv)
	})
	g.inTx(func() {
		const scattered = `SELECT id FROM messages WHERE id % 13 = 5`
		g.exec(`DELETE FROM attachments WHERE message_id IN (` + scattered + `)`)
		g.exec(`DELETE FROM reactions WHERE message_id IN (` + scattered + `)`)
		g.exec(`DELETE FROM messages WHERE id IN (` + scattered + `)`)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
