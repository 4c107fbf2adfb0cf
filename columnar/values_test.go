package columnar

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

func TestScalarDecode(t *testing.T) {
	f32 := func(f float32) []byte { return le32(math.Float32bits(f)) }
	cases := []struct {
		typ  Type
		v    []byte
		want ScalarValue
		text string
	}{
		{Scalar(KindBool), []byte{1}, ScalarValue{Kind: ScalarBool, Int: 1}, "1"},
		{Scalar(KindBool), []byte{0}, ScalarValue{Kind: ScalarBool}, "0"},
		{Scalar(KindBool), []byte{7}, ScalarValue{Kind: ScalarBool, Int: 1}, "1"},
		{Scalar(KindInt8), []byte{0x80}, ScalarValue{Kind: ScalarInt, Int: -128}, "-128"},
		{Scalar(KindInt16), le16(0xffff), ScalarValue{Kind: ScalarInt, Int: -1}, "-1"},
		{Scalar(KindInt32), le32(math.MaxInt32), ScalarValue{Kind: ScalarInt, Int: math.MaxInt32}, "2147483647"},
		{Scalar(KindInt64), le64(1 << 63), ScalarValue{Kind: ScalarInt, Int: math.MinInt64}, "-9223372036854775808"},
		{Scalar(KindUint8), []byte{0xff}, ScalarValue{Kind: ScalarUint, Uint: 255}, "255"},
		{Scalar(KindUint16), le16(0xffff), ScalarValue{Kind: ScalarUint, Uint: 65535}, "65535"},
		{Scalar(KindUint32), le32(math.MaxUint32), ScalarValue{Kind: ScalarUint, Uint: math.MaxUint32}, "4294967295"},
		{Scalar(KindUint64), le64(math.MaxUint64), ScalarValue{Kind: ScalarUint, Uint: math.MaxUint64}, "18446744073709551615"},
		{Scalar(KindFloat16), le16(0x3c00), ScalarValue{Kind: ScalarFloat, Bits: 16, Float: 1}, "1"},
		{Scalar(KindFloat16), le16(0x2e66), ScalarValue{Kind: ScalarFloat, Bits: 16, Float: 0.0999755859375}, "0.1"},
		{Scalar(KindFloat16), le16(0x0001), ScalarValue{Kind: ScalarFloat, Bits: 16, Float: 0x1p-24}, "6e-08"},
		{Scalar(KindFloat16), le16(0xfc00), ScalarValue{Kind: ScalarFloat, Bits: 16, Float: math.Inf(-1)}, "-inf"},
		{Scalar(KindFloat32), f32(0.1), ScalarValue{Kind: ScalarFloat, Bits: 32, Float: float64(float32(0.1))}, "0.1"},
		{Scalar(KindFloat32), f32(1e6), ScalarValue{Kind: ScalarFloat, Bits: 32, Float: 1e6}, "1e+06"},
		{Scalar(KindFloat32), f32(123456), ScalarValue{Kind: ScalarFloat, Bits: 32, Float: 123456}, "123456"},
		{Scalar(KindFloat32), f32(float32(math.Inf(-1))), ScalarValue{Kind: ScalarFloat, Bits: 32, Float: math.Inf(-1)}, "-inf"},
		{Scalar(KindFloat32), f32(float32(math.Copysign(0, -1))), ScalarValue{Kind: ScalarFloat, Bits: 32, Float: math.Copysign(0, -1)}, "-0"},
		{Scalar(KindFloat64), le64(math.Float64bits(0.1)), ScalarValue{Kind: ScalarFloat, Bits: 64, Float: 0.1}, "0.1"},
		{Scalar(KindFloat64), le64(math.Float64bits(math.Inf(1))), ScalarValue{Kind: ScalarFloat, Bits: 64, Float: math.Inf(1)}, "inf"},
		{Scalar(KindFloat64), le64(math.Float64bits(1.0 / 3)), ScalarValue{Kind: ScalarFloat, Bits: 64, Float: 1.0 / 3}, "0.3333333333333333"},
		{Scalar(KindDate32), le32(19000), ScalarValue{Kind: ScalarInt, Int: 19000}, "19000"},
		{Timestamp(Millisecond), le64(1700000000000), ScalarValue{Kind: ScalarInt, Int: 1700000000000}, "1700000000000"},
		{Scalar(KindUtf8), []byte("héllo"), ScalarValue{Kind: ScalarString, Bytes: []byte("héllo")}, "héllo"},
		{Scalar(KindUtf8), []byte{}, ScalarValue{Kind: ScalarString, Bytes: []byte{}}, ""},
		{Scalar(KindBinary), []byte{0, 0xff}, ScalarValue{Kind: ScalarBytes, Bytes: []byte{0, 0xff}}, "\x00\xff"},
	}
	for _, c := range cases {
		got, err := c.typ.Scalar(c.v)
		if err != nil {
			t.Errorf("%s %x: %v", c.typ, c.v, err)
			continue
		}
		if got.Kind != c.want.Kind || got.Bits != c.want.Bits || got.Int != c.want.Int || got.Uint != c.want.Uint ||
			math.Float64bits(got.Float) != math.Float64bits(c.want.Float) || string(got.Bytes) != string(c.want.Bytes) {
			t.Errorf("%s %x: %+v, want %+v", c.typ, c.v, got, c.want)
		}
		if text := string(got.AppendText(nil)); text != c.text {
			t.Errorf("%s %x: text %q, want %q", c.typ, c.v, text, c.text)
		}
	}
	nan, _ := Scalar(KindFloat32).Scalar(le32(0x7fc00001))
	if !math.IsNaN(nan.Float) || string(nan.AppendText(nil)) != "nan" {
		t.Errorf("NaN: %+v %q", nan, nan.AppendText(nil))
	}
}

func TestScalarErrors(t *testing.T) {
	for _, c := range []struct {
		typ Type
		v   []byte
	}{
		{Scalar(KindFloat32), []byte{1, 2, 3}},
		{Scalar(KindBool), nil},
		{Scalar(KindInt64), make([]byte, 9)},
	} {
		if _, err := c.typ.Scalar(c.v); !errors.Is(err, ErrCorruptRow) {
			t.Errorf("%s %x: err %v", c.typ, c.v, err)
		}
	}
	for _, typ := range []Type{ListOf(KindInt8), FixedSizeListOf(KindInt8, 1)} {
		if _, err := typ.Scalar([]byte{1}); err == nil || errors.Is(err, ErrCorruptRow) {
			t.Errorf("%s: err %v", typ, err)
		}
	}
}

func TestListElems(t *testing.T) {
	typ := ListOf(KindInt16)
	v := append(le16(1), le16(0xffff)...)
	if n := typ.ListLen(v); n != 2 {
		t.Fatalf("ListLen = %d", n)
	}
	if e := typ.ListElem(v, 1); e.Kind != ScalarInt || e.Int != -1 {
		t.Errorf("ListElem(1) = %+v", e)
	}
	if n := typ.ListLen(nil); n != 0 {
		t.Errorf("empty ListLen = %d", n)
	}
	if n := typ.ListLen([]byte{1, 2, 3}); n != 1 {
		t.Errorf("ListLen of 3 bytes = %d", n)
	}
	fsl := FixedSizeListOf(KindFloat32, 2)
	v = append(le32(math.Float32bits(0.1)), le32(math.Float32bits(2))...)
	if n := fsl.ListLen(v); n != 2 {
		t.Fatalf("fixed_size_list ListLen = %d", n)
	}
	if got := string(fsl.ListElem(v, 0).AppendText(nil)); got != "0.1" {
		t.Errorf("ListElem(0) text %q", got)
	}
	if n := Scalar(KindUtf8).ListLen([]byte("abc")); n != 0 {
		t.Errorf("utf8 ListLen = %d", n)
	}
}

// halfValue is float16 bits → value by the IEEE 754 definition.
func halfValue(b uint16) float64 {
	sign := 1.0
	if b&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(b>>10&0x1f), float64(b&0x3ff)
	switch exp {
	case 0:
		return sign * frac / 1024 * math.Pow(2, -14)
	case 31:
		if frac == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}

// Every finite float16 prints with the fewest digits that read back as
// itself (nearest float16, checked against its neighbours), and never
// more than float32's shortest form.
func TestFloat16TextExhaustive(t *testing.T) {
	for b := range 1 << 16 {
		f := halfValue(uint16(b))
		s, err := Scalar(KindFloat16).Scalar(le16(uint16(b)))
		if err != nil || (s.Float != f && !math.IsNaN(f)) || math.Signbit(s.Float) != math.Signbit(f) && !math.IsNaN(f) {
			t.Fatalf("%#04x: decoded %v, want %v", b, s.Float, f)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		text := s.AppendText(nil)
		g, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			t.Fatalf("%#04x: %q: %v", b, text, err)
		}
		if !halfRoundsTo(g, uint16(b)) {
			t.Fatalf("%#04x (%v): %q does not read back", b, f, text)
		}
		if f32 := strconv.FormatFloat(f, 'g', -1, 32); len(text) > len(f32) {
			t.Fatalf("%#04x: %q longer than float32's %q", b, text, f32)
		}
		// Shortest: one digit fewer does not read back.
		if prec := significantDigits(strconv.FormatFloat(g, 'e', -1, 64)); prec > 1 {
			shorter := strconv.FormatFloat(f, 'g', prec-1, 64)
			h, _ := strconv.ParseFloat(shorter, 64)
			if halfRoundsTo(h, uint16(b)) {
				t.Fatalf("%#04x: %q is not shortest: %q reads back too", b, text, shorter)
			}
		}
	}
	for _, c := range []struct {
		bits uint16
		want string
	}{{0x7bff, "65500"}, {0x0001, "6e-08"}, {0xfbff, "-65500"}, {0x8000, "-0"}, {0x3555, "0.3333"}, {0x3c01, "1.001"}} {
		if got := string(appendFloat(nil, halfValue(c.bits), 16)); got != c.want {
			t.Errorf("%#04x: %q, want %q", c.bits, got, c.want)
		}
	}
}

// halfRoundsTo reports whether g is strictly closer to float16 b than to
// its neighbours (beyond the largest finite value, ±65536: that is where
// rounding goes to infinity).
func halfRoundsTo(g float64, b uint16) bool {
	f := halfValue(b)
	if g == f {
		return true
	}
	for _, nb := range []uint16{b - 1, b + 1} {
		if (nb^b)&0x8000 != 0 {
			continue // across zero
		}
		n := halfValue(nb)
		if nb&0x7fff == 0x7c00 {
			n = math.Copysign(65536, f)
		}
		if math.Abs(g-n) <= math.Abs(g-f) {
			return false
		}
	}
	return true
}

// significantDigits counts the mantissa digits of an 'e'-formatted number.
func significantDigits(s string) int {
	n, leading := 0, true
	for _, c := range s {
		if c == 'e' {
			break
		}
		if c >= '0' && c <= '9' {
			if c == '0' && leading {
				continue
			}
			leading = false
			n++
		}
	}
	return n
}

func TestScalarNoAllocs(t *testing.T) {
	vals := []struct {
		typ Type
		v   []byte
	}{
		{Scalar(KindFloat16), le16(0x3555)},
		{Scalar(KindFloat32), le32(math.Float32bits(0.1))},
		{Scalar(KindFloat64), le64(math.Float64bits(1.0 / 3))},
		{Scalar(KindUint64), le64(math.MaxUint64)},
		{Scalar(KindUtf8), []byte("abc")},
	}
	var buf [64]byte
	n := testing.AllocsPerRun(100, func() {
		for _, v := range vals {
			s, _ := v.typ.Scalar(v.v)
			_ = s.AppendText(buf[:0])
		}
	})
	if n > 0 {
		t.Errorf("%v allocs", n)
	}
}
