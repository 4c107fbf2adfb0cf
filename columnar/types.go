package columnar

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the physical kind of a column type.
type Kind uint8

// The kinds of DESIGN.md's type list. KindInvalid is the zero value and is
// never a valid column type.
const (
	KindInvalid Kind = iota
	KindBool
	KindInt8
	KindInt16
	KindInt32
	KindInt64
	KindUint8
	KindUint16
	KindUint32
	KindUint64
	KindFloat16
	KindFloat32
	KindFloat64
	KindUtf8
	KindBinary
	KindDate32
	KindTimestamp
	KindList
	KindFixedSizeList
	numKinds
)

var kindNames = [numKinds]string{
	KindInvalid:       "invalid",
	KindBool:          "bool",
	KindInt8:          "int8",
	KindInt16:         "int16",
	KindInt32:         "int32",
	KindInt64:         "int64",
	KindUint8:         "uint8",
	KindUint16:        "uint16",
	KindUint32:        "uint32",
	KindUint64:        "uint64",
	KindFloat16:       "float16",
	KindFloat32:       "float32",
	KindFloat64:       "float64",
	KindUtf8:          "utf8",
	KindBinary:        "binary",
	KindDate32:        "date32",
	KindTimestamp:     "timestamp",
	KindList:          "list",
	KindFixedSizeList: "fixed_size_list",
}

// String returns the kind's name as used in type strings.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Numeric reports whether k is an integer or floating-point kind, i.e. a
// kind allowed as the element of list<T> and fixed_size_list<T,N>.
func (k Kind) Numeric() bool { return k >= KindInt8 && k <= KindFloat64 }

// width is the byte width of a scalar kind in a stored row, 0 if variable
// or nested.
func (k Kind) width() int {
	switch k {
	case KindBool, KindInt8, KindUint8:
		return 1
	case KindInt16, KindUint16, KindFloat16:
		return 2
	case KindInt32, KindUint32, KindFloat32, KindDate32:
		return 4
	case KindInt64, KindUint64, KindFloat64, KindTimestamp:
		return 8
	}
	return 0
}

// TimeUnit is the unit of a timestamp column.
type TimeUnit uint8

// Timestamp units.
const (
	Second TimeUnit = iota
	Millisecond
	Microsecond
	Nanosecond
)

var unitNames = [...]string{Second: "s", Millisecond: "ms", Microsecond: "us", Nanosecond: "ns"}

// String returns "s", "ms", "us" or "ns".
func (u TimeUnit) String() string {
	if int(u) < len(unitNames) {
		return unitNames[u]
	}
	return "unit(" + strconv.Itoa(int(u)) + ")"
}

// MaxFixedSizeListLen bounds N in fixed_size_list<T,N>.
const MaxFixedSizeListLen = 1 << 20

// Type is a column type. It is a small comparable value: two Types are the
// same column type exactly when they are ==.
//
// Unit is meaningful only for KindTimestamp; Elem only for KindList and
// KindFixedSizeList; N only for KindFixedSizeList. Construct Types with
// ParseType, TypeFromArrow or the constructors below so unused fields stay
// zero.
type Type struct {
	Kind Kind
	Unit TimeUnit
	Elem Kind
	N    int32
}

// Scalar returns the Type of a scalar kind (not timestamp, list or
// fixed_size_list, which need parameters).
func Scalar(k Kind) Type { return Type{Kind: k} }

// Timestamp returns timestamp[u].
func Timestamp(u TimeUnit) Type { return Type{Kind: KindTimestamp, Unit: u} }

// ListOf returns list<elem>.
func ListOf(elem Kind) Type { return Type{Kind: KindList, Elem: elem} }

// FixedSizeListOf returns fixed_size_list<elem,n>.
func FixedSizeListOf(elem Kind, n int32) Type {
	return Type{Kind: KindFixedSizeList, Elem: elem, N: n}
}

// Valid reports whether t is a supported column type.
func (t Type) Valid() bool { return t.check() == nil }

func (t Type) check() error {
	switch t.Kind {
	case KindInvalid:
		return fmt.Errorf("invalid type")
	case KindTimestamp:
		if int(t.Unit) >= len(unitNames) {
			return fmt.Errorf("timestamp: bad unit %d", t.Unit)
		}
		if t.Elem != 0 || t.N != 0 {
			return fmt.Errorf("timestamp: unexpected element")
		}
		return nil
	case KindList, KindFixedSizeList:
		if !t.Elem.Numeric() {
			return fmt.Errorf("%s elements must be numeric, not %s", t.Kind, t.Elem)
		}
		if t.Unit != 0 {
			return fmt.Errorf("%s: unexpected unit", t.Kind)
		}
		if t.Kind == KindList && t.N != 0 {
			return fmt.Errorf("list: unexpected size")
		}
		if t.Kind == KindFixedSizeList && (t.N < 1 || t.N > MaxFixedSizeListLen) {
			return fmt.Errorf("fixed_size_list size %d out of range [1, %d]", t.N, MaxFixedSizeListLen)
		}
		return nil
	}
	if t.Kind >= numKinds {
		return fmt.Errorf("invalid type kind %d", t.Kind)
	}
	if t.Unit != 0 || t.Elem != 0 || t.N != 0 {
		return fmt.Errorf("%s: unexpected parameters", t.Kind)
	}
	return nil
}

// String returns the canonical spelling, which ParseType accepts:
// "float32", "timestamp[ms]", "list<float32>", "fixed_size_list<float32,4>".
func (t Type) String() string {
	switch t.Kind {
	case KindTimestamp:
		return "timestamp[" + t.Unit.String() + "]"
	case KindList:
		return "list<" + t.Elem.String() + ">"
	case KindFixedSizeList:
		return "fixed_size_list<" + t.Elem.String() + "," + strconv.Itoa(int(t.N)) + ">"
	}
	return t.Kind.String()
}

// FixedWidth returns the number of bytes a value of t takes in a stored
// row when that is the same for every value (every type but utf8, binary
// and list<T>), and ok=false otherwise. bool takes one byte.
func (t Type) FixedWidth() (width int, ok bool) {
	switch t.Kind {
	case KindUtf8, KindBinary, KindList:
		return 0, false
	case KindFixedSizeList:
		return int(t.N) * t.Elem.width(), true
	}
	w := t.Kind.width()
	return w, w > 0
}

// ElemWidth returns the byte width of one element of a list or
// fixed_size_list, and 0 for other types.
func (t Type) ElemWidth() int {
	if t.Kind == KindList || t.Kind == KindFixedSizeList {
		return t.Elem.width()
	}
	return 0
}

var scalarAliases = map[string]Kind{
	"boolean":     KindBool,
	"float":       KindFloat32, // pyarrow's spelling
	"double":      KindFloat64, // pyarrow's spelling
	"halffloat":   KindFloat16, // pyarrow's spelling
	"string":      KindUtf8,
	"str":         KindUtf8,
	"bytes":       KindBinary,
	"date32[day]": KindDate32, // pyarrow's spelling
}

func kindByName(name string) (Kind, bool) {
	for k := KindBool; k < numKinds; k++ {
		if kindNames[k] == name {
			return k, true
		}
	}
	k, ok := scalarAliases[name]
	return k, ok
}

// ParseType parses a type name: one of DESIGN.md's spellings
// (case-insensitive), where whitespace is allowed inside <> and [].
// Also accepted: pyarrow's spellings "float", "double", "halffloat",
// "string", "date32[day]", "list<item: float>" and
// "fixed_size_list<item: float>[4]".
func ParseType(s string) (Type, error) {
	t, err := parseType(s)
	if err != nil {
		return Type{}, err
	}
	if err := t.check(); err != nil {
		return Type{}, fmt.Errorf("type %q: %w", s, err)
	}
	return t, nil
}

func parseType(orig string) (Type, error) {
	// Drop all whitespace: no type name contains any.
	s := strings.ToLower(strings.Join(strings.Fields(orig), ""))
	bad := func(why string) (Type, error) {
		return Type{}, fmt.Errorf("type %q: %s (want one of bool, int8..int64, uint8..uint64, float16, float32, float64, utf8, binary, date32, timestamp[s|ms|us|ns], list<T>, fixed_size_list<T,N>)", orig, why)
	}
	if s == "" {
		return bad("empty type")
	}
	if rest, ok := strings.CutPrefix(s, "timestamp["); ok {
		unit, ok := strings.CutSuffix(rest, "]")
		if !ok {
			return bad("missing ']'")
		}
		for u, n := range unitNames {
			if n == unit {
				return Timestamp(TimeUnit(u)), nil
			}
		}
		return bad("unknown timestamp unit " + strconv.Quote(unit))
	}
	for _, nested := range []Kind{KindList, KindFixedSizeList} {
		rest, ok := strings.CutPrefix(s, nested.String()+"<")
		if !ok {
			continue
		}
		end := strings.LastIndexByte(rest, '>')
		if end < 0 {
			return bad("missing '>'")
		}
		inner, tail := rest[:end], rest[end+1:]
		inner = strings.TrimPrefix(inner, "item:")
		var n int64 = 0
		if nested == KindFixedSizeList {
			var size string
			if elem, sz, ok := strings.Cut(inner, ","); ok {
				inner, size = elem, sz
			} else if strings.HasPrefix(tail, "[") && strings.HasSuffix(tail, "]") {
				size, tail = tail[1:len(tail)-1], ""
			} else {
				return bad("fixed_size_list needs a size: fixed_size_list<T,N>")
			}
			var err error
			n, err = strconv.ParseInt(size, 10, 32)
			if err != nil || n < 1 || n > MaxFixedSizeListLen {
				return bad(fmt.Sprintf("fixed_size_list size %q is not an integer in [1, %d]", size, MaxFixedSizeListLen))
			}
		}
		if tail != "" {
			return bad("unexpected " + strconv.Quote(tail) + " after '>'")
		}
		elem, ok := kindByName(inner)
		if !ok || !elem.Numeric() {
			return bad(fmt.Sprintf("%s element type %q is not numeric", nested, inner))
		}
		return Type{Kind: nested, Elem: elem, N: int32(n)}, nil
	}
	k, ok := kindByName(s)
	if !ok || k == KindTimestamp || k == KindList || k == KindFixedSizeList {
		return bad("unknown type")
	}
	return Scalar(k), nil
}

func (k Kind) arrow() arrow.DataType {
	switch k {
	case KindBool:
		return arrow.FixedWidthTypes.Boolean
	case KindInt8:
		return arrow.PrimitiveTypes.Int8
	case KindInt16:
		return arrow.PrimitiveTypes.Int16
	case KindInt32:
		return arrow.PrimitiveTypes.Int32
	case KindInt64:
		return arrow.PrimitiveTypes.Int64
	case KindUint8:
		return arrow.PrimitiveTypes.Uint8
	case KindUint16:
		return arrow.PrimitiveTypes.Uint16
	case KindUint32:
		return arrow.PrimitiveTypes.Uint32
	case KindUint64:
		return arrow.PrimitiveTypes.Uint64
	case KindFloat16:
		return arrow.FixedWidthTypes.Float16
	case KindFloat32:
		return arrow.PrimitiveTypes.Float32
	case KindFloat64:
		return arrow.PrimitiveTypes.Float64
	case KindUtf8:
		return arrow.BinaryTypes.String
	case KindBinary:
		return arrow.BinaryTypes.Binary
	case KindDate32:
		return arrow.FixedWidthTypes.Date32
	}
	return nil
}

// Arrow returns the Arrow data type of t, or nil if t is not valid.
// Timestamps carry no time zone. Lists use Arrow's default element field
// ("item", nullable), as pyarrow's pa.list_ does, although stored list
// elements are never null.
func (t Type) Arrow() arrow.DataType {
	if t.check() != nil {
		return nil
	}
	switch t.Kind {
	case KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.TimeUnit(t.Unit)}
	case KindList:
		return arrow.ListOf(t.Elem.arrow())
	case KindFixedSizeList:
		return arrow.FixedSizeListOf(t.N, t.Elem.arrow())
	}
	return t.Kind.arrow()
}

func kindFromArrowID(id arrow.Type) Kind {
	switch id {
	case arrow.BOOL:
		return KindBool
	case arrow.INT8:
		return KindInt8
	case arrow.INT16:
		return KindInt16
	case arrow.INT32:
		return KindInt32
	case arrow.INT64:
		return KindInt64
	case arrow.UINT8:
		return KindUint8
	case arrow.UINT16:
		return KindUint16
	case arrow.UINT32:
		return KindUint32
	case arrow.UINT64:
		return KindUint64
	case arrow.FLOAT16:
		return KindFloat16
	case arrow.FLOAT32:
		return KindFloat32
	case arrow.FLOAT64:
		return KindFloat64
	case arrow.STRING:
		return KindUtf8
	case arrow.BINARY:
		return KindBinary
	case arrow.DATE32:
		return KindDate32
	}
	return KindInvalid
}

// TypeFromArrow maps an Arrow data type to a column type. Element
// nullability of lists is ignored. Unsupported types (large_utf8,
// string_view, structs, decimals, timestamps with a time zone, lists of
// non-numeric elements, ...) give an error naming the Arrow type.
func TypeFromArrow(dt arrow.DataType) (Type, error) {
	if dt == nil {
		return Type{}, fmt.Errorf("unsupported arrow type: nil")
	}
	unsupported := func(why string) (Type, error) {
		return Type{}, fmt.Errorf("unsupported arrow type %s: %s", dt, why)
	}
	switch t := dt.(type) {
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return unsupported("time zones are not stored; cast to timestamp[" + TimeUnit(t.Unit).String() + "] without a zone")
		}
		return Timestamp(TimeUnit(t.Unit)), nil
	case *arrow.ListType:
		elem := kindFromArrowID(t.Elem().ID())
		if !elem.Numeric() {
			return unsupported("list elements must be numeric")
		}
		return ListOf(elem), nil
	case *arrow.FixedSizeListType:
		elem := kindFromArrowID(t.Elem().ID())
		if !elem.Numeric() {
			return unsupported("fixed_size_list elements must be numeric")
		}
		if t.Len() < 1 || t.Len() > MaxFixedSizeListLen {
			return unsupported(fmt.Sprintf("size must be in [1, %d]", MaxFixedSizeListLen))
		}
		return FixedSizeListOf(elem, t.Len()), nil
	case *arrow.Date32Type:
		return Scalar(KindDate32), nil
	}
	k := kindFromArrowID(dt.ID())
	if k == KindInvalid {
		return unsupported("not one of the column types")
	}
	return Scalar(k), nil
}
