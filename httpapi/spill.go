package httpapi

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// spill holds the decoded updates of one upload. Updates stay in memory
// up to a limit; past it they move to a temporary file, so an upload of
// any size is checked in full before the first row is stored, with
// memory bounded by the limit.
type spill struct {
	dir   string
	limit int // bytes of updates kept in memory

	mem   columnar.Updates
	file  *os.File
	w     *bufio.Writer
	count int
}

// add appends the updates of u (which it then resets).
func (s *spill) add(u *columnar.Updates) error {
	s.count += u.Len()
	if s.file == nil && s.mem.Bytes()+u.Bytes() <= s.limit {
		for i := range u.Len() {
			s.mem.Add(u.At(i))
		}
		u.Reset()
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "murr-upload-*")
		if err != nil {
			return fmt.Errorf("spill upload: %w", err)
		}
		// The file is only ours: unlinked at once where the OS allows it.
		os.Remove(f.Name())
		s.file, s.w = f, bufio.NewWriterSize(f, 1<<20)
		if err := s.write(&s.mem); err != nil {
			return err
		}
		s.mem = columnar.Updates{}
	}
	err := s.write(u)
	u.Reset()
	return err
}

func (s *spill) write(u *columnar.Updates) error {
	var hdr [2 * binary.MaxVarintLen64]byte
	for i := range u.Len() {
		k, r := u.At(i)
		n := binary.PutUvarint(hdr[:], uint64(len(k)))
		n += binary.PutUvarint(hdr[n:], uint64(len(r)))
		if _, err := s.w.Write(hdr[:n]); err != nil {
			return fmt.Errorf("spill upload: %w", err)
		}
		s.w.Write(k)
		if _, err := s.w.Write(r); err != nil {
			return fmt.Errorf("spill upload: %w", err)
		}
	}
	return nil
}

// replay calls fn with the updates in order, in chunks of about limit
// bytes (one chunk if they never left memory).
func (s *spill) replay(fn func(u *columnar.Updates) error) error {
	if s.file == nil {
		if s.mem.Len() == 0 {
			return nil
		}
		return fn(&s.mem)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spill upload: %w", err)
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spill upload: %w", err)
	}
	r := bufio.NewReaderSize(s.file, 1<<20)
	var (
		u        columnar.Updates
		key, row []byte
	)
	for {
		kl, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("spill upload: read back: %w", err)
		}
		rl, err := binary.ReadUvarint(r)
		if err != nil {
			return fmt.Errorf("spill upload: read back: %w", err)
		}
		key = grow(key, int(kl))
		row = grow(row, int(rl))
		if _, err := io.ReadFull(r, key); err != nil {
			return fmt.Errorf("spill upload: read back: %w", err)
		}
		if _, err := io.ReadFull(r, row); err != nil {
			return fmt.Errorf("spill upload: read back: %w", err)
		}
		u.Add(key, row)
		if u.Bytes() >= s.limit {
			if err := fn(&u); err != nil {
				return err
			}
			u.Reset()
		}
	}
	if u.Len() > 0 {
		return fn(&u)
	}
	return nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// close releases the temporary file, if any.
func (s *spill) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}
