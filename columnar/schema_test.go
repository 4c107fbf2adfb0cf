package columnar

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func args(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i := range s {
		b[i] = []byte(s[i])
	}
	return b
}

func testSchema(t testing.TB) *Schema {
	t.Helper()
	cols, err := ParseColumns(args("ctr", "float32", "price", "float64", "emb", "fixed_size_list<float32,4>", "name", "utf8", "hist", "list<int64>", "ts", "timestamp[ms]"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Schema{Key: "id", TTLSeconds: 3600, Columns: cols}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseColumns(t *testing.T) {
	s := testSchema(t)
	if got := s.Columns[2]; got.Name != "emb" || got.Type != FixedSizeListOf(KindFloat32, 4) {
		t.Errorf("column 2 = %+v", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "at least one"},
		{[]string{"a"}, "pairs, got 1"},
		{[]string{"a", "float32", "b"}, "pairs, got 3"},
		{[]string{"a", "float32", "b", "flaot64"}, `column 'b': type "flaot64": unknown type`},
	} {
		_, err := ParseColumns(args(c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseColumns(%q) error = %v; want %q", c.args, err, c.want)
		}
	}
}

func TestValidateReportsEverything(t *testing.T) {
	s := &Schema{Key: "", TTLSeconds: -5, Columns: []Column{
		{Name: "a", Type: Scalar(KindFloat32)},
		{Name: "", Type: Scalar(KindInt8)},
		{Name: "a", Type: Scalar(KindInt8)},
		{Name: "b", Type: Type{Kind: KindList, Elem: KindUtf8}},
		{Name: "\xff", Type: Scalar(KindInt8)},
	}}
	err := s.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"key column has an empty name",
		"ttl -5 is negative",
		"column 1 has an empty name",
		`column 2 ("a") duplicates the name of column 0`,
		`column 3 ("b"): list elements must be numeric`,
		"not valid UTF-8",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	s = &Schema{Key: "id", Columns: []Column{{Name: "id", Type: Scalar(KindUtf8)}}}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), `column 0 ("id") has the name of the key column`) {
		t.Errorf("key clash: %v", err)
	}
	s = &Schema{Key: "id"}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "no columns") {
		t.Errorf("no columns: %v", err)
	}
}

func TestIndex(t *testing.T) {
	s := testSchema(t)
	if i, ok := s.Index("id"); !ok || i != KeyIndex {
		t.Errorf("Index(key) = %d, %v", i, ok)
	}
	if i, ok := s.Index("name"); !ok || i != 3 {
		t.Errorf("Index(name) = %d, %v", i, ok)
	}
	if _, ok := s.Index("nope"); ok {
		t.Error("Index(nope) found")
	}
}

func TestArrowSchemaAndBack(t *testing.T) {
	s := testSchema(t)
	as := s.ArrowSchema(nil)
	if as.NumFields() != 1+len(s.Columns) || as.Field(0).Name != "id" || !arrow.TypeEqual(as.Field(0).Type, arrow.BinaryTypes.String) {
		t.Fatalf("schema %v", as)
	}
	for _, f := range as.Fields() {
		if !f.Nullable {
			t.Errorf("field %s not nullable", f.Name)
		}
	}
	back, err := SchemaFromArrow(as, "id")
	if err != nil {
		t.Fatal(err)
	}
	back.TTLSeconds = s.TTLSeconds
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip: %+v != %+v", back, s)
	}
	proj := s.ArrowSchema([]int{2, KeyIndex, 0})
	if names := []string{proj.Field(0).Name, proj.Field(1).Name, proj.Field(2).Name}; !reflect.DeepEqual(names, []string{"emb", "id", "ctr"}) {
		t.Errorf("projection = %v", names)
	}
	if !arrow.TypeEqual(proj.Field(0).Type, arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32)) {
		t.Errorf("emb type %s", proj.Field(0).Type)
	}
}

func TestSchemaFromArrowErrors(t *testing.T) {
	as := arrow.NewSchema([]arrow.Field{
		{Name: "key", Type: arrow.PrimitiveTypes.Int64},
		{Name: "a", Type: arrow.BinaryTypes.LargeString},
		{Name: "b", Type: arrow.PrimitiveTypes.Float32},
	}, nil)
	_, err := SchemaFromArrow(as, "")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"key column 'key' must be utf8, not int64", "column 'a': unsupported arrow type large_utf8"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Without a key field: all fields are value columns, key defaults.
	s, err := SchemaFromArrow(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.FixedWidthTypes.Float16}}, nil), "")
	if err != nil || s.Key != DefaultKey || len(s.Columns) != 1 || s.Columns[0].Type != Scalar(KindFloat16) {
		t.Errorf("got %+v, %v", s, err)
	}
}

func TestSchemaMarshalRoundTrip(t *testing.T) {
	s := testSchema(t)
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Schema
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, s) {
		t.Errorf("round trip: %+v != %+v", got, s)
	}
	if _, err := (&Schema{Key: "k"}).MarshalBinary(); err == nil {
		t.Error("marshaled an invalid schema")
	}
}

func TestSchemaUnmarshalCorrupt(t *testing.T) {
	b, err := testSchema(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation fails.
	for n := range len(b) {
		var s Schema
		if err := s.UnmarshalBinary(b[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	// Trailing bytes, a bad version, a huge column count, a bad type.
	orig := testSchema(t)
	for name, data := range map[string][]byte{
		"trailing": append(append([]byte{}, b...), 0),
		"version":  append([]byte{9}, b[1:]...),
		"count":    {1, 1, 'k', 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"type":     {1, 1, 'k', 0, 1, 1, 'a', 4, 'n', 'o', 'p', 'e'},
		"dup":      {1, 1, 'k', 0, 2, 1, 'a', 4, 'u', 't', 'f', '8', 1, 'a', 4, 'u', 't', 'f', '8'},
	} {
		s := *orig
		if err := s.UnmarshalBinary(data); err == nil {
			t.Errorf("%s: no error", name)
		} else if !reflect.DeepEqual(&s, orig) {
			t.Errorf("%s: schema changed on error", name)
		}
	}
}

func FuzzSchemaUnmarshal(f *testing.F) {
	b, err := testSchema(f).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{1, 1, 'k', 0, 1, 1, 'a', 4, 'u', 't', 'f', '8'})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Schema
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		// Whatever decodes is valid and re-encodes to a schema equal to it.
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded invalid schema: %v", err)
		}
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var again Schema
		if err := again.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("re-decode: %+v, %v; want %+v", again, err, s)
		}
		if _, err := s.Layout(); err != nil {
			t.Fatal(err)
		}
	})
}
