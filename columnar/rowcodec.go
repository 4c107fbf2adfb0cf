package columnar

// Stored row format, version 1.
//
// A row holds the values of one table row's value columns (not its key).
// All integers called uvarint are encoding/binary unsigned varints.
//
//	row      = version present [cleared] values
//	version  = byte 0x01
//	present  = set header (bit 1 = partial), then the set of columns that hold a value
//	cleared  = set header (bit 1 = 0), then the set of explicitly nulled columns;
//	           only in partial rows
//	values   = the value of each present column, in ascending column order
//
// A set is a uvarint header h followed by its body:
//
//	h & 1    0: dense — body is h>>2 bytes of bitmap; bit i%8 (LSB first) of byte
//	            i/8 set means column i is in the set. Writers drop trailing
//	            zero bytes, so an empty set is the single byte h=0.
//	         1: sparse — body is h>>2 uvarints, the ascending column ids
//	            gap-encoded: the first is the id, each next one is
//	            id - previous id - 1.
//	h & 2    in the present set's header: the row is partial (see below).
//	         Must be 0 in the cleared set's header.
//
// Writers pick, per set, whichever of dense and sparse is smaller (header
// included), dense on a tie; readers accept both. So a 100-column row with
// 2 float32 values is 1 (version) + 1 (header) + 2 (ids) + 8 = 12 bytes,
// and a row with all 10 of 10 float32 columns is 1 + 1 + 2 (bitmap) + 40.
//
// A value of a fixed-width type (Type.FixedWidth) is that many raw bytes,
// little-endian for numbers, as in an Arrow buffer: bool is one byte 0 or
// 1, float16 its 2 IEEE bytes, date32 int32 days, timestamps int64,
// fixed_size_list<T,N> N raw elements. A value of utf8, binary or list<T>
// is a uvarint byte length then the bytes; list<T> bytes are raw
// little-endian elements (so the length is a multiple of T's width; list
// elements are never null). A null column is simply not in the present
// set: it takes no bytes in the values.
//
// Reading one column walks the present set up to that column, adding the
// widths of the fixed-width values before it and reading only the length
// prefix of variable-width ones: no value is decoded but the one asked for.
//
// Full and partial rows: a full row (what is stored) defines every column,
// absent ones being null. A partial row (an update, as MURR.WRITE builds
// from a batch that carries only some columns) defines only the columns in
// its present or cleared sets; the others keep their old values when it is
// merged (Layout.Merge). Read as a row, a partial row's absent and cleared
// columns are both null.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// rowVersion is the first byte of every encoded row.
const rowVersion = 1

const (
	setSparse  = 1 // set header bit: sparse body
	setPartial = 2 // present-set header bit: partial row
	setShift   = 2 // set header: count = h >> setShift
)

// Row is one encoded row; see the format above. Reading it needs the
// table's Layout.
type Row []byte

// ErrCorruptRow is wrapped by every error about a malformed row.
var ErrCorruptRow = errors.New("corrupt row")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorruptRow}, args...)...)
}

// Layout is what the row codec needs to know of a table's columns: their
// count and value widths. It is immutable and safe for concurrent use.
// A Layout of a schema with columns appended reads rows written with the
// older Layout (the new columns read as null).
type Layout struct {
	width   []int32 // fixed byte width, 0 for variable-width
	unit    []int8  // variable-width: a value's length must be a multiple of this
	uniform int     // the width of every column if they all have the same fixed width, else 0
}

// NewLayout returns the Layout of columns of the given types, in column
// index order.
func NewLayout(types []Type) (*Layout, error) {
	if len(types) > MaxColumns {
		return nil, fmt.Errorf("%d columns, more than %d", len(types), MaxColumns)
	}
	l := &Layout{width: make([]int32, len(types)), unit: make([]int8, len(types))}
	for i, t := range types {
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("column %d: %w", i, err)
		}
		if w, ok := t.FixedWidth(); ok {
			l.width[i] = int32(w)
		} else if t.Kind == KindList {
			l.unit[i] = int8(t.ElemWidth())
		} else {
			l.unit[i] = 1
		}
	}
	if len(types) > 0 && !slices.ContainsFunc(l.width, func(w int32) bool { return w != l.width[0] }) {
		l.uniform = int(l.width[0])
	}
	return l, nil
}

// Layout returns the row Layout of s's value columns.
func (s *Schema) Layout() (*Layout, error) { return NewLayout(s.Types()) }

// NumColumns is the number of value columns.
func (l *Layout) NumColumns() int { return len(l.width) }

// colSet is a parsed, validated set: body is the bitmap or the id varints.
type colSet struct {
	sparse bool
	n      int // sparse: number of ids
	body   []byte
}

// has reports whether a dense set contains col.
func (s *colSet) denseHas(col int) bool {
	i := col >> 3
	return i < len(s.body) && s.body[i]&(1<<(col&7)) != 0
}

func (s colSet) iter() setIter {
	return setIter{sparse: s.sparse, b: s.body, i: -1}
}

// setIter yields a set's column ids in ascending order. It relies on the
// set having been validated by parseSet.
type setIter struct {
	sparse bool
	b      []byte
	i      int  // dense: index of the current byte
	cur    byte // dense: bits of the current byte not yet yielded
	next   int  // sparse: lowest possible next id
}

func (s *setIter) nextID() (int, bool) {
	if s.sparse {
		if len(s.b) == 0 {
			return 0, false
		}
		v, n := binary.Uvarint(s.b)
		if n <= 0 {
			return 0, false
		}
		s.b = s.b[n:]
		id := s.next + int(v)
		s.next = id + 1
		return id, true
	}
	for s.cur == 0 {
		if s.i+1 >= len(s.b) {
			return 0, false
		}
		s.i++
		s.cur = s.b[s.i]
	}
	bit := bits.TrailingZeros8(s.cur)
	s.cur &= s.cur - 1
	return s.i<<3 + bit, true
}

// parseSet reads one set (header and body) from b and checks that its ids
// are below ncols. It returns the header's partial bit.
func parseSet(b []byte, ncols int) (s colSet, partial bool, rest []byte, err error) {
	h, n := binary.Uvarint(b)
	if n <= 0 {
		return s, false, nil, corrupt("truncated set header")
	}
	b = b[n:]
	partial = h&setPartial != 0
	count := h >> setShift
	if h&setSparse == 0 {
		if count > uint64((ncols+7)/8) {
			return s, false, nil, corrupt("bitmap of %d bytes for %d columns", count, ncols)
		}
		if count > uint64(len(b)) {
			return s, false, nil, corrupt("truncated bitmap")
		}
		s.body = b[:count]
		if count > 0 {
			if left := ncols - int(count-1)*8; left < 8 && s.body[count-1]>>left != 0 {
				return s, false, nil, corrupt("bitmap has columns beyond %d", ncols)
			}
		}
		return s, partial, b[count:], nil
	}
	if count > uint64(ncols) {
		return s, false, nil, corrupt("%d column ids for %d columns", count, ncols)
	}
	s.sparse, s.n = true, int(count)
	next, off := 0, 0
	for range count {
		v, n := binary.Uvarint(b[off:])
		if n <= 0 {
			return s, false, nil, corrupt("truncated column ids")
		}
		if v >= uint64(ncols-next) {
			return s, false, nil, corrupt("column id out of range (%d columns)", ncols)
		}
		next += int(v) + 1
		off += n
	}
	s.body = b[:off]
	return s, partial, b[off:], nil
}

// rowHeader is a parsed row up to its values.
type rowHeader struct {
	present, cleared colSet
	partial          bool
	values           []byte
}

func (l *Layout) parseHeader(r Row) (h rowHeader, err error) {
	if len(r) == 0 {
		return h, corrupt("empty row")
	}
	if r[0] != rowVersion {
		return h, corrupt("unknown row version %d", r[0])
	}
	var rest []byte
	h.present, h.partial, rest, err = parseSet(r[1:], len(l.width))
	if err != nil {
		return h, err
	}
	if h.partial {
		var p bool
		h.cleared, p, rest, err = parseSet(rest, len(l.width))
		if err != nil {
			return h, err
		}
		if p {
			return h, corrupt("partial bit in cleared set")
		}
	}
	h.values = rest
	return h, nil
}

// valueLen returns the number of bytes column col's value takes at the
// start of b: the length-prefix size and the value size.
func (l *Layout) valueLen(b []byte, col int) (prefix, size int, err error) {
	if w := int(l.width[col]); w > 0 {
		if w > len(b) {
			return 0, 0, corrupt("truncated value of column %d", col)
		}
		return 0, w, nil
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, corrupt("truncated length of column %d", col)
	}
	if v > uint64(len(b)-n) {
		return 0, 0, corrupt("truncated value of column %d", col)
	}
	return n, int(v), nil
}

// Value returns column col's value in r: its bytes (aliasing r) and
// present=true, or present=false if it is null. An empty utf8, binary or
// list value is present with len(b) == 0. It decodes nothing but r's
// header, the length prefixes of present variable-width columns before
// col, and col's value; it does not allocate. It does not check the rest
// of r (use Check for that), but never reads out of bounds.
func (l *Layout) Value(r Row, col int) (b []byte, present bool, err error) {
	if col < 0 || col >= len(l.width) {
		return nil, false, fmt.Errorf("column %d out of range [0, %d)", col, len(l.width))
	}
	h, err := l.parseHeader(r)
	if err != nil {
		return nil, false, err
	}
	if !h.present.sparse {
		if !h.present.denseHas(col) {
			return nil, false, nil
		}
		if w := l.uniform; w > 0 {
			// All values have width w: the offset is w times the number
			// of present columns before col.
			k := 0
			for _, c := range h.present.body[:col>>3] {
				k += bits.OnesCount8(c)
			}
			k += bits.OnesCount8(h.present.body[col>>3] & (1<<(col&7) - 1))
			off := k * w
			if off+w > len(h.values) {
				return nil, false, corrupt("truncated value of column %d", col)
			}
			return h.values[off : off+w : off+w], true, nil
		}
	}
	vals := h.values
	it := h.present.iter()
	for {
		id, ok := it.nextID()
		if !ok || id > col {
			return nil, false, nil
		}
		p, n, err := l.valueLen(vals, id)
		if err != nil {
			return nil, false, err
		}
		if id == col {
			return vals[p : p+n : p+n], true, nil
		}
		vals = vals[p+n:]
	}
}

// RowIter yields the present values of a row in ascending column order.
// It does not allocate.
type RowIter struct {
	l    *Layout
	set  setIter
	vals []byte
	err  error
}

// Iter returns an iterator over r's present values. Use it to read many
// columns of a row in one pass: each value is visited once, and values of
// columns the caller skips are never decoded.
func (l *Layout) Iter(r Row) (RowIter, error) {
	h, err := l.parseHeader(r)
	if err != nil {
		return RowIter{}, err
	}
	return RowIter{l: l, set: h.present.iter(), vals: h.values}, nil
}

// Next returns the next present column and its value (aliasing the row),
// or ok=false at the end or on a corrupt value (see Err).
func (it *RowIter) Next() (col int, val []byte, ok bool) {
	if it.err != nil {
		return 0, nil, false
	}
	id, ok := it.set.nextID()
	if !ok {
		return 0, nil, false
	}
	p, n, err := it.l.valueLen(it.vals, id)
	if err != nil {
		it.err = err
		return 0, nil, false
	}
	val = it.vals[p : p+n : p+n]
	it.vals = it.vals[p+n:]
	return id, val, true
}

// Err returns the error that stopped Next, if any.
func (it *RowIter) Err() error { return it.err }

// checkValue verifies a value's size against column col's type.
func (l *Layout) checkValue(col int, v []byte) error {
	if w := int(l.width[col]); w > 0 {
		if len(v) != w {
			return fmt.Errorf("column %d: value of %d bytes, want %d", col, len(v), w)
		}
		return nil
	}
	if u := int(l.unit[col]); u > 1 && len(v)%u != 0 {
		return fmt.Errorf("column %d: list value of %d bytes is not a multiple of the element width %d", col, len(v), u)
	}
	return nil
}

// Check validates all of r: header, sets, every value's length (list
// lengths included) and no trailing bytes.
func (l *Layout) Check(r Row) error {
	it, err := l.Iter(r)
	if err != nil {
		return err
	}
	for {
		col, v, ok := it.Next()
		if !ok {
			break
		}
		if err := l.checkValue(col, v); err != nil {
			return corrupt("%v", err)
		}
	}
	if it.err != nil {
		return it.err
	}
	if len(it.vals) != 0 {
		return corrupt("%d trailing bytes", len(it.vals))
	}
	return nil
}

// IsPartial reports whether r is a partial row (an update).
func (l *Layout) IsPartial(r Row) (bool, error) {
	h, err := l.parseHeader(r)
	return h.partial, err
}

// setStats gathers what choosing a set encoding needs.
type setStats struct {
	count  int
	maxID  int
	gaps   int // bytes of the sparse body
	lastID int // for gap computation; -1 initially
}

func newStats() setStats { return setStats{lastID: -1} }

func (s *setStats) add(id int) {
	s.count++
	s.gaps += uvarintLen(uint64(id - s.lastID - 1))
	s.lastID, s.maxID = id, id
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// setWriter writes a set's body, having written its header.
type setWriter struct {
	sparse bool
	start  int // dense: index of the bitmap in dst
	last   int
}

// beginSet appends the header (with the extra flag bits) and, for a dense
// set, a zeroed bitmap, choosing the smaller encoding.
func beginSet(dst []byte, st setStats, flags uint64) ([]byte, setWriter) {
	denseN := 0
	if st.count > 0 {
		denseN = st.maxID/8 + 1
	}
	hd := uint64(denseN)<<setShift | flags
	hs := uint64(st.count)<<setShift | flags | setSparse
	if uvarintLen(hs)+st.gaps < uvarintLen(hd)+denseN {
		return binary.AppendUvarint(dst, hs), setWriter{sparse: true, last: -1}
	}
	dst = binary.AppendUvarint(dst, hd)
	start := len(dst)
	dst = append(dst, make([]byte, denseN)...)
	return dst, setWriter{start: start}
}

func (w *setWriter) add(dst []byte, id int) []byte {
	if w.sparse {
		dst = binary.AppendUvarint(dst, uint64(id-w.last-1))
		w.last = id
		return dst
	}
	dst[w.start+id>>3] |= 1 << (id & 7)
	return dst
}

// Column states in a RowBuilder.
const (
	unset uint8 = iota
	valued
	nulled
)

// RowBuilder encodes rows of one Layout. Set the columns of a row, Append
// it, Reset, repeat; after warm-up it does not allocate. A RowBuilder is not
// safe for concurrent use.
type RowBuilder struct {
	l       *Layout
	state   []uint8
	off     []uint32
	buf     []byte
	touched []int32
}

// NewRowBuilder returns a RowBuilder for rows of l.
func NewRowBuilder(l *Layout) *RowBuilder {
	n := len(l.width)
	return &RowBuilder{l: l, state: make([]uint8, n), off: make([]uint32, n)}
}

// Reset forgets all columns set since the last Reset.
func (b *RowBuilder) Reset() {
	for _, c := range b.touched {
		b.state[c] = unset
	}
	b.touched = b.touched[:0]
	b.buf = b.buf[:0]
}

func (b *RowBuilder) touch(col int) error {
	if col < 0 || col >= len(b.state) {
		return fmt.Errorf("column %d out of range [0, %d)", col, len(b.state))
	}
	if b.state[col] == unset {
		b.touched = append(b.touched, int32(col))
	}
	return nil
}

// Set sets column col to v, copying it. v must be the stored form
// described in the format above: for a fixed-width type exactly
// Type.FixedWidth bytes (little-endian, as in an Arrow data buffer); for
// list<T> a multiple of T's width; utf8 and binary any bytes.
func (b *RowBuilder) Set(col int, v []byte) error {
	if err := b.touch(col); err != nil {
		return err
	}
	if err := b.l.checkValue(col, v); err != nil {
		if b.state[col] == unset {
			b.touched = b.touched[:len(b.touched)-1]
		}
		return err
	}
	b.state[col] = valued
	b.off[col] = uint32(len(b.buf))
	b.buf = binary.AppendUvarint(b.buf, uint64(len(v)))
	b.buf = append(b.buf, v...)
	return nil
}

// SetNull sets column col to null. In a full row this is the same as not
// setting it; in an update (AppendUpdate) it clears the stored value.
func (b *RowBuilder) SetNull(col int) error {
	if err := b.touch(col); err != nil {
		return err
	}
	b.state[col] = nulled
	return nil
}

// Append appends the full row of the columns set: columns set to null or
// not set are null.
func (b *RowBuilder) Append(dst []byte) []byte { return b.appendRow(dst, false) }

// AppendUpdate appends a partial row: merged onto a stored row with
// Layout.Merge, columns not set keep their stored values, columns set to
// null become null.
func (b *RowBuilder) AppendUpdate(dst []byte) []byte { return b.appendRow(dst, true) }

func (b *RowBuilder) appendRow(dst []byte, partial bool) []byte {
	slices.Sort(b.touched)
	present, cleared := newStats(), newStats()
	for _, c := range b.touched {
		switch b.state[c] {
		case valued:
			present.add(int(c))
		case nulled:
			cleared.add(int(c))
		}
	}
	dst = append(dst, rowVersion)
	var flags uint64
	if partial {
		flags = setPartial
	}
	dst, w := beginSet(dst, present, flags)
	for _, c := range b.touched {
		if b.state[c] == valued {
			dst = w.add(dst, int(c))
		}
	}
	if partial {
		dst, w = beginSet(dst, cleared, 0)
		for _, c := range b.touched {
			if b.state[c] == nulled {
				dst = w.add(dst, int(c))
			}
		}
	}
	for _, c := range b.touched {
		if b.state[c] != valued {
			continue
		}
		v := b.buf[b.off[c]:]
		n, k := binary.Uvarint(v)
		if b.l.width[c] == 0 {
			dst = append(dst, v[:k+int(n)]...)
		} else {
			dst = append(dst, v[k:k+int(n)]...)
		}
	}
	return dst
}

// mergeIter walks the union of two rows' present columns, taking a
// column's value from update when update has it and dropping old's value
// when update clears it.
type mergeIter struct {
	old, upd   RowIter
	clr        setIter
	oc, uc, cc int // current ids, exhausted at the end
	ov, uv     []byte
}

const exhausted = 1 << 30

func (m *mergeIter) init(l *Layout, oh, uh rowHeader) {
	m.old = RowIter{l: l, set: oh.present.iter(), vals: oh.values}
	m.upd = RowIter{l: l, set: uh.present.iter(), vals: uh.values}
	m.clr = uh.cleared.iter()
	m.advOld()
	m.advUpd()
	m.advClr()
}

func (m *mergeIter) advOld() {
	var ok bool
	if m.oc, m.ov, ok = m.old.Next(); !ok {
		m.oc = exhausted
	}
}

func (m *mergeIter) advUpd() {
	var ok bool
	if m.uc, m.uv, ok = m.upd.Next(); !ok {
		m.uc = exhausted
	}
}

func (m *mergeIter) advClr() {
	var ok bool
	if m.cc, ok = m.clr.nextID(); !ok {
		m.cc = exhausted
	}
}

// next returns the next merged column and its value.
func (m *mergeIter) next() (int, []byte, bool) {
	for {
		if m.oc == exhausted && m.uc == exhausted {
			return 0, nil, false
		}
		for m.cc < m.oc {
			m.advClr()
		}
		switch {
		case m.uc <= m.oc:
			id, v := m.uc, m.uv
			if m.oc == m.uc {
				m.advOld()
			}
			m.advUpd()
			return id, v, true
		case m.cc == m.oc:
			m.advOld() // cleared by the update
		default:
			id, v := m.oc, m.ov
			m.advOld()
			return id, v, true
		}
	}
}

func (m *mergeIter) err() error {
	if m.old.err != nil {
		return m.old.err
	}
	return m.upd.err
}

// clearedUnion walks the cleared set of update ∪ (old's cleared set minus
// update's present set): the cleared set of merging two partial rows.
type clearedUnion struct {
	oldClr, updClr, updPresent setIter
	o, u, p                    int
}

func newClearedUnion(oh, uh rowHeader) clearedUnion {
	c := clearedUnion{oldClr: oh.cleared.iter(), updClr: uh.cleared.iter(), updPresent: uh.present.iter()}
	c.o, c.u, c.p = nextOr(&c.oldClr), nextOr(&c.updClr), nextOr(&c.updPresent)
	return c
}

func nextOr(s *setIter) int {
	if id, ok := s.nextID(); ok {
		return id
	}
	return exhausted
}

func (c *clearedUnion) next() (int, bool) {
	for {
		if c.o == exhausted && c.u == exhausted {
			return 0, false
		}
		if c.u <= c.o {
			id := c.u
			if c.o == c.u {
				c.o = nextOr(&c.oldClr)
			}
			c.u = nextOr(&c.updClr)
			return id, true
		}
		for c.p < c.o {
			c.p = nextOr(&c.updPresent)
		}
		id := c.o
		c.o = nextOr(&c.oldClr)
		if c.p != id {
			return id, true
		}
	}
}

// Merge appends to dst the result of applying update to old and returns
// it. old may be nil (no stored row). If update is a full row, the result
// is update. If it is partial, the result holds update's values for the
// columns update sets, null for the columns update clears and old's values
// for the others; it is a full row if old is nil or full, and a partial
// row (whose cleared set combines both) if old is partial, so that
// updates can be combined before the stored row is known. Both rows are
// Checked first; a corrupt one gives an error wrapping ErrCorruptRow and
// dst unchanged.
func (l *Layout) Merge(dst []byte, old, update Row) ([]byte, error) {
	if err := l.Check(update); err != nil {
		return dst, fmt.Errorf("update: %w", err)
	}
	uh, _ := l.parseHeader(update)
	if !uh.partial {
		if old != nil {
			if err := l.Check(old); err != nil {
				return dst, fmt.Errorf("old row: %w", err)
			}
		}
		return append(dst, update...), nil
	}
	oh := rowHeader{} // old == nil: nothing stored
	if old != nil {
		if err := l.Check(old); err != nil {
			return dst, fmt.Errorf("old row: %w", err)
		}
		oh, _ = l.parseHeader(old)
	}
	// Pass 1: sizes of the result's sets.
	present, cleared := newStats(), newStats()
	var m mergeIter
	m.init(l, oh, uh)
	for {
		id, _, ok := m.next()
		if !ok {
			break
		}
		present.add(id)
	}
	if err := m.err(); err != nil { // unreachable after Check
		return dst, err
	}
	partial := oh.partial
	if partial {
		cu := newClearedUnion(oh, uh)
		for {
			id, ok := cu.next()
			if !ok {
				break
			}
			cleared.add(id)
		}
	}
	// Pass 2: write.
	dst = append(dst, rowVersion)
	var flags uint64
	if partial {
		flags = setPartial
	}
	dst, w := beginSet(dst, present, flags)
	m.init(l, oh, uh)
	for {
		id, _, ok := m.next()
		if !ok {
			break
		}
		dst = w.add(dst, id)
	}
	if partial {
		dst, w = beginSet(dst, cleared, 0)
		cu := newClearedUnion(oh, uh)
		for {
			id, ok := cu.next()
			if !ok {
				break
			}
			dst = w.add(dst, id)
		}
	}
	m.init(l, oh, uh)
	for {
		id, v, ok := m.next()
		if !ok {
			break
		}
		if l.width[id] == 0 {
			dst = binary.AppendUvarint(dst, uint64(len(v)))
		}
		dst = append(dst, v...)
	}
	return dst, nil
}
