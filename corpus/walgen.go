package corpus

import (
	"io"
	"math/rand/v2"
	"os"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// snapshotWAL commits one more transaction and copies the database and its
// WAL aside while the connection is still open, as a crash leaves them:
// closing would checkpoint the WAL into the database and delete it.
// adoptSnapshot later turns that last commit into an uncommitted tail.
func (g *generator) snapshotWAL(path string) {
	conv := g.nConversations
	g.inTx(func() {
		for i := 0; i < 3; i++ {
			g.message(g.nMessages+1+i, true)
		}
		g.exec(`UPDATE conversations SET muted = 1 - muted WHERE id = ?`, conv)
	})
	if g.err != nil {
		return
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := fsutil.CopyFile(path+suffix, path+".snap"+suffix); err != nil {
			g.err = err
			return
		}
	}
}

// adoptSnapshot replaces the closed (and checkpointed) database with the
// snapshot taken by snapshotWAL, and normalizes its WAL.
func adoptSnapshot(path string, seed uint64) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := os.Rename(path+".snap"+suffix, path+suffix); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(path + "-wal")
	if err != nil {
		return err
	}
	b, err = normalizeWAL(b, seed)
	if err != nil {
		return err
	}
	return os.WriteFile(path+"-wal", b, 0o644)
}

// normalizeWAL makes a generated WAL reproducible and gives it an
// uncommitted tail. SQLite draws the WAL salts at random; they are replaced
// by values drawn from the seed and every checksum is recomputed, so the
// same seed gives the same bytes. Anything after the last valid frame is
// dropped, and the last commit frame loses its commit mark: the frames of
// that transaction stay, with valid checksums, as the frames of a
// transaction that never committed. A reader that applies them is wrong.
func normalizeWAL(b []byte, seed uint64) ([]byte, error) {
	w, err := readWALBytes(b)
	if err != nil {
		return nil, err
	}
	if len(w.Commits) < 2 {
		return nil, io.ErrUnexpectedEOF
	}
	b = b[:walFrameOffset(w, len(w.Frames))]
	last := w.Frames[w.Commits[len(w.Commits)-1]]
	be.PutUint32(b[last.Offset+4:], 0)
	rng := rand.New(rand.NewPCG(seed, 0x73616c7473))
	be.PutUint32(b[16:], rng.Uint32())
	be.PutUint32(b[20:], rng.Uint32())
	sealWAL(b, len(w.Frames))
	return b, nil
}
