package columnar

// jsonin.go owns reading the JSON write body of Murr's HTTP API,
// {"columns": {"key": ["a", "b"], "score": [0.5, null]}}, into an Arrow
// record batch of the table's exact column types, so that JSON writes go
// through the same Decoder as Arrow and Parquet ones.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrBadJSON is wrapped by errors about a JSON write body that is not
// JSON or not shaped {"columns": {...}} (HTTP 400). Errors about its
// values name the column and row instead, as the Decoder's do.
var ErrBadJSON = errors.New("malformed json write body")

// DecodeJSONColumns reads a JSON write body, {"columns": {col: [values],
// ...}}, for table (named in errors) of schema s, and returns it as a
// record batch whose fields are the body's columns, in body order, typed
// as the table's columns (the key column utf8). Release it when done.
// Other top-level fields are ignored.
//
// Every column's array must have the same length, the key column must be
// there, and every column must be the table's. Values must fit their
// column: null for null; true/false for bool; integers for integer
// columns (exact and range-checked; 1.0 and 1e3 are integers too); numbers
// for float columns, or "NaN", "Infinity", "-Infinity"; strings for utf8;
// base64 strings for binary; days since 1970-01-01 or "YYYY-MM-DD" for
// date32; integers in the column's unit or RFC 3339 strings for
// timestamps (which must then convert exactly); arrays of numbers without
// nulls for list and fixed_size_list columns (of N numbers).
//
// r is read up to maxBytes bytes; a longer body fails with an error
// wrapping ErrTooLarge, as does one whose values take more than 8 ×
// maxBytes + 1 MiB in Arrow (nulls of a wide fixed_size_list). maxBytes
// ≤ 0 means no limit: the caller bounds r.
func DecodeJSONColumns(r io.Reader, table string, s *Schema, maxBytes int64) (arrow.RecordBatch, error) {
	var in io.Reader = r
	room := int64(math.MaxInt64)
	lr := &jsonLimit{r: r, left: maxBytes, limit: maxBytes}
	if maxBytes > 0 {
		in, room = lr, 8*min(maxBytes, math.MaxInt64/16)+1<<20
	}
	p := jsonInParser{dec: json.NewDecoder(in), table: table, schema: s, room: room}
	p.dec.UseNumber()
	cols, err := p.body()
	if err != nil {
		if lr.hit {
			return nil, fmt.Errorf("%w: json write body exceeds %d bytes", ErrTooLarge, maxBytes)
		}
		return nil, err
	}
	return buildJSONRecord(cols)
}

// DecodeJSON reads a JSON write body (see DecodeJSONColumns) and appends
// its rows to u (see Decoder.Record). It is all or nothing: on error u is
// left as it was. It returns the number of rows appended.
func (d *Decoder) DecodeJSON(r io.Reader, maxBytes int64, u *Updates) (rows int, err error) {
	rec, err := DecodeJSONColumns(r, d.table, d.schema, maxBytes)
	if err != nil {
		return 0, err
	}
	defer rec.Release()
	start := u.Len()
	if err := d.Bind(rec.Schema()); err != nil {
		return 0, err
	}
	if err := d.Record(rec, u); err != nil {
		return 0, err
	}
	return u.Len() - start, nil
}

// jsonLimit reads at most limit bytes of r.
type jsonLimit struct {
	r           io.Reader
	left, limit int64
	hit         bool
}

func (l *jsonLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		if l.left == 0 { // is there more?
			var one [1]byte
			if n, err := io.ReadFull(l.r, one[:]); n == 0 {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					err = io.EOF
				}
				return 0, err
			}
		}
		l.left, l.hit = -1, true
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

type jsonInParser struct {
	dec    *json.Decoder
	table  string
	schema *Schema
	room   int64 // bytes the columns may still accumulate
}

func jsonBodyErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadJSON}, args...)...)
}

// token reads the next token; a syntax error or an early end is ErrBadJSON.
func (p *jsonInParser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	switch {
	case err == io.EOF:
		return nil, jsonBodyErr("unexpected end of body")
	case errors.Is(err, ErrTooLarge):
		return nil, err
	case err != nil:
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, jsonBodyErr("%v", err)
		}
		return nil, fmt.Errorf("reading json write body: %w", err)
	}
	return tok, nil
}

func (p *jsonInParser) delim(want json.Delim, what string) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return jsonBodyErr("want %s, got %s", what, jsonTokenText(tok))
	}
	return nil
}

// body parses the whole body, returning its columns.
func (p *jsonInParser) body() ([]*jsonInColumn, error) {
	const shape = `{"columns": {...}}`
	if err := p.delim('{', shape); err != nil {
		return nil, err
	}
	var cols []*jsonInColumn
	seen := false
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if name, _ := tok.(string); name != "columns" {
			if err := p.skip(); err != nil {
				return nil, err
			}
			continue
		}
		if seen {
			return nil, jsonBodyErr(`"columns" given twice`)
		}
		seen = true
		if cols, err = p.columns(); err != nil {
			return nil, err
		}
	}
	if err := p.delim('}', "end of object"); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, jsonBodyErr("data after the body's object")
	}
	if !seen {
		return nil, jsonBodyErr(`no "columns" object (want %s)`, shape)
	}
	var key *jsonInColumn
	for _, c := range cols {
		if c.col == KeyIndex {
			key = c
		}
		if c.n != cols[0].n {
			return nil, fmt.Errorf("column '%s' has %d values but column '%s' has %d", c.name, c.n, cols[0].name, cols[0].n)
		}
	}
	if key == nil {
		return nil, fmt.Errorf("key column '%s' of table '%s' is missing from the batch", p.schema.Key, p.table)
	}
	return cols, nil
}

// skip skips one value.
func (p *jsonInParser) skip() error {
	depth := 0
	for {
		tok, err := p.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func (p *jsonInParser) columns() ([]*jsonInColumn, error) {
	if err := p.delim('{', `an object of columns, {"col": [values], ...}`); err != nil {
		return nil, err
	}
	var cols []*jsonInColumn
	seen := map[string]bool{}
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		col, ok := p.schema.Index(name)
		if !ok {
			return nil, fmt.Errorf("no such column '%s' in table '%s'", name, p.table)
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate column '%s' in the batch", name)
		}
		seen[name] = true
		typ := Scalar(KindUtf8)
		if col != KeyIndex {
			typ = p.schema.Columns[col].Type
		}
		c := &jsonInColumn{name: name, col: col, typ: typ}
		if err := p.delim('[', fmt.Sprintf("column '%s': an array of values", name)); err != nil {
			return nil, err
		}
		for p.dec.More() {
			tok, err := p.token()
			if err != nil {
				return nil, err
			}
			before := c.size()
			if err := p.value(c, tok); err != nil {
				if errors.Is(err, ErrBadJSON) || errors.Is(err, ErrTooLarge) {
					return nil, err
				}
				return nil, fmt.Errorf("column '%s' row %d: %w", name, c.n, err)
			}
			if p.room -= int64(c.size() - before); p.room < 0 {
				return nil, fmt.Errorf("%w: json write body expands beyond its size limit", ErrTooLarge)
			}
		}
		if err := p.delim(']', "end of array"); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := p.delim('}', "end of object"); err != nil {
		return nil, err
	}
	return cols, nil
}

// jsonInColumn accumulates one column's values in Arrow layout.
type jsonInColumn struct {
	name  string
	col   int
	typ   Type
	n     int
	valid []byte // validity bitmap, nil while there is no null
	vals  []byte // fixed-width values, bool bits, string bytes or list elements
	offs  []int32
}

func (c *jsonInColumn) size() int { return len(c.vals) + 4*len(c.offs) + len(c.valid) }

// value appends tok (and, for a list, the tokens up to its end).
func (p *jsonInParser) value(c *jsonInColumn, tok json.Token) (err error) {
	t := c.typ
	if c.n == 0 && (t.Kind == KindUtf8 || t.Kind == KindBinary || t.Kind == KindList) {
		c.offs = append(c.offs, 0)
	}
	if tok == nil {
		if c.valid == nil {
			c.valid = make([]byte, (c.n+8)/8)
			bitutil.SetBitsTo(c.valid, 0, int64(c.n), true)
		}
		c.grow()
		switch t.Kind {
		case KindBool:
			if c.n%8 == 0 {
				c.vals = append(c.vals, 0)
			}
		case KindUtf8, KindBinary, KindList:
			c.offs = append(c.offs, int32(len(c.vals)))
		default:
			w, _ := t.FixedWidth()
			c.vals = append(c.vals, make([]byte, w)...)
		}
		c.n++
		return nil
	}
	switch t.Kind {
	case KindBool:
		b, ok := tok.(bool)
		if !ok {
			return jsonWant(t, tok)
		}
		if c.n%8 == 0 {
			c.vals = append(c.vals, 0)
		}
		if b {
			bitutil.SetBit(c.vals, c.n)
		}
	case KindUtf8, KindBinary:
		s, ok := tok.(string)
		if !ok {
			return jsonWant(t, tok)
		}
		if t.Kind == KindUtf8 {
			c.vals = append(c.vals, s...)
		} else {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return fmt.Errorf("want base64 for binary: %v", err)
			}
			c.vals = append(c.vals, b...)
		}
		if len(c.vals) > math.MaxInt32 {
			return fmt.Errorf("%w: column '%s' holds more than 2 GiB", ErrTooLarge, c.name)
		}
		c.offs = append(c.offs, int32(len(c.vals)))
	case KindList, KindFixedSizeList:
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return jsonWant(t, tok)
		}
		k := 0
		for ; p.dec.More(); k++ {
			e, err := p.token()
			if err != nil {
				return err
			}
			if e == nil {
				return fmt.Errorf("list element %d is null", k)
			}
			if c.vals, err = jsonInScalar(c.vals, Scalar(t.Elem), e); err != nil {
				return fmt.Errorf("list element %d: %w", k, err)
			}
		}
		if _, err := p.token(); err != nil { // ']'
			return err
		}
		if t.Kind == KindFixedSizeList && k != int(t.N) {
			return fmt.Errorf("list of %d values for %s", k, t)
		}
		if t.Kind == KindList {
			if len(c.vals)/t.ElemWidth() > math.MaxInt32 {
				return fmt.Errorf("%w: column '%s' holds more than 2^31 list elements", ErrTooLarge, c.name)
			}
			c.offs = append(c.offs, int32(len(c.vals)/t.ElemWidth()))
		}
	default:
		if c.vals, err = jsonInScalar(c.vals, t, tok); err != nil {
			return err
		}
	}
	c.grow()
	if c.valid != nil {
		bitutil.SetBit(c.valid, c.n)
	}
	c.n++
	return nil
}

// grow makes room in the validity bitmap for value n.
func (c *jsonInColumn) grow() {
	if c.valid != nil && c.n/8 >= len(c.valid) {
		c.valid = append(c.valid, 0)
	}
}

func jsonTokenText(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch v {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return "'" + v.String() + "'"
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	}
	return fmt.Sprint(tok)
}

func jsonWant(t Type, tok json.Token) error {
	return fmt.Errorf("want %s, got %s", t, jsonTokenText(tok))
}

// jsonInScalar appends the stored form of a scalar JSON value for a column
// (or list element) of type t.
func jsonInScalar(dst []byte, t Type, tok json.Token) ([]byte, error) {
	num, isNum := tok.(json.Number)
	str, isStr := tok.(string)
	switch k := t.Kind; {
	case k.Numeric() && floatKind(k):
		var f float64
		switch {
		case isNum:
			var err error
			if f, err = strconv.ParseFloat(string(num), 64); err != nil {
				return dst, outOfRange(string(num), k)
			}
		case isStr && (str == "NaN" || str == "Infinity" || str == "-Infinity"):
			f = map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1)}[str]
		default:
			return dst, jsonWant(t, tok)
		}
		return storeFloat(dst, k, f, 64)
	case k.Numeric():
		if !isNum {
			return dst, jsonWant(t, tok)
		}
		return jsonInInt(dst, k, string(num))
	case k == KindDate32:
		switch {
		case isNum:
			return jsonInInt(dst, KindInt32, string(num))
		case isStr:
			d, err := time.Parse(time.DateOnly, str)
			if err != nil {
				return dst, fmt.Errorf("want a date YYYY-MM-DD, got %s", jsonTokenText(tok))
			}
			return appendInt32LE(dst, int32(d.Unix()/86400)), nil
		}
	case k == KindTimestamp:
		switch {
		case isNum:
			return jsonInInt(dst, KindInt64, string(num))
		case isStr:
			ts, err := time.Parse(time.RFC3339Nano, str)
			if err != nil {
				return dst, fmt.Errorf("want an RFC 3339 time, got %s", jsonTokenText(tok))
			}
			v, err := timeInUnit(ts, t.Unit)
			if err != nil {
				return dst, fmt.Errorf("time %s: %w for %s", str, err, t)
			}
			return appendIntLE(dst, KindInt64, uint64(v)), nil
		}
	}
	return dst, jsonWant(t, tok)
}

func appendInt32LE(dst []byte, v int32) []byte { return appendIntLE(dst, KindInt32, uint64(uint32(v))) }

// jsonInInt appends the JSON number s as an integer of kind k.
func jsonInInt(dst []byte, k Kind, s string) ([]byte, error) {
	lo, hi := intLimits(k)
	if !strings.ContainsAny(s, ".eE") {
		if strings.HasPrefix(s, "-") {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < lo {
				return dst, outOfRange(s, k)
			}
			return appendIntLE(dst, k, uint64(v)), nil
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v > hi {
			return dst, outOfRange(s, k)
		}
		return appendIntLE(dst, k, v), nil
	}
	// 1.0, 1e3: integral values up to 2^53, where float64 is exact.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		return dst, fmt.Errorf("want %s, got %s", k, s)
	}
	if math.Abs(f) > 1<<53 {
		return dst, fmt.Errorf("value %s is not exact: write integers beyond 2^53 without a fraction or exponent", s)
	}
	return storeFloat(dst, k, f, 64)
}

// timeInUnit returns t in unit since the epoch, failing if it does not fit
// or is not a whole number of units.
func timeInUnit(t time.Time, unit TimeUnit) (int64, error) {
	sec, ns := t.Unix(), int64(t.Nanosecond())
	per := [...]int64{1, 1000, 1_000_000, 1_000_000_000}[unit] // units per second
	div := 1_000_000_000 / per                                 // ns per unit
	if ns%div != 0 {
		return 0, errors.New("has more precision than the unit")
	}
	if sec > math.MaxInt64/per || sec < math.MinInt64/per {
		return 0, errors.New("out of range")
	}
	v := sec * per
	if add := ns / div; v > math.MaxInt64-add {
		return 0, errors.New("out of range")
	} else {
		v += add
	}
	return v, nil
}

// buildJSONRecord makes the record batch of the parsed columns.
func buildJSONRecord(cols []*jsonInColumn) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		dt := c.typ.Arrow()
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: true}
		nulls := 0
		var valid *memory.Buffer
		if c.valid != nil {
			valid = memory.NewBufferBytes(c.valid)
			nulls = c.n - bitutil.CountSetBits(c.valid, 0, c.n)
		}
		var data arrow.ArrayData
		switch t := c.typ; t.Kind {
		case KindUtf8, KindBinary:
			data = array.NewData(dt, c.n, []*memory.Buffer{valid, int32OffsetsBuffer(c.offs), memory.NewBufferBytes(c.vals)}, nil, nulls, 0)
		case KindList, KindFixedSizeList:
			elem := Scalar(t.Elem).Arrow()
			child := array.NewData(elem, len(c.vals)/t.ElemWidth(), []*memory.Buffer{nil, memory.NewBufferBytes(c.vals)}, nil, 0, 0)
			bufs := []*memory.Buffer{valid}
			if t.Kind == KindList {
				bufs = append(bufs, int32OffsetsBuffer(c.offs))
			}
			data = array.NewData(dt, c.n, bufs, []arrow.ArrayData{child}, nulls, 0)
			child.Release()
		default: // bool bits, fixed-width values
			data = array.NewData(dt, c.n, []*memory.Buffer{valid, memory.NewBufferBytes(c.vals)}, nil, nulls, 0)
		}
		arrs[i] = array.MakeFromData(data)
		data.Release()
	}
	n := 0
	if len(cols) > 0 {
		n = cols[0].n
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n)), nil
}

func int32OffsetsBuffer(offs []int32) *memory.Buffer {
	if len(offs) == 0 {
		offs = []int32{0}
	}
	return memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offs))
}
