package corpus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/dbrescue/dbrescue/pagefile"
)

// logicalKinds are damage software writes (a bug, a bad edit) rather than
// a device: in an encrypted database SQLCipher itself would have written
// the bad page, encrypted, with a valid HMAC. The other kinds are device
// damage, done to the bytes as stored: zeros, garbage and flipped bits in
// the ciphertext, pages swapped or the file cut short.
var logicalKinds = []Kind{BadPageSize, TornWrite, OverflowLoop, OverflowCut, BtreeLoop, FreelistLoop, SchemaSQLGarbled, SchemaRowDeleted}

// CorruptEncrypted is Corrupt for a SQLCipher database read through ci:
// the corruption is chosen on the decrypted pages (which leaf, which
// overflow page, which byte of a value) exactly as Corrupt chooses it on a
// plain file, then done to the encrypted file as the damage would happen
// to it. A page the corruption zeroes is zeroed as stored; a page swapped
// with another gets that page's stored bytes (its HMAC then names the
// wrong page); bytes changed by device damage are changed in the
// ciphertext by the same difference (garbage stays garbage, a flipped bit
// a flipped bit); a page changed by a logical kind is encrypted again, as
// SQLCipher would have written it. The Damage is the plain run's: the same
// pages and offsets. WAL kinds, and databases with a WAL, are not
// supported yet (ErrBadOption).
func CorruptEncrypted(ctx context.Context, in, out string, c Corruption, ci *pagefile.Cipher) (*Damage, error) {
	d, err := corruptEncrypted(ctx, in, out, c, ci)
	if err != nil {
		return nil, &CorruptionError{Kind: c.Kind, Path: in, Err: err}
	}
	return d, nil
}

func corruptEncrypted(ctx context.Context, in, out string, c Corruption, ci *pagefile.Cipher) (*Damage, error) {
	o, ok := lookup(c.Kind)
	switch {
	case !ok:
		return nil, ErrUnknownKind
	case o.NeedsWAL:
		return nil, badOption("%s: WAL kinds are not supported on encrypted databases yet", c.Kind)
	}
	if err := checkDistinct(in, out); err != nil {
		return nil, err
	}
	if st, err := os.Stat(in + "-wal"); err == nil && st.Size() > 0 {
		return nil, badOption("%s has a WAL: corrupting an encrypted database with a WAL is not supported yet", in)
	}
	stored, plain, err := readEncrypted(in, c, ci)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dbrescue-corrupt-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	pin, pout := filepath.Join(dir, "plain.db"), filepath.Join(dir, "damaged.db")
	defer clear(plain)
	if err := os.WriteFile(pin, plain, 0o600); err != nil {
		return nil, err
	}
	pc := c
	pc.NoJournal, pc.JournalPath = true, "" // rolled back already, on the stored pages too
	d, err := corrupt(ctx, pin, pout, pc)
	if err != nil {
		return nil, err
	}
	damaged, err := os.ReadFile(pout)
	if err != nil {
		return nil, err
	}
	defer clear(damaged)
	enc, err := storeDamage(stored, plain, damaged, ci, slices.Contains(logicalKinds, c.Kind))
	if err != nil {
		return nil, err
	}
	for _, stale := range []string{out + "-shm", out + "-journal", out + "-wal"} {
		if err := removeIfExists(stale); err != nil {
			return nil, err
		}
	}
	return d, writeFileAtomic(out, enc)
}

// readEncrypted returns the committed pages of the encrypted database at
// in (a hot journal rolled back as c says) as stored and as decrypted.
func readEncrypted(in string, c Corruption, ci *pagefile.Cipher) (stored, plain []byte, err error) {
	f, err := pagefile.Open(in, pagefile.Options{Cipher: ci, NoWAL: true, JournalPath: c.JournalPath, NoJournal: c.NoJournal})
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	d := pagefile.Decryption(f)
	if d == nil {
		return nil, nil, errors.New("the database was not opened through its cipher")
	}
	ps := f.Geometry.PageSize
	page := make([]byte, ps)
	for pgno := uint32(1); pgno <= f.PageCount(); pgno++ {
		if err := d.Encrypted().ReadPage(pgno, page); err != nil {
			return nil, nil, err
		}
		stored = append(stored, page...)
		if err := f.ReadPage(pgno, page); err != nil {
			return nil, nil, err
		}
		plain = append(plain, page...)
	}
	// A file cut short mid-page stays as short.
	if f.Main != nil && f.Journal == nil && f.Main.Size() < int64(len(stored)) {
		stored, plain = stored[:f.Main.Size()], plain[:f.Main.Size()]
	}
	return stored, plain, nil
}

// storeDamage turns the damage done to the decrypted image (plain into
// damaged) into damage to the stored one, page by page, as
// CorruptEncrypted describes.
func storeDamage(stored, plain, damaged []byte, ci *pagefile.Cipher, logical bool) ([]byte, error) {
	ps := ci.Params.PageSize
	out := make([]byte, len(damaged))
	for off := 0; off < len(damaged); off += ps {
		end := min(off+ps, len(damaged))
		was, now, dst := pageAt(plain, off, ps), damaged[off:end], out[off:end]
		src := pageAt(stored, off, ps)
		switch {
		case bytes.Equal(was[:len(now)], now):
			copy(dst, src)
		case len(now) == ps && logical:
			if err := ci.EncryptPage(uint32(off/ps)+1, now, dst); err != nil {
				return nil, err
			}
		case allZeros(now):
			clear(dst)
		default:
			if j := samePage(plain, now, ps); j >= 0 {
				copy(dst, stored[j:j+ps])
				continue
			}
			for i := range dst {
				if now[i] == was[i] {
					dst[i] = src[i]
				} else {
					dst[i] = src[i] ^ was[i] ^ now[i]
				}
			}
			zeroRuns(dst, was, now)
		}
	}
	return out, nil
}

// zeroRuns zeroes, as stored, every run of zeros the damage left in now
// that covers a changed byte: zeroing a range (a header, say) zeroes it
// whole on the device, bytes that happened to be zero in the clear too.
func zeroRuns(dst, was, now []byte) {
	for i := 0; i < len(now); {
		if now[i] != 0 {
			i++
			continue
		}
		j, changed := i, false
		for ; j < len(now) && now[j] == 0; j++ {
			changed = changed || was[j] != 0
		}
		if changed {
			clear(dst[i:j])
		}
		i = j
	}
}

// pageAt returns the page at off in b, zero-padded past b's end.
func pageAt(b []byte, off, ps int) []byte {
	if off+ps <= len(b) {
		return b[off : off+ps]
	}
	p := make([]byte, ps)
	if off < len(b) {
		copy(p, b[off:])
	}
	return p
}

// samePage returns the offset of the page of image that equals page, or
// -1: a page moved (swapped) rather than changed.
func samePage(image, page []byte, ps int) int {
	if len(page) != ps {
		return -1
	}
	for off := 0; off+ps <= len(image); off += ps {
		if bytes.Equal(image[off:off+ps], page) {
			return off
		}
	}
	return -1
}

// allZeros reports whether b holds only zeros.
func allZeros(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
