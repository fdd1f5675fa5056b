package corpus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
// pages and offsets. The WAL is damaged the same way: its frames' page
// images as their pages are, its headers (salts, page numbers, checksums:
// stored in clear) as the plain WAL's, and the frames the damage leaves
// verifying are sealed again over the ciphertext.
func CorruptEncrypted(ctx context.Context, in, out string, c Corruption, ci *pagefile.Cipher) (*Damage, error) {
	d, err := corruptEncrypted(ctx, in, out, c, ci)
	if err != nil {
		return nil, &CorruptionError{Kind: c.Kind, Path: in, Err: err}
	}
	return d, nil
}

func corruptEncrypted(ctx context.Context, in, out string, c Corruption, ci *pagefile.Cipher) (*Damage, error) {
	if _, ok := lookup(c.Kind); !ok {
		return nil, ErrUnknownKind
	}
	if err := checkDistinct(in, out); err != nil {
		return nil, err
	}
	stored, plain, err := readEncrypted(in, c, ci)
	if err != nil {
		return nil, err
	}
	storedWAL, err := os.ReadFile(in + "-wal")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var plainWAL []byte
	if len(storedWAL) > 0 {
		plainWAL = decryptWAL(storedWAL, ci)
		defer clear(plainWAL)
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
	if plainWAL != nil {
		if err := os.WriteFile(pin+"-wal", plainWAL, 0o600); err != nil {
			return nil, err
		}
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
	if plainWAL != nil {
		damagedWAL, err := os.ReadFile(pout + "-wal")
		if err != nil {
			return nil, err
		}
		encWAL, err := storeWALDamage(storedWAL, plainWAL, damagedWAL, ci, slices.Contains(logicalKinds, c.Kind))
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(out+"-wal", encWAL); err != nil {
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
		moved := func(page []byte) []byte {
			if j := samePage(plain, page, ps); j >= 0 {
				return stored[j : j+ps]
			}
			return nil
		}
		if err := storePage(out[off:end], pageAt(stored, off, ps), pageAt(plain, off, ps), damaged[off:end], uint32(off/ps)+1, ci, logical, moved); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// storePage writes into dst the stored form of one page (or its first
// len(now) bytes) whose stored bytes were src and decrypted bytes was,
// damaged into now. moved finds the stored bytes of another page whose
// decrypted bytes now equals (a swap), or nil.
func storePage(dst, src, was, now []byte, pgno uint32, ci *pagefile.Cipher, logical bool, moved func([]byte) []byte) error {
	ps := ci.Params.PageSize
	switch {
	case bytes.Equal(was[:len(now)], now):
		copy(dst, src)
	case len(now) == ps && logical:
		return ci.EncryptPage(pgno, now, dst)
	case allZeros(now):
		clear(dst)
	default:
		if m := moved(now); m != nil {
			copy(dst, m)
			return nil
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
	return nil
}

// decryptWAL returns the WAL of an encrypted database with every frame's
// page image decrypted, and the frames that verified as stored sealed
// again over the decrypted images: the WAL a plain database with the same
// history would have.
func decryptWAL(stored []byte, ci *pagefile.Cipher) []byte {
	plain := bytes.Clone(stored)
	ps := ci.Params.PageSize
	frame := pagefile.WALFrameHeaderSize + ps
	for off := pagefile.WALHeaderSize; off+frame <= len(plain); off += frame {
		pgno := be.Uint32(plain[off:])
		if pgno == 0 {
			continue
		}
		img := off + pagefile.WALFrameHeaderSize
		_ = ci.DecryptPage(pgno, stored[img:img+ps], plain[img:img+ps]) // a damaged frame stays as decrypted
	}
	sealWAL(plain, validPrefix(stored, ps))
	return plain
}

// storeWALDamage turns the damage done to the decrypted WAL (plain into
// damaged) into damage to the stored one: header fields stored in clear as
// the plain WAL's, checksums changed by the same difference; page images
// as pages; then the frames that verify
// in the damaged plain WAL are sealed over the ciphertext, so that the
// log breaks where the plain one does, and only there.
func storeWALDamage(stored, plain, damaged []byte, ci *pagefile.Cipher, logical bool) ([]byte, error) {
	if len(damaged) != len(plain) || len(damaged) < pagefile.WALHeaderSize {
		return nil, fmt.Errorf("the damaged WAL is %d bytes, the plain one %d: not a damage CorruptEncrypted maps", len(damaged), len(plain))
	}
	out := bytes.Clone(stored)
	copy(out[:pagefile.WALHeaderSize], damaged[:pagefile.WALHeaderSize])
	ps := ci.Params.PageSize
	frame := pagefile.WALFrameHeaderSize + ps
	for off := pagefile.WALHeaderSize; off+frame <= len(out); off += frame {
		// Page number, commit size and salts are stored in clear: as the
		// plain WAL's. The checksum is over the ciphertext: a change the
		// damage made to the plain one is made to it by the same
		// difference (a frame sealed again is sealed below).
		copy(out[off:off+16], damaged[off:off+16])
		for i := off + 16; i < off+pagefile.WALFrameHeaderSize; i++ {
			out[i] = stored[i] ^ plain[i] ^ damaged[i]
		}
		img := off + pagefile.WALFrameHeaderSize
		pgno := be.Uint32(damaged[off:])
		if pgno == 0 {
			pgno = 1 // an image without a page cannot be encrypted again; any number keeps it damaged
		}
		noMove := func([]byte) []byte { return nil }
		if err := storePage(out[img:img+ps], stored[img:img+ps], plain[img:img+ps], damaged[img:img+ps], pgno, ci, logical, noMove); err != nil {
			return nil, err
		}
	}
	sealWAL(out, validPrefix(damaged, ps))
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

// EncryptDatabase writes the plain database at in (and in-wal), whose pages
// have ci's size and reserve, encrypted with ci to out (and out-wal) as
// SQLCipher lays a database out: every page and every WAL frame's page
// image encrypted under its page number, and the WAL frames that verified
// sealed again over the ciphertext. The benchmark and the tests make
// encrypted twins of corpus databases with it.
func EncryptDatabase(in, out string, ci *pagefile.Cipher) error {
	plain, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	defer clear(plain)
	ps := ci.Params.PageSize
	if len(plain)%ps != 0 {
		return fmt.Errorf("%s: %d bytes is not whole %d-byte pages", in, len(plain), ps)
	}
	enc := make([]byte, len(plain))
	for off := 0; off < len(plain); off += ps {
		if err := ci.EncryptPage(uint32(off/ps)+1, plain[off:off+ps], enc[off:off+ps]); err != nil {
			return err
		}
	}
	wal, err := os.ReadFile(in + "-wal")
	switch {
	case errors.Is(err, os.ErrNotExist):
		return writeFileAtomic(out, enc)
	case err != nil:
		return err
	}
	encWAL := bytes.Clone(wal)
	frame := pagefile.WALFrameHeaderSize + ps
	for off := pagefile.WALHeaderSize; off+frame <= len(wal); off += frame {
		if pgno := be.Uint32(wal[off:]); pgno != 0 {
			img := off + pagefile.WALFrameHeaderSize
			if err := ci.EncryptPage(pgno, wal[img:img+ps], encWAL[img:img+ps]); err != nil {
				return err
			}
		}
	}
	sealWAL(encWAL, validPrefix(wal, ps))
	if err := writeFileAtomic(out+"-wal", encWAL); err != nil {
		return err
	}
	return writeFileAtomic(out, enc)
}

// validPrefix counts the frames at the start of the WAL b whose salts
// match its header and whose running checksum verifies, as SQLite reads
// a log: the first frame that does not ends it (the frames a reader may
// step over after it are left as they are, not sealed). 0 for a WAL
// whose header does not verify, or of another page size.
func validPrefix(b []byte, pageSize int) int {
	if len(b) < pagefile.WALHeaderSize || int(be.Uint32(b[8:])) != pageSize {
		return 0
	}
	bigEndian := be.Uint32(b[0:]) == 0x377f0683
	s0, s1 := pagefile.WALChecksum(0, 0, bigEndian, b[:24])
	if s0 != be.Uint32(b[24:]) || s1 != be.Uint32(b[28:]) {
		return 0
	}
	frame := pagefile.WALFrameHeaderSize + pageSize
	n := 0
	for off := pagefile.WALHeaderSize; off+frame <= len(b); off += frame {
		f := b[off : off+frame]
		if !bytes.Equal(f[8:16], b[16:24]) {
			break
		}
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[:8])
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[pagefile.WALFrameHeaderSize:])
		if s0 != be.Uint32(f[16:]) || s1 != be.Uint32(f[20:]) {
			break
		}
		n++
	}
	return n
}
