package columnar

import (
	"encoding/binary"
	"math/bits"
)

// Updates is a list of row updates to one table, in write order: per row a
// key and an encoded Row (usually partial, from RowBuilder.AppendUpdate).
// Keys and rows live in one growing buffer, so a million-row batch is a
// few large allocations rather than two million small ones.
//
// The zero value is empty and ready to use. An Updates is not safe for
// concurrent use.
type Updates struct {
	buf  []byte
	ends []int // per entry: where it ends in buf; it starts where the previous one ends
	keys []int // per entry: key length (the key comes first, then the row)
}

// Add appends an update: key and row are copied.
func (u *Updates) Add(key []byte, row Row) {
	u.buf = append(u.buf, key...)
	u.buf = append(u.buf, row...)
	u.keys = append(u.keys, len(key))
	u.ends = append(u.ends, len(u.buf))
}

// AddBuilt appends an update whose row is built by build, which appends
// the encoded row to the slice it is given and returns it (for example
// RowBuilder.AppendUpdate). It saves a copy of the row.
func (u *Updates) AddBuilt(key []byte, build func(dst []byte) []byte) {
	u.buf = append(u.buf, key...)
	u.buf = build(u.buf)
	u.keys = append(u.keys, len(key))
	u.ends = append(u.ends, len(u.buf))
}

// Grow makes room for n more updates holding size more bytes of keys and
// rows, so that adding them does not reallocate. A short estimate costs
// only the usual growth when the updates arrive.
func (u *Updates) Grow(n, size int) {
	u.ends = grow(u.ends, n)
	u.keys = grow(u.keys, n)
	u.buf = grow(u.buf, size)
}

// grow returns s with room for n more elements: s itself if it has it,
// else a copy with at least twice its capacity. Unlike append, it does
// not clear the new room, which costs nothing to leave as it is when the
// memory comes fresh from the system.
func grow[E any](s []E, n int) []E {
	if n <= cap(s)-len(s) {
		return s
	}
	out := make([]E, len(s), max(len(s)+n, 2*cap(s)))
	copy(out, s)
	return out
}

// Len is the number of updates.
func (u *Updates) Len() int { return len(u.ends) }

// Bytes is the total size of the keys and rows held.
func (u *Updates) Bytes() int { return len(u.buf) }

// At returns update i's key and row. Both alias the Updates' buffer and
// stay valid until the next Add, AddBuilt or Reset.
func (u *Updates) At(i int) (key []byte, row Row) {
	start := 0
	if i > 0 {
		start = u.ends[i-1]
	}
	k := start + u.keys[i]
	end := u.ends[i]
	return u.buf[start:k:k], Row(u.buf[k:end:end])
}

// Key returns update i's key, as At does.
func (u *Updates) Key(i int) []byte {
	start := 0
	if i > 0 {
		start = u.ends[i-1]
	}
	k := start + u.keys[i]
	return u.buf[start:k:k]
}

// Reset empties u, keeping its buffers for reuse.
func (u *Updates) Reset() {
	u.buf = u.buf[:0]
	u.ends = u.ends[:0]
	u.keys = u.keys[:0]
}

// Truncate keeps the first n updates and drops the rest, keeping the
// buffers, so a caller can undo the updates of a batch that failed halfway
// (Decoder does). It panics if n is not in [0, Len()].
func (u *Updates) Truncate(n int) {
	end := 0
	if n > 0 {
		end = u.ends[n-1]
	}
	u.buf = u.buf[:end]
	u.ends = u.ends[:n]
	u.keys = u.keys[:n]
}

// Apply is Merge: it appends the result of applying update to old (nil:
// no stored row) to dst, byte for byte as Merge does, with the same
// errors. It is faster for what most writes are: a full row (a batch that
// carries every column), which replaces whatever is stored, and a partial
// row over no stored row, which only loses its partial marks. The other
// cases, and inputs Merge would reject, go to Merge.
func (l *Layout) Apply(dst []byte, old, update Row) ([]byte, error) {
	uh, err := l.parseHeader(update)
	if err != nil || !l.valuesFit(uh) {
		return l.Merge(dst, old, update)
	}
	if old != nil {
		if uh.partial {
			return l.Merge(dst, old, update)
		}
		if oh, err := l.parseHeader(old); err != nil || !l.valuesFit(oh) {
			return l.Merge(dst, old, update)
		}
	}
	if !uh.partial {
		return append(dst, update...), nil
	}
	// A partial row over nothing: Merge writes the update's present set
	// and values again, without the partial bit and the cleared set. The
	// bytes are the update's own if its present set is encoded as Merge
	// would encode it: dense (the common case), as short as it can be.
	h, _ := binary.Uvarint(update[1:])
	if h&setSparse != 0 {
		return l.Merge(dst, old, update)
	}
	body := uh.present.body
	count := 0
	for _, b := range body {
		count += bits.OnesCount8(b)
	}
	hd := h &^ setPartial
	denseLen := uvarintLen(hd) + len(body)
	sparseMin := uvarintLen(uint64(count)<<setShift|setSparse) + count // each id takes a byte at least
	if (len(body) > 0 && body[len(body)-1] == 0) || sparseMin < denseLen {
		return l.Merge(dst, old, update)
	}
	dst = append(dst, rowVersion)
	dst = binary.AppendUvarint(dst, hd)
	dst = append(dst, body...)
	return append(dst, uh.values...), nil
}

// valuesFit reports whether the values of a row with header h are
// exactly what its present set calls for: what Check checks beyond the
// header. For a layout whose columns all have one fixed width that is a
// matter of length.
func (l *Layout) valuesFit(h rowHeader) bool {
	w := l.uniform
	if w == 0 {
		it := RowIter{l: l, set: h.present.iter(), vals: h.values}
		for {
			col, v, ok := it.Next()
			if !ok {
				break
			}
			if l.checkValue(col, v) != nil {
				return false
			}
		}
		return it.err == nil && len(it.vals) == 0
	}
	count := h.present.n
	if !h.present.sparse {
		count = 0
		for _, b := range h.present.body {
			count += bits.OnesCount8(b)
		}
	}
	return len(h.values) == count*w
}
