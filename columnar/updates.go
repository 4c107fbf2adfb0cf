package columnar

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
