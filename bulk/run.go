package bulk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// run is a sorted chunk: in memory, or in the temporary file once
// spilled.
type run struct {
	mem         *memRun
	spilling    bool  // written, or being written, to the file
	held        int64 // memory the run holds while in memory
	off, size   int64
	n           int
	first, last []byte
}

// input is a sorted sequence of items: a run in the file or in memory.
type input interface {
	bounds() (first, last []byte)
	// open starts reading the run, through br when it is given (reset to
	// the run), else through a buffer of bufSize of its own.
	open(f *os.File, bufSize int, br *bufio.Reader) (reader, error)
}

type reader interface {
	// read returns the next item, valid until the next call, or io.EOF.
	read() ([]byte, error)
}

func (r *run) bounds() (first, last []byte) { return r.first, r.last }

func (r *run) open(f *os.File, bufSize int, br *bufio.Reader) (reader, error) {
	if r.mem != nil {
		r.mem.next = 0
		return r.mem, nil
	}
	section := io.NewSectionReader(f, r.off, r.size)
	if br == nil {
		br = bufio.NewReaderSize(section, bufSize)
	} else {
		br.Reset(section)
	}
	return &runReader{br: br, left: r.n}, nil
}

// runReader reads a run's items back.
type runReader struct {
	br   *bufio.Reader
	left int
	buf  []byte
}

func (rr *runReader) read() ([]byte, error) {
	if rr.left == 0 {
		return nil, io.EOF
	}
	n, err := binary.ReadUvarint(rr.br)
	if err != nil {
		return nil, noEOF(err)
	}
	if n > uint64(rr.br.Size())+1<<31 {
		return nil, errors.New("bulk: a run of the sort file is damaged")
	}
	if cap(rr.buf) < int(n) {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.br, rr.buf); err != nil {
		return nil, noEOF(err)
	}
	rr.left--
	return rr.buf, nil
}

// noEOF turns the end of a run read too early into an error: a run's
// item count is known, so an early end is damage, not the end.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
