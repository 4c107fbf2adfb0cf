package columnar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Test helpers of the ingest files are prefixed ing, to keep clear of
// other test files in the package.

// ingAllTypes is a table with a column of every type.
func ingAllTypes() *Schema {
	names := []string{
		"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
		"float16", "float32", "float64", "utf8", "binary", "date32",
		"timestamp[s]", "timestamp[ms]", "timestamp[us]", "timestamp[ns]",
		"list<float32>", "list<int64>", "list<uint8>", "fixed_size_list<float32,3>", "fixed_size_list<int16,1>",
	}
	s := &Schema{Key: "id"}
	for _, n := range names {
		typ, err := ParseType(n)
		if err != nil {
			panic(err)
		}
		s.Columns = append(s.Columns, Column{Name: "c_" + n, Type: typ})
	}
	return s
}

// ingRandValue returns a random stored value of t (never null). Floats
// are finite (Parquet's dictionary encoding merges NaN payloads).
func ingRandValue(r *rand.Rand, t Type) []byte {
	switch t.Kind {
	case KindUtf8:
		return []byte(strings.Repeat("é", r.IntN(4)) + strconv.Itoa(r.IntN(1000)))
	case KindBinary:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	case KindList, KindFixedSizeList:
		n := int(t.N)
		if t.Kind == KindList {
			n = r.IntN(5)
		}
		var b []byte
		for range n {
			b = append(b, ingRandValue(r, Scalar(t.Elem))...)
		}
		if b == nil {
			b = []byte{}
		}
		return b
	case KindBool:
		return []byte{byte(r.IntN(2))}
	case KindFloat16:
		return le16(uint16(r.IntN(0x7c00)) | uint16(r.IntN(2))<<15)
	case KindFloat32:
		return ingF32(float32(r.NormFloat64() * 1e3))
	case KindFloat64:
		return ingF64(r.NormFloat64() * 1e6)
	case KindTimestamp: // ±30 years in seconds, ±11 days in ns: convertible to other units
		return le64(uint64(r.Int64N(2e9) - 1e9))
	}
	w, _ := t.FixedWidth()
	b := make([]byte, w)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// ingArray builds an array of Arrow type dt from stored values (nil: null).
func ingArray(t testing.TB, dt arrow.DataType, vals [][]byte) arrow.Array {
	t.Helper()
	n := len(vals)
	var valid []byte
	nulls := 0
	for i, v := range vals {
		if v == nil {
			if valid == nil {
				valid = make([]byte, bitutil.BytesForBits(int64(n)))
				bitutil.SetBitsTo(valid, 0, int64(n), true)
			}
			bitutil.ClearBit(valid, i)
			nulls++
		}
	}
	bufs := func(rest ...[]byte) []*memory.Buffer {
		out := []*memory.Buffer{nil}
		if valid != nil {
			out[0] = memory.NewBufferBytes(valid)
		}
		for _, b := range rest {
			out = append(out, memory.NewBufferBytes(b))
		}
		return out
	}
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for i, v := range vals {
			if v != nil && v[0] == 1 {
				bitutil.SetBit(bits, i)
			}
		}
		return array.MakeFromData(array.NewData(dt, n, bufs(bits), nil, nulls, 0))
	case *arrow.StringType, *arrow.BinaryType:
		var offs, data []byte
		offs = binary.LittleEndian.AppendUint32(offs, 0)
		for _, v := range vals {
			data = append(data, v...)
			offs = binary.LittleEndian.AppendUint32(offs, uint32(len(data)))
		}
		return array.MakeFromData(array.NewData(dt, n, bufs(offs, data), nil, nulls, 0))
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		var offs, data []byte
		offs = binary.LittleEndian.AppendUint64(offs, 0)
		for _, v := range vals {
			data = append(data, v...)
			offs = binary.LittleEndian.AppendUint64(offs, uint64(len(data)))
		}
		return array.MakeFromData(array.NewData(dt, n, bufs(offs, data), nil, nulls, 0))
	case *arrow.StringViewType:
		b := array.NewStringViewBuilder(memory.DefaultAllocator)
		for _, v := range vals {
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(string(v))
			}
		}
		return b.NewArray()
	case *arrow.BinaryViewType:
		b := array.NewBinaryViewBuilder(memory.DefaultAllocator)
		for _, v := range vals {
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		return b.NewArray()
	case *arrow.ListType, *arrow.LargeListType:
		elem := dt.(arrow.ListLikeType).Elem()
		w := kindFromArrowID(elem.ID()).width()
		var offs, data []byte
		large := dt.ID() == arrow.LARGE_LIST
		appendOff := func(o int) {
			if large {
				offs = binary.LittleEndian.AppendUint64(offs, uint64(o))
			} else {
				offs = binary.LittleEndian.AppendUint32(offs, uint32(o))
			}
		}
		appendOff(0)
		for _, v := range vals {
			data = append(data, v...)
			appendOff(len(data) / w)
		}
		child := array.NewData(elem, len(data)/w, []*memory.Buffer{nil, memory.NewBufferBytes(data)}, nil, 0, 0)
		return array.MakeFromData(array.NewData(dt, n, bufs(offs), []arrow.ArrayData{child}, nulls, 0))
	case *arrow.FixedSizeListType:
		w := kindFromArrowID(dt.Elem().ID()).width() * int(dt.Len())
		var data []byte
		for _, v := range vals {
			if v == nil {
				v = make([]byte, w)
			}
			data = append(data, v...)
		}
		child := array.NewData(dt.Elem(), n*int(dt.Len()), []*memory.Buffer{nil, memory.NewBufferBytes(data)}, nil, 0, 0)
		return array.MakeFromData(array.NewData(dt, n, bufs(), []arrow.ArrayData{child}, nulls, 0))
	}
	// Fixed-width scalars.
	w := dt.(arrow.FixedWidthDataType).Bytes()
	data := make([]byte, 0, n*w)
	for _, v := range vals {
		if v == nil {
			v = make([]byte, w)
		}
		if len(v) != w {
			t.Fatalf("value %x for %s", v, dt)
		}
		data = append(data, v...)
	}
	return array.MakeFromData(array.NewData(dt, n, bufs(data), nil, nulls, 0))
}

// ingKeys returns the stored keys "k0".."k<n-1>".
func ingKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("k" + strconv.Itoa(i))
	}
	return keys
}

// ingRecord builds a record of fields with the given stored values.
func ingRecord(t testing.TB, fields []arrow.Field, cols ...[][]byte) arrow.RecordBatch {
	t.Helper()
	arrs := make([]arrow.Array, len(fields))
	for i, f := range fields {
		arrs[i] = ingArray(t, f.Type, cols[i])
	}
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n))
}

// ingCheckUpdates checks that u holds, from index from, one update per
// key with the given columns' values (values[j][i]: column cols[j], row
// i; nil: null), and that the other columns are left untouched: merged
// onto a row holding old values, they keep them. Updates are partial rows
// unless cols has every column; then they are full rows. Either way they
// are byte for byte what a RowBuilder makes of the same values.
func ingCheckUpdates(t *testing.T, s *Schema, u *Updates, from int, keys [][]byte, cols []int, values [][][]byte) {
	t.Helper()
	l, err := s.Layout()
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Len() - from; got != len(keys) {
		t.Fatalf("%d updates, want %d", got, len(keys))
	}
	// A stored row with a value in every column.
	r := rand.New(rand.NewPCG(1, 2))
	b := NewRowBuilder(l)
	old := make([][]byte, len(s.Columns))
	for c, col := range s.Columns {
		old[c] = ingRandValue(r, col.Type)
		if err := b.Set(c, old[c]); err != nil {
			t.Fatal(err)
		}
	}
	stored := b.Append(nil)
	full := len(cols) == len(s.Columns)
	for i, key := range keys {
		k, row := u.At(from + i)
		b.Reset()
		for j, c := range cols {
			if values[j][i] == nil {
				err = b.SetNull(c)
			} else {
				err = b.Set(c, values[j][i])
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		built := b.AppendUpdate(nil)
		if full {
			built = b.Append(nil)
		}
		if !bytes.Equal(row, built) {
			t.Fatalf("update %d: row %x, RowBuilder writes %x", i, row, built)
		}
		if !bytes.Equal(k, key) {
			t.Fatalf("update %d: key %q, want %q", i, k, key)
		}
		if err := l.Check(row); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if p, _ := l.IsPartial(row); p != (len(cols) < len(s.Columns)) {
			t.Fatalf("update %d: partial = %v with %d of %d columns", i, p, len(cols), len(s.Columns))
		}
		merged, err := l.Merge(nil, stored, row)
		if err != nil {
			t.Fatal(err)
		}
		want := append([][]byte(nil), old...)
		for j, c := range cols {
			want[c] = values[j][i]
		}
		for c := range s.Columns {
			got, ok, err := l.Value(merged, c)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (want[c] != nil) || !bytes.Equal(got, want[c]) {
				t.Fatalf("row %d (%q) column %s (%s): got %x (present %v), want %x (present %v)",
					i, key, s.Columns[c].Name, s.Columns[c].Type, got, ok, want[c], want[c] != nil)
			}
		}
	}
}

func ingDecoder(t testing.TB, s *Schema, cast bool) *Decoder {
	t.Helper()
	d, err := NewDecoder("t", s, cast)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ingRandColumn returns n random stored values of t, some null (but for
// fixed_size_list, which pqarrow cannot write null), with the first ones
// at the edges: empty strings and lists, zeros.
func ingRandColumn(r *rand.Rand, t Type, n int) [][]byte {
	vals := make([][]byte, n)
	for i := range vals {
		switch {
		case i == 0:
			w, ok := t.FixedWidth()
			if !ok {
				w = 0
			}
			vals[i] = make([]byte, w) // empty string or list, zero
		case r.IntN(4) == 0 && t.Kind != KindFixedSizeList:
			vals[i] = nil
		default:
			vals[i] = ingRandValue(r, t)
		}
	}
	return vals
}

// Every type round-trips, with nulls, empty values, partial columns and
// array offsets.
func TestDecodeEveryType(t *testing.T) {
	s := ingAllTypes()
	r := rand.New(rand.NewPCG(7, 7))
	const n = 50
	keys := ingKeys(n)
	fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}
	cols := [][][]byte{keys}
	var idx []int
	var values [][][]byte
	for c, col := range s.Columns {
		if c%5 == 3 {
			continue // left out: keeps its stored value
		}
		v := ingRandColumn(r, col.Type, n)
		fields = append(fields, arrow.Field{Name: col.Name, Type: col.Type.Arrow(), Nullable: true})
		cols = append(cols, v)
		idx = append(idx, c)
		values = append(values, v)
	}
	rec := ingRecord(t, fields, cols...)
	defer rec.Release()
	d := ingDecoder(t, s, false)
	var u Updates
	if err := d.Record(rec, &u); err != nil {
		t.Fatal(err)
	}
	ingCheckUpdates(t, s, &u, 0, keys, idx, values)

	// A slice: arrays with an offset (bitmaps not byte-aligned).
	sl := rec.NewSlice(3, 40)
	defer sl.Release()
	from := u.Len()
	if err := d.Record(sl, &u); err != nil {
		t.Fatal(err)
	}
	sub := make([][][]byte, len(values))
	for j := range values {
		sub[j] = values[j][3:40]
	}
	ingCheckUpdates(t, s, &u, from, keys[3:40], idx, sub)
}

// Same-logical-type variants need no CAST.
func TestDecodeVariants(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{
		{"s", Scalar(KindUtf8)}, {"b", Scalar(KindBinary)}, {"l", ListOf(KindFloat32)}, {"f", FixedSizeListOf(KindInt8, 2)},
	}}
	keyTypes := []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView}
	strTypes := []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView}
	binTypes := []arrow.DataType{arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary, arrow.BinaryTypes.BinaryView}
	listTypes := []arrow.DataType{
		arrow.ListOf(arrow.PrimitiveTypes.Float32), arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32),
		arrow.LargeListOf(arrow.PrimitiveTypes.Float32), arrow.LargeListOfNonNullable(arrow.PrimitiveTypes.Float32),
	}
	fslTypes := []arrow.DataType{arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int8), arrow.FixedSizeListOfNonNullable(2, arrow.PrimitiveTypes.Int8)}
	keys := [][]byte{[]byte("a"), {}, []byte("a long key that is not inlined in a view")}
	strs := [][]byte{[]byte("x"), nil, []byte("a string longer than twelve bytes")}
	bins := [][]byte{{0, 1}, {}, nil}
	lists := [][]byte{{}, nil, append(le32(math.Float32bits(1.5)), le32(math.Float32bits(-2))...)}
	fsls := [][]byte{{1, 2}, nil, {0xff, 0x80}}
	for i := range 3 {
		for j, lt := range listTypes {
			fields := []arrow.Field{
				{Name: "id", Type: keyTypes[i]}, {Name: "s", Type: strTypes[(i+1)%3]},
				{Name: "b", Type: binTypes[(i+2)%3]}, {Name: "l", Type: lt}, {Name: "f", Type: fslTypes[j%2]},
			}
			rec := ingRecord(t, fields, keys, strs, bins, lists, fsls)
			var u Updates
			if err := ingDecoder(t, s, false).Record(rec, &u); err != nil {
				t.Fatalf("%v: %v", rec.Schema(), err)
			}
			ingCheckUpdates(t, s, &u, 0, keys, []int{0, 1, 2, 3}, [][][]byte{strs, bins, lists, fsls})
			rec.Release()
		}
	}
}

func TestDecodeBindErrors(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{
		{"f", Scalar(KindFloat32)}, {"l", ListOf(KindFloat32)}, {"ts", Timestamp(Millisecond)}, {"i", Scalar(KindInt8)},
		{"fsl", FixedSizeListOf(KindFloat32, 4)}, {"s", Scalar(KindUtf8)},
	}}
	key := arrow.Field{Name: "id", Type: arrow.BinaryTypes.String}
	f := func(name string, dt arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: dt} }
	for _, tc := range []struct {
		fields []arrow.Field
		cast   bool
		want   string
	}{
		{[]arrow.Field{key, f("c", arrow.PrimitiveTypes.Float32)}, false, "no such column 'c' in table 't'"},
		{[]arrow.Field{key, f("f", arrow.PrimitiveTypes.Float32), f("f", arrow.PrimitiveTypes.Float32)}, false, "duplicate column 'f' in the batch"},
		{[]arrow.Field{key, key}, false, "duplicate column 'id' in the batch"},
		{[]arrow.Field{key, f("f", arrow.PrimitiveTypes.Float64)}, false, "column 'f' is float64 in the batch but float32 in table 't'"},
		{[]arrow.Field{key, f("l", arrow.ListOf(arrow.PrimitiveTypes.Float64))}, false, "column 'l' is list<float64> in the batch but list<float32> in table 't'"},
		{[]arrow.Field{key, f("ts", &arrow.TimestampType{Unit: arrow.Second})}, false, "column 'ts' is timestamp[s] in the batch but timestamp[ms] in table 't'"},
		{[]arrow.Field{key, f("ts", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"})}, false, "column 'ts' is timestamp[ms, tz=UTC] in the batch but timestamp[ms] in table 't' (time zones are not stored; with CAST the UTC instant is)"},
		{[]arrow.Field{key, f("f", arrow.BinaryTypes.LargeString)}, true, "column 'f' is large_utf8 in the batch but float32 in table 't'"},
		{[]arrow.Field{key, f("i", arrow.FixedWidthTypes.Boolean)}, true, "column 'i' is bool in the batch but int8 in table 't'"},
		{[]arrow.Field{key, f("fsl", arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float32))}, true, "column 'fsl' is fixed_size_list<float32,3> in the batch but fixed_size_list<float32,4> in table 't'"},
		{[]arrow.Field{key, f("fsl", arrow.ListOf(arrow.PrimitiveTypes.Float32))}, false, "column 'fsl' is list<float32> in the batch but fixed_size_list<float32,4> in table 't'"},
		{[]arrow.Field{key, f("s", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String})}, false, "column 's' is dictionary<values=utf8, indices=int8, ordered=false> in the batch but utf8 in table 't'"},
		{[]arrow.Field{key, f("s", arrow.BinaryTypes.Binary)}, true, "column 's' is binary in the batch but utf8 in table 't'"},
		{[]arrow.Field{f("id", arrow.PrimitiveTypes.Int64), f("f", arrow.PrimitiveTypes.Float32)}, false, "column 'id' is int64 in the batch but utf8 in table 't'"},
		{[]arrow.Field{f("id", arrow.BinaryTypes.Binary)}, true, "column 'id' is binary in the batch but utf8 in table 't'"},
		{[]arrow.Field{f("f", arrow.PrimitiveTypes.Float32)}, false, "key column 'id' of table 't' is missing from the batch"},
		{[]arrow.Field{}, false, "key column 'id' of table 't' is missing from the batch"},
		// First problem in field order.
		{[]arrow.Field{f("x", arrow.PrimitiveTypes.Float32), f("f", arrow.PrimitiveTypes.Float64)}, false, "no such column 'x' in table 't'"},
	} {
		err := ingDecoder(t, s, tc.cast).Bind(arrow.NewSchema(tc.fields, nil))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Bind(%v, cast=%v) = %v, want %q", tc.fields, tc.cast, err, tc.want)
		}
	}
	// Accepted: a subset, only the key, any field order.
	for _, fields := range [][]arrow.Field{{key}, {f("s", arrow.BinaryTypes.String), key}, {f("i", arrow.PrimitiveTypes.Int8), key, f("f", arrow.PrimitiveTypes.Float32)}} {
		if err := ingDecoder(t, s, false).Bind(arrow.NewSchema(fields, nil)); err != nil {
			t.Errorf("Bind(%v): %v", fields, err)
		}
	}
}

// ingDecodeOne decodes a one-column batch (plus key) of type dt into a
// table column of type want; it returns the stored values or the error.
func ingDecodeOne(t *testing.T, want Type, dt arrow.DataType, cast bool, vals [][]byte) ([][]byte, error) {
	t.Helper()
	s := &Schema{Key: "id", Columns: []Column{{"c", want}}}
	rec := ingRecord(t, []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "c", Type: dt}}, ingKeys(len(vals)), vals)
	defer rec.Release()
	var u Updates
	u.Add([]byte("before"), Row{1, 0, 0})
	err := ingDecoder(t, s, cast).Record(rec, &u)
	if err != nil {
		if u.Len() != 1 || u.Bytes() != len("before")+3 {
			t.Fatalf("failed Record left %d updates, %d bytes", u.Len(), u.Bytes())
		}
		return nil, err
	}
	l, _ := s.Layout()
	out := make([][]byte, len(vals))
	for i := range vals {
		_, row := u.At(1 + i)
		if err := l.Check(row); err != nil {
			t.Fatal(err)
		}
		v, ok, err := l.Value(row, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			out[i] = bytes.Clone(v)
		}
	}
	return out, nil
}

func ingF32(f float32) []byte { return le32(math.Float32bits(f)) }
func ingF64(f float64) []byte { return le64(math.Float64bits(f)) }

func TestDecodeCast(t *testing.T) {
	i8 := func(v int8) []byte { return []byte{byte(v)} }
	i16 := func(v int16) []byte { return le16(uint16(v)) }
	i64 := func(v int64) []byte { return le64(uint64(v)) }
	u64 := func(v uint64) []byte { return le64(v) }
	p := arrow.PrimitiveTypes
	// Not arrow.FixedWidthTypes.Timestamp_*: those are zoned (UTC).
	tsS, tsMS := &arrow.TimestampType{Unit: arrow.Second}, &arrow.TimestampType{Unit: arrow.Millisecond}
	for _, tc := range []struct {
		name string
		want Type
		dt   arrow.DataType
		in   [][]byte
		out  [][]byte // nil: error
		err  string
	}{
		{"int16→int8 edges", Scalar(KindInt8), p.Int16, [][]byte{i16(127), i16(-128), nil}, [][]byte{i8(127), i8(-128), nil}, ""},
		{"int16→int8 128", Scalar(KindInt8), p.Int16, [][]byte{i16(127), i16(128)}, nil, "column 'c' row 1: value 128 out of range for int8"},
		{"int16→int8 -129", Scalar(KindInt8), p.Int16, [][]byte{i16(-129)}, nil, "column 'c' row 0: value -129 out of range for int8"},
		{"uint64 max→int64", Scalar(KindInt64), p.Uint64, [][]byte{u64(math.MaxInt64), u64(math.MaxUint64)}, nil, "column 'c' row 1: value 18446744073709551615 out of range for int64"},
		{"uint64→int64", Scalar(KindInt64), p.Uint64, [][]byte{u64(math.MaxInt64)}, [][]byte{i64(math.MaxInt64)}, ""},
		{"int64→uint8 -1", Scalar(KindUint8), p.Int64, [][]byte{i64(-1)}, nil, "column 'c' row 0: value -1 out of range for uint8"},
		{"int64→uint64", Scalar(KindUint64), p.Int64, [][]byte{i64(math.MaxInt64), i64(0)}, [][]byte{u64(math.MaxInt64), u64(0)}, ""},
		{"float64→int32 1.5", Scalar(KindInt32), p.Float64, [][]byte{ingF64(2), ingF64(1.5)}, nil, "column 'c' row 1: value 1.5 is not an integer, cannot cast to int32"},
		{"float64→int32 NaN", Scalar(KindInt32), p.Float64, [][]byte{ingF64(math.NaN())}, nil, "column 'c' row 0: value NaN is not an integer, cannot cast to int32"},
		{"float64→int64 2^63", Scalar(KindInt64), p.Float64, [][]byte{ingF64(-1 << 63), ingF64(1 << 63)}, nil, "column 'c' row 1: value 9.223372036854776e+18 out of range for int64"},
		{"float32→int8", Scalar(KindInt8), p.Float32, [][]byte{ingF32(-128), ingF32(127), ingF32(-0.0)}, [][]byte{i8(-128), i8(127), i8(0)}, ""},
		{"float32→uint8 inf", Scalar(KindUint8), p.Float32, [][]byte{ingF32(float32(math.Inf(1)))}, nil, "column 'c' row 0: value +Inf out of range for uint8"},
		{"float32 1.1→int", Scalar(KindInt16), p.Float32, [][]byte{ingF32(1.1)}, nil, "column 'c' row 0: value 1.1 is not an integer, cannot cast to int16"},
		{"float64→float32", Scalar(KindFloat32), p.Float64, [][]byte{ingF64(0.5), ingF64(math.Inf(-1)), ingF64(math.MaxFloat32)}, [][]byte{ingF32(0.5), ingF32(float32(math.Inf(-1))), ingF32(math.MaxFloat32)}, ""},
		{"float64→float32 range", Scalar(KindFloat32), p.Float64, [][]byte{ingF64(1e39)}, nil, "column 'c' row 0: value 1e+39 out of range for float32"},
		{"int64→float64", Scalar(KindFloat64), p.Int64, [][]byte{i64(-3)}, [][]byte{ingF64(-3)}, ""},
		{"float64→float16", Scalar(KindFloat16), p.Float64, [][]byte{ingF64(1), ingF64(65504), ingF64(-0.1), ingF64(math.Ldexp(1, -24))}, [][]byte{le16(0x3c00), le16(0x7bff), le16(0xae66), le16(0x0001)}, ""},
		{"float64→float16 range", Scalar(KindFloat16), p.Float64, [][]byte{ingF64(65505)}, nil, "column 'c' row 0: value 65505 out of range for float16"},
		{"int32→float16 range", Scalar(KindFloat16), p.Int32, [][]byte{le32(70000)}, nil, "column 'c' row 0: value 70000 out of range for float16"},
		{"float16→float32", Scalar(KindFloat32), arrow.FixedWidthTypes.Float16, [][]byte{le16(0x3c00), le16(0x0001), le16(0xfc00)}, [][]byte{ingF32(1), ingF32(float32(math.Ldexp(1, -24))), ingF32(float32(math.Inf(-1)))}, ""},
		{"float16→int8", Scalar(KindInt8), arrow.FixedWidthTypes.Float16, [][]byte{le16(0xc000)}, [][]byte{i8(-2)}, ""},
		{"ts s→ms", Timestamp(Millisecond), tsS, [][]byte{i64(-2), i64(5)}, [][]byte{i64(-2000), i64(5000)}, ""},
		{"ts ms→s exact", Timestamp(Second), tsMS, [][]byte{i64(-3000)}, [][]byte{i64(-3)}, ""},
		{"ts ms→s lossy", Timestamp(Second), tsMS, [][]byte{i64(1500)}, nil, "column 'c' row 0: value 1500 (timestamp[ms]) would lose precision as timestamp[s]"},
		{"ts s→ns overflow", Timestamp(Nanosecond), tsS, [][]byte{i64(1 << 40)}, nil, "column 'c' row 0: value 1099511627776 out of range for timestamp[ns]"},
		{"ts zoned", Timestamp(Microsecond), &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, [][]byte{i64(7)}, [][]byte{i64(7)}, ""},
		{"list<int64>→list<int8>", ListOf(KindInt8), arrow.ListOf(p.Int64), [][]byte{append(i64(1), i64(-1)...), {}}, [][]byte{{1, 0xff}, {}}, ""},
		{"list element range", ListOf(KindInt8), arrow.ListOf(p.Int64), [][]byte{append(i64(1), i64(300)...)}, nil, "column 'c' row 0: list element 1: value 300 out of range for int8"},
		{"list→fsl", FixedSizeListOf(KindFloat32, 2), arrow.LargeListOf(p.Float64), [][]byte{append(ingF64(1), ingF64(2)...), nil}, [][]byte{append(ingF32(1), ingF32(2)...), nil}, ""},
		{"list→fsl length", FixedSizeListOf(KindFloat32, 2), arrow.ListOf(p.Float32), [][]byte{append(ingF32(1), ingF32(2)...), ingF32(1)}, nil, "column 'c' row 1: list of 1 values for fixed_size_list<float32,2>"},
		{"fsl→fsl", FixedSizeListOf(KindInt16, 2), arrow.FixedSizeListOf(2, p.Uint8), [][]byte{{1, 255}}, [][]byte{append(i16(1), i16(255)...)}, ""},
		{"fsl→list", ListOf(KindUint8), arrow.FixedSizeListOf(2, p.Uint8), [][]byte{{1, 255}, nil}, [][]byte{{1, 255}, nil}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ingDecodeOne(t, tc.want, tc.dt, true, tc.in)
			if tc.out == nil {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("got %v, want error %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if !bytes.Equal(got[i], tc.out[i]) || (got[i] == nil) != (tc.out[i] == nil) {
					t.Fatalf("row %d: got %x, want %x", i, got[i], tc.out[i])
				}
			}
			// Without CAST the same batch is refused.
			if _, err := ingDecodeOne(t, tc.want, tc.dt, false, tc.in); err == nil || !strings.Contains(err.Error(), "in the batch but") {
				t.Fatalf("without CAST: %v", err)
			}
		})
	}
}

func TestDecodeFloat16Rounding(t *testing.T) {
	// Every half converts to float32 and back to itself; halfway values
	// round to even.
	for h := range 1 << 16 {
		f := float16ToFloat32(uint16(h))
		if f != f {
			continue
		}
		if got := float64ToFloat16(float64(f)); got != uint16(h) {
			t.Fatalf("%#04x → %g → %#04x", h, f, got)
		}
	}
	for _, tc := range []struct {
		f    float64
		want uint16
	}{
		{1 + math.Ldexp(1, -11), 0x3c00},   // tie, rounds to even
		{1 + 3*math.Ldexp(1, -11), 0x3c02}, // tie, rounds to even (up)
		{65519, 0x7bff}, {65520, 0x7c00}, {math.Ldexp(1, -25), 0}, {math.Ldexp(1.5, -25), 1},
		{math.NaN(), 0x7e00}, {math.Copysign(0, -1), 0x8000}, {1e-300, 0},
	} {
		if got := float64ToFloat16(tc.f); got != tc.want {
			t.Errorf("float64ToFloat16(%g) = %#04x, want %#04x", tc.f, got, tc.want)
		}
	}
}

func TestDecodeDictionary(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"s", Scalar(KindUtf8)}, {"f", Scalar(KindFloat32)}}}
	mem := memory.NewGoAllocator()
	sb := array.NewBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"red", "green", "", "red"} {
		if err := sb.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	sb.AppendNull()
	sarr := sb.NewArray()
	fb := array.NewBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint32, ValueType: arrow.PrimitiveTypes.Float64}).(*array.Float64DictionaryBuilder)
	for _, v := range []float64{1.5, 1.5, -2, 0, 1.5} {
		if err := fb.Append(v); err != nil {
			t.Fatal(err)
		}
	}
	farr := fb.NewArray()
	keys := ingKeys(5)
	karr := ingArray(t, arrow.BinaryTypes.String, keys)
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: karr.DataType()}, {Name: "s", Type: sarr.DataType()}, {Name: "f", Type: farr.DataType()}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{karr, sarr, farr}, 5)
	defer rec.Release()
	var u Updates
	if err := ingDecoder(t, s, false).Record(rec, &u); err == nil {
		t.Fatal("dictionary accepted without CAST")
	}
	if err := ingDecoder(t, s, true).Record(rec, &u); err != nil {
		t.Fatal(err)
	}
	ingCheckUpdates(t, s, &u, 0, keys, []int{0, 1}, [][][]byte{
		{[]byte("red"), []byte("green"), {}, []byte("red"), nil},
		{ingF32(1.5), ingF32(1.5), ingF32(-2), ingF32(0), ingF32(1.5)},
	})
}

func TestDecodeRowErrors(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"l", ListOf(KindFloat32)}, {"f", Scalar(KindFloat32)}}}
	// Null key.
	keys := ingKeys(9)
	keys[7] = nil
	rec := ingRecord(t, []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, keys)
	var u Updates
	d := ingDecoder(t, s, false)
	if err := d.Record(rec, &u); err == nil || err.Error() != "null key in row 7" || u.Len() != 0 {
		t.Fatalf("got %v, %d updates", err, u.Len())
	}
	// Row numbers count across the batches of a stream.
	ok := ingRecord(t, []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, ingKeys(3))
	if err := d.Record(ok, &u); err != nil {
		t.Fatal(err)
	}
	if err := d.Record(rec, &u); err == nil || err.Error() != "null key in row 10" || u.Len() != 3 {
		t.Fatalf("got %v, %d updates", err, u.Len())
	}

	// A null list element.
	elems := array.NewFloat32Builder(memory.DefaultAllocator)
	elems.AppendValues([]float32{1, 2, 3}, []bool{true, true, false})
	child := elems.NewArray()
	list := array.NewListData(array.NewData(arrow.ListOf(arrow.PrimitiveTypes.Float32), 2,
		[]*memory.Buffer{nil, memory.NewBufferBytes(append(le32(0), append(le32(2), le32(3)...)...))},
		[]arrow.ArrayData{child.Data()}, 0, 0))
	karr := ingArray(t, arrow.BinaryTypes.String, ingKeys(2))
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: karr.DataType()}, {Name: "l", Type: list.DataType()}}, nil)
	rec2 := array.NewRecordBatch(sc, []arrow.Array{karr, list}, 2)
	u.Reset()
	if err := ingDecoder(t, s, false).Record(rec2, &u); err == nil || err.Error() != "column 'l' row 1: list element 0 is null" || u.Len() != 0 {
		t.Fatalf("got %v, %d updates", err, u.Len())
	}
}

func TestDecodeMaxBytes(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"f", Scalar(KindFloat32)}}}
	rec := ingRecord(t, []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, ingKeys(100))
	d := ingDecoder(t, s, false)
	d.MaxBytes = 200
	var u Updates
	err := d.Record(rec, &u)
	if !errors.Is(err, ErrTooLarge) || u.Len() != 0 {
		t.Fatalf("got %v, %d updates", err, u.Len())
	}
}

// Corrupt arrays give errors, not panics.
func TestDecodeMalformedArrays(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"s", Scalar(KindUtf8)}, {"f", Scalar(KindFloat32)}, {"l", ListOf(KindInt8)}}}
	str := arrow.BinaryTypes.String
	mk := func(dt arrow.DataType, n int, bufs [][]byte, children ...arrow.ArrayData) arrow.Array {
		mb := []*memory.Buffer{nil}
		for _, b := range bufs {
			mb = append(mb, memory.NewBufferBytes(b))
		}
		return array.MakeFromData(array.NewData(dt, n, mb, children, 0, 0))
	}
	keys := ingArray(t, str, ingKeys(2))
	offs := func(o ...uint32) []byte {
		var b []byte
		for _, x := range o {
			b = binary.LittleEndian.AppendUint32(b, x)
		}
		return b
	}
	child := mk(arrow.PrimitiveTypes.Int8, 3, [][]byte{{1, 2, 3}})
	for _, tc := range []struct {
		name string
		col  string
		arr  arrow.Array
	}{
		{"string offsets beyond data", "s", mk(str, 2, [][]byte{offs(0, 9, 2), []byte("ab")})},
		{"string offsets decreasing", "s", mk(str, 2, [][]byte{offs(0, 2, 1), []byte("ab")})},
		{"list offsets beyond child", "l", mk(arrow.ListOf(arrow.PrimitiveTypes.Int8), 2, [][]byte{offs(0, 2, 4)}, child.Data())},
		{"list offsets decreasing", "l", mk(arrow.ListOf(arrow.PrimitiveTypes.Int8), 2, [][]byte{offs(0, 2, 1)}, child.Data())},
	} {
		sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: str}, {Name: tc.col, Type: tc.arr.DataType()}}, nil)
		rec := array.NewRecordBatch(sc, []arrow.Array{keys, tc.arr}, 2)
		var u Updates
		err := ingDecoder(t, s, false).Record(rec, &u)
		if err == nil || u.Len() != 0 {
			t.Errorf("%s: got %v, %d updates", tc.name, err, u.Len())
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}

// ingFloat32Batch is Murr's benchmark batch: keys "0".."n-1" and ten
// float32 columns col_0..col_9.
func ingFloat32Batch(n int) (*Schema, arrow.RecordBatch) {
	s := &Schema{Key: "key"}
	mem := memory.NewGoAllocator()
	kb := array.NewStringBuilder(mem)
	for i := range n {
		kb.Append(strconv.Itoa(i))
	}
	fields := []arrow.Field{{Name: "key", Type: arrow.BinaryTypes.String}}
	cols := []arrow.Array{kb.NewArray()}
	for c := range 10 {
		name := fmt.Sprintf("col_%d", c)
		s.Columns = append(s.Columns, Column{Name: name, Type: Scalar(KindFloat32)})
		fb := array.NewFloat32Builder(mem)
		for i := range n {
			fb.Append(float32(i) * float32(c+1))
		}
		fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float32, Nullable: true})
		cols = append(cols, fb.NewArray())
	}
	return s, array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
}

func BenchmarkDecodeFloat32x10(b *testing.B) {
	const n = 1_000_000
	s, rec := ingFloat32Batch(n)
	defer rec.Release()
	d := ingDecoder(b, s, false)
	var u Updates
	b.ReportAllocs()
	for b.Loop() {
		u.Reset()
		if err := d.Record(rec, &u); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	b.ReportMetric(0, "ns/op")
}

// Record does not allocate per row (nor, warmed up, at all for a
// same-typed batch).
func TestDecodeNoAllocs(t *testing.T) {
	s, rec := ingFloat32Batch(1000)
	defer rec.Release()
	d := ingDecoder(t, s, false)
	var u Updates
	if err := d.Record(rec, &u); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		u.Reset()
		if err := d.Record(rec, &u); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per 1000-row batch", allocs)
	}
}
