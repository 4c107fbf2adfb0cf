package s3sync

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A log segment holds consecutive committed batches:
//
//	"MURRSEG1" { uvarint seq, uvarint len, batch }... crc32c(all before)
//
// The checksum covers the whole object, so a segment is either intact or
// refused; S3 already checks transfers, this checks everything else.
const segmentMagic = "MURRSEG1"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by errors about an object that does not decode.
var ErrCorrupt = errors.New("s3sync: corrupt object")

// segmentWriter builds a segment in memory.
type segmentWriter struct {
	buf         []byte
	first, last uint64
	n           int
}

func (w *segmentWriter) reset() {
	w.buf = append(w.buf[:0], segmentMagic...)
	w.first, w.last, w.n = 0, 0, 0
}

// add appends batch seq, which must follow the last one added.
func (w *segmentWriter) add(seq uint64, batch []byte) {
	if len(w.buf) == 0 {
		w.reset()
	}
	if w.n == 0 {
		w.first = seq
	}
	w.last = seq
	w.n++
	w.buf = binary.AppendUvarint(w.buf, seq)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(batch)))
	w.buf = append(w.buf, batch...)
}

// size is the number of bytes of batches and framing so far.
func (w *segmentWriter) size() int { return len(w.buf) }

// finish returns the segment's bytes, checksum included. The writer must
// be reset before it is used again.
func (w *segmentWriter) finish() []byte {
	return binary.LittleEndian.AppendUint32(w.buf, crc32.Checksum(w.buf, castagnoli))
}

// decodeSegment checks a segment and calls fn for each batch in it; the
// batches must run from first to last without a gap. fn's batch aliases
// data.
func decodeSegment(data []byte, first, last uint64, fn func(seq uint64, batch []byte) error) error {
	bad := func(why string) error { return fmt.Errorf("%w: segment %d-%d: %s", ErrCorrupt, first, last, why) }
	if len(data) < len(segmentMagic)+4 || string(data[:len(segmentMagic)]) != segmentMagic {
		return bad("no segment header")
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return bad("checksum mismatch")
	}
	rest := body[len(segmentMagic):]
	want := first
	for len(rest) > 0 {
		seq, n := binary.Uvarint(rest)
		if n <= 0 {
			return bad("bad sequence number")
		}
		rest = rest[n:]
		size, n := binary.Uvarint(rest)
		if n <= 0 || size > uint64(len(rest)-n) {
			return bad("bad batch length")
		}
		rest = rest[n:]
		if seq != want || seq > last {
			return bad(fmt.Sprintf("batch %d where %d was due", seq, want))
		}
		if err := fn(seq, rest[:size]); err != nil {
			return err
		}
		rest = rest[size:]
		want++
	}
	if want != last+1 {
		return bad(fmt.Sprintf("ends at %d", want-1))
	}
	return nil
}
