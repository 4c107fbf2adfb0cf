package columnar

// decode.go owns turning Arrow record batches into row updates for one
// table (the ingest side of MURR.WRITE and the HTTP write route): checking
// a batch's schema against the table's (Decoder.Bind) and encoding each row
// as a partial row (Decoder.Record), reading Arrow buffers directly and
// converting values under CAST.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// ErrTooLarge is wrapped by errors about input that needs more memory than
// the caller allowed (an IPC or Parquet reader's budget, Decoder.MaxBytes,
// a JSON body's size limit). HTTP callers answer 413.
var ErrTooLarge = errors.New("input too large")

// Decoder converts Arrow record batches into Updates for one table.
//
// Bind checks a batch schema against the table before any row is read;
// Record then appends one update per batch row: columns the batch
// carries are replaced (a null clears the stored value), the others keep
// their stored values. The update is a partial row, or a full row when the
// batch carries every column (which means the same: nothing is kept).
// All Decoder errors are about the input (the batch's schema or values):
// callers report them to the client.
//
// A Decoder is not safe for concurrent use. After warm-up, Record does not
// allocate per row.
type Decoder struct {
	// MaxBytes, if positive, bounds Updates.Bytes() while Record appends:
	// a batch that would grow its Updates beyond it fails with an error
	// wrapping ErrTooLarge. It guards against batches that expand a lot
	// when decoded (a dictionary of long strings indexed by every row).
	MaxBytes int

	table  string
	schema *Schema
	layout *Layout
	index  map[string]int // column name → index, KeyIndex for the key
	cast   bool

	bound   *arrow.Schema // the schema of the last Bind, nil before
	parquet bool          // the last bind was BindParquet
	key     colReader     // the key column's reader
	keyPos  int           // the key column's position in the batch
	readers []colReader   // one per non-key batch field, in field order
	rows    int           // rows decoded since Bind, for error messages

	// How Record encodes rows (rowcodec.go) for the bound batch schema.
	full   bool     // the batch carries every column: updates are full rows
	byCol  []int    // indexes into readers, in column order
	header []byte   // row header (version, sets) when every carried column has a value
	vals   [][]byte // per reader: the current row's value ...
	has    []bool   // ... if it has one (false: null)

	// expect is how many rows the stream being decoded claims in all, 0
	// if unknown; Record makes room for them in advance, up to
	// expectBytes (the claims are not checked until the batches are read).
	expect, expectBytes int64
}

// NewDecoder returns a Decoder of batches for table (named in errors) with
// schema s. With cast, batches may carry numeric columns of another
// numeric type, timestamps of another unit or with a time zone, lists
// instead of fixed-size lists and dictionary-encoded columns; values are
// converted and range-checked (see Bind).
func NewDecoder(table string, s *Schema, cast bool) (*Decoder, error) {
	l, err := s.Layout()
	if err != nil {
		return nil, fmt.Errorf("table '%s': %w", table, err)
	}
	index := make(map[string]int, len(s.Columns)+1)
	for i, c := range s.Columns {
		index[c.Name] = i
	}
	index[s.Key] = KeyIndex
	return &Decoder{table: table, schema: s, layout: l, index: index, cast: cast}, nil
}

// Bind checks a batch schema against the table and prepares the reading of
// batches of that schema. It reports the first problem in field order:
//
//   - a field that is not a column: no such column 'c' in table 't';
//   - a column given twice: duplicate column 'c' in the batch;
//   - a type mismatch: column 'c' is float64 in the batch but float32 in
//     table 't';
//   - no key column: key column 'k' of table 't' is missing from the batch.
//
// Without cast, types must be the column's, except for these
// representations of the same values: utf8, large_utf8 and string_view;
// binary, large_binary and binary_view; list and large_list; and list
// elements declared nullable or not. The key column is utf8 (or one of
// its variants).
//
// With cast, also accepted are: any integer or floating-point type for a
// numeric column, and as the elements of a list or fixed_size_list column;
// a fixed_size_list of the same size or a list for a fixed_size_list
// column (each value must then have the right length); a fixed_size_list
// for a list column; a timestamp of any unit, with or without a time zone,
// for a timestamp column (a zoned timestamp's value is a UTC instant, and
// that instant is stored); and a dictionary-encoded column whose values
// are acceptable for the column.
func (d *Decoder) Bind(as *arrow.Schema) error { return d.bind(as, false) }

// bind is Bind; fromParquet also accepts what Parquet cannot represent
// (see BindParquet).
func (d *Decoder) bind(as *arrow.Schema, fromParquet bool) error {
	d.bound = nil // until this bind succeeds: the readers are being replaced
	if as == nil {
		return errors.New("batch has no schema")
	}
	fields := as.Fields()
	readers := d.readers[:0]
	keyPos := -1
	seen := make(map[string]struct{}, len(fields))
	for i, f := range fields {
		if _, dup := seen[f.Name]; dup {
			return fmt.Errorf("duplicate column '%s' in the batch", f.Name)
		}
		seen[f.Name] = struct{}{}
		col, ok := d.index[f.Name]
		if !ok {
			return fmt.Errorf("no such column '%s' in table '%s'", f.Name, d.table)
		}
		src := describeArrow(f.Type)
		if col == KeyIndex {
			if src.kind != KindUtf8 || src.dict {
				return d.mismatch(f, Scalar(KindUtf8))
			}
			keyPos = i
			d.key = colReader{field: i, col: KeyIndex, name: f.Name, src: src, want: Scalar(KindUtf8)}
			continue
		}
		want := d.schema.Columns[col].Type
		if !acceptable(want, src, d.cast) && !(fromParquet && parquetArtifact(want, src)) {
			return d.mismatch(f, want)
		}
		readers = append(readers, colReader{field: i, col: col, name: f.Name, src: src, want: want})
	}
	if keyPos < 0 {
		return fmt.Errorf("key column '%s' of table '%s' is missing from the batch", d.schema.Key, d.table)
	}
	for i := range readers {
		readers[i].plan()
	}
	d.key.plan()
	d.readers, d.keyPos, d.bound, d.rows, d.parquet = readers, keyPos, as, 0, fromParquet
	d.planRows()
	return nil
}

// planRows prepares the encoding of rows of the bound readers: their
// column order, and the header of a row in which every carried column
// has a value, which most rows share.
func (d *Decoder) planRows() {
	n := len(d.readers)
	d.full = n == len(d.schema.Columns) // Bind refused duplicates and strangers
	d.byCol = d.byCol[:0]
	for j := range d.readers {
		d.byCol = append(d.byCol, j)
	}
	slices.SortFunc(d.byCol, func(a, b int) int { return d.readers[a].col - d.readers[b].col })
	d.vals = slices.Grow(d.vals[:0], n)[:n]
	d.has = slices.Grow(d.has[:0], n)[:n]
	for j := range d.has {
		d.has[j] = true
	}
	d.header = d.appendHeader(d.header[:0])
}

// appendHeader appends the header of the current row (d.has): the row
// format's version, present set and, for a partial row, cleared set, as
// RowBuilder.Append (full rows) and AppendUpdate (partial) write them.
func (d *Decoder) appendHeader(dst []byte) []byte {
	present, cleared := newStats(), newStats()
	for _, j := range d.byCol {
		if d.has[j] {
			present.add(d.readers[j].col)
		} else {
			cleared.add(d.readers[j].col)
		}
	}
	var flags uint64
	if !d.full {
		flags = setPartial
	}
	dst = append(dst, rowVersion)
	dst, w := beginSet(dst, present, flags)
	for _, j := range d.byCol {
		if d.has[j] {
			dst = w.add(dst, d.readers[j].col)
		}
	}
	if !d.full {
		dst, w = beginSet(dst, cleared, 0)
		for _, j := range d.byCol {
			if !d.has[j] {
				dst = w.add(dst, d.readers[j].col)
			}
		}
	}
	return dst
}

// mismatch is the error for a field whose type the column does not accept.
func (d *Decoder) mismatch(f arrow.Field, want Type) error {
	name := f.Type.String()
	if t, err := TypeFromArrow(f.Type); err == nil {
		name = t.String()
	}
	err := fmt.Errorf("column '%s' is %s in the batch but %s in table '%s'", f.Name, name, want, d.table)
	if ts, ok := f.Type.(*arrow.TimestampType); ok && ts.TimeZone != "" && want.Kind == KindTimestamp && !d.cast {
		err = fmt.Errorf("%w (time zones are not stored; with CAST the UTC instant is)", err)
	}
	return err
}

// Record appends to u one partial-row update per row of rec, binding rec's
// schema first (as the last Bind or BindParquet did) if it is not the one
// last bound. Errors name the column and the row, counted from the start
// of the stream (the last Bind): a null key
// ("null key in row 7"), a value CAST cannot convert ("column 'c' row 3:
// value 300 out of range for int8"), a null list element, a list of the
// wrong length for a fixed_size_list column. On error u is left as it was.
//
// Record relies on nothing but rec's buffers being what their lengths say:
// offsets, indexes and sizes are checked as they are read, so a corrupt
// batch gives an error, not a panic or an out-of-bounds read.
func (d *Decoder) Record(rec arrow.RecordBatch, u *Updates) (err error) {
	if s := rec.Schema(); d.bound == nil || (s != d.bound && !s.Equal(d.bound)) {
		if err := d.bind(s, d.parquet); err != nil {
			return err
		}
	}
	n64 := rec.NumRows()
	if n64 < 0 || rec.NumCols() != int64(d.bound.NumFields()) {
		return fmt.Errorf("malformed batch: %d rows, %d columns", n64, rec.NumCols())
	}
	n := int(n64)
	if err := d.key.setup(rec.Column(d.keyPos), n); err != nil {
		return err
	}
	for i := range d.readers {
		c := &d.readers[i]
		if err := c.setup(rec.Column(c.field), n); err != nil {
			return err
		}
	}
	start := u.Len()
	defer func() {
		if err != nil {
			u.Truncate(start)
		}
	}()
	d.grow(u, n)
	if d.plainBatch() {
		return d.plainRows(u, n)
	}
	l := d.layout
	for i := range n {
		if d.key.isNull(i) {
			return fmt.Errorf("null key in row %d", d.rows+i)
		}
		key, _, err := d.key.value(i)
		if err != nil {
			return fmt.Errorf("column '%s' row %d: %w", d.key.name, d.rows+i, err)
		}
		// Read the row's values (errors in field order), then write the
		// row: header, then the values in column order.
		nulls := 0
		for j := range d.readers {
			c := &d.readers[j]
			switch {
			case c.isNull(i):
				d.has[j] = false
			case c.mode == rmFixed: // the hot path, inlined
				d.vals[j], d.has[j] = c.vals[i*c.w:(i+1)*c.w], true
			default:
				if d.vals[j], d.has[j], err = c.value(i); err != nil {
					return fmt.Errorf("column '%s' row %d: %w", c.name, d.rows+i, err)
				}
			}
			if !d.has[j] {
				nulls++
			}
		}
		buf := append(u.buf, key...)
		if nulls == 0 {
			buf = append(buf, d.header...)
		} else {
			buf = d.appendHeader(buf)
		}
		for _, j := range d.byCol {
			if !d.has[j] {
				continue
			}
			v := d.vals[j]
			if l.width[d.readers[j].col] == 0 {
				buf = binary.AppendUvarint(buf, uint64(len(v)))
			}
			buf = append(buf, v...)
		}
		if nulls > 0 {
			for j := range d.has {
				d.has[j] = true
			}
		}
		if err := d.endRow(u, buf, len(key), i); err != nil {
			return err
		}
	}
	d.rows += n
	return nil
}

// endRow records the update of batch row i, whose key of keyLen bytes
// and row end buf, in u.
func (d *Decoder) endRow(u *Updates, buf []byte, keyLen, i int) error {
	u.buf = buf
	u.keys = append(u.keys, keyLen)
	u.ends = append(u.ends, len(buf))
	if d.MaxBytes > 0 && len(buf) > d.MaxBytes {
		return fmt.Errorf("%w: the updates of this write exceed %d bytes (at row %d)", ErrTooLarge, d.MaxBytes, d.rows+i)
	}
	return nil
}

// plainBatch reports whether the batch Record has set up is the common
// case plainRows handles: utf8 keys, fixed-width values of the columns'
// own types, and no nulls.
func (d *Decoder) plainBatch() bool {
	if d.key.mode != rmBytes32 || d.key.nulls != nil {
		return false
	}
	for j := range d.readers {
		if c := &d.readers[j]; c.mode != rmFixed || c.nulls != nil {
			return false
		}
	}
	return true
}

// plainRows is the rest of Record for a plainBatch: every row has the
// same header, then its values copied from the batch's buffers.
func (d *Decoder) plainRows(u *Updates, n int) error {
	k := &d.key
	buf := u.buf
	for i := range n {
		key, _, err := checkedSlice(k.data, int64(k.off32[i]), int64(k.off32[i+1]))
		if err != nil {
			return fmt.Errorf("column '%s' row %d: %w", k.name, d.rows+i, err)
		}
		buf = append(buf, key...)
		buf = append(buf, d.header...)
		for _, j := range d.byCol {
			c := &d.readers[j]
			buf = append(buf, c.vals[i*c.w:(i+1)*c.w]...)
		}
		if err := d.endRow(u, buf, len(key), i); err != nil {
			return err
		}
	}
	d.rows += n
	return nil
}

// grow makes room in u for the n rows of the batch Record has set up, as
// far as their size can be told from the buffers: the keys' bytes, the
// header and fixed-width values of rows without nulls, the bytes of
// variable-width values. At the first batch of a stream whose batches
// claim more rows (expect), it makes room for those too, at this batch's
// average size and some. So a stream fills one allocation rather than
// growing its Updates by copying. The room asked for stays within
// MaxBytes.
func (d *Decoder) grow(u *Updates, n int) {
	if n == 0 {
		return
	}
	size := int64(d.key.span(n))
	perRow := int64(len(d.header))
	for j := range d.readers {
		c := &d.readers[j]
		if w := int64(d.layout.width[c.col]); w > 0 {
			perRow += w
		} else {
			size += int64(c.span(n)) + 1
		}
	}
	size += perRow * int64(n)
	rows := int64(n)
	if left := d.expect - rows; left > 0 && d.rows == 0 {
		avg := max(1, size/rows+size/rows/8) // later keys tend to be longer
		more := min(left, d.expectBytes/avg, d.expectBytes/16)
		rows += more
		size += more * avg
	}
	if d.MaxBytes > 0 {
		size = min(size, int64(d.MaxBytes-u.Bytes()+1))
	}
	u.Grow(int(rows), int(max(0, min(size, math.MaxInt32))))
}

// span returns the bytes of the values of the first n rows of a utf8 or
// binary column with offsets, as the offsets tell them (0 if they make no
// sense, or for other columns).
func (c *colReader) span(n int) int {
	var s int64
	switch c.mode {
	case rmBytes32:
		if len(c.off32) > n {
			s = int64(c.off32[n]) - int64(c.off32[0])
		}
	case rmBytes64:
		if len(c.off64) > n {
			s = c.off64[n] - c.off64[0]
		}
	}
	if s < 0 || s > int64(len(c.data)) {
		return 0
	}
	return int(s)
}

// srcType is a batch column's Arrow type in the terms of column types:
// the logical type (kind, unit, elem, n), how it is laid out (phys), and
// whether it is dictionary-encoded (then the other fields describe the
// dictionary's values). kind is KindInvalid for Arrow types that hold no
// column type's values.
type srcType struct {
	kind  Kind
	unit  TimeUnit
	zoned bool
	elem  Kind
	n     int32
	phys  arrow.Type // layout of the (dictionary's) values: STRING, LARGE_STRING, LIST, ...
	dict  bool
	idx   Kind // dictionary index type
}

func describeArrow(dt arrow.DataType) srcType {
	if dt == nil {
		return srcType{}
	}
	s := srcType{phys: dt.ID()}
	listOf := func(k Kind, elem arrow.DataType) {
		if elem == nil {
			return
		}
		if e := kindFromArrowID(elem.ID()); e.Numeric() {
			s.kind, s.elem = k, e
		}
	}
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		if t.IndexType == nil {
			return srcType{}
		}
		v := describeArrow(t.ValueType)
		idx := kindFromArrowID(t.IndexType.ID())
		if v.dict || idx < KindInt8 || idx > KindUint64 {
			return srcType{}
		}
		v.dict, v.idx = true, idx
		return v
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		s.kind = KindUtf8
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		s.kind = KindBinary
	case *arrow.TimestampType:
		if t.Unit <= arrow.Nanosecond {
			s.kind, s.unit, s.zoned = KindTimestamp, TimeUnit(t.Unit), t.TimeZone != ""
		}
	case *arrow.ListType:
		listOf(KindList, t.Elem())
	case *arrow.LargeListType:
		listOf(KindList, t.Elem())
	case *arrow.FixedSizeListType:
		if t.Len() >= 1 && t.Len() <= MaxFixedSizeListLen {
			listOf(KindFixedSizeList, t.Elem())
			s.n = t.Len()
		}
	default:
		s.kind = kindFromArrowID(dt.ID())
	}
	return s
}

// logical is the column type holding s's values without conversion.
func (s srcType) logical() Type {
	return Type{Kind: s.kind, Unit: s.unit, Elem: s.elem, N: s.n}
}

// acceptable reports whether a column of type want takes values of s.
func acceptable(want Type, s srcType, cast bool) bool {
	if s.kind == KindInvalid {
		return false
	}
	if !cast {
		return !s.dict && !s.zoned && s.logical() == want
	}
	switch {
	case want.Kind.Numeric():
		return s.kind.Numeric()
	case want.Kind == KindList:
		return s.kind == KindList || s.kind == KindFixedSizeList
	case want.Kind == KindFixedSizeList:
		return s.kind == KindList || (s.kind == KindFixedSizeList && s.n == want.N)
	}
	return s.kind == want.Kind // timestamp (any unit or zone), bool, utf8, binary, date32
}

// readMode is how a colReader produces a value.
type readMode uint8

const (
	rmFixed   readMode = iota // fixed width, no conversion: slice the value buffer
	rmBool                    // bitmap to one byte
	rmNum                     // numeric conversion (CAST)
	rmTime                    // timestamp unit conversion (CAST)
	rmBytes32                 // utf8/binary with int32 offsets
	rmBytes64                 // large_utf8/large_binary
	rmView                    // string_view/binary_view
	rmList32                  // list → list or fixed_size_list
	rmList64                  // large_list → list or fixed_size_list
	rmFSL                     // fixed_size_list → fixed_size_list or list
	rmDict                    // dictionary-encoded (CAST): index, then the values' reader
)

// colReader reads one batch column's values in their stored form (see
// rowcodec.go). Bind plans it (plan); Record points it at each batch's
// buffers (setup), checking their sizes, and then reads row after row.
type colReader struct {
	field int    // position in the batch
	col   int    // table column index, KeyIndex for the key
	name  string // for errors
	src   srcType
	want  Type
	mode  readMode

	nulls []byte // validity bitmap, nil if no value is null
	noff  int    // bit offset of row 0 in nulls

	vals   []byte // fixed width: row i is vals[i*w:(i+1)*w]; rmBool: bitmap; rmDict: indices
	aoff   int    // rmBool, rmFSL: the array's offset (of row 0)
	w      int    // byte width of a source value (of an index for rmDict)
	from   Kind   // rmNum: source kind; rmDict: index kind
	to     Kind   // rmNum: column kind
	mul    int64  // rmTime: multiply by (finer unit) ...
	div    int64  // ... or divide by (coarser unit)
	off32  []int32
	off64  []int64
	data   []byte // rmBytes32/64: the value bytes
	views  []arrow.ViewHeader
	bufs   [][]byte // rmView: the variadic data buffers
	elem   elemReader
	fslN   int // rmFSL: the source's list size
	wantN  int // list size a fixed_size_list column needs, 0 for a list column
	dict   *colReader
	dictN  int    // rmDict: dictionary length
	childN int    // list modes: number of child elements
	buf    []byte // conversion output, reused
}

// elemReader reads the numeric elements of a list column's child array.
type elemReader struct {
	vals     []byte // element k is vals[k*w:(k+1)*w]
	nulls    []byte
	noff     int
	w        int
	from, to Kind
}

func (c *colReader) isNull(i int) bool {
	return c.nulls != nil && c.nulls[(c.noff+i)>>3]&(1<<((c.noff+i)&7)) == 0
}

// plan picks the read mode for c.src → c.want, which Bind has accepted.
func (c *colReader) plan() {
	s, want := c.src, c.want
	c.mode, c.wantN, c.mul, c.div, c.dict = rmFixed, 0, 0, 0, nil
	if s.dict {
		vs := s
		vs.dict = false
		c.dict = &colReader{field: c.field, col: c.col, name: c.name, src: vs, want: want}
		c.dict.plan()
		c.mode, c.w, c.from = rmDict, s.idx.width(), s.idx
		return
	}
	switch want.Kind {
	case KindBool:
		c.mode = rmBool
	case KindUtf8, KindBinary:
		switch s.phys {
		case arrow.STRING, arrow.BINARY:
			c.mode = rmBytes32
		case arrow.LARGE_STRING, arrow.LARGE_BINARY:
			c.mode = rmBytes64
		default:
			c.mode = rmView
		}
	case KindList, KindFixedSizeList:
		switch s.phys {
		case arrow.LIST:
			c.mode = rmList32
		case arrow.LARGE_LIST:
			c.mode = rmList64
		default:
			c.mode, c.fslN = rmFSL, int(s.n)
		}
		c.elem = elemReader{w: s.elem.width(), from: s.elem, to: want.Elem}
		if want.Kind == KindFixedSizeList {
			c.wantN = int(want.N)
		}
	case KindTimestamp:
		c.w = 8
		for u := s.unit; u < want.Unit; u++ {
			c.mode, c.mul = rmTime, max(c.mul, 1)*1000
		}
		for u := want.Unit; u < s.unit; u++ {
			c.mode, c.div = rmTime, max(c.div, 1)*1000
		}
	default: // numeric, date32
		c.w = s.kind.width()
		if s.kind != want.Kind {
			c.mode, c.from, c.to = rmNum, s.kind, want.Kind
		}
	}
}

// arrowBuf returns buffer i of data, or nil.
func arrowBuf(data arrow.ArrayData, i int) []byte {
	if bs := data.Buffers(); i < len(bs) && bs[i] != nil {
		return bs[i].Bytes()
	}
	return nil
}

// fixedSlice returns the bytes of values [off, off+n) of width w in b.
func fixedSlice(b []byte, off, n, w int) ([]byte, error) {
	if off < 0 || n < 0 || off > len(b)/w || n > len(b)/w-off {
		return nil, fmt.Errorf("arrowBuf of %d bytes too short for %d values of %d bytes at offset %d", len(b), n, w, off)
	}
	return b[off*w : (off+n)*w], nil
}

// validityBits returns data's validity bitmap for n rows, nil if none is null.
func validityBits(data arrow.ArrayData, n int) ([]byte, int, error) {
	if data.NullN() == 0 {
		return nil, 0, nil
	}
	b, off := arrowBuf(data, 0), data.Offset()
	if b == nil {
		return nil, 0, nil // no bitmap: all valid, as Arrow reads it
	}
	if off < 0 || off > len(b)*8 || n > len(b)*8-off {
		return nil, 0, fmt.Errorf("validity validityBits of %d bytes too short for %d values at offset %d", len(b), n, off)
	}
	return b, off, nil
}

// offsets32 returns the n+1 offsets of rows [off, off+n].
func offsets32(data arrow.ArrayData, n int) ([]int32, error) {
	b, err := fixedSlice(arrowBuf(data, 1), data.Offset(), n+1, 4)
	if err != nil {
		return nil, fmt.Errorf("offsets: %w", err)
	}
	return arrow.Int32Traits.CastFromBytes(b), nil
}

func offsets64(data arrow.ArrayData, n int) ([]int64, error) {
	b, err := fixedSlice(arrowBuf(data, 1), data.Offset(), n+1, 8)
	if err != nil {
		return nil, fmt.Errorf("offsets: %w", err)
	}
	return arrow.Int64Traits.CastFromBytes(b), nil
}

// setup points c at arr's buffers for reading n rows.
func (c *colReader) setup(arr arrow.Array, n int) error {
	if arr == nil {
		return fmt.Errorf("column '%s': missing array", c.name)
	}
	if err := c.setupData(arr.Data(), n); err != nil {
		return fmt.Errorf("column '%s': malformed array: %w", c.name, err)
	}
	return nil
}

func (c *colReader) setupData(data arrow.ArrayData, n int) (err error) {
	wantID := c.src.phys
	if c.mode == rmDict {
		wantID = arrow.DICTIONARY
	}
	if dt := data.DataType(); dt == nil || dt.ID() != wantID {
		return fmt.Errorf("array of type %v, not of the schema's", dt)
	}
	if data.Len() < n {
		return fmt.Errorf("%d values for %d rows", data.Len(), n)
	}
	off := data.Offset()
	if off < 0 {
		return fmt.Errorf("negative offset %d", off)
	}
	if c.nulls, c.noff, err = validityBits(data, n); err != nil || n == 0 {
		return err
	}
	switch c.mode {
	case rmFixed, rmNum, rmTime:
		c.vals, err = fixedSlice(arrowBuf(data, 1), off, n, c.w)
	case rmDict:
		if c.vals, err = fixedSlice(arrowBuf(data, 1), off, n, c.w); err != nil {
			return err
		}
		dd := data.Dictionary()
		if dd == nil {
			return errors.New("dictionary array without a dictionary")
		}
		c.dictN = dd.Len()
		err = c.dict.setupData(dd, dd.Len())
	case rmBool:
		b := arrowBuf(data, 1)
		if off > len(b)*8 || n > len(b)*8-off {
			return fmt.Errorf("validityBits of %d bytes too short for %d values at offset %d", len(b), n, off)
		}
		c.vals, c.aoff = b, off
	case rmBytes32:
		c.off32, err = offsets32(data, n)
		c.data = arrowBuf(data, 2)
	case rmBytes64:
		c.off64, err = offsets64(data, n)
		c.data = arrowBuf(data, 2)
	case rmView:
		var b []byte
		if b, err = fixedSlice(arrowBuf(data, 1), off, n, arrow.ViewHeaderSizeBytes); err != nil {
			return err
		}
		c.views = arrow.ViewHeaderTraits.CastFromBytes(b)
		c.bufs = c.bufs[:0]
		for _, buf := range data.Buffers()[min(2, len(data.Buffers())):] {
			var bb []byte
			if buf != nil {
				bb = buf.Bytes()
			}
			c.bufs = append(c.bufs, bb)
		}
	case rmList32, rmList64, rmFSL:
		if c.mode == rmList32 {
			c.off32, err = offsets32(data, n)
		} else if c.mode == rmList64 {
			c.off64, err = offsets64(data, n)
		} else if t, ok := data.DataType().(*arrow.FixedSizeListType); !ok || int(t.Len()) != c.fslN {
			err = fmt.Errorf("array of type %v, not of the schema's", data.DataType())
		}
		if err != nil {
			return err
		}
		ch := data.Children()
		if len(ch) != 1 || ch[0] == nil {
			return errors.New("list array without its values")
		}
		c.childN = ch[0].Len()
		if c.mode == rmFSL && (off > c.childN/c.fslN || n > c.childN/c.fslN-off) {
			return fmt.Errorf("%d list values for %d lists of %d at offset %d", c.childN, n, c.fslN, off)
		}
		c.aoff = off
		err = c.elem.setup(ch[0], c.src.elem)
	}
	return err
}

func (e *elemReader) setup(data arrow.ArrayData, elem Kind) (err error) {
	if dt := data.DataType(); dt == nil || kindFromArrowID(dt.ID()) != elem {
		return fmt.Errorf("list values of type %v, not of the schema's", dt)
	}
	n, off := data.Len(), data.Offset()
	if n < 0 || off < 0 {
		return fmt.Errorf("list values: bad length %d or offset %d", n, off)
	}
	if e.nulls, e.noff, err = validityBits(data, n); err != nil {
		return fmt.Errorf("list values: %w", err)
	}
	if n == 0 {
		e.vals = nil
		return nil
	}
	if e.vals, err = fixedSlice(arrowBuf(data, 1), off, n, e.w); err != nil {
		return fmt.Errorf("list values: %w", err)
	}
	return nil
}

// value returns row i's value in stored form (aliasing the batch or c's
// conversion buffer, valid until the next call) and ok=false if the value
// is null. It does not check c's own validity bitmap: callers do, first.
func (c *colReader) value(i int) (v []byte, ok bool, err error) {
	switch c.mode {
	case rmFixed:
		return c.vals[i*c.w : (i+1)*c.w], true, nil
	case rmBool:
		j := c.aoff + i
		bit := c.vals[j>>3] >> (j & 7) & 1
		return boolBytes[bit : bit+1 : bit+1], true, nil
	case rmNum:
		c.buf, err = convertNum(c.buf[:0], c.to, c.from, c.vals[i*c.w:(i+1)*c.w])
		return c.buf, err == nil, err
	case rmTime:
		return c.timeValue(i)
	case rmBytes32:
		return checkedSlice(c.data, int64(c.off32[i]), int64(c.off32[i+1]))
	case rmBytes64:
		return checkedSlice(c.data, c.off64[i], c.off64[i+1])
	case rmView:
		return c.viewValue(i)
	case rmList32:
		return c.listValue(int64(c.off32[i]), int64(c.off32[i+1]))
	case rmList64:
		return c.listValue(c.off64[i], c.off64[i+1])
	case rmFSL:
		s := int64(c.aoff+i) * int64(c.fslN)
		return c.listValue(s, s+int64(c.fslN))
	case rmDict:
		return c.dictValue(i)
	}
	return nil, false, fmt.Errorf("unknown read mode %d", c.mode)
}

// boolBytes holds the stored forms of false and true.
var boolBytes = []byte{0, 1}

func checkedSlice(b []byte, s, e int64) ([]byte, bool, error) {
	if s < 0 || e < s || e > int64(len(b)) {
		return nil, false, fmt.Errorf("malformed offsets [%d, %d) for %d bytes of values", s, e, len(b))
	}
	return b[s:e:e], true, nil
}

func (c *colReader) viewValue(i int) ([]byte, bool, error) {
	h := &c.views[i]
	size := h.Len()
	if size < 0 {
		return nil, false, fmt.Errorf("malformed view of %d bytes", size)
	}
	if h.IsInline() {
		return h.InlineBytes(), true, nil
	}
	bi, off := int(h.BufferIndex()), int64(h.BufferOffset())
	if bi < 0 || bi >= len(c.bufs) {
		return nil, false, fmt.Errorf("malformed view: arrowBuf %d of %d", bi, len(c.bufs))
	}
	return checkedSlice(c.bufs[bi], off, off+int64(size))
}

func (c *colReader) timeValue(i int) ([]byte, bool, error) {
	v := int64(binary.LittleEndian.Uint64(c.vals[i*8:]))
	if c.mul > 1 {
		if v > math.MaxInt64/c.mul || v < math.MinInt64/c.mul {
			return nil, false, fmt.Errorf("value %d out of range for %s", v, c.want)
		}
		v *= c.mul
	} else if c.div > 1 {
		if v%c.div != 0 {
			return nil, false, fmt.Errorf("value %d (%s) would lose precision as %s", v, c.src.logical(), c.want)
		}
		v /= c.div
	}
	c.buf = binary.LittleEndian.AppendUint64(c.buf[:0], uint64(v))
	return c.buf, true, nil
}

// listValue returns the list of child elements [s, e).
func (c *colReader) listValue(s, e int64) ([]byte, bool, error) {
	if s < 0 || e < s || e > int64(c.childN) {
		return nil, false, fmt.Errorf("malformed list offsets [%d, %d) for %d values", s, e, c.childN)
	}
	if c.wantN > 0 && e-s != int64(c.wantN) {
		return nil, false, fmt.Errorf("list of %d values for %s", e-s, c.want)
	}
	el := &c.elem
	if el.nulls != nil {
		for k := s; k < e; k++ {
			if j := int64(el.noff) + k; el.nulls[j>>3]&(1<<(j&7)) == 0 {
				return nil, false, fmt.Errorf("list element %d is null", k-s)
			}
		}
	}
	w := int64(el.w)
	if el.from == el.to {
		return el.vals[s*w : e*w : e*w], true, nil
	}
	c.buf = c.buf[:0]
	for k := s; k < e; k++ {
		var err error
		if c.buf, err = convertNum(c.buf, el.to, el.from, el.vals[k*w:(k+1)*w]); err != nil {
			return nil, false, fmt.Errorf("list element %d: %w", k-s, err)
		}
	}
	return c.buf, true, nil
}

func (c *colReader) dictValue(i int) ([]byte, bool, error) {
	b := c.vals[i*c.w : (i+1)*c.w]
	var j int64
	switch c.from {
	case KindInt8:
		j = int64(int8(b[0]))
	case KindUint8:
		j = int64(b[0])
	case KindInt16:
		j = int64(int16(binary.LittleEndian.Uint16(b)))
	case KindUint16:
		j = int64(binary.LittleEndian.Uint16(b))
	case KindInt32:
		j = int64(int32(binary.LittleEndian.Uint32(b)))
	case KindUint32:
		j = int64(binary.LittleEndian.Uint32(b))
	default: // 64-bit: an index beyond MaxInt64 reads as negative: out of range
		j = int64(binary.LittleEndian.Uint64(b))
	}
	if j < 0 || j >= int64(c.dictN) {
		return nil, false, fmt.Errorf("dictionary index %d out of range [0, %d)", j, c.dictN)
	}
	if c.dict.isNull(int(j)) {
		return nil, false, nil
	}
	return c.dict.value(int(j))
}

// Numeric conversion (CAST). Integers convert exactly or fail; floats
// convert to integers only when integral and in range; float64 to float32
// or float16 fails beyond the target's finite range (NaN and infinities
// convert to themselves); integers convert to floats with rounding.

func outOfRange(v string, to Kind) error {
	return fmt.Errorf("value %s out of range for %s", v, to)
}

// convertNum appends the value b of kind from, converted to kind to.
func convertNum(dst []byte, to, from Kind, b []byte) ([]byte, error) {
	le := binary.LittleEndian
	switch from {
	case KindInt8:
		return storeInt(dst, to, int64(int8(b[0])))
	case KindInt16:
		return storeInt(dst, to, int64(int16(le.Uint16(b))))
	case KindInt32:
		return storeInt(dst, to, int64(int32(le.Uint32(b))))
	case KindInt64:
		return storeInt(dst, to, int64(le.Uint64(b)))
	case KindUint8:
		return storeUint(dst, to, uint64(b[0]))
	case KindUint16:
		return storeUint(dst, to, uint64(le.Uint16(b)))
	case KindUint32:
		return storeUint(dst, to, uint64(le.Uint32(b)))
	case KindUint64:
		return storeUint(dst, to, le.Uint64(b))
	case KindFloat16:
		return storeFloat(dst, to, float64(float16ToFloat32(le.Uint16(b))), 32)
	case KindFloat32:
		return storeFloat(dst, to, float64(math.Float32frombits(le.Uint32(b))), 32)
	case KindFloat64:
		return storeFloat(dst, to, math.Float64frombits(le.Uint64(b)), 64)
	}
	return dst, fmt.Errorf("cannot convert %s to %s", from, to)
}

// intLimits returns the range of integer kind k.
func intLimits(k Kind) (lo int64, hi uint64) {
	switch k {
	case KindInt8:
		return math.MinInt8, math.MaxInt8
	case KindInt16:
		return math.MinInt16, math.MaxInt16
	case KindInt32:
		return math.MinInt32, math.MaxInt32
	case KindInt64:
		return math.MinInt64, math.MaxInt64
	case KindUint8:
		return 0, math.MaxUint8
	case KindUint16:
		return 0, math.MaxUint16
	case KindUint32:
		return 0, math.MaxUint32
	}
	return 0, math.MaxUint64
}

func floatKind(k Kind) bool { return k == KindFloat16 || k == KindFloat32 || k == KindFloat64 }

// appendIntLE appends the low bytes of v, as wide as kind k.
func appendIntLE(dst []byte, k Kind, v uint64) []byte {
	switch k.width() {
	case 1:
		return append(dst, byte(v))
	case 2:
		return binary.LittleEndian.AppendUint16(dst, uint16(v))
	case 4:
		return binary.LittleEndian.AppendUint32(dst, uint32(v))
	}
	return binary.LittleEndian.AppendUint64(dst, v)
}

func storeInt(dst []byte, to Kind, v int64) ([]byte, error) {
	if floatKind(to) {
		return storeFloat(dst, to, float64(v), 0)
	}
	lo, hi := intLimits(to)
	if v < lo || (v > 0 && uint64(v) > hi) {
		return dst, outOfRange(strconv.FormatInt(v, 10), to)
	}
	return appendIntLE(dst, to, uint64(v)), nil
}

func storeUint(dst []byte, to Kind, v uint64) ([]byte, error) {
	if floatKind(to) {
		if to == KindFloat16 && v > maxHalf {
			return dst, outOfRange(strconv.FormatUint(v, 10), to)
		}
		return storeFloat(dst, to, float64(v), 0)
	}
	if _, hi := intLimits(to); v > hi {
		return dst, outOfRange(strconv.FormatUint(v, 10), to)
	}
	return appendIntLE(dst, to, v), nil
}

const maxHalf = 65504

// storeFloat converts f; bits is the precision of the source for error
// messages (0: the source was an integer, f is exact or rounded from it).
func storeFloat(dst []byte, to Kind, f float64, bits int) ([]byte, error) {
	format := func() string {
		if bits == 0 {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	switch to {
	case KindFloat64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case KindFloat32:
		if math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) {
			return dst, outOfRange(format(), to)
		}
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
	case KindFloat16:
		if math.Abs(f) > maxHalf && !math.IsInf(f, 0) {
			return dst, outOfRange(format(), to)
		}
		return binary.LittleEndian.AppendUint16(dst, float64ToFloat16(f)), nil
	}
	if f != math.Trunc(f) { // NaN too
		return dst, fmt.Errorf("value %s is not an integer, cannot cast to %s", format(), to)
	}
	lo, hi := intLimits(to)
	// float64(lo) and float64(hi)+1 are powers of two (or zero): exact.
	if f < float64(lo) || f >= float64(hi)+1 {
		return dst, outOfRange(format(), to)
	}
	if lo < 0 {
		return appendIntLE(dst, to, uint64(int64(f))), nil
	}
	return appendIntLE(dst, to, uint64(f)), nil
}

// float16ToFloat32 converts IEEE half-precision bits exactly. (arrow-go's
// float16.Num gets subnormals wrong both ways and truncates instead of
// rounding, so conversions are done here.)
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch exp {
	case 0: // zero or subnormal: man × 2⁻²⁴, exact in float32
		return math.Float32frombits(math.Float32bits(float32(man)*(1.0/(1<<24))) | sign)
	case 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// float64ToFloat16 rounds f to the nearest half-precision value, ties to
// even; beyond the largest finite half it gives infinity.
func float64ToFloat16(f float64) uint16 {
	b := math.Float64bits(f)
	sign := uint16(b>>48) & 0x8000
	exp := int(b>>52) & 0x7ff
	man := b & (1<<52 - 1)
	if exp == 0x7ff {
		if man != 0 {
			return sign | 0x7e00 // NaN
		}
		return sign | 0x7c00
	}
	e := exp - 1023 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	m := man | 1<<52
	if e <= 0 {
		// Subnormal half: the value in units of 2⁻²⁴ is m × 2^(exp-1051).
		s := uint(1051 - exp)
		if exp == 0 || s > 53 {
			return sign // below half the smallest subnormal: ±0
		}
		return sign | uint16(roundShiftEven(m, s)) // 1024 is the smallest normal's encoding
	}
	q := roundShiftEven(m, 42) // 11 significant bits
	if q == 1<<11 {
		q >>= 1
		e++
		if e >= 0x1f {
			return sign | 0x7c00
		}
	}
	return sign | uint16(e)<<10 | uint16(q&0x3ff)
}

// roundShiftEven returns m >> s rounded to nearest, ties to even (1 ≤ s < 64).
func roundShiftEven(m uint64, s uint) uint64 {
	q, rem, half := m>>s, m&(1<<s-1), uint64(1)<<(s-1)
	if rem > half || (rem == half && q&1 == 1) {
		q++
	}
	return q
}
