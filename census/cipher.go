package census

import (
	"io"

	"github.com/dbrescue/dbrescue/pagefile"
)

// FromCipher is where the geometry of an encrypted database comes from:
// the cipher's parameters, since its header is encrypted and its pages,
// read as they are stored, are noise to detection.
const FromCipher = "cipher"

// chooseGeometryFor is the geometry policy with encryption: a database
// read through a cipher has the cipher's page size and reserve (the key
// was checked against its pages when the cipher was derived), any other
// goes through ChooseGeometry.
func chooseGeometryFor(r io.ReaderAt, size int64, hint Hint, c *pagefile.Cipher) (Geometry, error) {
	if c != nil {
		return Geometry{Geometry: c.Params.Geometry(), From: FromCipher}, nil
	}
	return chooseFor(r, size, hint)
}
