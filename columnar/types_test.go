package columnar

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// allTypes is one of every column type.
func allTypes() []Type {
	var ts []Type
	for k := KindBool; k <= KindDate32; k++ {
		ts = append(ts, Scalar(k))
	}
	for u := Second; u <= Nanosecond; u++ {
		ts = append(ts, Timestamp(u))
	}
	for k := KindInt8; k <= KindFloat64; k++ {
		ts = append(ts, ListOf(k), FixedSizeListOf(k, 3))
	}
	return ts
}

func TestTypeStringParseArrowRoundTrip(t *testing.T) {
	for _, typ := range allTypes() {
		s := typ.String()
		got, err := ParseType(s)
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v; want %v", s, got, err, typ)
		}
		dt := typ.Arrow()
		if dt == nil {
			t.Fatalf("%v: nil arrow type", typ)
		}
		back, err := TypeFromArrow(dt)
		if err != nil || back != typ {
			t.Errorf("TypeFromArrow(%s) = %v, %v; want %v", dt, back, err, typ)
		}
	}
}

func TestParseTypeSpellings(t *testing.T) {
	cases := map[string]string{
		"FLOAT32":                         "float32",
		"  int64 ":                        "int64",
		"Timestamp[MS]":                   "timestamp[ms]",
		"timestamp[ us ]":                 "timestamp[us]",
		"list< float32 >":                 "list<float32>",
		"LIST<Float16>":                   "list<float16>",
		"fixed_size_list<float32, 128>":   "fixed_size_list<float32,128>",
		"fixed_size_list< uint8 ,4 >":     "fixed_size_list<uint8,4>",
		"fixed_size_list<item: float>[4]": "fixed_size_list<float32,4>",
		"list<item: double>":              "list<float64>",
		"string":                          "utf8",
		"double":                          "float64",
		"halffloat":                       "float16",
		"date32[day]":                     "date32",
		"boolean":                         "bool",
	}
	for in, want := range cases {
		got, err := ParseType(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseType(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

func TestParseTypeErrors(t *testing.T) {
	cases := map[string]string{
		"":                                 "empty type",
		"flaot32":                          "unknown type",
		"timestamp":                        "unknown type",
		"timestamp[h]":                     "unknown timestamp unit",
		"timestamp[ms":                     "missing ']'",
		"list<utf8>":                       "not numeric",
		"list<bool>":                       "not numeric",
		"list<float32":                     "missing '>'",
		"list<list<float32>>":              "not numeric",
		"fixed_size_list<float32>":         "needs a size",
		"fixed_size_list<float32,0>":       "not an integer in [1,",
		"fixed_size_list<float32,-1>":      "not an integer in [1,",
		"fixed_size_list<float32,x>":       "not an integer in [1,",
		"fixed_size_list<float32,4>x":      "unexpected",
		"fixed_size_list<float32,9999999>": "not an integer in [1,",
	}
	for in, want := range cases {
		_, err := ParseType(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseType(%q) error = %v; want it to contain %q", in, err, want)
		}
	}
}

func TestFixedWidth(t *testing.T) {
	cases := []struct {
		typ   Type
		width int
		ok    bool
	}{
		{Scalar(KindBool), 1, true},
		{Scalar(KindFloat16), 2, true},
		{Scalar(KindDate32), 4, true},
		{Timestamp(Nanosecond), 8, true},
		{Scalar(KindUint64), 8, true},
		{FixedSizeListOf(KindFloat32, 128), 512, true},
		{Scalar(KindUtf8), 0, false},
		{Scalar(KindBinary), 0, false},
		{ListOf(KindFloat64), 0, false},
	}
	for _, c := range cases {
		w, ok := c.typ.FixedWidth()
		if w != c.width || ok != c.ok {
			t.Errorf("%v.FixedWidth() = %d, %v; want %d, %v", c.typ, w, ok, c.width, c.ok)
		}
	}
}

func TestTypeFromArrowUnsupported(t *testing.T) {
	cases := []struct {
		dt   arrow.DataType
		want string
	}{
		{arrow.BinaryTypes.LargeString, "large_utf8"},
		{arrow.BinaryTypes.StringView, "string_view"},
		{&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, "time zones"},
		{arrow.ListOf(arrow.BinaryTypes.String), "list elements must be numeric"},
		{arrow.FixedSizeListOf(2, arrow.FixedWidthTypes.Boolean), "elements must be numeric"},
		{arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int8}), "struct"},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, "decimal"},
		{nil, "nil"},
	}
	for _, c := range cases {
		_, err := TypeFromArrow(c.dt)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "unsupported arrow type") {
			t.Errorf("TypeFromArrow(%v) error = %v; want it to name %q", c.dt, err, c.want)
		}
	}
	// Element nullability does not matter.
	typ, err := TypeFromArrow(arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32))
	if err != nil || typ != ListOf(KindFloat32) {
		t.Errorf("non-nullable list: %v, %v", typ, err)
	}
}

func TestInvalidTypes(t *testing.T) {
	for _, typ := range []Type{{}, {Kind: numKinds}, {Kind: KindInt8, N: 3}, {Kind: KindList, Elem: KindUtf8}, {Kind: KindTimestamp, Unit: 9}} {
		if typ.Valid() || typ.Arrow() != nil {
			t.Errorf("%#v should be invalid", typ)
		}
	}
}
