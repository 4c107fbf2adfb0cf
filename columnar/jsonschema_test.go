package columnar

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSONSchema(t *testing.T) {
	s, err := ParseJSONSchema([]byte(`{"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false},
		"score": {"dtype": "float32", "nullable": true}}, "ttl_seconds": 0}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Schema{Key: "id", Columns: []Column{{"score", Scalar(KindFloat32)}}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v, want %+v", s, want)
	}

	// Order is kept; the key column may come anywhere or not at all;
	// unknown fields are ignored; type spellings are ParseType's.
	s, err = ParseJSONSchema([]byte(`{"columns": {"z": {"dtype": "list<float32>"}, "a": {"dtype": "Timestamp[ms]", "extra": [1, {"x": 2}]},
		"key": {"dtype": "string"}, "m": {"dtype": "fixed_size_list<float32, 8>", "nullable": false}, "b": {"dtype": "double"}},
		"ttl_seconds": 3600, "comment": {"nested": [true]}, "version": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	want = &Schema{Key: "key", TTLSeconds: 3600, Columns: []Column{
		{"z", ListOf(KindFloat32)}, {"a", Timestamp(Millisecond)}, {"m", FixedSizeListOf(KindFloat32, 8)}, {"b", Scalar(KindFloat64)},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v, want %+v", s, want)
	}
}

func TestParseJSONSchemaErrors(t *testing.T) {
	for _, c := range []struct{ in, err string }{
		{``, "EOF"},
		{`[]`, "schema must be a JSON object"},
		{`{"key": "id"}`, `"columns" is required`},
		{`{"columns": []}`, `"columns" must be a JSON object`},
		{`{"columns": {}}`, "table has no columns"},
		{`{"columns": {"a": "float32"}}`, `column 'a' must be a JSON object`},
		{`{"columns": {"a": {}}}`, `column 'a' has no "dtype"`},
		{`{"columns": {"a": {"dtype": 5}}}`, `column 'a' "dtype" must be a JSON string, not a number`},
		{`{"columns": {"a": {"dtype": null}}}`, `column 'a' "dtype" must be a JSON string, not null`},
		{`{"columns": {"a": {"dtype": "float31"}}}`, `column 'a': type "float31": unknown type`},
		{`{"columns": {"a": {"dtype": "int8", "nullable": "yes"}}}`, `"nullable" must be a JSON boolean, not a string`},
		{`{"columns": {"a": {"dtype": "int8"}, "a": {"dtype": "int16"}}}`, `column 'a' appears twice`},
		{`{"key": "id", "columns": {"id": {"dtype": "int64"}, "a": {"dtype": "int8"}}}`, `key column 'id' must be utf8, not int64`},
		{`{"key": 1, "columns": {"a": {"dtype": "int8"}}}`, `key must be a JSON string, not a number`},
		{`{"key": "", "columns": {"a": {"dtype": "int8"}}}`, `key column has an empty name`},
		{`{"columns": {"a": {"dtype": "int8"}}, "ttl_seconds": -1}`, `ttl -1 is negative`},
		{`{"columns": {"a": {"dtype": "int8"}}, "ttl_seconds": 1.5}`, `must be an integer`},
		{`{"columns": {"a": {"dtype": "int8"}}, "ttl_seconds": "60"}`, `ttl_seconds must be a JSON number, not a string`},
		{`{"columns": {"a": {"dtype": "int8"}}} {}`, `unexpected data after the JSON object`},
		{`{"columns": {"a": {"dtype": "int8"}}`, `EOF`},
		{`{"columns": {"a": {"dtype": "int8"},}}`, `invalid character`},
	} {
		_, err := ParseJSONSchema([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err %v, want %q", c.in, err, c.err)
		}
	}
}

func TestSchemaAppendJSON(t *testing.T) {
	s := &Schema{Key: "id", TTLSeconds: 60, Columns: []Column{{"score", Scalar(KindFloat32)}, {"emb", FixedSizeListOf(KindFloat16, 4)}, {"q\"", Scalar(KindUtf8)}}}
	got := string(s.AppendJSON(nil))
	want := `{"key":"id","columns":{"id":{"dtype":"utf8","nullable":false},"score":{"dtype":"float32","nullable":true},` +
		`"emb":{"dtype":"fixed_size_list<float16,4>","nullable":true},"q\"":{"dtype":"utf8","nullable":true}},"ttl_seconds":60}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	back, err := ParseJSONSchema([]byte(got))
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	all := allTypesSchema()
	back, err = ParseJSONSchema(all.AppendJSON(nil))
	if err != nil || !reflect.DeepEqual(back, all) {
		t.Fatalf("round trip of every type: %v", err)
	}
}

func FuzzParseJSONSchema(f *testing.F) {
	f.Add([]byte(`{"key": "id", "columns": {"id": {"dtype": "utf8", "nullable": false}, "score": {"dtype": "float32", "nullable": true}}, "ttl_seconds": 0}`))
	f.Add([]byte(`{"columns": {"a": {"dtype": "list<int8>"}, "b": {"dtype": "fixed_size_list<float32,3>"}}, "ttl_seconds": 5, "x": [1, {}]}`))
	f.Add(allTypesSchema().AppendJSON(nil))
	f.Add([]byte(`{"columns": {"a": {"dtype": "int8"}}} x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseJSONSchema(b)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed an invalid schema: %v", err)
		}
		out := s.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("AppendJSON gives invalid JSON: %s", out)
		}
		back, err := ParseJSONSchema(out)
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip of %s: %+v, %v", out, back, err)
		}
	})
}
