package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/recover"
)

// inspectReportOf runs inspect --json on db.
func inspectReportOf(t *testing.T, db string) *inspect.Report {
	t.Helper()
	r := runApp(t, "inspect", "--json", db).mustSucceed(t)
	var rep inspect.Report
	decodeJSON(t, r.stdout, &rep)
	return &rep
}

func TestFlagsBeforeOrAfterTheDatabase(t *testing.T) {
	db := newSampleDB(t)
	root := strconv.FormatInt(sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'contacts'"), 10)
	for _, group := range [][][]string{
		{
			{"inspect", "--json", db},
			{"inspect", db, "--json"},
			{"inspect", db, "--json=true"},
		},
		{
			{"inspect", "--json", "--page", root, db},
			{"inspect", db, "--page", root, "--json"},
			{"inspect", "--page=" + root, db, "--json"},
			{"inspect", "--json", db, "--page", root},
		},
		{
			{"inspect", db},
			{"inspect", "--", db},
		},
	} {
		want := runApp(t, group[0]...).mustSucceed(t).stdout
		if want == "" {
			t.Fatalf("%q wrote nothing to stdout", group[0])
		}
		for _, args := range group[1:] {
			got := runApp(t, args...).mustSucceed(t).stdout
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q and %q differ (-first +second):\n%s", group[0], args, diff)
			}
		}
	}
}

func TestInspectDoesNotModifyTheDatabase(t *testing.T) {
	db := newSampleDB(t)
	before := testdb.FileSHA256(t, db)
	entriesBefore, err := os.ReadDir(filepath.Dir(db))
	if err != nil {
		t.Fatal(err)
	}
	runApp(t, "inspect", db).mustSucceed(t)
	runApp(t, "inspect", "--json", db).mustSucceed(t)
	runApp(t, "inspect", "--page", "1", db).mustSucceed(t)

	if after := testdb.FileSHA256(t, db); after != before {
		t.Errorf("sha256 changed from %x to %x", before, after)
	}
	entriesAfter, err := os.ReadDir(filepath.Dir(db))
	if err != nil {
		t.Fatal(err)
	}
	if len(entriesAfter) != len(entriesBefore) {
		t.Errorf("inspect created files next to the database: %v", entriesAfter)
	}
}

// A header damaged into another valid page size: inspect and repair read
// the file at the same page size, the one the pages agree with, and both
// say it was detected; inspect says so on stderr too.
func TestInspectAndRepairReadTheSameGeometry(t *testing.T) {
	db := newSampleDB(t)
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0x04, 0x00}, 16); err != nil { // 1024, a valid page size
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	type geometry struct {
		PageSize, Reserved int
		From               string
	}
	r := runApp(t, "inspect", "--json", db).mustSucceed(t)
	var ins inspect.Report
	decodeJSON(t, r.stdout, &ins)
	if ins.Header.PageSize != 1024 {
		t.Fatalf("the header says page size %d, want the damaged 1024", ins.Header.PageSize)
	}
	if !strings.Contains(r.stderr, "detected page size 4096") {
		t.Errorf("stderr does not say the page size was detected:\n%s", r.stderr)
	}
	out := filepath.Join(t.TempDir(), "out.db")
	rr := runApp(t, "repair", "--json", "-o", out, db)
	var rep recover.Report
	decodeJSON(t, rr.stdout, &rep)
	got := geometry{ins.Geometry.PageSize, ins.Geometry.ReservedBytes, ins.Geometry.Source}
	want := geometry{4096, 0, census.FromDetection}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inspect's geometry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(got, geometry{rep.Geometry.PageSize, rep.Geometry.Reserved, rep.Geometry.From}); diff != "" {
		t.Errorf("geometry (-inspect +repair):\n%s", diff)
	}
}

// A truncated file: the text report says how many pages are missing and
// why, lists them among the page kinds, and names a missing page.
func TestInspectTextNamesMissingPages(t *testing.T) {
	db := newSampleDB(t)
	count := sqliteInt(t, db, "PRAGMA page_count")
	if err := os.Truncate(db, (count-5)*4096); err != nil {
		t.Fatal(err)
	}
	text := runApp(t, "inspect", db).mustSucceed(t).stdout
	for _, want := range []string{
		"TRUNCATED: 5 pages missing beyond the end of the file: the header's page count",
		fmt.Sprintf("Pages by kind (%d pages, and 5 missing)", count-5),
		"  missing ",
		fmt.Sprintf("- corrupt page %d at offset 0: 5 pages missing beyond the end of the file", count-4),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	page := runApp(t, "inspect", "--page", strconv.FormatInt(count, 10), db).mustSucceed(t).stdout
	if want := fmt.Sprintf("Page %d of %d in %s: missing\n  beyond the end of the file, which lacks it: ", count, count-5, db); !strings.HasPrefix(page, want) {
		t.Errorf("--page %d prints\n%s\nwant it to start with\n%s", count, page, want)
	}
}
