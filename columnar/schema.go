package columnar

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultKey is the key column's name when MURR.CREATE gives no KEY.
const DefaultKey = "key"

// KeyIndex is the column index Schema.Index returns for the key column and
// that ArrowSchema accepts in a projection to mean the key column.
const KeyIndex = -1

// MaxColumns bounds the number of value columns of a table.
const MaxColumns = 1 << 16

// MaxNameLen bounds the byte length of column and key names.
const MaxNameLen = 1 << 10

// Column is a value column of a table. Its position in Schema.Columns is
// its column index, which row encodings use; it never changes.
type Column struct {
	Name string
	Type Type
}

// Schema describes a table: its key column (always utf8, never stored as a
// value column), its TTL, and its value columns in index order.
//
// Column positions are stable: a column keeps its index for the life of the
// table, and columns added later are appended, so rows written before the
// addition read the new columns as null.
type Schema struct {
	Key        string
	TTLSeconds int64 // 0: rows never expire
	Columns    []Column
}

// Index returns the index of the column called name: KeyIndex for the key
// column, and ok=false if there is no such column. It is a linear scan.
func (s *Schema) Index(name string) (int, bool) {
	if name == s.Key {
		return KeyIndex, true
	}
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// Validate reports every problem with s at once, joined with errors.Join:
// an empty, over-long or non-UTF-8 key or column name, a column named like
// the key column, duplicate names, invalid types, a negative TTL, no or
// too many columns.
func (s *Schema) Validate() error {
	var errs []error
	checkName := func(what, name string) {
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("%s has an empty name", what))
		case len(name) > MaxNameLen:
			errs = append(errs, fmt.Errorf("%s name is %d bytes, more than %d", what, len(name), MaxNameLen))
		case !utf8.ValidString(name):
			errs = append(errs, fmt.Errorf("%s name %q is not valid UTF-8", what, name))
		}
	}
	checkName("key column", s.Key)
	if s.TTLSeconds < 0 {
		errs = append(errs, fmt.Errorf("ttl %d is negative", s.TTLSeconds))
	}
	switch {
	case len(s.Columns) == 0:
		errs = append(errs, errors.New("table has no columns"))
	case len(s.Columns) > MaxColumns:
		errs = append(errs, fmt.Errorf("table has %d columns, more than %d", len(s.Columns), MaxColumns))
	}
	seen := make(map[string]int, len(s.Columns))
	for i, c := range s.Columns {
		what := fmt.Sprintf("column %d", i)
		if c.Name != "" {
			what = fmt.Sprintf("column %d (%q)", i, c.Name)
		}
		checkName(what, c.Name)
		if c.Name != "" && c.Name == s.Key {
			errs = append(errs, fmt.Errorf("%s has the name of the key column", what))
		}
		if j, dup := seen[c.Name]; dup && c.Name != "" {
			errs = append(errs, fmt.Errorf("%s duplicates the name of column %d", what, j))
		} else {
			seen[c.Name] = i
		}
		if err := c.Type.check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	return errors.Join(errs...)
}

// ParseColumns parses the arguments after COLUMNS: <col> <type> pairs.
// It checks types, not names; Validate the resulting Schema.
func ParseColumns(args [][]byte) ([]Column, error) {
	if len(args) == 0 {
		return nil, errors.New("COLUMNS needs at least one <col> <type> pair")
	}
	if len(args)%2 != 0 {
		return nil, fmt.Errorf("COLUMNS needs <col> <type> pairs, got %d arguments", len(args))
	}
	cols := make([]Column, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		t, err := ParseType(string(args[i+1]))
		if err != nil {
			return nil, fmt.Errorf("column '%s': %w", args[i], err)
		}
		cols = append(cols, Column{Name: string(args[i]), Type: t})
	}
	return cols, nil
}

// SchemaFromArrow builds a Schema from an Arrow schema (MURR.CREATE ...
// SCHEMA). key names the key column, DefaultKey if empty; if the Arrow
// schema has a field of that name it must be utf8 and is not a value
// column. Field order gives column order. TTLSeconds is 0. Errors name
// the offending field; the result is not Validated.
func SchemaFromArrow(as *arrow.Schema, key string) (*Schema, error) {
	if as == nil {
		return nil, errors.New("nil arrow schema")
	}
	if key == "" {
		key = DefaultKey
	}
	s := &Schema{Key: key}
	var errs []error
	for _, f := range as.Fields() {
		if f.Name == key {
			if f.Type == nil || f.Type.ID() != arrow.STRING {
				errs = append(errs, fmt.Errorf("key column '%s' must be utf8, not %s", key, f.Type))
			}
			continue
		}
		t, err := TypeFromArrow(f.Type)
		if err != nil {
			errs = append(errs, fmt.Errorf("column '%s': %w", f.Name, err))
			continue
		}
		s.Columns = append(s.Columns, Column{Name: f.Name, Type: t})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// ArrowSchema returns the Arrow schema of a projection of the table, in
// projection order; a nil projection means the key column followed by all
// value columns. Projection entries are column indexes, or KeyIndex for the
// key column (utf8). Every field is nullable, the key column included: in a
// MURR.READ reply a missing key's row is null in every column, key too.
// It panics on an index out of range, like a slice would.
func (s *Schema) ArrowSchema(projection []int) *arrow.Schema {
	field := func(i int) arrow.Field {
		if i == KeyIndex {
			return arrow.Field{Name: s.Key, Type: arrow.BinaryTypes.String, Nullable: true}
		}
		c := s.Columns[i]
		return arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	var fields []arrow.Field
	if projection == nil {
		fields = make([]arrow.Field, 0, 1+len(s.Columns))
		fields = append(fields, field(KeyIndex))
		for i := range s.Columns {
			fields = append(fields, field(i))
		}
	} else {
		fields = make([]arrow.Field, len(projection))
		for j, i := range projection {
			fields[j] = field(i)
		}
	}
	return arrow.NewSchema(fields, nil)
}

// Types returns the column types in index order.
func (s *Schema) Types() []Type {
	ts := make([]Type, len(s.Columns))
	for i, c := range s.Columns {
		ts[i] = c.Type
	}
	return ts
}

// schemaVersion is the first byte of a marshaled Schema.
const schemaVersion = 1

// MarshalBinary encodes s for persistence:
//
//	version byte (1)
//	uvarint len, key bytes
//	varint  TTLSeconds
//	uvarint column count
//	per column: uvarint len, name bytes; uvarint len, canonical type string
//
// The type is stored as its canonical string (Type.String), which is
// readable in a hex dump and survives reordering of Kind constants.
func (s *Schema) MarshalBinary() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 16+len(s.Key)+len(s.Columns)*24)
	b = append(b, schemaVersion)
	b = appendString(b, s.Key)
	b = binary.AppendVarint(b, s.TTLSeconds)
	b = binary.AppendUvarint(b, uint64(len(s.Columns)))
	for _, c := range s.Columns {
		b = appendString(b, c.Name)
		b = appendString(b, c.Type.String())
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// UnmarshalBinary decodes what MarshalBinary wrote, replacing s. Corrupt
// or truncated input, an unknown version or a schema that does not
// Validate give an error and leave s unchanged; it never panics.
func (s *Schema) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if len(data) == 0 {
		return errors.New("schema: empty encoding")
	}
	if v := d.byte(); v != schemaVersion {
		return fmt.Errorf("schema: unknown encoding version %d", v)
	}
	var out Schema
	out.Key = d.string()
	out.TTLSeconds = d.varint()
	n := d.uvarint()
	// Each column needs at least 2 bytes, so a count beyond that is corrupt;
	// checking first keeps a corrupt count from allocating.
	if d.err == nil && n > uint64(len(d.b))/2 {
		return fmt.Errorf("schema: column count %d exceeds encoding size", n)
	}
	if n > 0 {
		out.Columns = make([]Column, 0, n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := d.string()
		ts := d.string()
		if d.err != nil {
			break
		}
		t, err := ParseType(ts)
		if err != nil {
			return fmt.Errorf("schema: column %d: %w", i, err)
		}
		out.Columns = append(out.Columns, Column{Name: name, Type: t})
	}
	if d.err != nil {
		return fmt.Errorf("schema: %w", d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("schema: %d trailing bytes", len(d.b))
	}
	if err := out.Validate(); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	*s = out
	return nil
}

var errTruncated = errors.New("truncated encoding")

// decoder reads a byte slice, remembering the first error; reads after an
// error return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail(errTruncated)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(errTruncated)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
