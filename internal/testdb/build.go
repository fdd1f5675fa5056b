package testdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Schema is the schema every built database has. The table t has an
// INTEGER PRIMARY KEY (stored as NULL in the record) and a REAL column
// (integral values stored as integers); w is WITHOUT ROWID with a
// two-column key in non-declaration order; both have an index.
var Schema = []string{
	`CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, n INTEGER)`,
	`CREATE INDEX t_name ON t(name, n)`,
	`CREATE TABLE w(k1 TEXT, k2 INTEGER, v TEXT, PRIMARY KEY(k2, k1)) WITHOUT ROWID`,
	`CREATE INDEX w_v ON w(v)`,
	`CREATE VIEW tv AS SELECT id, name FROM t`,
	`CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN SELECT 1; END`,
}

// Build creates a database in dir as c describes and returns its path. For
// a WAL database the returned file has a -wal beside it holding committed
// frames not yet checkpointed and, after them, frames of a transaction that
// never committed; the files are copied while the writer is still open, as
// a crash would leave them.
func Build(ctx context.Context, dir string, c Config) (string, error) {
	path := filepath.Join(dir, c.Name()+".db")
	if err := writeEmpty(path, c); err != nil {
		return "", err
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		if err == nil {
			_, err = db.ExecContext(ctx, q, args...)
			if err != nil {
				err = fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	if c.WAL {
		exec(`PRAGMA journal_mode=WAL`)
		exec(`PRAGMA wal_autocheckpoint=0`)
	}
	for _, s := range Schema {
		exec(s)
	}
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 7))
	insert := func(from, to int) {
		exec(`BEGIN`)
		for i := from; i < to && err == nil; i++ {
			name, score, data, n := rowValues(rng, i, c.BigValues)
			exec(`INSERT INTO t(id, name, score, data, n) VALUES(?, ?, ?, ?, ?)`, i, name, score, data, n)
			exec(`INSERT INTO w(k1, k2, v) VALUES(?, ?, ?)`, fmt.Sprintf("k%d", i%17), i, name)
		}
		exec(`COMMIT`)
	}
	half := c.Rows / 2
	insert(1, half+1)
	// Deleting rows leaves freeblocks on pages and pages on the freelist.
	exec(`DELETE FROM t WHERE id % 7 = 3`)
	exec(`DELETE FROM w WHERE k2 % 5 = 1`)
	if c.WAL {
		exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	insert(half+1, c.Rows+1)
	exec(`UPDATE t SET n = n + 1 WHERE id % 11 = 0`)
	if err != nil {
		return "", err
	}
	if !c.WAL {
		return path, nil
	}
	return path, leaveWALTail(ctx, db, path, c, rng)
}

// leaveWALTail copies the database and its WAL while the writer is still
// open (as a crash leaves them), then appends to the copy's WAL frames of a
// transaction that never committed. SQLite's own cache spill does not
// reliably put such frames on disk, so they are written here with valid
// salts and running checksums and no commit mark. Their pages are zero-filled
// images of page 1 and of t's root: a reader that wrongly applied them would
// lose the schema.
func leaveWALTail(ctx context.Context, db *sql.DB, path string, _ Config, _ *rand.Rand) error {
	var root uint32
	if err := db.QueryRowContext(ctx, `SELECT rootpage FROM sqlite_master WHERE name = 't'`).Scan(&root); err != nil {
		return err
	}
	snap := path + ".snap"
	for _, suffix := range []string{"", "-wal"} {
		if err := fsutil.CopyFile(path+suffix, snap+suffix); err != nil {
			return err
		}
	}
	db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := os.Rename(snap+suffix, path+suffix); err != nil {
			return err
		}
	}
	return AppendUncommittedFrames(path+"-wal", []uint32{1, root})
}

// AppendUncommittedFrames appends to the WAL at path one frame per page in
// pgnos, each holding a zero-filled page, chained onto the running checksum
// of the WAL's valid frames but never marked as a commit.
func AppendUncommittedFrames(path string, pgnos []uint32) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	w, err := pagefile.ReadWAL(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	be := binary.BigEndian
	s0, s1 := be.Uint32(b[24:]), be.Uint32(b[28:])
	frameSize := pagefile.WALFrameHeaderSize + w.PageSize()
	end := pagefile.WALHeaderSize + len(w.Frames)*frameSize
	if n := len(w.Frames); n > 0 {
		last := b[pagefile.WALHeaderSize+(n-1)*frameSize:]
		s0, s1 = be.Uint32(last[16:]), be.Uint32(last[20:])
	}
	out := b[:end:end]
	for _, pgno := range pgnos {
		frame := make([]byte, frameSize)
		be.PutUint32(frame[0:], pgno)
		copy(frame[8:16], b[16:24]) // salts from the header
		s0, s1 = pagefile.WALChecksum(s0, s1, w.Header.BigEndianChecksum(), frame[:8])
		s0, s1 = pagefile.WALChecksum(s0, s1, w.Header.BigEndianChecksum(), frame[pagefile.WALFrameHeaderSize:])
		be.PutUint32(frame[16:], s0)
		be.PutUint32(frame[20:], s1)
		out = append(out, frame...)
	}
	return os.WriteFile(path, out, 0o644)
}

// rowValues makes one row's values, exercising every serial type: NULL,
// 0 and 1, integers of 1 to 8 bytes, floats (integral ones stored as
// integers by REAL affinity), text with non-ASCII characters, and blobs
// from empty to 1 MB.
func rowValues(rng *rand.Rand, i int, big bool) (name any, score any, data any, n any) {
	names := []string{"alice", "Bob", "naïve café", "名前", "emoji 😀", "", "x"}
	if i%13 != 0 {
		name = fmt.Sprintf("%s %d", names[i%len(names)], rng.IntN(1000))
	}
	switch i % 4 {
	case 0:
		score = float64(i) // integral: stored as an integer
	case 1:
		score = rng.Float64() * 1e6
	case 2:
		score = math.Inf(1 - 2*(i%2))
	}
	ints := []int64{0, 1, -1, 127, -32768, 8388607, -2147483648, 140737488355327, math.MaxInt64, math.MinInt64}
	n = ints[i%len(ints)] + int64(i%3)
	if i%9 == 0 {
		n = nil
	}
	size := rng.IntN(300)
	if i%10 == 0 {
		size = 2000 + rng.IntN(20000)
	}
	if big && i%100 == 50 {
		size = 1 << 20
	}
	blob := make([]byte, size)
	for j := range blob {
		blob[j] = byte(rng.Uint32())
	}
	data = blob
	return name, score, data, n
}
