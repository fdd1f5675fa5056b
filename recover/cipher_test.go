package recover_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

const cipherPass = "correct horse"

// sqlcipherDB builds a messenger database with real SQLCipher (major 3 or
// 4) and returns its path and its rows as SQLCipher reads them.
func sqlcipherDB(t *testing.T, major, rows int) (ciphertest.Tool, string, map[string][][]any) {
	t.Helper()
	tool := ciphertest.Find(t, major)
	path := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, path, "'"+cipherPass+"'", nil, ciphertest.MessengerSQL(rows))
	return tool, path, tool.Tables(t, path, "'"+cipherPass+"'", nil, ciphertest.MessengerTables)
}

// openCipher derives the cipher of path with the test passphrase.
func openCipher(t *testing.T, path string, preset string, saltFrom ...string) *pagefile.Cipher {
	t.Helper()
	key, err := pagefile.ParseCipherKey([]byte(cipherPass))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := pagefile.CipherPreset(preset)
	var others []io.ReaderAt
	for _, s := range saltFrom {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, bytes.NewReader(b))
	}
	c, _, err := pagefile.OpenCipher(path, key, p, false, others...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRepairEncryptOutputRoundTrip: a file SQLCipher wrote, repaired with
// EncryptOutput, is opened by SQLCipher with the same key, and every row
// of every table is identical; the input is not touched.
func TestRepairEncryptOutputRoundTrip(t *testing.T) {
	for _, major := range []int{3, 4} {
		t.Run(ciphertest.Find(t, major).Preset, func(t *testing.T) {
			t.Parallel()
			tool, in, want := sqlcipherDB(t, major, 600)
			before := testdb.FileSHA256(t, in)
			c := openCipher(t, in, tool.Preset)
			out := filepath.Join(t.TempDir(), "fixed.db")
			rep, _ := repair(t, in, recover.Options{Output: out, Cipher: c, EncryptOutput: true})
			if rep.Status != recover.StatusComplete || rep.Encryption == nil || !rep.Encryption.OutputEncrypted {
				t.Fatalf("status %s, encryption %+v, reasons %v", rep.Status, rep.Encryption, rep.Reasons)
			}
			head, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(head, []byte("SQLite format 3")) || bytes.Contains(head, []byte("contact 1")) {
				t.Fatal("the encrypted output holds plaintext")
			}
			got := tool.Tables(t, out, "'"+cipherPass+"'", nil, ciphertest.MessengerTables)
			for tab := range want {
				if diff := cmp.Diff(want[tab], got[tab]); diff != "" {
					t.Errorf("%s (-original +repaired, read by SQLCipher):\n%s", tab, diff)
				}
			}
			if testdb.FileSHA256(t, in) != before {
				t.Error("the input changed")
			}
		})
	}
}

// TestRepairEncryptedPlaintextWarning: without EncryptOutput the output is
// plaintext, SQLite reads it, and the report says so.
func TestRepairEncryptedPlaintextWarning(t *testing.T) {
	t.Parallel()
	tool, in, want := sqlcipherDB(t, 4, 200)
	rep, out := repair(t, in, recover.Options{Cipher: openCipher(t, in, tool.Preset)})
	if rep.Encryption == nil || rep.Encryption.OutputEncrypted {
		t.Fatalf("encryption report %+v", rep.Encryption)
	}
	warned := slices.ContainsFunc(rep.Warnings, func(w string) bool { return bytes.Contains([]byte(w), []byte("output is NOT")) })
	if !warned {
		t.Errorf("no plaintext warning in %v", rep.Warnings)
	}
	if diff := cmp.Diff(want["messages"], ciphertest.PlainRows(t, out, "messages")); diff != "" {
		t.Errorf("messages (-original +repaired):\n%s", diff)
	}
}

// damage is one way a file is damaged, applied alike to the encrypted file
// and to its decrypted equivalent (same pages, same layout).
type damage struct {
	name  string
	apply func(b []byte, pageSize int) []byte
}

var damages = []damage{
	{"page-overwritten", func(b []byte, ps int) []byte {
		rand.Read(b[7*ps : 8*ps])
		return b
	}},
	{"page-zeroed", func(b []byte, ps int) []byte {
		clear(b[9*ps : 10*ps])
		return b
	}},
	{"truncated", func(b []byte, ps int) []byte { return b[:len(b)/2/ps*ps+ps/2] }},
	{"page1-zeroed", func(b []byte, ps int) []byte {
		clear(b[:ps])
		return b
	}},
}

// TestRepairEncryptedLikePlain damages a file SQLCipher wrote and its
// decrypted equivalent in the same way, repairs both, and requires the
// same rows back from each, every one of them a row SQLCipher wrote. Page
// 1 zeroed takes the salt with it: it comes from an older copy here.
func TestRepairEncryptedLikePlain(t *testing.T) {
	t.Parallel()
	tool, in, want := sqlcipherDB(t, 4, 1200)
	c := openCipher(t, in, tool.Preset)
	ps := c.Params.PageSize
	f, err := pagefile.Open(in, pagefile.Options{Cipher: c})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	plain := ciphertest.DecryptedCopy(t, f)
	encBytes, plainBytes := testdb.ReadFile(t, in), testdb.ReadFile(t, plain)
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			encIn, plainIn := filepath.Join(dir, "enc.db"), filepath.Join(dir, "plain.db")
			if err := os.WriteFile(encIn, d.apply(bytes.Clone(encBytes), ps), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(plainIn, d.apply(bytes.Clone(plainBytes), ps), 0o644); err != nil {
				t.Fatal(err)
			}
			ce := openCipher(t, encIn, tool.Preset, in) // the intact original: an older copy, for the salt
			encRep, encOut := repair(t, encIn, recover.Options{Cipher: ce})
			plainRep, plainOut := repair(t, plainIn, recover.Options{})
			if encRep.Totals.Recovered != plainRep.Totals.Recovered || encRep.Totals.InLostAndFound != plainRep.Totals.InLostAndFound {
				t.Errorf("encrypted: %+v; plain: %+v", encRep.Totals, plainRep.Totals)
			}
			if plainRep.Totals.Recovered == 0 {
				return // page 1 gone without a metadata backup: rows are in lost_and_found
			}
			for _, tab := range ciphertest.MessengerTables {
				encExact, encAltered := splitRows(want[tab], ciphertest.PlainRows(t, encOut, tab))
				plainExact, plainAltered := splitRows(want[tab], ciphertest.PlainRows(t, plainOut, tab))
				if diff := cmp.Diff(plainExact, encExact); diff != "" {
					t.Errorf("%s: rows back exactly (-plain +encrypted):\n%s", tab, diff)
				}
				// A row whose overflow page holds garbage comes back altered
				// from either file: different garbage, the same row.
				if diff := cmp.Diff(plainAltered, encAltered); diff != "" {
					t.Errorf("%s: keys of altered rows (-plain +encrypted):\n%s", tab, diff)
				}
			}
		})
	}
}

// splitRows sorts got into the rows written exactly as in want and the
// keys (first column) of the others.
func splitRows(want, got [][]any) (exact []string, altered []any) {
	written := map[string]bool{}
	for _, w := range want {
		written[fmt.Sprintf("%#v", w)] = true
	}
	for _, g := range got {
		if k := fmt.Sprintf("%#v", g); written[k] {
			exact = append(exact, k)
		} else {
			altered = append(altered, g[0])
		}
	}
	return exact, altered
}

// TestRepairEncryptedWrongKey: a wrong key is not mistaken for damage.
func TestRepairEncryptedWrongKey(t *testing.T) {
	t.Parallel()
	_, in, _ := sqlcipherDB(t, 3, 100)
	key, _ := pagefile.ParseCipherKey([]byte("wrong"))
	p, _ := pagefile.CipherPreset("sqlcipher3")
	if _, _, err := pagefile.OpenCipher(in, key, p, true); !errors.Is(err, pagefile.ErrWrongKey) {
		t.Fatalf("err %v, want ErrWrongKey", err)
	}
}

// TestRepairEncryptedFlipFlagged: bytes flipped inside an encrypted page
// fail its HMAC; the repair says which page and makes the result partial.
func TestRepairEncryptedFlipFlagged(t *testing.T) {
	t.Parallel()
	tool, in, _ := sqlcipherDB(t, 4, 400)
	c := openCipher(t, in, tool.Preset)
	b := testdb.ReadFile(t, in)
	b[4*c.Params.PageSize+2000] ^= 0x08
	damaged := filepath.Join(t.TempDir(), "flip.db")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, _ := repair(t, damaged, recover.Options{Cipher: c})
	if rep.Status != recover.StatusPartial || !slices.Equal(rep.Encryption.HMACFailedPages, []uint32{5}) {
		t.Fatalf("status %s, HMAC failures %v", rep.Status, rep.Encryption.HMACFailedPages)
	}
	if !slices.Contains(reasonCodes(rep), recover.ReasonPagesHMAC) {
		t.Errorf("reasons %v", reasonCodes(rep))
	}
}

// TestRepairEncryptedWALFrameDamaged: SQLCipher's WAL frames hold
// encrypted pages and checksums over the ciphertext, so a damaged frame
// is stepped over as in a plain WAL; every row comes back as it was either
// before or after the WAL's transactions, none altered.
func TestRepairEncryptedWALFrameDamaged(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 4)
	dir := t.TempDir()
	in := filepath.Join(dir, "wal.db")
	key := "'" + cipherPass + "'"
	tool.MustExec(t, in, key, []string{"PRAGMA journal_mode = WAL"}, ciphertest.MessengerSQL(500))
	before := tool.Tables(t, in, key, nil, ciphertest.MessengerTables)
	for i := 0; i < 3; i++ {
		if _, err := tool.Exec(in, key, []string{"PRAGMA wal_autocheckpoint = 0"},
			fmt.Sprintf("UPDATE messages SET body = 'edited %d ' || id WHERE id %% 7 = %d; INSERT INTO contacts(name) VALUES ('new %d');", i, i, i), true); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := os.ReadFile(in + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// SQLCipher reads a copy with the WAL intact: the state after.
	cp := filepath.Join(t.TempDir(), "copy.db")
	for sfx, b := range map[string][]byte{"": testdb.ReadFile(t, in), "-wal": wal} {
		if err := os.WriteFile(cp+sfx, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	after := tool.Tables(t, cp, key, nil, ciphertest.MessengerTables)
	c := openCipher(t, in, "sqlcipher4")
	frame := 24 + c.Params.PageSize
	frames := (len(wal) - 32) / frame
	if frames < 4 {
		t.Fatalf("only %d WAL frames", frames)
	}
	wal[32+(frames/2)*frame+24+500] ^= 0xff // inside the page data of a middle frame
	if err := os.WriteFile(in+"-wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, out := repair(t, in, recover.Options{Cipher: c})
	if len(rep.WAL.SkippedFrames) == 0 && rep.WAL.Stop == "" {
		t.Errorf("the damaged frame went unnoticed: %+v", rep.WAL)
	}
	for _, tab := range ciphertest.MessengerTables {
		_, altered := splitRows(append(slices.Clone(before[tab]), after[tab]...), ciphertest.PlainRows(t, out, tab))
		if len(altered) > 0 {
			t.Errorf("%s: rows neither before nor after the WAL: keys %v", tab, altered)
		}
	}
	if rep.Totals.Recovered < len(before["messages"]) {
		t.Errorf("%d rows recovered, fewer than the %d messages before the WAL", rep.Totals.Recovered, len(before["messages"]))
	}
}
