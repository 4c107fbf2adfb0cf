package columnar

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
)

// fuzzSchemas are the tables FuzzReply reads: every type; uniform widths
// (the dense paths, bools among 1-byte columns); many columns (sparse
// present sets).
var fuzzSchemas = func() []*Schema {
	wide := uniformSchema(70, Scalar(KindFloat64))
	wide.Columns = append(wide.Columns, Column{"name", Scalar(KindUtf8)}, Column{"l", ListOf(KindUint16)})
	return []*Schema{
		allTypesSchema(),
		uniformSchema(10, Scalar(KindFloat32)),
		{Key: "key", Columns: []Column{{"a", Scalar(KindBool)}, {"b", Scalar(KindInt8)}, {"c", Scalar(KindBool)}, {"d", Scalar(KindUint8)}}},
		wide,
	}
}()

// FuzzReply feeds Reply and JSONReply rows that are valid, mutated or
// random bytes. It must never panic; an Add that succeeds must have read
// the row as Layout.Value does, and the stream must decode with arrow-go
// to exactly the rows added.
//
// Input: byte 0 picks the schema, byte 1 the projection (0: all columns;
// else that many column picks follow, each mod the column count + 1, 0
// meaning the key), then rows: a kind byte (0: missing key; 1: a valid
// random row seeded by the next byte; 2: the same, then one byte flipped
// at the next byte's position; 3: truncated; else: a raw row of the next
// byte's length).
func FuzzReply(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 1, 2, 0, 1, 3})
	f.Add([]byte{1, 0, 1, 5, 1, 6, 2, 7, 3, 0})
	f.Add([]byte{1, 3, 1, 1, 0, 1, 9, 4, 5, 1, 0x28, 0, 0, 0x80, 0x3f, 1, 10})
	f.Add([]byte{2, 2, 3, 0, 1, 1, 1, 2, 3, 7, 4, 2, 1, 0x14, 5})
	f.Add([]byte{3, 2, 71, 72, 1, 4, 1, 8, 2, 9, 13, 5, 4, 1, 0x09, 3, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		s := fuzzSchemas[int(next())%len(fuzzSchemas)]
		var cols []string
		for range int(next()) % 8 {
			c := int(next()) % (len(s.Columns) + 1)
			if c == 0 {
				cols = append(cols, s.Key)
			} else {
				cols = append(cols, s.Columns[c-1].Name)
			}
		}
		p, err := NewReadPlan("t", s, cols)
		if err != nil {
			t.Fatal(err)
		}
		l := p.layout
		rb := NewRowBuilder(l)
		validRow := func(seed byte) Row {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			rb.Reset()
			for col, c := range s.Columns {
				if rng.IntN(3) > 0 {
					_ = rb.Set(col, randStored(rng, c.Type))
				}
			}
			return rb.Append(nil)
		}

		reply := p.NewReply(0)
		defer reply.Release()
		jr := p.NewJSONReply(0)
		defer jr.Release()
		c := &replyCase{s: s, l: l}
		for len(data) > 0 && len(c.keys) < 64 {
			var row Row
			switch kind := next(); kind {
			case 0:
			case 1:
				row = validRow(next())
			case 2:
				row = validRow(next())
				row[int(next())%len(row)] ^= 0x5a
			case 3:
				row = validRow(next())
				row = row[:int(next())%len(row)]
			default:
				n := min(int(next()), len(data))
				row = Row(append([]byte{}, data[:n]...))
				data = data[n:]
			}
			key := []byte{'k', byte(len(c.keys))}
			err := reply.Add(key, row)
			jerr := jr.Add(key, row)
			if err != nil || jerr != nil {
				if err != nil && !errors.Is(err, ErrCorruptRow) {
					t.Fatalf("Add: %v", err)
				}
				if jerr != nil && !errors.Is(jerr, ErrCorruptRow) {
					t.Fatalf("JSON Add: %v", jerr)
				}
				if l.Check(row) == nil {
					t.Fatalf("valid row %x rejected: %v / %v", row, err, jerr)
				}
				if err == nil {
					// The Arrow reply read less of this corrupt row than
					// the JSON walk, which found the damage. The replies
					// differ from here on: both must still be well formed.
					readStream(t, bytes.Clone(reply.Bytes())).Release()
					if doc := jr.Bytes(); !json.Valid(doc) {
						t.Fatalf("invalid JSON: %s", doc)
					}
					return
				}
				if jerr == nil {
					// JSON reads fewer bytes of a uniform row: add the
					// row to neither.
					jr.undoRow()
				}
				continue
			}
			// Added: the row reads like Layout.Value.
			var m model
			if row != nil {
				m = model{}
				for _, col := range p.Columns() {
					if col == KeyIndex {
						continue
					}
					v, ok, err := l.Value(row, col)
					if err != nil {
						t.Fatalf("row %x: Add succeeded but Value(%d): %v", row, col, err)
					}
					if ok {
						m[col] = v
					}
				}
			}
			c.keys, c.rows, c.models = append(c.keys, key), append(c.rows, row), append(c.models, m)
		}
		if reply.Rows() != len(c.keys) || jr.Rows() != len(c.keys) {
			t.Fatalf("%d, %d rows, want %d", reply.Rows(), jr.Rows(), len(c.keys))
		}
		rec := readStream(t, bytes.Clone(reply.Bytes()))
		defer rec.Release()
		checkRecord(t, c, p, c.keys, c.models, rec)
		doc := jr.Bytes()
		if !json.Valid(doc) {
			t.Fatalf("invalid JSON: %s", doc)
		}
		if len(cols) == 0 {
			checkJSONReply(t, c, p, doc)
		}
	})
}
