package columnar

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	exact := map[string]string{
		"":               `""`,
		"plain":          `"plain"`,
		"q\"b\\":         `"q\"b\\"`,
		"\n\r\t\x00\x1f": `"\n\r\t\u0000\u001f"`,
		"<a&b>":          `"<a&b>"`,
		"héllo 日本":       `"héllo 日本"`,
		"\u2028\u2029":   `"\u2028\u2029"`,
		"a\xffb":         `"a\ufffdb"`,
		"\xe6\x97":       `"\ufffd\ufffd"`,
		"\x7f":           "\"\x7f\"",
	}
	for in, want := range exact {
		if got := string(AppendJSONString(nil, in)); got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
	for in := range exact {
		checkJSONString(t, []byte(in))
	}
}

// checkJSONString: s encodes to valid JSON that decodes like encoding/json's
// encoding of s (invalid UTF-8 replaced by U+FFFD).
func checkJSONString(t testing.TB, s []byte) {
	got := appendJSONString([]byte("x"), s)[1:]
	if !json.Valid(got) {
		t.Fatalf("%q: invalid JSON %s", s, got)
	}
	var dec, want string
	if err := json.Unmarshal(got, &dec); err != nil {
		t.Fatal(err)
	}
	ref, _ := json.Marshal(string(s))
	if err := json.Unmarshal(ref, &want); err != nil {
		t.Fatal(err)
	}
	if dec != want {
		t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, dec, want)
	}
	if !bytes.Equal(AppendJSONString(nil, string(s)), got) {
		t.Fatalf("%q: string and []byte encodings differ", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "日本", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) { checkJSONString(t, s) })
}

func TestJSONReplyExact(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{
		{"f", Scalar(KindFloat32)}, {"d", Scalar(KindFloat64)}, {"b", Scalar(KindBool)}, {"u", Scalar(KindUint64)},
		{"s", Scalar(KindUtf8)}, {"bin", Scalar(KindBinary)}, {"l", ListOf(KindInt16)}, {"v", FixedSizeListOf(KindFloat32, 2)},
		{"ts", Timestamp(Millisecond)}, {"day", Scalar(KindDate32)}, {"h", Scalar(KindFloat16)},
	}}
	l, _ := s.Layout()
	b := NewRowBuilder(l)
	set := func(col int, v []byte) {
		if err := b.Set(col, v); err != nil {
			t.Fatal(err)
		}
	}
	set(0, le32(math.Float32bits(0.1)))
	set(1, le64(math.Float64bits(math.NaN())))
	set(2, []byte{1})
	set(3, le64(math.MaxUint64))
	set(4, []byte("a\"\xff"))
	set(5, []byte{0, 1, 2, 0xff})
	set(6, append(le16(1), le16(0xfffe)...))
	set(7, append(le32(math.Float32bits(1.5)), le32(math.Float32bits(float32(math.Inf(1))))...))
	set(8, le64(1700000000123))
	set(9, le32(0xffffffff))
	set(10, le16(0x2e66))
	row1 := b.Append(nil)
	b.Reset()
	set(6, nil)
	set(2, []byte{0})
	row2 := b.Append(nil)

	p := mustPlan(t, s)
	r := p.NewJSONReply(3)
	defer r.Release()
	for i, row := range []Row{row1, nil, row2} {
		if err := r.Add([]byte{'k', byte('0' + i)}, row); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"columns":{"id":["k0",null,"k2"],"f":[0.1,null,null],"d":[null,null,null],"b":[true,null,false],` +
		`"u":[18446744073709551615,null,null],"s":["a\"\ufffd",null,null],"bin":["AAEC/w==",null,null],` +
		`"l":[[1,-2],null,[]],"v":[[1.5,null],null,null],"ts":[1700000000123,null,null],"day":[-1,null,null],"h":[0.1,null,null]}}`
	if got := string(r.Bytes()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// A projection, with the key column and a column twice.
	p = mustPlan(t, s, "b", "id", "b")
	r2 := p.NewJSONReply(1)
	if err := r2.Add([]byte("x"), row1); err != nil {
		t.Fatal(err)
	}
	if got, want := string(r2.Bytes()), `{"columns":{"b":[true],"id":["x"],"b":[true]}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Zero rows.
	r3 := p.NewJSONReply(0)
	if got, want := string(r3.Bytes()), `{"columns":{"b":[],"id":[],"b":[]}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// wantJSON is the expected decoded JSON (with UseNumber) of stored value v.
func wantJSON(typ Type, v []byte) any {
	le := binary.LittleEndian
	num := func(s string) any { return json.Number(s) }
	switch typ.Kind {
	case KindList, KindFixedSizeList:
		w := typ.ElemWidth()
		out := []any{}
		for i := 0; i < len(v); i += w {
			out = append(out, wantJSON(Scalar(typ.Elem), v[i:i+w]))
		}
		return out
	case KindBool:
		return v[0] != 0
	case KindInt8:
		return num(strconv.Itoa(int(int8(v[0]))))
	case KindInt16:
		return num(strconv.Itoa(int(int16(le.Uint16(v)))))
	case KindInt32, KindDate32:
		return num(strconv.Itoa(int(int32(le.Uint32(v)))))
	case KindInt64, KindTimestamp:
		return num(strconv.FormatInt(int64(le.Uint64(v)), 10))
	case KindUint8:
		return num(strconv.Itoa(int(v[0])))
	case KindUint16:
		return num(strconv.Itoa(int(le.Uint16(v))))
	case KindUint32:
		return num(strconv.FormatUint(uint64(le.Uint32(v)), 10))
	case KindUint64:
		return num(strconv.FormatUint(le.Uint64(v), 10))
	case KindFloat16:
		return halfValue(le.Uint16(v))
	case KindFloat32:
		return float64(math.Float32frombits(le.Uint32(v)))
	case KindFloat64:
		return math.Float64frombits(le.Uint64(v))
	case KindUtf8:
		// encoding/json's rendering: each invalid byte becomes U+FFFD.
		var out string
		ref, _ := json.Marshal(string(v))
		_ = json.Unmarshal(ref, &out)
		return out
	case KindBinary:
		return base64.StdEncoding.EncodeToString(v)
	}
	panic(typ.String())
}

// sameJSON compares a decoded JSON value with wantJSON's, floats exactly
// (NaN and infinities as null) at their width.
func sameJSON(got, want any, typ Type) bool {
	if typ.Kind == KindList || typ.Kind == KindFixedSizeList {
		g, ok := got.([]any)
		w := want.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range g {
			if !sameJSON(g[i], w[i], Scalar(typ.Elem)) {
				return false
			}
		}
		return true
	}
	if f, ok := want.(float64); ok {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return got == nil
		}
		n, ok := got.(json.Number)
		if !ok {
			return false
		}
		g, err := strconv.ParseFloat(string(n), 64)
		switch typ.Kind {
		case KindFloat32:
			g32, err32 := strconv.ParseFloat(string(n), 32)
			return err32 == nil && g32 == f
		case KindFloat16:
			return err == nil && halfRoundsTo(g, uint16(halfBits(f)))
		}
		return err == nil && g == f
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// halfBits finds the float16 bits of f, an exact float16 value.
func halfBits(f float64) uint16 {
	if f == 0 && math.Signbit(f) {
		return 0x8000
	}
	return halfBitsOf()[f]
}

var halfBitsOf = sync.OnceValue(func() map[float64]uint16 {
	m := make(map[float64]uint16, 1<<16)
	for b := range 0x8000 { // positive values, then mirrored
		if f := halfValue(uint16(b)); !math.IsNaN(f) {
			m[f], m[-f] = uint16(b), uint16(b)|0x8000
		}
	}
	m[0] = 0
	return m
})

func checkJSONReply(t testing.TB, c *replyCase, p *ReadPlan, doc []byte) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var got struct{ Columns map[string][]any }
	if err := d.Decode(&got); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	for _, col := range p.Columns() {
		name, typ := c.s.Key, Scalar(KindUtf8)
		if col != KeyIndex {
			name, typ = c.s.Columns[col].Name, c.s.Columns[col].Type
		}
		vals, ok := got.Columns[name]
		if !ok || len(vals) != len(c.keys) {
			t.Fatalf("column %q: %d values, want %d", name, len(vals), len(c.keys))
		}
		for i, m := range c.models {
			var want any
			switch {
			case m == nil:
			case col == KeyIndex:
				want = wantJSON(typ, c.keys[i])
			default:
				if v, ok := m[col]; ok {
					want = wantJSON(typ, v)
				}
			}
			if want == nil {
				if vals[i] != nil {
					t.Fatalf("column %q row %d: %v, want null", name, i, vals[i])
				}
				continue
			}
			if !sameJSON(vals[i], want, typ) {
				t.Fatalf("column %q (%s) row %d: %v, want %v", name, typ, i, vals[i], want)
			}
		}
	}
}

func TestJSONReplyEveryType(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	s := allTypesSchema()
	p := mustPlan(t, s)
	for range 5 {
		c := newReplyCase(t, rng, s, 200, 0.1, 0.3)
		r := p.NewJSONReply(len(c.keys))
		for i := range c.keys {
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		doc := r.Bytes()
		if !json.Valid(doc) {
			t.Fatalf("invalid JSON: %s", doc)
		}
		checkJSONReply(t, c, p, doc)
		if !bytes.Equal(r.AppendTo(nil), doc) {
			t.Fatal("AppendTo differs from Bytes")
		}
		r.Release()
	}
}

func TestJSONReplyCorruptRow(t *testing.T) {
	s := &Schema{Key: "k", Columns: []Column{{"s", Scalar(KindUtf8)}, {"l", ListOf(KindInt32)}}}
	l, _ := s.Layout()
	b := NewRowBuilder(l)
	_ = b.Set(0, []byte("a,b"))
	_ = b.Set(1, le32(5))
	good := b.Append(nil)
	bad := append(Row{}, good...)
	bad = bad[:len(bad)-1] // truncated list
	p := mustPlan(t, s)
	r := p.NewJSONReply(2)
	if err := r.Add([]byte("x"), good); err != nil {
		t.Fatal(err)
	}
	if err := r.Add([]byte("y"), bad); !errors.Is(err, ErrCorruptRow) {
		t.Fatalf("err = %v", err)
	}
	if err := r.Add([]byte("z"), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := string(r.Bytes()), `{"columns":{"k":["x",null],"s":["a,b",null],"l":[[5],null]}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func BenchmarkJSONReply1000x10Float32(b *testing.B) {
	s := uniformSchema(10, Scalar(KindFloat32))
	c := newReplyCase(b, rand.New(rand.NewPCG(1, 1)), s, 1000, 0, 0)
	p := mustPlan(b, s)
	b.ReportAllocs()
	for b.Loop() {
		r := p.NewJSONReply(len(c.keys))
		for i := range c.keys {
			if err := r.Add(c.keys[i], c.rows[i]); err != nil {
				b.Fatal(err)
			}
		}
		_ = r.Bytes()
		r.Release()
	}
}
