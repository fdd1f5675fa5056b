package master_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/master"
)

// TestCaptureWhileWriterCommits runs captures on a WAL database while a
// writer in another connection commits as fast as it can, and checks each
// capture against the snapshot it was taken from: the lists equal a fresh
// walk of that snapshot through SQLite's own page server, no page is
// listed twice, every leaf CRC matches, and the writer kept committing
// (never blocked) while the capture's transaction was open.
func TestCaptureWhileWriterCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	writer, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	writer.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE msg(id INTEGER PRIMARY KEY, body TEXT, blob BLOB)`,
		`CREATE INDEX msg_body ON msg(body)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		 INSERT INTO msg(body, blob) SELECT printf('message %d %.*c', i, i % 300, 'x'), zeroblob(i % 5000) FROM n`,
	} {
		if _, err := writer.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	var commits atomic.Int64
	var writeErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := writer.Exec(`INSERT INTO msg(body, blob) VALUES(?, zeroblob(?))`, fmt.Sprintf("live %d", i), i%3000); err != nil {
				writeErr.Store(err)
				return
			}
			commits.Add(1)
		}
	}()

	reader, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var open time.Duration
	var during int64
	fromWAL := 0
	for round := 0; round < 5; round++ {
		conn, err := reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
			t.Fatal(err)
		}
		start, before := time.Now(), commits.Load()
		m, err := master.CaptureConn(ctx, conn, master.Options{})
		if err != nil {
			t.Fatal(err)
		}
		during += commits.Load() - before
		open += time.Since(start)
		checkAgainstSnapshot(ctx, t, conn, m)
		if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		// The snapshot may end in the WAL or, right after a checkpoint, in
		// the main file; either way the verified fast path must be found.
		if m.PagesReadFrom == master.ReadFromDBPage {
			t.Errorf("round %d: page lists read through sqlite_dbpage, want the verified fast path", round)
		}
		if m.PagesReadFrom == master.ReadFromWAL {
			fromWAL++
		}
		t.Logf("round %d: %d pages, read from %s", round, m.Header.PageCount, m.PagesReadFrom)
	}
	close(stop)
	wg.Wait()
	if err, _ := writeErr.Load().(error); err != nil {
		t.Fatalf("writer failed during captures: %v", err)
	}
	if fromWAL == 0 {
		t.Errorf("no capture read its snapshot from the WAL; the test did not exercise the overlay")
	}
	if during == 0 {
		t.Fatalf("the writer committed nothing while captures held their snapshots")
	}
	t.Logf("writer committed %d transactions in %v of open capture transactions (%.0f/s)", during, open, float64(during)/open.Seconds())
}

func checkAgainstSnapshot(ctx context.Context, t *testing.T, conn *sql.Conn, m *master.Meta) {
	t.Helper()
	snap, err := dbpage.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	r := btree.NewReader(snap, m.Header.PageSize-m.Header.ReservedBytes, m.Header.TextEncoding)
	listed := map[uint32]string{}
	for _, tr := range m.Trees {
		want := master.Tree{Name: tr.Name, Root: tr.Root, Kind: tr.Kind}
		res, err := r.WalkTree(tr.Root, btree.WalkOptions{ChainsOnly: true, OnPage: func(p *btree.Page) {
			if p.Type.Leaf() {
				want.Leaves = append(want.Leaves, master.Leaf{Pgno: p.Pgno, CRC: master.PageCRC(p.Data), Cells: p.CellCount})
			} else {
				want.Interior = append(want.Interior, p.Pgno)
			}
		}})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("walk %s in the snapshot: %v %v", tr.Name, err, res.Errors)
		}
		want.Overflow, want.Entries = res.Overflow, int64(res.Entries)
		want.OverflowCRCs = pageCRCs(t, snap, res.Overflow)
		if diff := cmp.Diff(want, tr); diff != "" {
			t.Errorf("tree %s differs from its snapshot (-snapshot +captured):\n%s", tr.Name, diff)
		}
		for _, list := range [][]uint32{tr.Interior, tr.Overflow} {
			for _, p := range list {
				if prev, dup := listed[p]; dup {
					t.Errorf("page %d listed in %s and %s", p, prev, tr.Name)
				}
				listed[p] = tr.Name
			}
		}
		for _, l := range tr.Leaves {
			if prev, dup := listed[l.Pgno]; dup {
				t.Errorf("page %d listed in %s and %s", l.Pgno, prev, tr.Name)
			}
			listed[l.Pgno] = tr.Name
		}
	}
	if m.Header.PageCount != snap.PageCount() {
		t.Errorf("captured page count %d, snapshot has %d", m.Header.PageCount, snap.PageCount())
	}
}
