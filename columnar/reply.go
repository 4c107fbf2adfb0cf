package columnar

// reply.go owns MURR.READ's output side: ReadPlan (a resolved column
// projection, cached per schema) and Reply, which turns stored rows into
// one Arrow IPC stream — schema, one record batch, end-of-stream — written
// straight into a pooled buffer without building arrow-go arrays. The
// message framing lives in ipcwrite.go; JSON output in jsonout.go.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// ErrNoSuchColumn is wrapped by NewReadPlan's error for a column the table
// does not have; the error reads "no such column 'c' in table 'x'".
var ErrNoSuchColumn = errors.New("no such column")

// How a projected column is written.
const (
	slotKey   uint8 = iota // the key column: utf8 from the key, not the row
	slotFixed              // fixed width: ints, floats, date32, timestamps, fixed_size_list
	slotBool               // one stored byte in, one bit out
	slotBytes              // utf8, binary: int32 offsets and bytes
	slotList               // list<T>: int32 offsets, child node, child values
)

// outSlot is one field of the reply.
type outSlot struct {
	col   int   // column index, or KeyIndex
	mode  uint8 // slotKey...
	width int   // slotFixed: bytes per row; slotList: bytes per element
	n     int   // fixed_size_list: elements per row; else 0
	typ   Type  // the column's type (utf8 for the key)
}

// ReadPlan is a resolved MURR.READ projection of one table schema: which
// columns, in which order, and the pre-encoded Arrow schema message. It is
// immutable and safe for concurrent use; NewReadPlan caches plans, so
// asking again for the same projection of the same *Schema is cheap.
type ReadPlan struct {
	schema    *Schema
	layout    *Layout
	cols      []int     // the projection: column indexes or KeyIndex
	slots     []outSlot // one per projected column
	keys      []int32   // slots of the key column
	values    []int32   // slots of value columns, in projection order
	order     []int32   // slots of value columns, sorted by column index
	orderCols []int     // the columns of order's slots
	vars      []int32   // slots with offsets (key, utf8, binary, list)
	uniform   bool      // every value column has the same fixed width
	bools     []int32   // slots of bool columns
	rowBytes  int       // bytes per row of the fixed-width fields

	schemaMsg []byte
	batch     *batchTemplate
	nbuffers  int
	jsonNames [][]byte // per slot: `"name":[` (jsonout.go)

	replies sync.Pool // *Reply
	jsons   sync.Pool // *JSONReply
}

// NewReadPlan resolves columns (names; nil or empty means the key column
// then every value column) against s, the schema of the table called
// table. The key column may be named; a column may be named more than
// once (it then appears more than once). An unknown name gives an error
// wrapping ErrNoSuchColumn: "no such column 'c' in table 'x'".
//
// s must not be modified afterwards (table schemas never are): plans are
// cached by s's address and the column names.
func NewReadPlan(table string, s *Schema, columns []string) (*ReadPlan, error) {
	var kb [256]byte
	key := appendPlanKey(kb[:0], columns)
	if p := readPlans.get(s, key); p != nil {
		return p, nil
	}
	var proj []int
	if len(columns) == 0 {
		proj = make([]int, 0, 1+len(s.Columns))
		proj = append(proj, KeyIndex)
		for i := range s.Columns {
			proj = append(proj, i)
		}
	} else {
		proj = make([]int, len(columns))
		for i, name := range columns {
			c, ok := s.Index(name)
			if !ok {
				return nil, fmt.Errorf("%w '%s' in table '%s'", ErrNoSuchColumn, name, table)
			}
			proj[i] = c
		}
	}
	p, err := buildReadPlan(s, proj)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %w", table, err)
	}
	return readPlans.put(s, key, p), nil
}

// appendPlanKey encodes a column list unambiguously for the plan cache.
func appendPlanKey(dst []byte, columns []string) []byte {
	for _, c := range columns {
		dst = binary.AppendUvarint(dst, uint64(len(c)))
		dst = append(dst, c...)
	}
	return dst
}

func buildReadPlan(s *Schema, proj []int) (*ReadPlan, error) {
	layout, err := s.Layout()
	if err != nil {
		return nil, err
	}
	p := &ReadPlan{schema: s, layout: layout, cols: proj, slots: make([]outSlot, len(proj))}
	nnodes := 0
	for j, col := range proj {
		sl := outSlot{col: col, typ: Scalar(KindUtf8)}
		if col != KeyIndex {
			sl.typ = s.Columns[col].Type
		}
		t := sl.typ
		nnodes++
		p.nbuffers += 2 // validity, then data or offsets
		switch {
		case col == KeyIndex:
			sl.mode = slotKey
			p.nbuffers++
		case t.Kind == KindBool:
			sl.mode = slotBool
			p.bools = append(p.bools, int32(j))
		case t.Kind == KindUtf8 || t.Kind == KindBinary:
			sl.mode = slotBytes
			p.nbuffers++
		case t.Kind == KindList:
			sl.mode, sl.width = slotList, t.ElemWidth()
			nnodes++
			p.nbuffers += 2 // child validity, child values
		default:
			w, _ := t.FixedWidth()
			sl.mode, sl.width = slotFixed, w
			if t.Kind == KindFixedSizeList {
				sl.n = int(t.N)
				nnodes++
				p.nbuffers++ // child validity
			}
		}
		p.slots[j] = sl
		if sl.mode == slotFixed {
			p.rowBytes += sl.width
		}
		switch sl.mode {
		case slotKey:
			p.keys = append(p.keys, int32(j))
		default:
			p.values = append(p.values, int32(j))
		}
		if sl.mode == slotKey || sl.mode == slotBytes || sl.mode == slotList {
			p.vars = append(p.vars, int32(j))
		}
	}
	p.order = slices.Clone(p.values)
	slices.SortStableFunc(p.order, func(a, b int32) int { return p.slots[a].col - p.slots[b].col })
	p.orderCols = make([]int, len(p.order))
	for k, j := range p.order {
		p.orderCols[k] = p.slots[j].col
	}
	p.uniform = layout.uniform > 0

	if p.schemaMsg, err = encodeSchemaMessage(s.ArrowSchema(proj)); err != nil {
		return nil, err
	}
	if p.batch, err = newBatchTemplate(nnodes, p.nbuffers); err != nil {
		return nil, err
	}
	p.jsonNames = make([][]byte, len(proj))
	for j, col := range proj {
		name := s.Key
		if col != KeyIndex {
			name = s.Columns[col].Name
		}
		b := AppendJSONString(nil, name)
		p.jsonNames[j] = append(b, ':', '[')
	}
	return p, nil
}

// Columns returns the projection: per reply field, its column index, or
// KeyIndex for the key column. The slice is shared: do not modify it.
func (p *ReadPlan) Columns() []int { return p.cols }

// Schema returns the schema the plan was made for.
func (p *ReadPlan) Schema() *Schema { return p.schema }

// size is what the plan holds, for the cache's memory bound.
func (p *ReadPlan) size() int {
	return 256 + len(p.schemaMsg) + len(p.batch.msg) + len(p.slots)*(64+8*4)
}

// planCache caches ReadPlans by schema and column list. It is bounded:
// when it holds too many plans or bytes it starts over.
type planCache struct {
	mu    sync.RWMutex
	m     map[*Schema]map[string]*ReadPlan
	n     int
	bytes int
}

const (
	maxCachedPlans     = 4096
	maxCachedPlanBytes = 64 << 20
)

var readPlans planCache

func (c *planCache) get(s *Schema, key []byte) *ReadPlan {
	c.mu.RLock()
	p := c.m[s][string(key)]
	c.mu.RUnlock()
	return p
}

// put caches p unless an equal plan got there first, and returns the
// cached plan.
func (c *planCache) put(s *Schema, key []byte, p *ReadPlan) *ReadPlan {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q := c.m[s][string(key)]; q != nil {
		return q
	}
	if c.m == nil || c.n >= maxCachedPlans || c.bytes+p.size() > maxCachedPlanBytes {
		c.m, c.n, c.bytes = make(map[*Schema]map[string]*ReadPlan), 0, 0
	}
	byCols := c.m[s]
	if byCols == nil {
		byCols = make(map[string]*ReadPlan)
		c.m[s] = byCols
	}
	byCols[string(key)] = p
	c.n++
	c.bytes += p.size()
	return p
}

// replyCol is the output of one reply field.
type replyCol struct {
	valid []byte // validity bits; kept only once the column has a null
	nulls int
	data  []byte // slotFixed: capRows*width bytes; slotBool: capRows bits; else the values
	offs  []byte // key, bytes, list: rows+1 int32 offsets, little-endian
}

// Reply builds one MURR.READ reply: Add each requested key's row in
// request order, then Bytes (or AppendTo). A Reply is not safe for
// concurrent use; Release it when done. After warm-up, building a reply
// does not allocate beyond the growth of pooled buffers.
type Reply struct {
	p       *ReadPlan
	rows    int
	capRows int
	cols    []replyCol
	mark    []int   // generic path: per slot, row+1 if written in this row
	ranks   []int32 // dense path: popcounts of the present bitmap's prefixes
	fixed   []fixedDst
	// nullSlots lists the value fields with a null so far: the only ones
	// whose validity bitmap a full row must update.
	nullSlots []int32
	nodes     []ipcNode
	bufs      [][]byte
	lens      []int
	out       []byte
}

// fixedDst is where the dense path copies a value field: the field's
// data (aliasing its replyCol's) and the value's offset in a full row.
type fixedDst struct {
	data []byte
	src  int
}

// maxReplyHint bounds the bytes NewReply preallocates from its hint;
// beyond, buffers grow as rows come.
const maxReplyHint = 64 << 20

// maxPooledReply bounds the buffer bytes a released Reply may keep.
const maxPooledReply = 16 << 20

// NewReply returns an empty Reply, pooled; nrows is the expected number
// of rows (a hint).
func (p *ReadPlan) NewReply(nrows int) *Reply {
	r, _ := p.replies.Get().(*Reply)
	if r == nil {
		r = &Reply{
			p:    p,
			cols: make([]replyCol, len(p.slots)),
			mark: make([]int, len(p.slots)),
		}
	}
	r.rows, r.nullSlots = 0, r.nullSlots[:0]
	for j := range r.cols {
		c := &r.cols[j]
		c.valid, c.nulls = c.valid[:0], 0
		if p.slots[j].mode >= slotBytes || p.slots[j].mode == slotKey {
			c.data = c.data[:0]
			c.offs = append(c.offs[:0], 0, 0, 0, 0)
		}
		r.mark[j] = 0
	}
	r.reserve(min(max(nrows, 0), maxReplyHint/max(p.rowBytes, 1)))
	return r
}

// Release returns r to its plan's pool. r and every slice it returned
// must not be used afterwards.
func (r *Reply) Release() {
	total := cap(r.out)
	for j := range r.cols {
		c := &r.cols[j]
		total += cap(c.valid) + cap(c.data) + cap(c.offs)
	}
	if total <= maxPooledReply {
		r.p.replies.Put(r)
	}
}

// Rows is the number of rows added.
func (r *Reply) Rows() int { return r.rows }

// reserve makes room for n rows in the positional buffers.
func (r *Reply) reserve(n int) {
	if n <= r.capRows {
		return
	}
	n = max(n, 2*r.capRows, 8)
	p := r.p
	for j := range r.cols {
		c := &r.cols[j]
		switch s := &p.slots[j]; s.mode {
		case slotFixed:
			c.data = resize(c.data, n*s.width)
		case slotBool:
			c.data = resize(c.data, bitBytes(n))
		}
		if c.nulls > 0 {
			c.valid = resize(c.valid, bitBytes(n))
		}
	}
	r.capRows = n
	if p.uniform {
		r.fixed = r.fixed[:0]
		for _, j := range p.values {
			if p.slots[j].mode == slotFixed {
				r.fixed = append(r.fixed, fixedDst{data: r.cols[j].data, src: p.slots[j].col * p.layout.uniform})
			}
		}
	}
}

// resize returns b with length n, keeping its contents.
func resize(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	return append(b[:cap(b)], make([]byte, n-cap(b))...)
}

func bitBytes(n int) int { return (n + 7) >> 3 }

func setBit(b []byte, i int)   { b[i>>3] |= 1 << (i & 7) }
func clearBit(b []byte, i int) { b[i>>3] &^= 1 << (i & 7) }

// Add appends the row of key: row is its stored row, or nil if the key is
// missing (every field of the row is then null, the key column too). row
// is only read during the call. A corrupt row gives an error wrapping
// ErrCorruptRow and leaves r as it was. Keys and utf8 values are copied
// unchecked: a key that is not valid UTF-8 (keys are binary-safe) is not
// valid UTF-8 in the key column either.
func (r *Reply) Add(key []byte, row Row) error {
	if r.rows == r.capRows {
		r.reserve(r.rows + 1)
	}
	p := r.p
	if row == nil {
		for j := range p.slots {
			r.setNull(j)
		}
		r.endRow()
		return nil
	}
	for _, j := range p.keys {
		c := &r.cols[j]
		if len(c.data)+len(key) > math.MaxInt32 {
			r.undoRow()
			return errors.New("reply too large: the key column holds more than 2 GiB")
		}
		c.data = append(c.data, key...)
		r.setValid(c)
	}
	var err error
	if bm, vals, ok := p.denseRow(row); ok {
		err = r.addDense(bm, vals)
	} else if h, herr := p.layout.parseHeader(row); herr != nil {
		err = herr
	} else if p.uniform && !h.present.sparse {
		err = r.addDense(h.present.body, h.values)
	} else {
		err = r.addGeneric(h)
	}
	if err != nil {
		r.undoRow()
		return err
	}
	r.endRow()
	return nil
}

// denseRow parses the header of the most common row — full, present set
// a bitmap of under 32 bytes — when the plan's columns are uniform.
// ok=false sends the row to the general parser (which reports errors).
func (p *ReadPlan) denseRow(row Row) (bm, vals []byte, ok bool) {
	if !p.uniform || len(row) < 2 || row[0] != rowVersion || row[1]&(0x80|setSparse|setPartial) != 0 {
		return nil, nil, false
	}
	n := int(row[1] >> setShift)
	ncols := len(p.layout.width)
	if n > len(row)-2 || n > bitBytes(ncols) {
		return nil, nil, false
	}
	bm = row[2 : 2+n]
	if n > 0 {
		if left := ncols - (n-1)*8; left < 8 && bm[n-1]>>left != 0 {
			return nil, nil, false
		}
	}
	return bm, row[2+n:], true
}

// setValid marks the current row's field of c as present.
func (r *Reply) setValid(c *replyCol) {
	if c.nulls > 0 {
		setBit(c.valid, r.rows)
	}
}

// setNull makes slot j's field of the current row null.
func (r *Reply) setNull(j int) {
	c := &r.cols[j]
	row := r.rows
	switch s := &r.p.slots[j]; s.mode {
	case slotFixed:
		clear(c.data[row*s.width : (row+1)*s.width])
	case slotBool:
		clearBit(c.data, row)
	}
	if c.nulls == 0 {
		if r.p.slots[j].mode != slotKey {
			r.nullSlots = append(r.nullSlots, int32(j))
		}
		// First null: materialize the bitmap, every earlier row valid.
		c.valid = resize(c.valid, bitBytes(r.capRows))
		full := row >> 3
		for i := range full {
			c.valid[i] = 0xFF
		}
		clear(c.valid[full:])
		c.valid[full] = byte(1)<<(row&7) - 1
	} else {
		clearBit(c.valid, row)
	}
	c.nulls++
}

// endRow closes the current row: offsets of the variable-width slots.
func (r *Reply) endRow() {
	for _, j := range r.p.vars {
		c := &r.cols[j]
		n := len(c.data)
		if s := &r.p.slots[j]; s.mode == slotList {
			n /= s.width // list offsets count elements
		}
		c.offs = binary.LittleEndian.AppendUint32(c.offs, uint32(n))
	}
	r.rows++
}

// undoRow forgets what a failed Add wrote of the current row. Fixed-width
// data of the row needs nothing: the next Add overwrites it. Null counts
// need nothing either: Add calls setNull only once nothing can fail.
func (r *Reply) undoRow() {
	for _, j := range r.p.vars {
		c := &r.cols[j]
		start := int(binary.LittleEndian.Uint32(c.offs[len(c.offs)-4:]))
		if s := &r.p.slots[j]; s.mode == slotList {
			start *= s.width
		}
		c.data = c.data[:start]
	}
	for j := range r.cols {
		r.mark[j] = 0
		if c := &r.cols[j]; c.nulls > 0 {
			clearBit(c.valid, r.rows)
		}
	}
}

// addDense adds the value columns of a row whose values all have one
// fixed width w and whose present set is bitmap bm: a value's position is
// w times the number of present columns before it.
func (r *Reply) addDense(bm, vals []byte) error {
	p := r.p
	w := p.layout.uniform
	ncols := len(p.layout.width)
	row := r.rows
	if len(bm) == bitBytes(ncols) && allPresent(bm, ncols) {
		// A full row: column c's value is at c*w.
		if len(vals) < ncols*w {
			return corrupt("truncated values (%d bytes for %d columns of %d bytes)", len(vals), ncols, w)
		}
		{
			// Copy, specialized by width; then bools and validity.
			le := binary.LittleEndian
			switch w {
			case 4:
				// The hottest loop of MURR.READ. Every destination has
				// room for capRows values (reserve) and every source is
				// inside vals (checked above), so the bounds checks of
				// the plain form are not needed.
				off := uintptr(row * 4)
				src := unsafe.Pointer(unsafe.SliceData(vals))
				for k := range r.fixed {
					d := &r.fixed[k]
					*(*[4]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(d.data)), off)) = *(*[4]byte)(unsafe.Add(src, d.src))
				}
			case 8:
				for _, d := range r.fixed {
					le.PutUint64(d.data[row*8:], le.Uint64(vals[d.src:]))
				}
			case 2:
				for _, d := range r.fixed {
					le.PutUint16(d.data[row*2:], le.Uint16(vals[d.src:]))
				}
			default:
				for _, d := range r.fixed {
					copy(d.data[row*w:row*w+w], vals[d.src:d.src+w])
				}
			}
		}
		for _, j := range p.bools {
			if vals[p.slots[j].col] != 0 { // w is 1
				setBit(r.cols[j].data, row)
			} else {
				clearBit(r.cols[j].data, row)
			}
		}
		for _, j := range r.nullSlots {
			setBit(r.cols[j].valid, row)
		}
		return nil
	}
	ranks := r.ranks[:0]
	n := int32(0)
	for _, b := range bm {
		ranks = append(ranks, n)
		n += int32(bits.OnesCount8(b))
	}
	r.ranks = ranks
	if len(vals) < int(n)*w {
		return corrupt("truncated values (%d bytes for %d values of %d bytes)", len(vals), n, w)
	}
	for _, j := range p.values {
		s := &p.slots[j]
		i, bit := s.col>>3, byte(1)<<(s.col&7)
		if i >= len(bm) || bm[i]&bit == 0 {
			r.setNull(int(j))
			continue
		}
		k := int(ranks[i]) + bits.OnesCount8(bm[i]&(bit-1))
		c := &r.cols[j]
		v := vals[k*w : k*w+w]
		if s.mode == slotBool {
			if v[0] != 0 {
				setBit(c.data, row)
			} else {
				clearBit(c.data, row)
			}
		} else {
			putFixed(c.data, row*w, v)
		}
		r.setValid(c)
	}
	return nil
}

// putFixed copies value v to dst[off:], faster than copy for small
// power-of-two widths.
func putFixed(dst []byte, off int, v []byte) {
	le := binary.LittleEndian
	switch len(v) {
	case 4:
		le.PutUint32(dst[off:], le.Uint32(v))
	case 8:
		le.PutUint64(dst[off:], le.Uint64(v))
	case 2:
		le.PutUint16(dst[off:], le.Uint16(v))
	case 1:
		dst[off] = v[0]
	default:
		copy(dst[off:off+len(v)], v)
	}
}

// allPresent reports whether bitmap bm has all of columns 0..ncols-1.
func allPresent(bm []byte, ncols int) bool {
	full := ncols >> 3
	for _, b := range bm[:full] {
		if b != 0xFF {
			return false
		}
	}
	return ncols&7 == 0 || bm[full] == byte(1)<<(ncols&7)-1
}

// addGeneric adds the value columns of any row: one pass over its present
// values merged with the projection sorted by column (as walkRow does,
// without the callback), then nulls for the columns not seen.
func (r *Reply) addGeneric(h rowHeader) error {
	p := r.p
	row1 := r.rows + 1
	if n := len(p.order); n > 0 {
		cols := p.orderCols
		last := cols[n-1]
		it := RowIter{l: p.layout, set: h.present.iter(), vals: h.values}
		k := 0
		for k < n {
			col, v, ok := it.Next()
			if !ok || col > last {
				break
			}
			for cols[k] < col {
				k++
			}
			for k < n && cols[k] == col {
				j := p.order[k]
				if err := r.setValue(int(j), v); err != nil {
					return err
				}
				r.mark[j] = row1
				k++
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
	}
	for _, j := range p.values {
		if r.mark[j] != row1 {
			r.setNull(int(j))
		}
	}
	return nil
}

// setValue writes v as slot j's field of the current row.
func (r *Reply) setValue(j int, v []byte) error {
	s := &r.p.slots[j]
	c := &r.cols[j]
	row := r.rows
	switch s.mode {
	case slotFixed:
		if len(v) != s.width {
			return corrupt("value of %d bytes in column %d, want %d", len(v), s.col, s.width)
		}
		putFixed(c.data, row*s.width, v)
	case slotBool:
		if len(v) != 1 {
			return corrupt("value of %d bytes in bool column %d", len(v), s.col)
		}
		if v[0] != 0 {
			setBit(c.data, row)
		} else {
			clearBit(c.data, row)
		}
	case slotList:
		if len(v)%s.width != 0 {
			return corrupt("list of %d bytes in column %d is not a multiple of the element width %d", len(v), s.col, s.width)
		}
		fallthrough
	case slotBytes:
		if len(c.data)+len(v) > math.MaxInt32 {
			return fmt.Errorf("reply too large: column %d holds more than 2 GiB", s.col)
		}
		c.data = append(c.data, v...)
	}
	r.setValid(c)
	return nil
}

// Size returns the length of the IPC stream AppendTo and Bytes produce.
func (r *Reply) Size() int {
	r.collect()
	n := len(r.p.schemaMsg) + len(r.p.batch.msg) + len(ipcEOS)
	for _, l := range r.lens {
		n += ipcPad(l)
	}
	return n
}

// collect lists the batch's field nodes and body buffers in IPC order.
func (r *Reply) collect() {
	p := r.p
	rows := r.rows
	nodes, bufs := r.nodes[:0], r.bufs[:0]
	for j := range p.slots {
		s := &p.slots[j]
		c := &r.cols[j]
		nodes = append(nodes, ipcNode{rows, c.nulls})
		if c.nulls > 0 {
			bufs = append(bufs, trimBits(c.valid, rows))
		} else {
			bufs = append(bufs, nil)
		}
		switch s.mode {
		case slotFixed:
			if s.n > 0 {
				nodes = append(nodes, ipcNode{rows * s.n, 0})
				bufs = append(bufs, nil)
			}
			bufs = append(bufs, c.data[:rows*s.width])
		case slotBool:
			bufs = append(bufs, trimBits(c.data, rows))
		case slotKey, slotBytes:
			bufs = append(bufs, c.offs, c.data)
		case slotList:
			nodes = append(nodes, ipcNode{len(c.data) / s.width, 0})
			bufs = append(bufs, c.offs, nil, c.data)
		}
	}
	lens := r.lens[:0]
	for _, b := range bufs {
		lens = append(lens, len(b))
	}
	r.nodes, r.bufs, r.lens = nodes, bufs, lens
}

// trimBits returns the bitmap of n bits in b, clearing the unused bits of
// its last byte.
func trimBits(b []byte, n int) []byte {
	b = b[:bitBytes(n)]
	if n&7 != 0 {
		b[len(b)-1] &= byte(1)<<(n&7) - 1
	}
	return b
}

// AppendTo appends the reply's IPC stream to dst: the schema message, one
// record batch holding the rows added so far, and the end-of-stream mark.
func (r *Reply) AppendTo(dst []byte) []byte {
	size := r.Size() // collects
	dst = slices.Grow(dst, size)
	dst = append(dst, r.p.schemaMsg...)
	dst, _ = r.p.batch.appendTo(dst, r.rows, r.nodes, r.lens)
	for _, b := range r.bufs {
		dst = appendPadded(dst, b)
	}
	return append(dst, ipcEOS[:]...)
}

// Bytes returns the reply's IPC stream (see AppendTo) in a pooled buffer
// owned by r: valid until the next Add, Bytes or Release.
func (r *Reply) Bytes() []byte {
	r.out = r.AppendTo(r.out[:0])
	return r.out
}
