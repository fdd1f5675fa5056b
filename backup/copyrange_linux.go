package backup

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyRange copies n bytes at off in src to the same offset in dst inside
// the kernel (copy_file_range), as cp does. It reports false when the
// kernel cannot do it for these files (another file system, an old
// kernel); the caller then writes the bytes itself, over whatever part was
// copied.
func copyRange(src, dst *os.File, off, n int64) (bool, error) {
	for n > 0 {
		ro, wo := off, off
		c, err := unix.CopyFileRange(int(src.Fd()), &ro, int(dst.Fd()), &wo, int(min(n, 1<<30)), 0)
		switch {
		case errors.Is(err, unix.EXDEV), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP),
			errors.Is(err, unix.EINVAL), errors.Is(err, unix.EBADF), errors.Is(err, unix.EPERM):
			return false, nil
		case err != nil:
			return false, err
		case c == 0:
			return false, io.ErrUnexpectedEOF // the source is shorter than its pages
		}
		off += int64(c)
		n -= int64(c)
	}
	return true, nil
}
