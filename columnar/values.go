package columnar

// values.go owns typed access to single stored values for the outputs
// that are not Arrow: MURR.READ FORMAT RESP and the HTTP API's JSON fetch
// (jsonout.go). Nothing here allocates.

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// ScalarKind says which field of a ScalarValue holds the value.
type ScalarKind uint8

// Scalar kinds. The zero ScalarKind is not a valid kind.
const (
	ScalarInt    ScalarKind = iota + 1 // Int: int8..int64, date32 (days), timestamps (in their unit)
	ScalarUint                         // Uint: uint8..uint64
	ScalarFloat                        // Float: float16, float32, float64 (exactly); Bits is the width
	ScalarBool                         // Int: 0 or 1
	ScalarString                       // Bytes: utf8 (not checked for valid UTF-8)
	ScalarBytes                        // Bytes: binary
)

// ScalarValue is one decoded value: a non-list column's value or one
// element of a list. Bytes aliases the stored row. (It is not called
// Scalar: that is the constructor of scalar Types.)
type ScalarValue struct {
	Kind  ScalarKind
	Bits  uint8 // ScalarFloat: 16, 32 or 64, the precision to print with
	Int   int64
	Uint  uint64
	Float float64
	Bytes []byte
}

// Scalar decodes v, a stored value of type t (as Layout.Value returns
// it), for a type that is not a list or fixed_size_list. A value of the
// wrong size gives an error wrapping ErrCorruptRow; a list type, an error
// that does not. A stored bool is true when its byte is not 0.
func (t Type) Scalar(v []byte) (ScalarValue, error) {
	switch t.Kind {
	case KindUtf8:
		return ScalarValue{Kind: ScalarString, Bytes: v}, nil
	case KindBinary:
		return ScalarValue{Kind: ScalarBytes, Bytes: v}, nil
	case KindList, KindFixedSizeList:
		return ScalarValue{}, fmt.Errorf("%s is not a scalar type: use ListLen and ListElem", t)
	}
	w := t.Kind.width()
	if w == 0 || len(v) != w {
		return ScalarValue{}, corrupt("%s value of %d bytes", t, len(v))
	}
	return decodeScalar(t.Kind, v), nil
}

// ListLen returns the number of elements of v, a stored list<T> or
// fixed_size_list<T,N> value, and 0 for other types. Trailing bytes that
// do not make a whole element (only in a corrupt value) are ignored.
func (t Type) ListLen(v []byte) int {
	w := t.ElemWidth()
	if w == 0 {
		return 0
	}
	return len(v) / w
}

// ListElem decodes element i of v, a stored list<T> or fixed_size_list<T,N>
// value. It panics if i is not in [0, ListLen(v)).
func (t Type) ListElem(v []byte, i int) ScalarValue {
	w := t.ElemWidth()
	if w == 0 {
		panic("columnar: ListElem of " + t.String())
	}
	return decodeScalar(t.Elem, v[i*w:i*w+w])
}

// decodeScalar decodes a fixed-width scalar; len(v) is k's width.
func decodeScalar(k Kind, v []byte) ScalarValue {
	le := binary.LittleEndian
	switch k {
	case KindBool:
		if v[0] != 0 {
			return ScalarValue{Kind: ScalarBool, Int: 1}
		}
		return ScalarValue{Kind: ScalarBool}
	case KindInt8:
		return ScalarValue{Kind: ScalarInt, Int: int64(int8(v[0]))}
	case KindInt16:
		return ScalarValue{Kind: ScalarInt, Int: int64(int16(le.Uint16(v)))}
	case KindInt32, KindDate32:
		return ScalarValue{Kind: ScalarInt, Int: int64(int32(le.Uint32(v)))}
	case KindInt64, KindTimestamp:
		return ScalarValue{Kind: ScalarInt, Int: int64(le.Uint64(v))}
	case KindUint8:
		return ScalarValue{Kind: ScalarUint, Uint: uint64(v[0])}
	case KindUint16:
		return ScalarValue{Kind: ScalarUint, Uint: uint64(le.Uint16(v))}
	case KindUint32:
		return ScalarValue{Kind: ScalarUint, Uint: uint64(le.Uint32(v))}
	case KindUint64:
		return ScalarValue{Kind: ScalarUint, Uint: le.Uint64(v)}
	case KindFloat16:
		return ScalarValue{Kind: ScalarFloat, Bits: 16, Float: halfToFloat64(le.Uint16(v))}
	case KindFloat32:
		return ScalarValue{Kind: ScalarFloat, Bits: 32, Float: float64(math.Float32frombits(le.Uint32(v)))}
	case KindFloat64:
		return ScalarValue{Kind: ScalarFloat, Bits: 64, Float: math.Float64frombits(le.Uint64(v))}
	}
	return ScalarValue{}
}

// AppendText appends the text form of s, as redis-cli shows it:
//
//   - integers in decimal (date32 as days and timestamps in their unit
//     since the epoch: 19000, 1700000000000);
//   - floats as the shortest decimal that reads back as the same value
//     at their width, in strconv's 'g' format: float32 0.1 is "0.1" (not
//     "0.10000000149011612"), 1e6 is "1e+06", 100000 is "100000"; NaN is
//     "nan" and infinities "inf" and "-inf", as Redis prints them;
//   - bools as "1" and "0", as Redis replies for flags;
//   - utf8 and binary as their bytes.
func (s ScalarValue) AppendText(dst []byte) []byte {
	switch s.Kind {
	case ScalarInt, ScalarBool:
		return strconv.AppendInt(dst, s.Int, 10)
	case ScalarUint:
		return strconv.AppendUint(dst, s.Uint, 10)
	case ScalarFloat:
		switch {
		case math.IsNaN(s.Float):
			return append(dst, "nan"...)
		case math.IsInf(s.Float, 1):
			return append(dst, "inf"...)
		case math.IsInf(s.Float, -1):
			return append(dst, "-inf"...)
		}
		return appendFloat(dst, s.Float, s.Bits)
	case ScalarString, ScalarBytes:
		return append(dst, s.Bytes...)
	}
	return dst
}

// appendFloat appends finite f shortest for its width (16, 32 or 64).
func appendFloat(dst []byte, f float64, width uint8) []byte {
	switch width {
	case 16:
		return appendFloat16(dst, f)
	case 32:
		return strconv.AppendFloat(dst, f, 'g', -1, 32)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// halfToFloat64 converts IEEE 754 half-precision bits exactly. (arrow-go's
// float16.Num.Float32 gets subnormals wrong.)
func halfToFloat64(h uint16) float64 {
	exp, frac := int(h>>10)&0x1f, float64(h&0x3ff)
	var f float64
	switch exp {
	case 0:
		f = math.Ldexp(frac, -24)
	case 0x1f:
		f = math.Inf(1)
		if frac != 0 {
			f = math.NaN()
		}
	default:
		f = math.Ldexp(1024+frac, exp-25)
	}
	if h&0x8000 != 0 {
		f = math.Copysign(f, -1)
	}
	return f
}

// appendFloat16 appends finite f, a float16 value, with the fewest
// significant digits (at most 5, which always suffice) that read back as
// f when rounded to float16. strconv has no 16-bit mode.
func appendFloat16(dst []byte, f float64) []byte {
	a := math.Abs(f)
	if a == 0 || a > 65504 || a != a {
		return strconv.AppendFloat(dst, f, 'g', -1, 32)
	}
	// The spacing of float16 values around a: 11 significant bits, and
	// 2^-24 for subnormals. Below a power of two the spacing halves,
	// except at the smallest normal.
	m, e := math.Frexp(a) // a = m × 2^e, m in [0.5, 1)
	ulp := math.Ldexp(1, max(e-11, -24))
	ulpBelow := ulp
	if m == 0.5 && e-12 >= -24 {
		ulpBelow = ulp / 2
	}
	// A decimal strictly between the midpoints to a's neighbours reads
	// back as a.
	lo, hi := a-ulpBelow/2, a+ulp/2
	n := len(dst)
	for prec := 1; ; prec++ {
		dst = strconv.AppendFloat(dst[:n], a, 'e', prec-1, 64)
		b := dst[n:]
		// b is only read during the call: ParseFloat keeps no reference
		// to its argument (an error, which would, is dropped).
		g, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
		if err == nil && g > lo && g < hi || prec == 5 {
			// g's shortest form is those prec digits, written in the
			// style of float32 and float64 ('g', shortest).
			return strconv.AppendFloat(dst[:n], math.Copysign(g, f), 'g', -1, 64)
		}
	}
}
