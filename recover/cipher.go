package recover

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/pagefile"
)

// EncryptionReport says how an encrypted input was read, what its pages'
// HMACs showed, and whether the output is encrypted.
type EncryptionReport struct {
	pagefile.DecryptionReport
	// OutputEncrypted is true when the output was encrypted again with
	// the same key and parameters (Options.EncryptOutput); false means
	// the output holds every recovered row in plaintext.
	OutputEncrypted bool `json:"output_encrypted"`
}

// ReasonPagesHMAC is the reason code for pages whose HMAC failed.
const ReasonPagesHMAC = "pages-hmac"

// describeEncryption reports how an encrypted input was read, flags the
// rows of pages whose HMAC failed (read after the census, which reads
// every page), and warns when the output will be plaintext.
func (r *repairer) describeEncryption() {
	c := r.opts.Cipher
	if c == nil {
		return
	}
	rep := &EncryptionReport{OutputEncrypted: r.opts.EncryptOutput}
	if d := pagefile.ReportDecryption(r.f); d != nil {
		rep.DecryptionReport = *d
	} else {
		rep.DecryptionReport = pagefile.DecryptionReport{Cipher: c.Params.String(), Authenticated: c.Verified}
	}
	r.rep.Encryption = rep
	for _, pgno := range rep.HMACFailedPages {
		r.stale[pgno] = true
	}
	if n := len(rep.HMACFailedPages); n > 0 {
		r.reason(Reason{Code: ReasonPagesHMAC, Pages: n, Text: fmt.Sprintf(
			"%d pages fail their HMAC (first: page %d): they were damaged after SQLCipher wrote them; what still decrypts on them was read, and rows from them are flagged",
			n, rep.HMACFailedPages[0])})
	}
	if !c.Verified {
		r.warn("the pages could not be authenticated (%s): a damaged page is found only by its content", unauthenticatedWhy(c))
	}
	if !r.opts.EncryptOutput {
		r.warn("the input is encrypted but the output is NOT: it holds every recovered row in plaintext; protect or delete it when done, or repair with --encrypt-output")
	}
}

// unauthenticatedWhy says why a cipher cannot check HMACs.
func unauthenticatedWhy(c *pagefile.Cipher) string {
	if !c.Params.UseHMAC {
		return "these parameters carry no HMAC"
	}
	return "the salt the HMAC key derives from is lost with page 1"
}

// prepareEncryptedOutput writes, at path, the empty database SQLite then
// fills: with the cipher's reserve at the end of every page, so that each
// page can be encrypted in place once the repair is done.
func (r *repairer) prepareEncryptedOutput(path string, encoding, autoVacuum uint32) error {
	if !r.opts.EncryptOutput {
		return nil
	}
	empty := pagefile.EmptyDatabase(r.opts.Cipher.Params.Geometry(), encoding, autoVacuum)
	return os.WriteFile(path, empty, 0o600)
}

// encryptOutput encrypts the finished plaintext output at plain into a
// new temporary file beside it, synced, and returns its path; the caller
// renames it into place and removes plain.
func (r *repairer) encryptOutput(plain string) (string, error) {
	c := r.opts.Cipher
	in, err := os.Open(plain)
	if err != nil {
		return "", err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return "", err
	}
	ps := int64(c.Params.PageSize)
	if st.Size()%ps != 0 {
		return "", fmt.Errorf("recover: the output is %d bytes, not whole %d-byte pages: cannot encrypt it", st.Size(), ps)
	}
	h, err := pagefile.ReadHeader(in)
	if err != nil {
		return "", err
	}
	if g := c.Params.Geometry(); h.PageSize != g.PageSize || h.ReservedBytes != g.Reserved {
		return "", fmt.Errorf("recover: the output has %d-byte pages with %d reserved, the cipher needs %d with %d", h.PageSize, h.ReservedBytes, g.PageSize, g.Reserved)
	}
	out, err := os.CreateTemp(filepath.Dir(plain), filepath.Base(r.opts.Output)+".tmp-enc-*")
	if err != nil {
		return "", err
	}
	name := out.Name()
	fail := func(err error) (string, error) {
		out.Close()
		os.Remove(name)
		return "", err
	}
	src, dst := make([]byte, ps), make([]byte, ps)
	defer clear(src)
	for pgno := uint32(1); int64(pgno)*ps <= st.Size(); pgno++ {
		if _, err := io.ReadFull(io.NewSectionReader(in, int64(pgno-1)*ps, ps), src); err != nil {
			return fail(err)
		}
		if err := c.EncryptPage(pgno, src, dst); err != nil {
			return fail(err)
		}
		if _, err := out.Write(dst); err != nil {
			return fail(err)
		}
	}
	if err := out.Close(); err != nil {
		return fail(err)
	}
	if err := fsutil.SyncFile(name); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}
