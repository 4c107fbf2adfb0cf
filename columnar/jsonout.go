package columnar

// jsonout.go owns the JSON output of the HTTP API's fetch: JSONReply,
// which gathers rows like Reply but writes {"columns": {"<col>": [...]}},
// and the JSON string and value encoders it and the schema JSON
// (jsonschema.go) use.

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"
)

// JSONReply builds the JSON form of a fetch: {"columns": {"<col>": [v,
// ...], ...}} with the plan's columns in projection order (a column named
// twice appears twice), one array element per row in Add order:
//
//   - null for a null value and for every column of a missing key;
//   - the key and utf8 as JSON strings (invalid UTF-8 replaced by U+FFFD,
//     as encoding/json does);
//   - binary as a base64 (standard, padded) string, as encoding/json does
//     for []byte;
//   - integers of every width as exact JSON numbers (uint64 and int64 in
//     full: JavaScript clients lose precision beyond 2^53);
//   - floats as the shortest number that reads back as the same value at
//     their width (float32 0.1 is 0.1); NaN and infinities as null;
//   - bool as true/false; date32 as days and timestamps in their unit
//     since the epoch, as integers;
//   - list<T> and fixed_size_list<T,N> as arrays of numbers.
//
// A JSONReply is not safe for concurrent use.
type JSONReply struct {
	p     *ReadPlan
	rows  int
	cols  [][]byte // per slot: the elements written so far, comma-separated
	mark  []int    // per slot: row+1 if written in the current row
	start []int    // per slot: len(cols[j]) before the current row
	out   []byte
}

// NewJSONReply returns an empty JSONReply, pooled; nrows is the expected
// number of rows (a hint). Release is optional.
func (p *ReadPlan) NewJSONReply(nrows int) *JSONReply {
	r, _ := p.jsons.Get().(*JSONReply)
	if r == nil {
		n := len(p.slots)
		r = &JSONReply{p: p, cols: make([][]byte, n), mark: make([]int, n), start: make([]int, n)}
	}
	r.rows = 0
	for j := range r.cols {
		r.cols[j] = r.cols[j][:0]
		r.mark[j] = 0
	}
	_ = nrows
	return r
}

// Release returns r to its plan's pool; r and what it returned must not be
// used afterwards.
func (r *JSONReply) Release() {
	total := cap(r.out)
	for _, c := range r.cols {
		total += cap(c)
	}
	if total <= maxPooledReply {
		r.p.jsons.Put(r)
	}
}

// Rows is the number of rows added.
func (r *JSONReply) Rows() int { return r.rows }

// Add appends the row of key: row is its stored row, or nil if the key is
// missing. A corrupt row gives an error wrapping ErrCorruptRow and leaves
// r as it was.
func (r *JSONReply) Add(key []byte, row Row) error {
	p := r.p
	for j := range r.cols {
		r.start[j] = len(r.cols[j])
		if r.rows > 0 {
			r.cols[j] = append(r.cols[j], ',')
		}
	}
	if row == nil {
		for j := range r.cols {
			r.cols[j] = append(r.cols[j], "null"...)
		}
		r.rows++
		return nil
	}
	for _, j := range p.keys {
		r.cols[j] = appendJSONString(r.cols[j], key)
	}
	h, err := p.layout.parseHeader(row)
	row1 := r.rows + 1
	if err == nil {
		err = p.walkRow(h, func(j int32, v []byte) error {
			b, err := appendJSONValue(r.cols[j], p.slots[j].typ, v)
			if err != nil {
				return err
			}
			r.cols[j] = b
			r.mark[j] = row1
			return nil
		})
	}
	if err != nil {
		r.truncateRow()
		return err
	}
	for _, j := range p.values {
		if r.mark[j] != row1 {
			r.cols[j] = append(r.cols[j], "null"...)
		}
	}
	r.rows++
	return nil
}

// truncateRow takes back what Add wrote of the row being added.
func (r *JSONReply) truncateRow() {
	for j := range r.cols {
		r.cols[j] = r.cols[j][:r.start[j]]
		r.mark[j] = 0
	}
}

// undoRow takes back the last row Add added.
func (r *JSONReply) undoRow() {
	r.truncateRow()
	r.rows--
}

// AppendTo appends the reply's JSON document to dst.
func (r *JSONReply) AppendTo(dst []byte) []byte {
	dst = append(dst, `{"columns":{`...)
	for j, c := range r.cols {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, r.p.jsonNames[j]...)
		dst = append(dst, c...)
		dst = append(dst, ']')
	}
	return append(dst, "}}"...)
}

// Bytes returns the reply's JSON document in a buffer owned by r: valid
// until the next Add, Bytes or Release.
func (r *JSONReply) Bytes() []byte {
	r.out = r.AppendTo(r.out[:0])
	return r.out
}

// walkRow calls fn for each projected value column present in the row,
// with the slot and the value, in column order (a column projected twice
// gives two calls). It reads the row's present values once.
func (p *ReadPlan) walkRow(h rowHeader, fn func(slot int32, v []byte) error) error {
	if len(p.order) == 0 {
		return nil
	}
	last := p.slots[p.order[len(p.order)-1]].col
	it := RowIter{l: p.layout, set: h.present.iter(), vals: h.values}
	k := 0
	for {
		col, v, ok := it.Next()
		if !ok || col > last {
			break
		}
		for k < len(p.order) && p.slots[p.order[k]].col < col {
			k++
		}
		for k < len(p.order) && p.slots[p.order[k]].col == col {
			if err := fn(p.order[k], v); err != nil {
				return err
			}
			k++
		}
	}
	return it.Err()
}

// appendJSONValue appends stored value v of type t as JSON.
func appendJSONValue(dst []byte, t Type, v []byte) ([]byte, error) {
	switch t.Kind {
	case KindList, KindFixedSizeList:
		w := t.ElemWidth()
		if len(v)%w != 0 || (t.Kind == KindFixedSizeList && len(v) != int(t.N)*w) {
			return dst, corrupt("%s value of %d bytes", t, len(v))
		}
		dst = append(dst, '[')
		for i := range len(v) / w {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONScalar(dst, decodeScalar(t.Elem, v[i*w:i*w+w]))
		}
		return append(dst, ']'), nil
	}
	s, err := t.Scalar(v)
	if err != nil {
		return dst, err
	}
	return appendJSONScalar(dst, s), nil
}

// appendJSONScalar appends s as a JSON value.
func appendJSONScalar(dst []byte, s ScalarValue) []byte {
	switch s.Kind {
	case ScalarInt:
		return strconv.AppendInt(dst, s.Int, 10)
	case ScalarUint:
		return strconv.AppendUint(dst, s.Uint, 10)
	case ScalarFloat:
		if math.IsNaN(s.Float) || math.IsInf(s.Float, 0) {
			return append(dst, "null"...)
		}
		return appendFloat(dst, s.Float, s.Bits)
	case ScalarBool:
		if s.Int != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case ScalarString:
		return appendJSONString(dst, s.Bytes)
	case ScalarBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, s.Bytes)
		return append(dst, '"')
	}
	return append(dst, "null"...)
}

// AppendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, U+2028 and U+2029 escaped (for JavaScript),
// invalid UTF-8 replaced by U+FFFD. Unlike encoding/json it does not
// escape <, > and &.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

const jsonHex = "0123456789abcdef"

func appendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
