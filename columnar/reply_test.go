package columnar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// replyCase is a table and some rows: per key its stored row (nil when
// missing) and what the row holds (column → stored value).
type replyCase struct {
	s      *Schema
	l      *Layout
	keys   [][]byte
	rows   []Row
	models []model // nil for a missing key
}

// randStored returns a random stored value of t, often an interesting one.
func randStored(rng *rand.Rand, t Type) []byte {
	if rng.IntN(3) == 0 {
		s := samples(t)
		return s[rng.IntN(len(s))]
	}
	switch t.Kind {
	case KindBool:
		return []byte{byte(rng.IntN(2))}
	case KindUtf8:
		words := []string{"", "a", "héllo", "日本語", "x y", "\"quoted\"", "tab\t", "🎉"}
		var b []byte
		for range rng.IntN(4) {
			b = append(b, words[rng.IntN(len(words))]...)
		}
		return b
	case KindBinary, KindList:
		w := max(t.ElemWidth(), 1)
		b := make([]byte, rng.IntN(6)*w)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	w, _ := t.FixedWidth()
	b := make([]byte, w)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// newReplyCase makes nrows rows of s: each key missing with probability
// pMissing, each column null with probability pNull.
func newReplyCase(t testing.TB, rng *rand.Rand, s *Schema, nrows int, pMissing, pNull float64) *replyCase {
	t.Helper()
	l, err := s.Layout()
	if err != nil {
		t.Fatal(err)
	}
	c := &replyCase{s: s, l: l}
	b := NewRowBuilder(l)
	for i := range nrows {
		c.keys = append(c.keys, fmt.Appendf(nil, "k%d", i))
		if rng.Float64() < pMissing {
			c.rows = append(c.rows, nil)
			c.models = append(c.models, nil)
			continue
		}
		b.Reset()
		m := model{}
		for col, cl := range s.Columns {
			if rng.Float64() < pNull {
				continue
			}
			v := randStored(rng, cl.Type)
			if err := b.Set(col, v); err != nil {
				t.Fatal(err)
			}
			m[col] = v
		}
		c.rows = append(c.rows, b.Append(nil))
		c.models = append(c.models, m)
	}
	return c
}

func allTypesSchema() *Schema {
	s := &Schema{Key: "id"}
	for i, typ := range allTypes() {
		s.Columns = append(s.Columns, Column{Name: fmt.Sprintf("c%d_%s", i, typ), Type: typ})
	}
	return s
}

func uniformSchema(n int, typ Type) *Schema {
	s := &Schema{Key: "key"}
	for i := range n {
		s.Columns = append(s.Columns, Column{Name: fmt.Sprintf("col_%d", i), Type: typ})
	}
	return s
}

// buildReply runs keys/rows through a Reply and returns a copy of its bytes.
func buildReply(t testing.TB, p *ReadPlan, keys [][]byte, rows []Row) []byte {
	t.Helper()
	r := p.NewReply(len(keys))
	defer r.Release()
	for i := range keys {
		if err := r.Add(keys[i], rows[i]); err != nil {
			t.Fatalf("Add(%q): %v", keys[i], err)
		}
	}
	b := r.Bytes()
	if len(b) != r.Size() {
		t.Fatalf("Size() = %d, len(Bytes()) = %d", r.Size(), len(b))
	}
	if app := r.AppendTo([]byte("xyz")); !bytes.Equal(app[3:], b) {
		t.Fatal("AppendTo differs from Bytes")
	}
	return bytes.Clone(b)
}

// readStream decodes an IPC stream that must hold exactly one batch.
func readStream(t testing.TB, b []byte) arrow.RecordBatch {
	t.Helper()
	rd, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ipc.NewReader: %v", err)
	}
	defer rd.Release()
	if !rd.Next() {
		t.Fatalf("no record batch: %v", rd.Err())
	}
	rec := rd.RecordBatch()
	rec.Retain()
	if rd.Next() {
		t.Fatal("more than one record batch")
	}
	if err := rd.Err(); err != nil {
		t.Fatalf("reading stream: %v", err)
	}
	for i, col := range rec.Columns() {
		var err error
		switch v := col.(type) {
		case *array.String:
			// Full validation would check UTF-8, which the reply passes
			// through unchecked (keys are binary-safe).
			err = v.Validate()
		case interface{ ValidateFull() error }:
			err = v.ValidateFull()
		}
		if err != nil {
			t.Fatalf("column %d: %v", i, err)
		}
	}
	return rec
}

// arrowStored returns element i of arr in the stored form of type typ.
func arrowStored(arr arrow.Array, i int, typ Type) []byte {
	raw := func(a arrow.Array, from, to, w int) []byte {
		if from == to {
			return []byte{}
		}
		off := a.Data().Offset()
		return a.Data().Buffers()[1].Bytes()[(off+from)*w : (off+to)*w]
	}
	switch a := arr.(type) {
	case *array.Boolean:
		if a.Value(i) {
			return []byte{1}
		}
		return []byte{0}
	case *array.String:
		return []byte(a.Value(i))
	case *array.Binary:
		return a.Value(i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		return raw(a.ListValues(), int(start), int(end), typ.ElemWidth())
	case *array.FixedSizeList:
		n := int(typ.N)
		return raw(a.ListValues(), (a.Data().Offset()+i)*n, (a.Data().Offset()+i+1)*n, typ.ElemWidth())
	}
	w, _ := typ.FixedWidth()
	return raw(arr, i, i+1, w)
}

// checkRecord compares a decoded batch with the case's rows.
func checkRecord(t testing.TB, c *replyCase, p *ReadPlan, keys [][]byte, models []model, rec arrow.RecordBatch) {
	t.Helper()
	if !rec.Schema().Equal(c.s.ArrowSchema(p.Columns())) {
		t.Fatalf("schema\n%v\nwant\n%v", rec.Schema(), c.s.ArrowSchema(p.Columns()))
	}
	if int(rec.NumRows()) != len(keys) {
		t.Fatalf("%d rows, want %d", rec.NumRows(), len(keys))
	}
	for j, col := range p.Columns() {
		arr := rec.Column(j)
		typ := Scalar(KindUtf8)
		if col != KeyIndex {
			typ = c.s.Columns[col].Type
		}
		nulls := 0
		for i := range keys {
			var want []byte
			present := false
			switch {
			case models[i] == nil:
			case col == KeyIndex:
				want, present = keys[i], true
			default:
				want, present = models[i][col]
			}
			if !present {
				nulls++
				if !arr.IsNull(i) {
					t.Fatalf("row %d field %d (%s): not null, want null", i, j, typ)
				}
				continue
			}
			if arr.IsNull(i) {
				t.Fatalf("row %d field %d (%s): null, want %x", i, j, typ, want)
			}
			got := arrowStored(arr, i, typ)
			if typ.Kind == KindBool {
				want = []byte{min(want[0], 1)}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("row %d field %d (%s): %x, want %x", i, j, typ, got, want)
			}
		}
		if arr.NullN() != nulls {
			t.Fatalf("field %d: null count %d, want %d", j, arr.NullN(), nulls)
		}
	}
}

// appendStored appends stored value v of type typ to an arrow builder.
func appendStored(b array.Builder, typ Type, v []byte) {
	le := binary.LittleEndian
	if typ.Kind == KindList || typ.Kind == KindFixedSizeList {
		switch lb := b.(type) {
		case *array.ListBuilder:
			lb.Append(true)
		case *array.FixedSizeListBuilder:
			lb.Append(true)
		}
		vb := b.(array.ListLikeBuilder).ValueBuilder()
		w := typ.ElemWidth()
		for i := 0; i < len(v); i += w {
			appendStored(vb, Scalar(typ.Elem), v[i:i+w])
		}
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v[0] != 0)
	case *array.Int8Builder:
		b.Append(int8(v[0]))
	case *array.Int16Builder:
		b.Append(int16(le.Uint16(v)))
	case *array.Int32Builder:
		b.Append(int32(le.Uint32(v)))
	case *array.Int64Builder:
		b.Append(int64(le.Uint64(v)))
	case *array.Uint8Builder:
		b.Append(v[0])
	case *array.Uint16Builder:
		b.Append(le.Uint16(v))
	case *array.Uint32Builder:
		b.Append(le.Uint32(v))
	case *array.Uint64Builder:
		b.Append(le.Uint64(v))
	case *array.Float16Builder:
		b.Append(float16.FromBits(le.Uint16(v)))
	case *array.Float32Builder:
		b.Append(math.Float32frombits(le.Uint32(v)))
	case *array.Float64Builder:
		b.Append(math.Float64frombits(le.Uint64(v)))
	case *array.Date32Builder:
		b.Append(arrow.Date32(int32(le.Uint32(v))))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(int64(le.Uint64(v))))
	case *array.StringBuilder:
		b.Append(string(v))
	case *array.BinaryBuilder:
		b.Append(v)
	default:
		panic(fmt.Sprintf("no append for %T", b))
	}
}

// arrowWriterStream writes the same batch with arrow-go's builders and
// IPC writer, for comparison.
func arrowWriterStream(t testing.TB, c *replyCase, p *ReadPlan) []byte {
	t.Helper()
	as := c.s.ArrowSchema(p.Columns())
	rb := array.NewRecordBuilder(memory.DefaultAllocator, as)
	defer rb.Release()
	for j, col := range p.Columns() {
		fb := rb.Field(j)
		for i, m := range c.models {
			switch {
			case m == nil:
				fb.AppendNull()
			case col == KeyIndex:
				appendStored(fb, Scalar(KindUtf8), c.keys[i])
			default:
				if v, ok := m[col]; ok {
					appendStored(fb, c.s.Columns[col].Type, v)
				} else {
					fb.AppendNull()
				}
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(as))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustPlan(t testing.TB, s *Schema, cols ...string) *ReadPlan {
	t.Helper()
	p, err := NewReadPlan("t", s, cols)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReplyEveryType(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := allTypesSchema()
	for _, tc := range []struct {
		name            string
		rows            int
		pMissing, pNull float64
	}{
		{"full", 50, 0, 0},
		{"nulls", 200, 0.1, 0.3},
		{"mostly null", 100, 0.3, 0.9},
		{"all missing", 20, 1, 0},
		{"all null", 20, 0, 1},
		{"one row", 1, 0, 0.5},
		{"zero rows", 0, 0, 0},
		{"1000 rows", 1000, 0.05, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newReplyCase(t, rng, s, tc.rows, tc.pMissing, tc.pNull)
			p := mustPlan(t, s)
			b := buildReply(t, p, c.keys, c.rows)
			rec := readStream(t, b)
			defer rec.Release()
			checkRecord(t, c, p, c.keys, c.models, rec)

			// arrow-go's own writer, decoded, gives the same arrays.
			want := readStream(t, arrowWriterStream(t, c, p))
			defer want.Release()
			for j, col := range p.Columns() {
				if col != KeyIndex && (s.Columns[col].Type.Kind == KindFloat16 || s.Columns[col].Type.Elem == KindFloat16) {
					continue // arrow-go's float16 ApproxEqual finds Inf != Inf; checkRecord compared the bits
				}
				if !array.ApproxEqual(rec.Column(j), want.Column(j), array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
					t.Fatalf("field %d differs from arrow-go's:\n%v\n%v", j, rec.Column(j), want.Column(j))
				}
			}
		})
	}
}

func TestReplyProjections(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := allTypesSchema()
	c := newReplyCase(t, rng, s, 64, 0.1, 0.3)
	names := []string{s.Key}
	for _, cl := range s.Columns {
		names = append(names, cl.Name)
	}
	projs := [][]string{
		{"id"},
		{names[5]},
		{names[len(names)-1], names[1], "id"},
		{names[3], names[3], "id", "id", names[3]},
	}
	for range 20 {
		n := 1 + rng.IntN(8)
		var p []string
		for range n {
			p = append(p, names[rng.IntN(len(names))])
		}
		projs = append(projs, p)
	}
	for _, cols := range projs {
		p := mustPlan(t, s, cols...)
		if len(p.Columns()) != len(cols) {
			t.Fatalf("%v: %d columns", cols, len(p.Columns()))
		}
		rec := readStream(t, buildReply(t, p, c.keys, c.rows))
		checkRecord(t, c, p, c.keys, c.models, rec)
		rec.Release()
	}
}

// Duplicate keys, in any order, give their rows again.
func TestReplyDuplicateKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := allTypesSchema()
	c := newReplyCase(t, rng, s, 10, 0.2, 0.3)
	var keys [][]byte
	var rows []Row
	var models []model
	for range 100 {
		i := rng.IntN(len(c.keys))
		keys, rows, models = append(keys, c.keys[i]), append(rows, c.rows[i]), append(models, c.models[i])
	}
	p := mustPlan(t, s)
	rec := readStream(t, buildReply(t, p, keys, rows))
	defer rec.Release()
	checkRecord(t, c, p, keys, models, rec)
}

// The dense fast paths: uniform widths, full rows and rows with nulls,
// bools packed among 1-byte columns, fixed_size_list of the same width.
func TestReplyUniformLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	mixed1 := &Schema{Key: "key", Columns: []Column{
		{"a", Scalar(KindBool)}, {"b", Scalar(KindInt8)}, {"c", Scalar(KindBool)}, {"d", Scalar(KindUint8)},
		{"e", Scalar(KindBool)}, {"f", Scalar(KindBool)}, {"g", Scalar(KindBool)}, {"h", Scalar(KindBool)}, {"i", Scalar(KindBool)},
	}}
	mixed4 := &Schema{Key: "key", Columns: []Column{
		{"a", Scalar(KindFloat32)}, {"b", FixedSizeListOf(KindInt8, 4)}, {"c", Scalar(KindDate32)}, {"d", FixedSizeListOf(KindUint16, 2)},
	}}
	for _, s := range []*Schema{uniformSchema(10, Scalar(KindFloat32)), uniformSchema(17, Scalar(KindFloat64)),
		uniformSchema(8, Timestamp(Nanosecond)), uniformSchema(3, Scalar(KindFloat16)), mixed1, mixed4} {
		for _, pNull := range []float64{0, 0.1, 0.5, 1} {
			c := newReplyCase(t, rng, s, 300, 0.05, pNull)
			for _, cols := range [][]string{nil, {s.Columns[len(s.Columns)-1].Name, "key", s.Columns[0].Name}} {
				p := mustPlan(t, s, cols...)
				if !p.uniform {
					t.Fatalf("%v: not uniform", s.Columns)
				}
				rec := readStream(t, buildReply(t, p, c.keys, c.rows))
				checkRecord(t, c, p, c.keys, c.models, rec)
				rec.Release()
			}
		}
	}
}

// Sparse present sets and partial rows read like Layout.Value.
func TestReplySparseAndPartialRows(t *testing.T) {
	s := uniformSchema(100, Scalar(KindFloat32))
	s.Columns = append(s.Columns, Column{"name", Scalar(KindUtf8)})
	l, _ := s.Layout()
	b := NewRowBuilder(l)
	_ = b.Set(3, le32(math.Float32bits(1.5)))
	_ = b.Set(97, le32(math.Float32bits(-2)))
	_ = b.Set(100, []byte("zed"))
	sparse := b.Append(nil)
	b.Reset()
	_ = b.Set(5, le32(7))
	_ = b.SetNull(3)
	partial := b.AppendUpdate(nil)
	c := &replyCase{s: s, l: l,
		keys:   [][]byte{[]byte("a"), []byte("b"), []byte("c")},
		rows:   []Row{sparse, partial, nil},
		models: []model{{3: le32(math.Float32bits(1.5)), 97: le32(math.Float32bits(-2)), 100: []byte("zed")}, {5: le32(7)}, nil},
	}
	for _, cols := range [][]string{nil, {"name", "col_97", "col_5", "col_3", "key"}} {
		p := mustPlan(t, s, cols...)
		rec := readStream(t, buildReply(t, p, c.keys, c.rows))
		checkRecord(t, c, p, c.keys, c.models, rec)
		rec.Release()
	}
}

func TestReadPlanErrors(t *testing.T) {
	s := uniformSchema(2, Scalar(KindFloat32))
	_, err := NewReadPlan("feat", s, []string{"col_0", "nope"})
	if err == nil || err.Error() != "no such column 'nope' in table 'feat'" || !errors.Is(err, ErrNoSuchColumn) {
		t.Fatalf("err = %v", err)
	}
	p1, p2 := mustPlan(t, s), mustPlan(t, s, []string{}...)
	if p1 != p2 {
		t.Error("nil and empty column lists give different cached plans")
	}
	if got := p1.Columns(); len(got) != 3 || got[0] != KeyIndex || got[2] != 1 {
		t.Errorf("Columns() = %v", got)
	}
	// "ab","c" and "a","bc" are different projections.
	s2 := &Schema{Key: "k", Columns: []Column{{"a", Scalar(KindInt8)}, {"ab", Scalar(KindInt8)}, {"bc", Scalar(KindInt8)}, {"c", Scalar(KindInt8)}}}
	if q1, q2 := mustPlan(t, s2, "ab", "c"), mustPlan(t, s2, "a", "bc"); q1 == q2 || q1.Columns()[0] != 1 || q2.Columns()[0] != 0 {
		t.Error("plan cache confuses column lists")
	}
}

// A corrupt row gives ErrCorruptRow and leaves the reply as it was.
func TestReplyCorruptRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []*Schema{allTypesSchema(), uniformSchema(10, Scalar(KindFloat32))} {
		c := newReplyCase(t, rng, s, 40, 0, 0.2)
		p := mustPlan(t, s)
		want := buildReply(t, p, c.keys, c.rows)
		bad := []Row{{}, {2}, {1}, {1, 0xff}, {1, 4, 0xff, 0xff}, {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}}
		for _, r := range c.rows {
			for cut := 1; cut < len(r) && cut < 12; cut++ {
				bad = append(bad, r[:len(r)-cut])
			}
		}
		r := p.NewReply(0)
		for i := range c.keys {
			for range 2 {
				b := bad[rng.IntN(len(bad))]
				err := r.Add([]byte("bad"), b)
				if err == nil {
					// Some truncations are still readable rows: then
					// Layout.Check must fail for them too or they are fine.
					if p.layout.Check(b) == nil {
						continue
					}
					t.Fatalf("%x: no error", b)
				}
				if !errors.Is(err, ErrCorruptRow) {
					t.Fatalf("%x: %v does not wrap ErrCorruptRow", b, err)
				}
			}
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		if got := r.Bytes(); r.Rows() == len(c.keys) && !bytes.Equal(got, want) {
			t.Fatal("corrupt rows changed the reply")
		}
		r.Release()
	}
}

// Pooled replies carry nothing over from earlier use.
func TestReplyReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	s := allTypesSchema()
	p := mustPlan(t, s)
	for range 30 {
		c := newReplyCase(t, rng, s, rng.IntN(300), 0.2, rng.Float64())
		rec := readStream(t, buildReply(t, p, c.keys, c.rows))
		checkRecord(t, c, p, c.keys, c.models, rec)
		rec.Release()
	}
}

func TestReplyConcurrent(t *testing.T) {
	s := uniformSchema(10, Scalar(KindFloat32))
	c := newReplyCase(t, rand.New(rand.NewPCG(13, 14)), s, 200, 0.1, 0.1)
	want := buildReply(t, mustPlan(t, s), c.keys, c.rows)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				p, err := NewReadPlan("t", s, nil)
				if err != nil {
					t.Error(err)
					return
				}
				r := p.NewReply(len(c.keys))
				for i := range c.keys {
					_ = r.Add(c.keys[i], c.rows[i])
				}
				if !bytes.Equal(r.Bytes(), want) {
					t.Error("concurrent reply differs")
				}
				r.Release()
			}
		})
	}
	wg.Wait()
}

func TestReplyNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || replyRaceEnabled {
		t.Skip("allocation counts are off under -cover and -race")
	}
	// A GC empties sync.Pools; that is not the code allocating.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, s := range []*Schema{uniformSchema(10, Scalar(KindFloat32)), allTypesSchema()} {
		c := newReplyCase(t, rand.New(rand.NewPCG(15, 16)), s, 1000, 0.05, 0.1)
		p := mustPlan(t, s)
		run := func() {
			r := p.NewReply(len(c.keys))
			for i := range c.keys {
				if err := r.Add(c.keys[i], c.rows[i]); err != nil {
					t.Fatal(err)
				}
			}
			_ = r.Bytes()
			r.Release()
		}
		run()
		if n := testing.AllocsPerRun(100, run); n > 0 {
			t.Errorf("%d columns: %v allocs per reply", len(s.Columns), n)
		}
		cols := []string{s.Key, s.Columns[0].Name}
		if n := testing.AllocsPerRun(100, func() { _, _ = NewReadPlan("t", s, cols) }); n > 0 {
			t.Errorf("cached NewReadPlan: %v allocs", n)
		}
	}
}

// The stream is laid out as the format says: 8-byte aligned messages and
// buffers, end-of-stream marker.
func TestReplyFraming(t *testing.T) {
	s := uniformSchema(3, Scalar(KindInt8))
	c := newReplyCase(t, rand.New(rand.NewPCG(17, 18)), s, 5, 0, 0)
	p := mustPlan(t, s)
	b := buildReply(t, p, c.keys, c.rows)
	if !bytes.HasSuffix(b, ipcEOS[:]) || len(b)%8 != 0 {
		t.Fatalf("bad framing: %d bytes, ends %x", len(b), b[len(b)-8:])
	}
	if !bytes.HasPrefix(b, p.schemaMsg) {
		t.Fatal("no schema message first")
	}
	m := b[len(p.schemaMsg):]
	if binary.LittleEndian.Uint32(m) != 0xFFFFFFFF {
		t.Fatal("no continuation marker")
	}
	metaLen := int(binary.LittleEndian.Uint32(m[4:]))
	if (8+metaLen)%8 != 0 {
		t.Fatalf("metadata length %d not padded", metaLen)
	}
	// key: validity, offsets (6*4=24), data (10 bytes → 16); 3 × int8: validity, 5 bytes → 8.
	body := len(m) - 8 - metaLen - 8
	if want := 24 + 16 + 3*8; body != want {
		t.Fatalf("body %d bytes, want %d", body, want)
	}
}

func BenchmarkReply1000x10Float32(b *testing.B) {
	s := uniformSchema(10, Scalar(KindFloat32))
	c := newReplyCase(b, rand.New(rand.NewPCG(1, 1)), s, 1000, 0, 0)
	p := mustPlan(b, s)
	b.ReportAllocs()
	b.SetBytes(1000 * 10 * 4)
	for b.Loop() {
		r := p.NewReply(len(c.keys))
		for i := range c.keys {
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				b.Fatal(err)
			}
		}
		_ = r.Bytes()
		r.Release()
	}
}

func BenchmarkReply1000x10Float32Nulls(b *testing.B) {
	s := uniformSchema(10, Scalar(KindFloat32))
	c := newReplyCase(b, rand.New(rand.NewPCG(1, 1)), s, 1000, 0.05, 0.1)
	p := mustPlan(b, s, "col_0", "col_1", "col_2", "col_3", "col_4", "col_5", "col_6", "col_7", "col_8", "col_9")
	b.ReportAllocs()
	for b.Loop() {
		r := p.NewReply(len(c.keys))
		for i := range c.keys {
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				b.Fatal(err)
			}
		}
		_ = r.Bytes()
		r.Release()
	}
}

func BenchmarkReply1000AllTypes(b *testing.B) {
	s := allTypesSchema()
	c := newReplyCase(b, rand.New(rand.NewPCG(1, 1)), s, 1000, 0.05, 0.1)
	p := mustPlan(b, s)
	b.ReportAllocs()
	for b.Loop() {
		r := p.NewReply(len(c.keys))
		for i := range c.keys {
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				b.Fatal(err)
			}
		}
		_ = r.Bytes()
		r.Release()
	}
}

func BenchmarkNewReadPlanCached(b *testing.B) {
	s := uniformSchema(10, Scalar(KindFloat32))
	cols := strings.Split("col_3 col_1 key", " ")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewReadPlan("t", s, cols); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArrowGoWriter1000x10Float32(b *testing.B) {
	// For comparison: the same reply built with arrow-go's builders and
	// written with its IPC writer.
	s := uniformSchema(10, Scalar(KindFloat32))
	c := newReplyCase(b, rand.New(rand.NewPCG(1, 1)), s, 1000, 0, 0)
	p := mustPlan(b, s)
	b.ReportAllocs()
	for b.Loop() {
		_ = arrowWriterStreamValues(b, c, p)
	}
}

// arrowWriterStreamValues is arrowWriterStream reading the rows through
// Layout.Value, as a builder-based reply would.
func arrowWriterStreamValues(t testing.TB, c *replyCase, p *ReadPlan) []byte {
	as := c.s.ArrowSchema(p.Columns())
	rb := array.NewRecordBuilder(memory.DefaultAllocator, as)
	defer rb.Release()
	for i, row := range c.rows {
		for j, col := range p.Columns() {
			fb := rb.Field(j)
			if col == KeyIndex {
				fb.(*array.StringBuilder).BinaryBuilder.Append(c.keys[i])
				continue
			}
			v, ok, err := c.l.Value(row, col)
			if err != nil || !ok {
				fb.AppendNull()
				continue
			}
			appendStored(fb, c.s.Columns[col].Type, v)
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(as))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
