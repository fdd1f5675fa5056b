package sqlitero

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestOpenBesideALiveConnection reads a WAL-mode database that another
// connection holds open, in this process and in another one: Open must
// see it (Shared), read the rows that connection committed, and leave its
// -wal and -shm alone, and the connection must go on writing afterwards.
func TestOpenBesideALiveConnection(t *testing.T) {
	t.Run("same process", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.db")
		w := writer(t, path, true)
		insertRows(t, w, 1, 500)
		readBesideLive(t, path, 499)
		insertRows(t, w, 500, 600)
		if got := rowCount(t, w); got != 599 {
			t.Errorf("the live connection counts %d rows after writing more, want 599", got)
		}
	})
	t.Run("other process", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.db")
		w := writer(t, path, true)
		insertRows(t, w, 1, 500)
		w.Close()
		stop := holdOpenElsewhere(t, path)
		defer stop()
		readBesideLive(t, path, 499)
	})
}

func readBesideLive(t *testing.T, path string, rows int) {
	t.Helper()
	before := testdb.Listing(t, filepath.Dir(path))
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if db.How != Shared {
		t.Errorf("Open chose %q beside a live connection, want %q", db.How, Shared)
	}
	if got := rowCount(t, db.DB); got != rows {
		t.Errorf("read %d rows, want %d", got, rows)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := testdb.Listing(t, filepath.Dir(path))
	// The -shm is the live connection's memory: its content may move.
	delete(before, "app.db-shm")
	if _, ok := after["app.db-shm"]; !ok {
		t.Errorf("the live connection's -shm was removed")
	}
	delete(after, "app.db-shm")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("directory after reading (-before +after):\n%s", diff)
	}
}

// holdOpenElsewhere runs this test binary again as a helper process that
// opens path in WAL mode, reads it and keeps it open until stop is called.
func holdOpenElsewhere(t *testing.T, path string) (stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldOpen$")
	cmd.Env = append(os.Environ(), "SQLITERO_HOLD="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper process: %q, %v", line, err)
	}
	return func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}
}

// TestHelperHoldOpen is the helper process of holdOpenElsewhere; it does
// nothing in a normal test run.
func TestHelperHoldOpen(t *testing.T) {
	path := os.Getenv("SQLITERO_HOLD")
	if path == "" {
		t.Skip("helper process for TestOpenBesideALiveConnection")
	}
	db := writer(t, path, true)
	if n := rowCount(t, db); n == 0 {
		t.Fatal("no rows")
	}
	os.Stdout.WriteString("ready\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until stop closes stdin
}
