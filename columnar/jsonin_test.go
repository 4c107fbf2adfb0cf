package columnar

import (
	"encoding/base64"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// ingJSON decodes body into the every-type table.
func ingJSON(t testing.TB, body string) (*Updates, error) {
	t.Helper()
	var u Updates
	_, err := ingDecoder(t, ingAllTypes(), false).DecodeJSON(strings.NewReader(body), 1<<20, &u)
	return &u, err
}

func TestDecodeJSONEveryType(t *testing.T) {
	s := ingAllTypes()
	body := `{"ignored": [1, {"x": null}], "columns": {
		"id": ["a", "b", ""],
		"c_bool": [true, false, null],
		"c_int8": [-128, 127, null],
		"c_int16": [1.0, -32768, 2e3],
		"c_int32": [2147483647, -1, null],
		"c_int64": [9223372036854775807, -9223372036854775808, 0],
		"c_uint8": [255, 0, null],
		"c_uint16": [65535, 1, null],
		"c_uint32": [4294967295, 7, null],
		"c_uint64": [18446744073709551615, 0, null],
		"c_float16": [1, -0.1, 65504],
		"c_float32": [0.5, "NaN", "-Infinity"],
		"c_float64": [1e300, -2.5, null],
		"c_utf8": ["héllo", "", null],
		"c_binary": ["` + base64.StdEncoding.EncodeToString([]byte{0, 1, 0xff}) + `", "", null],
		"c_date32": ["1970-01-02", -1, null],
		"c_timestamp[s]": ["2024-01-01T00:00:00Z", -5, null],
		"c_timestamp[ms]": ["1970-01-01T00:00:01.5+00:00", 1, null],
		"c_timestamp[us]": ["1969-12-31T23:59:59.999999Z", 2, null],
		"c_timestamp[ns]": ["2000-01-01T01:00:00.000000001+01:00", 3, null],
		"c_list<float32>": [[1, 2.5], [], null],
		"c_list<int64>": [[-1], [9223372036854775807], null],
		"c_list<uint8>": [[], [255, 0], null],
		"c_fixed_size_list<float32,3>": [[1, 2, 3], null, [0, -0, 1e-3]],
		"c_fixed_size_list<int16,1>": [[-5], [7], null]
	}}`
	u, err := ingJSON(t, body)
	if err != nil {
		t.Fatal(err)
	}
	i8 := func(v int8) []byte { return []byte{byte(v)} }
	i16 := func(v int16) []byte { return le16(uint16(v)) }
	i32 := func(v int32) []byte { return le32(uint32(v)) }
	i64 := func(v int64) []byte { return le64(uint64(v)) }
	cat := func(bs ...[]byte) []byte {
		out := []byte{}
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	values := [][][]byte{
		{{1}, {0}, nil},
		{i8(-128), i8(127), nil},
		{i16(1), i16(-32768), i16(2000)},
		{i32(math.MaxInt32), i32(-1), nil},
		{i64(math.MaxInt64), i64(math.MinInt64), i64(0)},
		{{255}, {0}, nil},
		{le16(65535), le16(1), nil},
		{le32(math.MaxUint32), le32(7), nil},
		{le64(math.MaxUint64), le64(0), nil},
		{le16(0x3c00), le16(0xae66), le16(0x7bff)},
		{ingF32(0.5), ingF32(float32(math.NaN())), ingF32(float32(math.Inf(-1)))},
		{ingF64(1e300), ingF64(-2.5), nil},
		{[]byte("héllo"), {}, nil},
		{{0, 1, 0xff}, {}, nil},
		{i32(1), i32(-1), nil},
		{i64(1704067200), i64(-5), nil},
		{i64(1500), i64(1), nil},
		{i64(-1), i64(2), nil},
		{i64(946684800000000001), i64(3), nil},
		{cat(ingF32(1), ingF32(2.5)), {}, nil},
		{i64(-1), i64(math.MaxInt64), nil},
		{{}, {255, 0}, nil},
		{cat(ingF32(1), ingF32(2), ingF32(3)), nil, cat(ingF32(0), ingF32(float32(math.Copysign(0, -1))), ingF32(0.001))},
		{i16(-5), i16(7), nil},
	}
	ingCheckUpdates(t, s, u, 0, [][]byte{[]byte("a"), []byte("b"), {}}, ingAllCols(s), values)
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"columns": {"id": ["a"], "nope": [1]}}`, "no such column 'nope' in table 't'"},
		{`{"columns": {"c_int8": [1]}}`, "key column 'id' of table 't' is missing from the batch"},
		{`{"columns": {"id": ["a", "b"], "c_int8": [1]}}`, "column 'c_int8' has 1 values but column 'id' has 2"},
		{`{"columns": {"id": ["a"], "c_int8": [1], "c_int8": [2]}}`, "duplicate column 'c_int8' in the batch"},
		{`{"columns": {"id": ["a", "b"], "c_int8": [127, 128]}}`, "column 'c_int8' row 1: value 128 out of range for int8"},
		{`{"columns": {"id": ["a"], "c_int8": [-129]}}`, "column 'c_int8' row 0: value -129 out of range for int8"},
		{`{"columns": {"id": ["a"], "c_uint64": [18446744073709551616]}}`, "column 'c_uint64' row 0: value 18446744073709551616 out of range for uint64"},
		{`{"columns": {"id": ["a"], "c_int64": [-9223372036854775809]}}`, "column 'c_int64' row 0: value -9223372036854775809 out of range for int64"},
		{`{"columns": {"id": ["a"], "c_int32": [1.5]}}`, "column 'c_int32' row 0: want int32, got 1.5"},
		{`{"columns": {"id": ["a"], "c_int64": [1e20]}}`, "column 'c_int64' row 0: value 1e20 is not exact: write integers beyond 2^53 without a fraction or exponent"},
		{`{"columns": {"id": ["a"], "c_int32": ["1"]}}`, `column 'c_int32' row 0: want int32, got "1"`},
		{`{"columns": {"id": ["a"], "c_float32": [1e39]}}`, "column 'c_float32' row 0: value 1e+39 out of range for float32"},
		{`{"columns": {"id": ["a"], "c_float64": [1e400]}}`, "column 'c_float64' row 0: value 1e400 out of range for float64"},
		{`{"columns": {"id": ["a"], "c_bool": [1]}}`, "column 'c_bool' row 0: want bool, got 1"},
		{`{"columns": {"id": [1]}}`, "column 'id' row 0: want utf8, got 1"},
		{`{"columns": {"id": [null]}}`, "null key in row 0"},
		{`{"columns": {"id": ["a"], "c_binary": ["***"]}}`, "column 'c_binary' row 0: want base64 for binary: illegal base64 data at input byte 0"},
		{`{"columns": {"id": ["a"], "c_date32": ["2024-13-01"]}}`, `column 'c_date32' row 0: want a date YYYY-MM-DD, got "2024-13-01"`},
		{`{"columns": {"id": ["a"], "c_timestamp[s]": ["2024-01-01T00:00:00.5Z"]}}`, "column 'c_timestamp[s]' row 0: time 2024-01-01T00:00:00.5Z: has more precision than the unit for timestamp[s]"},
		{`{"columns": {"id": ["a"], "c_timestamp[ns]": ["3000-01-01T00:00:00Z"]}}`, "column 'c_timestamp[ns]' row 0: time 3000-01-01T00:00:00Z: out of range for timestamp[ns]"},
		{`{"columns": {"id": ["a"], "c_timestamp[ms]": ["yesterday"]}}`, `column 'c_timestamp[ms]' row 0: want an RFC 3339 time, got "yesterday"`},
		{`{"columns": {"id": ["a"], "c_list<float32>": [[1, null]]}}`, "column 'c_list<float32>' row 0: list element 1 is null"},
		{`{"columns": {"id": ["a"], "c_list<uint8>": [[256]]}}`, "column 'c_list<uint8>' row 0: list element 0: value 256 out of range for uint8"},
		{`{"columns": {"id": ["a"], "c_list<float32>": [[[1]]]}}`, "column 'c_list<float32>' row 0: list element 0: want float32, got an array"},
		{`{"columns": {"id": ["a"], "c_list<float32>": [1]}}`, "column 'c_list<float32>' row 0: want list<float32>, got 1"},
		{`{"columns": {"id": ["a"], "c_fixed_size_list<float32,3>": [[1, 2]]}}`, "column 'c_fixed_size_list<float32,3>' row 0: list of 2 values for fixed_size_list<float32,3>"},
		{`{"columns": {"id": "a"}}`, `malformed json write body: want column 'id': an array of values, got "a"`},
		{`{"columns": []}`, `malformed json write body: want an object of columns, {"col": [values], ...}, got an array`},
		{`{"rows": []}`, `malformed json write body: no "columns" object (want {"columns": {...}})`},
		{`[]`, `malformed json write body: want {"columns": {...}}, got an array`},
		{``, `malformed json write body: unexpected end of body`},
		{`{"columns": {"id": ["a"]}} {}`, `malformed json write body: data after the body's object`},
		{`{"columns": {"id": ["a"]}, "columns": {}}`, `malformed json write body: "columns" given twice`},
		{`{"columns": {"id": ["a",]}}`, `malformed json write body: invalid character ']' looking for beginning of value`},
		{`{"columns": {"id": ["a"`, `malformed json write body: unexpected end of body`},
	} {
		u, err := ingJSON(t, tc.body)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.body, err, tc.want)
		}
		if u.Len() != 0 {
			t.Errorf("%s: %d updates", tc.body, u.Len())
		}
	}
}

func TestDecodeJSONBoolBitmaps(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"b", Scalar(KindBool)}}}
	in := []string{"null", "true", "null", "null", "null", "null", "null", "null", "null", "false", "true", "null", "true", "true", "true", "true", "true", "null"}
	keys := ingKeys(len(in))
	want := make([][]byte, len(in))
	var ks []string
	for i, v := range in {
		ks = append(ks, `"`+string(keys[i])+`"`)
		switch v {
		case "true":
			want[i] = []byte{1}
		case "false":
			want[i] = []byte{0}
		}
	}
	body := `{"columns": {"id": [` + strings.Join(ks, ",") + `], "b": [` + strings.Join(in, ",") + `]}}`
	var u Updates
	if _, err := ingDecoder(t, s, false).DecodeJSON(strings.NewReader(body), 1<<20, &u); err != nil {
		t.Fatal(err)
	}
	ingCheckUpdates(t, s, &u, 0, keys, []int{0}, [][][]byte{want})
}

func TestDecodeJSONLimits(t *testing.T) {
	body := `{"columns": {"id": ["a", "b", "c"]}}`
	s := ingAllTypes()
	if _, err := DecodeJSONColumns(strings.NewReader(body), "t", s, int64(len(body))); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	_, err := DecodeJSONColumns(iotest.HalfReader(strings.NewReader(body)), "t", s, int64(len(body)-1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: %v", err)
	}
	if _, err := DecodeJSONColumns(strings.NewReader(body), "t", s, 0); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	boom := errors.New("client went away")
	_, err = DecodeJSONColumns(io.MultiReader(strings.NewReader(body[:10]), ingFailingReader{boom}), "t", s, 1<<20)
	if !errors.Is(err, boom) || errors.Is(err, ErrBadJSON) {
		t.Fatalf("failing source: %v", err)
	}
	// A null fixed_size_list takes its N elements in Arrow: the body
	// must not expand beyond its size limit that way.
	fs := &Schema{Key: "id", Columns: []Column{{"v", FixedSizeListOf(KindFloat64, 1<<20)}}}
	big := `{"columns": {"id": [` + strings.Repeat(`"a",`, 99) + `"a"], "v": [` + strings.Repeat("null,", 99) + `null]}}`
	if _, err := DecodeJSONColumns(strings.NewReader(big), "t", fs, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("expanding nulls: %v", err)
	}
}

func TestDecodeJSONRecord(t *testing.T) {
	// The record is valid Arrow, with the body's columns in body order.
	rec, err := DecodeJSONColumns(strings.NewReader(`{"columns": {"c_float32": [1, null], "id": ["x", "y"]}}`), "t", ingAllTypes(), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatal(err)
	}
	if got := rec.Schema().String(); !strings.Contains(got, "c_float32: type=float32, nullable") || rec.Schema().Field(1).Name != "id" || rec.NumRows() != 2 {
		t.Fatalf("schema %s, %d rows", got, rec.NumRows())
	}
	// No rows.
	rec2, err := DecodeJSONColumns(strings.NewReader(`{"columns": {"id": [], "c_list<int64>": []}}`), "t", ingAllTypes(), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	if err := array.ValidateRecordFull(rec2); err != nil || rec2.NumRows() != 0 {
		t.Fatal(err, rec2.NumRows())
	}
	rec2.Release()
}

func FuzzDecodeJSONColumns(f *testing.F) {
	f.Add([]byte(`{"columns": {"id": ["a", "b"], "c_float32": [1, null], "c_list<int64>": [[1, 2], []]}}`))
	f.Add([]byte(`{"columns": {"id": ["a"], "c_bool": [true], "c_utf8": ["x"], "c_binary": ["AAE="], "c_date32": ["2024-02-29"], "c_timestamp[ns]": ["2024-01-01T00:00:00.123456789Z"], "c_fixed_size_list<int16,1>": [[1]], "c_uint64": [1e3]}}`))
	f.Add([]byte(`{"x": {"y": [1, {"z": []}]}, "columns": {"id": [null], "c_float16": ["NaN"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ingAllTypes()
		rec, err := DecodeJSONColumns(strings.NewReader(string(b)), "t", s, 1<<16)
		if err != nil {
			return
		}
		defer rec.Release()
		if err := array.ValidateRecordFull(rec); err != nil {
			t.Fatalf("invalid record: %v", err)
		}
		var u Updates
		d, _ := NewDecoder("t", s, false)
		if err := d.Record(rec, &u); err != nil {
			if !strings.HasPrefix(err.Error(), "null key in row") {
				t.Fatalf("Record: %v", err)
			}
			return
		}
		l, _ := s.Layout()
		for i := range u.Len() {
			if _, row := u.At(i); l.Check(row) != nil {
				t.Fatalf("update %d: %v", i, l.Check(row))
			}
		}
	})
}
