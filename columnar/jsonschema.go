package columnar

// jsonschema.go owns Murr's JSON table schema, as the HTTP API takes and
// gives it:
//
//	{"key": "id",
//	 "columns": {"id": {"dtype": "utf8", "nullable": false},
//	             "score": {"dtype": "float32", "nullable": true}},
//	 "ttl_seconds": 0}

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ParseJSONSchema parses a JSON table schema and Validates it.
//
//   - "columns" (required) is an object of column name to {"dtype": T,
//     "nullable": b}; its order is the column order. T is any name
//     ParseType accepts ("float32", "list<float32>", "timestamp[ms]", ...).
//     "nullable" is optional and ignored: every value column is nullable.
//   - "key" names the key column, DefaultKey if absent. The key column may
//     appear in "columns" (anywhere), with dtype utf8; it is not a value
//     column.
//   - "ttl_seconds" is an optional non-negative integer (0: no expiry).
//
// Unknown fields are ignored, at the top level and in columns; a field of
// the wrong JSON type, a duplicate column, a key column of another dtype,
// a missing "columns" or trailing data is an error.
func ParseJSONSchema(b []byte) (*Schema, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	s := &Schema{Key: DefaultKey}
	var cols []jsonColumn
	sawColumns := false
	err := jsonObject(d, "schema", func(field string) error {
		switch field {
		case "key":
			return jsonValue(d, "key", &s.Key)
		case "columns":
			sawColumns = true
			cols = cols[:0]
			return jsonObject(d, `"columns"`, func(name string) error {
				c, err := parseJSONColumn(d, name)
				if err != nil {
					return err
				}
				cols = append(cols, c)
				return nil
			})
		case "ttl_seconds":
			var n json.Number
			if err := jsonValue(d, "ttl_seconds", &n); err != nil {
				return err
			}
			ttl, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil {
				return fmt.Errorf(`"ttl_seconds" must be an integer number of seconds, not %s`, n)
			}
			s.TTLSeconds = ttl
			return nil
		}
		var skip json.RawMessage
		return d.Decode(&skip)
	})
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("schema: unexpected data after the JSON object")
	}
	if !sawColumns {
		return nil, errors.New(`schema: "columns" is required`)
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if seen[c.name] {
			return nil, fmt.Errorf("schema: column '%s' appears twice", c.name)
		}
		seen[c.name] = true
		if c.name == s.Key {
			if c.typ.Kind != KindUtf8 {
				return nil, fmt.Errorf("schema: key column '%s' must be utf8, not %s", c.name, c.typ)
			}
			continue
		}
		s.Columns = append(s.Columns, Column{Name: c.name, Type: c.typ})
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return s, nil
}

type jsonColumn struct {
	name string
	typ  Type
}

func parseJSONColumn(d *json.Decoder, name string) (jsonColumn, error) {
	c := jsonColumn{name: name}
	what := `column '` + name + `'`
	sawType := false
	err := jsonObject(d, what, func(field string) error {
		switch field {
		case "dtype":
			var ts string
			if err := jsonValue(d, what+` "dtype"`, &ts); err != nil {
				return err
			}
			t, err := ParseType(ts)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			c.typ, sawType = t, true
			return nil
		case "nullable":
			var b bool
			return jsonValue(d, what+` "nullable"`, &b)
		}
		var skip json.RawMessage
		return d.Decode(&skip)
	})
	if err == nil && !sawType {
		err = fmt.Errorf(`%s has no "dtype"`, what)
	}
	return c, err
}

// jsonObject reads a JSON object from d, calling field for each member
// name; field must consume the member's value.
func jsonObject(d *json.Decoder, what string, field func(name string) error) error {
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("schema: %s: %w", what, err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return fmt.Errorf("schema: %s must be a JSON object", what)
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("schema: %s: %w", what, err)
		}
		name, _ := tok.(string) // object keys are always strings
		if err := field(name); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil { // the closing '}'
		return fmt.Errorf("schema: %s: %w", what, err)
	}
	return nil
}

// jsonValue reads the next value, a JSON string, number or boolean as v's
// type says, naming what on a type error. null is a type error too.
func jsonValue(d *json.Decoder, what string, v any) error {
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("schema: %s: %w", what, err)
	}
	ok := false
	switch v := v.(type) {
	case *string:
		*v, ok = tok.(string)
	case *bool:
		*v, ok = tok.(bool)
	case *json.Number:
		*v, ok = tok.(json.Number)
	}
	if ok {
		return nil
	}
	got := "null"
	switch tok := tok.(type) {
	case string:
		got = "a string"
	case bool:
		got = "a boolean"
	case json.Number:
		got = "a number"
	case json.Delim:
		got = "an object"
		if tok == '[' {
			got = "an array"
		}
	}
	return fmt.Errorf("schema: %s must be a JSON %s, not %s", what, jsonTypeName(v), got)
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case *string:
		return "string"
	case *bool:
		return "boolean"
	}
	return "number"
}

// AppendJSON appends s as a JSON table schema: the key column first in
// "columns" (utf8, nullable false), then the value columns in index order
// (nullable true), and ttl_seconds. ParseJSONSchema reads it back.
func (s *Schema) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"key":`...)
	dst = AppendJSONString(dst, s.Key)
	dst = append(dst, `,"columns":{`...)
	dst = AppendJSONString(dst, s.Key)
	dst = append(dst, `:{"dtype":"utf8","nullable":false}`...)
	for _, c := range s.Columns {
		dst = append(dst, ',')
		dst = AppendJSONString(dst, c.Name)
		dst = append(dst, `:{"dtype":`...)
		dst = AppendJSONString(dst, c.Type.String())
		dst = append(dst, `,"nullable":true}`...)
	}
	dst = append(dst, `},"ttl_seconds":`...)
	dst = strconv.AppendInt(dst, s.TTLSeconds, 10)
	return append(dst, '}')
}
