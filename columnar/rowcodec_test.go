package columnar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// samples returns interesting stored values of t: extremes, NaN, empty.
func samples(t Type) [][]byte {
	switch t.Kind {
	case KindBool:
		return [][]byte{{0}, {1}}
	case KindInt8, KindUint8:
		return [][]byte{{0x80}, {0x7f}, {0xff}, {0}}
	case KindInt16, KindUint16:
		return [][]byte{le16(0x8000), le16(0x7fff), le16(0xffff)}
	case KindFloat16:
		return [][]byte{le16(0x7e00) /* NaN */, le16(0x7c00) /* +Inf */, le16(0x8000) /* -0 */}
	case KindInt32, KindUint32, KindDate32:
		return [][]byte{le32(math.MaxInt32 + 1), le32(math.MaxInt32), le32(math.MaxUint32)}
	case KindFloat32:
		return [][]byte{le32(math.Float32bits(float32(math.NaN()))), le32(math.Float32bits(-math.MaxFloat32)), le32(math.Float32bits(1.5))}
	case KindInt64, KindUint64, KindTimestamp:
		return [][]byte{le64(math.MaxInt64 + 1), le64(math.MaxInt64), le64(math.MaxUint64)}
	case KindFloat64:
		return [][]byte{le64(math.Float64bits(math.NaN())), le64(math.Float64bits(math.Inf(-1))), le64(math.Float64bits(math.SmallestNonzeroFloat64))}
	case KindUtf8:
		return [][]byte{{}, []byte("héllo"), bytes.Repeat([]byte("x"), 300)}
	case KindBinary:
		return [][]byte{{}, {0, 0xff, 0}, bytes.Repeat([]byte{1}, 200)}
	case KindList:
		w := t.ElemWidth()
		return [][]byte{{}, bytes.Repeat([]byte{0xab}, w), bytes.Repeat([]byte{0xff}, 130*w)}
	case KindFixedSizeList:
		w, _ := t.FixedWidth()
		return [][]byte{make([]byte, w), bytes.Repeat([]byte{0xff}, w)}
	}
	panic("no samples for " + t.String())
}

func mustLayout(t testing.TB, types []Type) *Layout {
	t.Helper()
	l, err := NewLayout(types)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// model is the expected content of a row: column → value, absent = null.
type model map[int][]byte

// checkRow verifies r against want through Value, Iter and Check.
func checkRow(t *testing.T, l *Layout, r Row, want model) {
	t.Helper()
	if err := l.Check(r); err != nil {
		t.Fatalf("Check: %v (row %x)", err, r)
	}
	for col := range l.NumColumns() {
		v, ok, err := l.Value(r, col)
		if err != nil {
			t.Fatalf("Value(%d): %v", col, err)
		}
		w, wok := want[col]
		if ok != wok || !bytes.Equal(v, w) {
			t.Fatalf("Value(%d) = %x, %v; want %x, %v (row %x)", col, v, ok, w, wok, r)
		}
		if ok && v == nil {
			t.Fatalf("Value(%d): present value is nil", col)
		}
	}
	it, err := l.Iter(r)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	last := -1
	for {
		col, v, ok := it.Next()
		if !ok {
			break
		}
		if col <= last {
			t.Fatalf("Iter not ascending: %d after %d", col, last)
		}
		last = col
		if w, wok := want[col]; !wok || !bytes.Equal(v, w) {
			t.Fatalf("Iter col %d = %x; want %x, %v", col, v, w, wok)
		}
		seen++
	}
	if it.Err() != nil || seen != len(want) {
		t.Fatalf("Iter: %d values, err %v; want %d", seen, it.Err(), len(want))
	}
}

func TestRowRoundTripEveryType(t *testing.T) {
	types := allTypes()
	l := mustLayout(t, types)
	b := NewRowBuilder(l)
	// Row k sets sample k (if any) of every column whose index%3 != k%3;
	// the others are null.
	for k := range 4 {
		b.Reset()
		want := model{}
		for col, typ := range types {
			s := samples(typ)
			if col%3 == k%3 || k >= len(s) {
				if err := b.SetNull(col); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := b.Set(col, s[k]); err != nil {
				t.Fatalf("Set(%d, %v): %v", col, typ, err)
			}
			want[col] = s[k]
		}
		checkRow(t, l, b.Append(nil), want)
		part := b.AppendUpdate(nil)
		if p, err := l.IsPartial(part); err != nil || !p {
			t.Fatalf("IsPartial = %v, %v", p, err)
		}
		checkRow(t, l, part, want)
	}
	// All null, and nothing set: the same 2-byte row.
	b.Reset()
	empty := b.Append(nil)
	checkRow(t, l, empty, model{})
	if len(empty) != 2 {
		t.Errorf("empty row is %d bytes: %x", len(empty), empty)
	}
}

func TestBuilderRejects(t *testing.T) {
	l := mustLayout(t, []Type{Scalar(KindFloat32), ListOf(KindFloat64), Scalar(KindUtf8)})
	b := NewRowBuilder(l)
	for _, c := range []struct {
		col int
		v   []byte
	}{{0, []byte{1, 2, 3}}, {1, make([]byte, 12)}, {3, nil}, {-1, nil}} {
		if err := b.Set(c.col, c.v); err == nil {
			t.Errorf("Set(%d, %d bytes): no error", c.col, len(c.v))
		}
	}
	if err := b.SetNull(5); err == nil {
		t.Error("SetNull out of range: no error")
	}
	// Failed Sets leave nothing behind.
	checkRow(t, l, b.Append(nil), model{})
	// The last Set wins.
	_ = b.Set(2, []byte("a"))
	_ = b.Set(2, []byte("bb"))
	checkRow(t, l, b.Append(nil), model{2: []byte("bb")})
	_ = b.SetNull(2)
	checkRow(t, l, b.Append(nil), model{})
}

func float32Layout(t testing.TB, n int) *Layout {
	types := make([]Type, n)
	for i := range types {
		types[i] = Scalar(KindFloat32)
	}
	return mustLayout(t, types)
}

func TestRowSizes(t *testing.T) {
	l := float32Layout(t, 100)
	b := NewRowBuilder(l)
	size := func(cols ...int) int {
		b.Reset()
		want := model{}
		for _, c := range cols {
			v := le32(math.Float32bits(float32(c)))
			_ = b.Set(c, v)
			want[c] = v
		}
		r := b.Append(nil)
		checkRow(t, l, r, want)
		return len(r)
	}
	cases := []struct {
		name string
		cols []int
		want int
	}{
		{"2 of 100 (0, 99)", []int{0, 99}, 1 + 1 + 2 + 8},              // sparse
		{"2 of 100 (37, 80)", []int{37, 80}, 1 + 1 + 2 + 8},            // sparse
		{"1 of 100 (0)", []int{0}, 1 + 1 + 1 + 4},                      // tie: dense 1-byte bitmap
		{"3 of 100 (0..2)", []int{0, 1, 2}, 1 + 1 + 1 + 12},            // dense beats 3 ids
		{"10 of 100 (0..9)", seq(0, 10), 1 + 1 + 2 + 40},               // dense, trailing zero bytes dropped
		{"100 of 100", seq(0, 100), 1 + 1 + 13 + 400},                  // dense, 2-byte header
		{"20 of 100 (every 5th)", every(0, 100, 5), 1 + 1 + 12 + 80},   // dense: 12 < 20
		{"10 of 100 (every 10th)", every(0, 100, 10), 1 + 1 + 10 + 40}, // sparse: 10 < 12
	}
	for _, c := range cases {
		if got := size(c.cols...); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
		t.Logf("%s: %d bytes", c.name, size(c.cols...))
	}
	if got := size(17, 63); got > 16 {
		t.Errorf("2-of-100 float32 row is %d bytes, want ≤ 16", got)
	}
	// 10 of 10 float32: the reference workload's row.
	l10 := float32Layout(t, 10)
	b10 := NewRowBuilder(l10)
	for c := range 10 {
		_ = b10.Set(c, le32(uint32(c)))
	}
	if got := len(b10.Append(nil)); got != 44 {
		t.Errorf("10-of-10 float32 row: %d bytes, want 44", got)
	}
}

func seq(lo, hi int) []int { return every(lo, hi, 1) }

func every(lo, hi, step int) []int {
	var s []int
	for i := lo; i < hi; i += step {
		s = append(s, i)
	}
	return s
}

func TestMerge(t *testing.T) {
	l := mustLayout(t, []Type{Scalar(KindFloat32), Scalar(KindUtf8), Scalar(KindInt64), ListOf(KindFloat32)})
	b := NewRowBuilder(l)
	build := func(partial bool, set model, nulls ...int) Row {
		b.Reset()
		for c, v := range set {
			if err := b.Set(c, v); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range nulls {
			_ = b.SetNull(c)
		}
		if partial {
			return b.AppendUpdate(nil)
		}
		return b.Append(nil)
	}
	f1, f2 := le32(math.Float32bits(1)), le32(math.Float32bits(2))
	old := build(false, model{0: f1, 1: []byte("old"), 2: le64(7)})
	merge := func(old, upd Row) Row {
		t.Helper()
		out, err := l.Merge([]byte("prefix"), old, upd)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, []byte("prefix")) {
			t.Fatalf("Merge dropped dst: %q", out)
		}
		return out[len("prefix"):]
	}
	isPartial := func(r Row) bool {
		p, err := l.IsPartial(r)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("partial keeps absent columns", func(t *testing.T) {
		got := merge(old, build(true, model{0: f2, 3: []byte{}}))
		checkRow(t, l, got, model{0: f2, 1: []byte("old"), 2: le64(7), 3: {}})
		if isPartial(got) {
			t.Error("merge onto a full row is partial")
		}
	})
	t.Run("partial null clears", func(t *testing.T) {
		got := merge(old, build(true, model{2: le64(9)}, 1, 3))
		checkRow(t, l, got, model{0: f1, 2: le64(9)})
	})
	t.Run("partial empty string replaces", func(t *testing.T) {
		got := merge(old, build(true, model{1: {}}))
		checkRow(t, l, got, model{0: f1, 1: {}, 2: le64(7)})
	})
	t.Run("full replaces everything", func(t *testing.T) {
		got := merge(old, build(false, model{3: f1}))
		checkRow(t, l, got, model{3: f1})
	})
	t.Run("onto nothing", func(t *testing.T) {
		got := merge(nil, build(true, model{1: []byte("new")}, 0))
		checkRow(t, l, got, model{1: []byte("new")})
		if isPartial(got) {
			t.Error("merge onto nothing is partial")
		}
	})
	t.Run("update onto update stays partial", func(t *testing.T) {
		u1 := build(true, model{0: f1}, 1)          // set 0, clear 1
		u2 := build(true, model{1: []byte("x")}, 2) // set 1, clear 2
		u12 := merge(u1, u2)
		if !isPartial(u12) {
			t.Fatal("update∘update is not partial")
		}
		checkRow(t, l, u12, model{0: f1, 1: []byte("x")})
		// Applying the combined update equals applying both in turn.
		want := merge(merge(old, u1), u2)
		got := merge(old, u12)
		checkRow(t, l, got, model{0: f1, 1: []byte("x")})
		if !bytes.Equal(got, want) {
			t.Errorf("combined %x != sequential %x", got, want)
		}
	})
	t.Run("corrupt inputs", func(t *testing.T) {
		dst := []byte("keep")
		for _, c := range [][2]Row{{Row{9}, old}, {old, Row{1, 4}}, {old[:len(old)-1], build(true, nil)}} {
			out, err := l.Merge(dst, c[0], c[1])
			if !errors.Is(err, ErrCorruptRow) || string(out) != "keep" {
				t.Errorf("Merge(%x, %x) = %q, %v", c[0], c[1], out, err)
			}
		}
	})
}

// TestRandomRowsAndMerges checks random rows and merges against a model.
func TestRandomRowsAndMerges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := allTypes()
	for iter := range 300 {
		n := 1 + rng.IntN(140)
		types := make([]Type, n)
		for i := range types {
			types[i] = pool[rng.IntN(len(pool))]
		}
		l := mustLayout(t, types)
		b := NewRowBuilder(l)
		density := rng.Float64()
		random := func() (model, model) { // values, explicit nulls
			b.Reset()
			vals, nulls := model{}, model{}
			for c := range n {
				switch x := rng.Float64(); {
				case x < density/2:
					s := samples(types[c])
					v := s[rng.IntN(len(s))]
					if err := b.Set(c, v); err != nil {
						t.Fatal(err)
					}
					vals[c] = v
				case x < density:
					_ = b.SetNull(c)
					nulls[c] = nil
				}
			}
			return vals, nulls
		}
		oldVals, _ := random()
		old := b.Append(nil)
		checkRow(t, l, old, oldVals)
		updVals, updNulls := random()
		upd := b.AppendUpdate(nil)
		checkRow(t, l, upd, updVals)
		merged, err := l.Merge(nil, old, upd)
		if err != nil {
			t.Fatal(err)
		}
		want := model{}
		for c, v := range oldVals {
			if _, cleared := updNulls[c]; !cleared {
				want[c] = v
			}
		}
		for c, v := range updVals {
			want[c] = v
		}
		checkRow(t, l, merged, want)
		// A layout with columns appended reads the same row.
		wider := mustLayout(t, append(slices.Clone(types), Scalar(KindUtf8), Scalar(KindInt8)))
		checkRow(t, wider, merged, want)
		// Merged output is canonical: re-encoding gives the same bytes.
		b.Reset()
		for c, v := range want {
			_ = b.Set(c, v)
		}
		if re := b.Append(nil); !bytes.Equal(re, merged) {
			t.Fatalf("iter %d: merged %x != re-encoded %x", iter, merged, re)
		}
	}
}

func TestCorruptRows(t *testing.T) {
	l := mustLayout(t, []Type{Scalar(KindFloat32), Scalar(KindUtf8), ListOf(KindInt32), Scalar(KindInt8)})
	b := NewRowBuilder(l)
	_ = b.Set(0, le32(1))
	_ = b.Set(1, []byte("hello"))
	_ = b.Set(2, le32(5))
	_ = b.Set(3, []byte{1})
	good := b.Append(nil)
	for n := range len(good) {
		if err := l.Check(good[:n]); !errors.Is(err, ErrCorruptRow) {
			t.Errorf("truncated to %d: Check = %v", n, err)
		}
		for c := range 4 {
			_, _, _ = l.Value(good[:n], c) // must not panic
		}
	}
	bad := map[string]Row{
		"version":         {2, 0},
		"trailing":        append(slices.Clone(good), 0),
		"bitmap too big":  {1, 2 << setShift, 1, 0},
		"bits beyond":     {1, 1 << setShift, 0x10},
		"id out of range": {1, 1<<setShift | setSparse, 4},
		"too many ids":    {1, 5<<setShift | setSparse, 0, 0, 0, 0, 0},
		"huge length":     {1, 1 << setShift, 2, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"list length":     {1, 1 << setShift, 4, 3, 1, 2, 3},
		"cleared partial": {1, setPartial, setPartial},
		"bad header":      {1, 0xff},
	}
	for name, r := range bad {
		if err := l.Check(r); !errors.Is(err, ErrCorruptRow) {
			t.Errorf("%s: Check(%x) = %v", name, r, err)
		}
	}
	if _, _, err := l.Value(good, 4); err == nil {
		t.Error("Value of column out of range: no error")
	}
	// Truncated rows of a uniform-width layout (Value's popcount path).
	u := float32Layout(t, 10)
	ub := NewRowBuilder(u)
	for c := range 10 {
		_ = ub.Set(c, le32(uint32(c)))
	}
	full := ub.Append(nil)
	// Value reads only what it needs: it returns the right value if that
	// is intact, else an error.
	for n := range len(full) {
		for c := range 10 {
			v, ok, err := u.Value(full[:n], c)
			if intact := n >= 4+4*(c+1); intact != (err == nil) || (err == nil && (!ok || !bytes.Equal(v, le32(uint32(c))))) {
				t.Errorf("truncated to %d: Value(%d) = %x, %v, %v", n, c, v, ok, err)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	l := float32Layout(t, 10)
	b := NewRowBuilder(l)
	var dst []byte
	v := le32(42)
	build := func() {
		b.Reset()
		for c := range 10 {
			_ = b.Set(c, v)
		}
		dst = b.Append(dst[:0])
	}
	build()
	if n := testing.AllocsPerRun(100, build); n != 0 {
		t.Errorf("building a row: %v allocs", n)
	}
	row := Row(slices.Clone(dst))
	if n := testing.AllocsPerRun(100, func() {
		for c := range 10 {
			_, _, _ = l.Value(row, c)
		}
		it, _ := l.Iter(row)
		for {
			if _, _, ok := it.Next(); !ok {
				break
			}
		}
	}); n != 0 {
		t.Errorf("reading a row: %v allocs", n)
	}
	upd := b.AppendUpdate(nil)
	out := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { out, _ = l.Merge(out[:0], row, upd) }); n != 0 {
		t.Errorf("Merge: %v allocs", n)
	}
}

func FuzzRowDecode(f *testing.F) {
	types := []Type{Scalar(KindFloat32), Scalar(KindUtf8), ListOf(KindInt16), FixedSizeListOf(KindUint8, 3), Scalar(KindBool)}
	l := mustLayout(f, types)
	b := NewRowBuilder(l)
	_ = b.Set(0, le32(1))
	_ = b.Set(1, []byte("abc"))
	_ = b.Set(2, le16(5))
	f.Add([]byte(b.Append(nil)), []byte(b.AppendUpdate(nil)))
	b.Reset()
	_ = b.Set(4, []byte{1})
	_ = b.SetNull(0)
	f.Add([]byte(b.Append(nil)), []byte(b.AppendUpdate(nil)))
	f.Add([]byte{1, 0}, []byte{1, 2, 0})
	uniform := float32Layout(f, 10)
	f.Fuzz(func(t *testing.T, a, u []byte) {
		for c := range 10 {
			v, ok, err := uniform.Value(a, c)
			if err == nil && ok && len(v) != 4 {
				t.Fatal("uniform value of wrong width")
			}
		}
		for c := range len(types) {
			v, ok, err := l.Value(a, c)
			if err == nil && ok && len(v) > len(a) {
				t.Fatal("value longer than row")
			}
		}
		it, err := l.Iter(a)
		if err == nil {
			for {
				if _, _, ok := it.Next(); !ok {
					break
				}
			}
		}
		checked := l.Check(a)
		merged, err := l.Merge(nil, a, u)
		if err != nil {
			return
		}
		if checked != nil {
			t.Fatalf("Merge accepted a row Check rejects: %v", checked)
		}
		if err := l.Check(merged); err != nil {
			t.Fatalf("Merge produced a corrupt row %x: %v", merged, err)
		}
	})
}

func benchRow(b *testing.B) (*Layout, Row) {
	l := float32Layout(b, 10)
	rb := NewRowBuilder(l)
	for c := range 10 {
		_ = rb.Set(c, le32(math.Float32bits(float32(c))))
	}
	return l, rb.Append(nil)
}

// BenchmarkRead10of10Float32Value reads each column with Layout.Value.
func BenchmarkRead10of10Float32Value(b *testing.B) {
	l, row := benchRow(b)
	b.ReportAllocs()
	var sum float32
	for b.Loop() {
		for c := range 10 {
			v, _, _ := l.Value(row, c)
			sum += math.Float32frombits(binary.LittleEndian.Uint32(v))
		}
	}
	_ = sum
}

// BenchmarkRead10of10Float32Iter reads all columns in one pass.
func BenchmarkRead10of10Float32Iter(b *testing.B) {
	l, row := benchRow(b)
	b.ReportAllocs()
	var sum float32
	for b.Loop() {
		it, _ := l.Iter(row)
		for {
			_, v, ok := it.Next()
			if !ok {
				break
			}
			sum += math.Float32frombits(binary.LittleEndian.Uint32(v))
		}
	}
	_ = sum
}

// BenchmarkRead2of100Sparse reads one column of a sparse 100-column row.
func BenchmarkRead2of100Sparse(b *testing.B) {
	l := float32Layout(b, 100)
	rb := NewRowBuilder(l)
	_ = rb.Set(17, le32(1))
	_ = rb.Set(63, le32(2))
	row := rb.Append(nil)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = l.Value(row, 63)
	}
}

func BenchmarkBuild10Float32(b *testing.B) {
	l := float32Layout(b, 10)
	rb := NewRowBuilder(l)
	v := le32(1)
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		rb.Reset()
		for c := range 10 {
			_ = rb.Set(c, v)
		}
		dst = rb.Append(dst[:0])
	}
}

func BenchmarkMergePartial(b *testing.B) {
	l, row := benchRow(b)
	rb := NewRowBuilder(l)
	_ = rb.Set(3, le32(7))
	_ = rb.SetNull(5)
	upd := rb.AppendUpdate(nil)
	out := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		out, _ = l.Merge(out[:0], row, upd)
	}
}
