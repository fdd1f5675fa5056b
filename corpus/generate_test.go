package corpus

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

func TestGenerateHasEveryStructure(t *testing.T) {
	db := sharedDB(t, plainSpec)
	if got := integrity(t, db.Path); got != "ok" {
		t.Fatalf("integrity_check: %s", got)
	}
	sdb := openCopy(t, db.Path)
	rows, err := sdb.Query(`SELECT type, name, tbl_name FROM sqlite_master ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][3]string
	for rows.Next() {
		var r [3]string
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	want := [][3]string{
		{"table", "contacts", "contacts"},
		{"index", "contacts_by_name", "contacts"},
		{"table", "conversations", "conversations"},
		{"table", "messages", "messages"},
		{"table", "sqlite_sequence", "sqlite_sequence"},
		{"index", "messages_by_conversation", "messages"},
		{"table", "attachments", "attachments"},
		{"index", "attachments_by_message", "attachments"},
		{"table", "reactions", "reactions"},
		{"view", "conversation_summary", "conversation_summary"},
		{"trigger", "messages_touch_conversation", "messages"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sqlite_master (-want +got):\n%s", diff)
	}
	for q, want := range map[string]int64{
		`PRAGMA user_version`:   messengerUserVersion,
		`PRAGMA application_id`: messengerApplicationID,
		// AUTOINCREMENT: sqlite_sequence holds the largest id ever used,
		// the messages the generator inserted (some since deleted).
		`SELECT seq FROM sqlite_sequence WHERE name = 'messages'`: queryInt(t, db.Path, `SELECT max(id) FROM messages`),
		// The view and the trigger work.
		`SELECT count(*) FROM conversation_summary`:                            queryInt(t, db.Path, `SELECT count(*) FROM conversations`),
		`SELECT count(*) FROM conversations WHERE last_message_at IS NOT NULL`: queryInt(t, db.Path, `SELECT count(DISTINCT conversation_id) FROM messages`),
	} {
		if got := queryInt(t, db.Path, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}

	f, err := pagefile.Open(db.Path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lay := readLayout(f, true)
	if tr := lay.tree("reactions"); tr == nil || !tr.IndexTree {
		t.Errorf("reactions is not stored as an index b-tree (WITHOUT ROWID): %+v", tr)
	}
	for _, name := range []string{"messages", "attachments"} {
		longest := 0
		for _, c := range lay.tree(name).Chains {
			longest = max(longest, len(c))
		}
		if longest < 2 {
			t.Errorf("%s: longest overflow chain has %d pages, want a multi-page chain", name, longest)
		}
	}
	// ALTER TABLE ADD COLUMN: older rows store 6 fields and read the
	// default, newer ones store 7.
	fields := map[int]int{}
	for _, e := range lay.tree("messages").Entries {
		fields[e.Fields]++
	}
	if fields[6] == 0 || fields[7] == 0 || len(fields) != 2 {
		t.Errorf("messages records by field count: %v; want both 6 (before ADD COLUMN) and 7", fields)
	}
	if n := queryInt(t, db.Path, `SELECT count(*) FROM messages WHERE status = 2`); n < int64(fields[6]) {
		t.Errorf("%d messages have status 2, fewer than the %d rows stored before ADD COLUMN (which read the default 2)", n, fields[6])
	}
}

func TestGenerateVariants(t *testing.T) {
	for _, v := range Variants() {
		t.Run(v.Name, func(t *testing.T) {
			spec := v.Spec
			spec.Seed = 3
			db := sharedDB(t, spec)
			spec = spec.withDefaults()
			if got := integrity(t, db.Path); got != "ok" {
				t.Fatalf("integrity_check: %s", got)
			}
			f, err := pagefile.Open(db.Path, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := []any{f.Geometry.PageSize, f.Geometry.Reserved, pagefile.EncodingName(f.TextEncoding()), f.Header.AutoVacuum()}
			want := []any{spec.PageSize, spec.Reserved, spec.Encoding, spec.AutoVacuum}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("page size, reserve, encoding, auto_vacuum (-want +got):\n%s", diff)
			}
			if spec.WAL {
				checkWAL(t, db)
			} else if _, err := os.Stat(db.Path + "-wal"); err == nil {
				t.Errorf("a database without WAL has a -wal file")
			}
			if spec.Deletes {
				checkDeletes(t, f)
			}
		})
	}
}

// checkWAL: committed frames not checkpointed (the main file alone lacks
// the ADD COLUMN), then an uncommitted tail.
func checkWAL(t *testing.T, db *DB) {
	t.Helper()
	f, err := pagefile.Open(db.Path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := f.WAL
	if w == nil || w.Committed == 0 || len(w.Frames) <= w.Committed || w.Stop != nil {
		t.Fatalf("want a WAL with committed frames, an uncommitted tail and nothing after; got %+v (%v)", w, f.WALError())
	}
	mainOnly, err := pagefile.Open(db.Path, pagefile.Options{NoWAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mainOnly.Close()
	schema, _, err := btree.ReaderFor(mainOnly).ReadSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range schema {
		if s.Name == "messages" && strings.Contains(s.SQL, "status") {
			t.Errorf("the main file already has the ADD COLUMN; it should be only in the WAL: %s", s.SQL)
		}
	}
}

// checkDeletes: pages on the freelist, and freeblocks inside pages in use.
func checkDeletes(t *testing.T, f *pagefile.File) {
	t.Helper()
	lay := readLayout(f, false)
	if len(lay.Freelist.Trunks) == 0 && f.Header.AutoVacuum() != "full" {
		t.Errorf("no freelist after deleting a conversation")
	}
	r := btree.ReaderFor(f)
	for _, tr := range lay.userTrees() {
		for _, v := range tr.Pages {
			p, err := r.Page(v.Pgno)
			if err != nil {
				t.Fatal(err)
			}
			if s, err := p.Space(); err == nil && len(s.Freeblocks) > 0 {
				return
			}
		}
	}
	t.Errorf("no freeblock on any table page after deleting scattered messages")
}

func TestGenerateIsDeterministic(t *testing.T) {
	spec := Spec{Seed: 11, PageSize: 1024, Encoding: UTF16BE, AutoVacuum: "incremental", Reserved: 8, WAL: true, Deletes: true}
	a, err := Generate(context.Background(), t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(context.Background(), t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{a.Path, b.Path}, {a.WALPath, b.WALPath}} {
		if !bytes.Equal(testdb.ReadFile(t, p[0]), testdb.ReadFile(t, p[1])) {
			t.Errorf("%s and %s differ: same spec, different bytes", p[0], p[1])
		}
	}
	spec.Seed++
	c, err := Generate(context.Background(), t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(testdb.ReadFile(t, a.Path), testdb.ReadFile(t, c.Path)) || bytes.Equal(testdb.ReadFile(t, a.WALPath), testdb.ReadFile(t, c.WALPath)) {
		t.Errorf("seeds %d and %d built identical files", spec.Seed-1, spec.Seed)
	}
}

func TestGenerateRefusesExistingFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(context.Background(), dir, Spec{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), dir, Spec{Seed: 1}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second Generate into the same file: %v, want an 'already exists' error", err)
	}
	if _, err := Generate(context.Background(), dir, Spec{Seed: 1, PageSize: 1000}); err == nil {
		t.Errorf("page size 1000 accepted")
	}
}

func TestGenerateMediumSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 4 MB database")
	}
	db := sharedDB(t, Spec{Seed: 2, Bytes: SizeMedium})
	st, err := os.Stat(db.Path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < SizeMedium/2 || st.Size() > SizeMedium*2 {
		t.Errorf("a %d-byte spec built %d bytes", SizeMedium, st.Size())
	}
}
