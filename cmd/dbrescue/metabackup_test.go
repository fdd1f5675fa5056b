package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

func TestMetabackupWritesThenSkipsUnchanged(t *testing.T) {
	db := newSampleDB(t)
	before := testdb.FileSHA256(t, db)
	meta := db + ".meta"

	var first metabackupResult
	decodeJSON(t, runApp(t, "metabackup", db, "--json").mustSucceed(t).stdout, &first)
	if first.Status != "written" || first.Meta != meta || first.Trees == 0 || first.PagesListed == 0 {
		t.Fatalf("first run: %+v", first)
	}
	m, err := master.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Tables); got != first.Tables {
		t.Errorf("report says %d tables, the file holds %d", first.Tables, got)
	}

	var second metabackupResult
	decodeJSON(t, runApp(t, "metabackup", "--json", db).mustSucceed(t).stdout, &second)
	if second.Status != "unchanged" {
		t.Fatalf("second run on an unchanged database: %+v", second)
	}
	if _, err := os.Stat(meta + master.PrevSuffix); err == nil {
		t.Errorf("an unchanged run rotated the previous generation")
	}

	out := runApp(t, "metabackup", db, "--force").mustSucceed(t).stdout
	if !strings.HasPrefix(out, "wrote "+meta) {
		t.Errorf("--force output: %q", out)
	}
	if _, err := master.ReadFile(meta + master.PrevSuffix); err != nil {
		t.Errorf("--force should keep the replaced backup as .prev: %v", err)
	}
	if before != testdb.FileSHA256(t, db) {
		t.Errorf("metabackup modified the database")
	}
}

func TestMetabackupSchemaOnlyAndOutputFlag(t *testing.T) {
	db := newSampleDB(t)
	out := t.TempDir() + "/custom.meta"
	runApp(t, "metabackup", db, "--schema-only", "-o", out).mustSucceed(t)
	m, err := master.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !m.SchemaOnly || len(m.Trees) != 0 || len(m.Schema) == 0 {
		t.Fatalf("schema-only backup: schema-only %v, %d trees, %d schema rows", m.SchemaOnly, len(m.Trees), len(m.Schema))
	}
	// A schema-only backup does not satisfy a request for page lists.
	var res metabackupResult
	decodeJSON(t, runApp(t, "metabackup", db, "-o", out, "--json").mustSucceed(t).stdout, &res)
	if res.Status != "written" || res.SchemaOnly {
		t.Errorf("full capture over a schema-only backup: %+v", res)
	}
}

func TestMetaShowJSONIsTheWholeBackup(t *testing.T) {
	db := newSampleDB(t)
	runApp(t, "metabackup", db).mustSucceed(t)
	want, err := master.ReadFile(db + ".meta")
	if err != nil {
		t.Fatal(err)
	}
	var got master.Meta
	js := runApp(t, "meta", "show", db+".meta", "--json").mustSucceed(t).stdout
	decodeJSON(t, js, &got)
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("meta show --json (-file +json):\n%s", diff)
	}
	for _, s := range []string{`"counts": true`, `"cells": `, `"entries": `, `"overflow_crcs": [`} {
		if !strings.Contains(js, s) {
			t.Errorf("meta show --json lacks %s", s)
		}
	}
	text := runApp(t, "meta", "show", db+".meta").mustSucceed(t).stdout
	var messages master.Tree
	for _, tr := range want.Trees {
		if tr.Name == "messages" {
			messages = tr
		}
	}
	for _, s := range []string{"page size", "CREATE TABLE messages", "WITHOUT ROWID table", "record order:", "B-trees",
		fmt.Sprintf(`table "messages", root %d: %d interior, %d leaf, %d overflow pages; %d entries`,
			messages.Root, len(messages.Interior), len(messages.Leaves), len(messages.Overflow), messages.Entries),
		" per leaf, ", fmt.Sprintf(" (%d CRCs)", len(messages.OverflowCRCs))} {
		if !strings.Contains(text, s) {
			t.Errorf("meta show text lacks %q", s)
		}
	}
	if len(messages.OverflowCRCs) == 0 || messages.Entries == 0 {
		t.Errorf("the sample's messages table: %d entries, %d overflow CRCs; want both", messages.Entries, len(messages.OverflowCRCs))
	}
}

// TestMetaShowVersion1 shows a backup written by the version-1 encoder
// (master's fixture): its counts are unknown, never printed as zeros.
func TestMetaShowVersion1(t *testing.T) {
	path := filepath.Join("..", "..", "master", "testdata", "v1", "ps512-utf8-av_none-res0.meta")
	text := runApp(t, "meta", "show", path).mustSucceed(t).stdout
	for _, s := range []string{"a version-1 backup", `root 2: 1 interior, 20 leaf, 65 overflow pages; entries unknown`} {
		if !strings.Contains(text, s) {
			t.Errorf("meta show text lacks %q:\n%s", s, text)
		}
	}
	for _, s := range []string{" per leaf", "CRCs)", "0 entries"} {
		if strings.Contains(text, s) {
			t.Errorf("meta show of a version-1 backup prints %q", s)
		}
	}
	js := runApp(t, "meta", "show", path, "--json").mustSucceed(t).stdout
	if !strings.Contains(js, `"counts": false`) {
		t.Errorf("meta show --json of a version-1 backup lacks \"counts\": false")
	}
}

func TestMetaVerify(t *testing.T) {
	db := newSampleDB(t)
	meta := db + ".meta"
	runApp(t, "metabackup", db).mustSucceed(t)
	runApp(t, "metabackup", db, "--force").mustSucceed(t)
	if r := runApp(t, "meta", "verify", meta).mustSucceed(t); strings.Count(r.stdout, ": valid") != 2 {
		t.Errorf("verify of two good generations:\n%s", r.stdout)
	}
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(meta, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, "meta", "verify", meta)
	if r.code != exitFailure || !strings.Contains(r.stdout, "INVALID") || !strings.Contains(r.stdout, "previous generation can be used") {
		t.Errorf("verify of a damaged file: exit %d\n%s", r.code, r.stdout)
	}
}

func TestMetaCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"metabackup"}, exitUsage},
		{[]string{"metabackup", "a.db", "b.db"}, exitUsage},
		{[]string{"metabackup", "--bogus", "a.db"}, exitUsage},
		{[]string{"metabackup", t.TempDir() + "/missing.db"}, exitFailure},
		{[]string{"meta", "show"}, exitUsage},
		{[]string{"meta", "show", t.TempDir() + "/missing.meta"}, exitFailure},
		{[]string{"meta", "verify", t.TempDir() + "/missing.meta"}, exitFailure},
	}
	for _, tt := range tests {
		if r := runApp(t, tt.args...); r.code != tt.code {
			t.Errorf("%v: exit %d, want %d\nstderr: %s", tt.args, r.code, tt.code, r.stderr)
		}
	}
}
