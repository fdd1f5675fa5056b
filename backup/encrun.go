package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// encryptionOf says whether the source at path is to be backed up as an
// encrypted database: the caller said so (o.Encryption), or package sniff
// finds it encrypted. It must be asked before the source is locked (it
// opens and closes the file, which would drop this process's locks).
func encryptionOf(path string, o *Options) *Encryption {
	if o.Encryption != nil {
		return o.Encryption
	}
	if looksEncrypted(path) {
		return &Encryption{}
	}
	return nil
}

// runEncrypted backs up the encrypted database at path into t: one pass
// over the snapshot encSource holds (repeated, up to maxEncPasses times,
// when the WAL was restarted under it), the pages copied or hashed as
// ciphertext, never decrypted. old is the target's previous manifest, or
// nil: when the snapshot's digest is old's, nothing is written
// (ModeUnchanged), since without the key there is no metadata
// fingerprint to tell that sooner.
func runEncrypted(ctx context.Context, path string, enc *Encryption, t target, old *Manifest, o *Options, res *Result) error {
	if o.BackupAPI {
		return fmt.Errorf("backup: SQLite cannot open an encrypted database: its backup API cannot copy %s", path)
	}
	s, err := openEncSource(ctx, path, enc, o, res)
	if err != nil {
		return err
	}
	defer s.close()
	p, err := t.plan(s.g, master.ReadFromFile, o)
	if err != nil {
		return err
	}
	sink, tmp, done, err := passSink(t, p)
	if err != nil {
		return err
	}
	defer done()
	for n := 1; ; n++ {
		src, crcs, at, state, err := s.pass(ctx, sink, o, res)
		if err != nil {
			return err
		}
		h, err := s.page1(src)
		if err != nil {
			return err
		}
		next := encManifest(s, crcs, h, at, res)
		res.PagesReadFrom = pagesFrom(s.journalMode)
		if old != nil && !o.Full && !o.Force && old.Snapshot.Encrypted && old.PageSize == next.PageSize && old.Snapshot.Digest == next.Snapshot.Digest {
			res.Mode, res.Snapshot = ModeUnchanged, old.Snapshot
			return nil
		}
		if tmp != nil {
			res.CopiedWith = CopiedFromFiles
			if err := tmp.Sync(); err != nil {
				return fmt.Errorf("backup: syncing the copy: %w", err)
			}
			s.close() // every page is copied: writers and checkpoints may go on
			if err := tmp.Close(); err != nil {
				return err
			}
			return t.commit(ctx, next, nil, tmp.Name(), o, res)
		}
		res.CopiedWith = CopiedFromSnapshot
		if !p.pagesInCommit {
			s.close()
			return t.commit(ctx, next, nil, "", o, res)
		}
		// The update reads the changed pages again, still under the
		// locks, and checks each against the CRC of the pass before it
		// writes it: what it commits is the pass's snapshot. A WAL
		// restarted in between fails that check (the update is rolled
		// back), and the whole is done again.
		err = t.commit(ctx, next, src, "", o, res)
		if err == nil || s.same(state) || n == maxEncPasses {
			return err
		}
		res.Restarts++
	}
}

// pass reads the snapshot once into sink (nil: only hashes), and again
// while the WAL was restarted (or a -shm appeared) under the pass (which
// may also have made the pass fail: a WAL cut short). It returns the
// snapshot's pages (valid until s is closed or the next pass), their
// CRCs, when the pass that counted began, and the state it began in.
func (s *encSource) pass(ctx context.Context, sink pageSink, o *Options, res *Result) (pagefile.Source, []uint32, int64, walState, error) {
	for n := 1; ; n++ {
		at := time.Now().UnixNano()
		src, before, closer, err := s.pages()
		if err != nil {
			return nil, nil, 0, before, err
		}
		crcs, err := scan(ctx, src, sink, s.path+"-wal", o, res, passPhase(sink))
		same := s.same(before)
		if err == nil && same {
			if s.wal != nil {
				s.wal.Close()
			}
			s.wal = closer
			return src, crcs, at, before, nil
		}
		closer.Close()
		if same || ctx.Err() != nil {
			return nil, nil, 0, before, err
		}
		if n == maxEncPasses {
			return nil, nil, 0, before, fmt.Errorf("%w: the WAL of %s was restarted under %d passes", ErrBusy, s.path, n)
		}
		res.Restarts++
		if err := s.lockShm(ctx, o, res); err != nil {
			return nil, nil, 0, before, err
		}
	}
}

// pagesFrom names where the pages were read, as Result.PagesReadFrom.
func pagesFrom(journalMode string) string {
	if journalMode == "wal" {
		return master.ReadFromWAL
	}
	return master.ReadFromFile
}

// encManifest is the manifest of an encrypted snapshot: the ciphertext
// pages' CRCs, no metadata backup (it cannot be taken without reading the
// pages decrypted through SQLite), and, with the key, the schema cookie
// and change counter of the decrypted page 1 (h; zero without).
func encManifest(s *encSource, crcs []uint32, h *pagefile.Header, at int64, res *Result) *Manifest {
	src := s.path
	if len(src) > maxSourcePath {
		src = src[len(src)-maxSourcePath:]
	}
	m := &Manifest{
		PageSize: s.g.PageSize, PageCount: uint32(len(crcs)), CRCs: crcs,
		Snapshot: Snapshot{CapturedAt: at, Digest: digest(crcs), JournalMode: s.journalMode, Source: src, Encrypted: true},
	}
	if h != nil {
		m.Snapshot.SchemaCookie, m.Snapshot.ChangeCounter = h.SchemaCookie, h.FileChangeCounter
	}
	res.PageSize, res.PageCount, res.Snapshot = m.PageSize, m.PageCount, m.Snapshot
	return m
}
