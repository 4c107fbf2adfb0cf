package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// mixedSchema is a table of several column types (rows of varying width).
func mixedSchema() *columnar.Schema {
	return &columnar.Schema{Key: "k", Columns: []columnar.Column{
		{Name: "f", Type: columnar.Scalar(columnar.KindFloat32)},
		{Name: "s", Type: columnar.Scalar(columnar.KindUtf8)},
		{Name: "i", Type: columnar.Scalar(columnar.KindInt64)},
		{Name: "l", Type: columnar.ListOf(columnar.KindInt16)},
	}}
}

// rowModel is a row's content: column → stored value; absent is null.
type rowModel map[int][]byte

// randValue returns a stored value of column c of schema s.
func randValue(rng *rand.Rand, s *columnar.Schema, c int) []byte {
	t := s.Columns[c].Type
	if w, ok := t.FixedWidth(); ok {
		b := make([]byte, w)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	b := make([]byte, 2*rng.IntN(6))
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return b
}

// rowUpdate is one row update of a test write: the columns it sets (nil:
// null), as a full row (the others null) or a partial one (kept).
type rowUpdate struct {
	key  string
	cols rowModel
	full bool
}

func (u rowUpdate) encode(t testing.TB, l *columnar.Layout) columnar.Row {
	b := columnar.NewRowBuilder(l)
	for c, v := range u.cols {
		var err error
		if v == nil {
			err = b.SetNull(c)
		} else {
			err = b.Set(c, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if u.full {
		return b.Append(nil)
	}
	return b.AppendUpdate(nil)
}

// apply applies u to the model.
func (u rowUpdate) apply(m map[string]rowModel) {
	row := rowModel{}
	if old, ok := m[u.key]; ok && !u.full {
		for c, v := range old {
			row[c] = v
		}
	}
	for c, v := range u.cols {
		if v == nil {
			delete(row, c)
		} else {
			row[c] = v
		}
	}
	m[u.key] = row
}

func writeUpdates(t testing.TB, db *DB, tbl *Table, ups []rowUpdate) {
	t.Helper()
	var u columnar.Updates
	for _, up := range ups {
		u.Add([]byte(up.key), up.encode(t, tbl.Layout()))
	}
	n, err := db.WriteRows(tbl, &u)
	if err != nil || n != len(ups) {
		t.Fatalf("WriteRows = %d, %v", n, err)
	}
}

// storedRows reads keys from tbl: their stored rows, nil if missing.
func storedRows(t testing.TB, db *DB, tbl *Table, keys []string) []columnar.Row {
	t.Helper()
	bk := make([][]byte, len(keys))
	for i, k := range keys {
		bk[i] = []byte(k)
	}
	out := make([]columnar.Row, len(keys))
	err := db.ReadRows(tbl, bk, func(i int, row columnar.Row) error {
		if row != nil {
			out[i] = slices.Clone(row)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkModel checks that tbl holds exactly the rows of m among keys, and
// that its stats and records agree.
func checkModel(t testing.TB, db *DB, tbl *Table, keys []string, m map[string]rowModel) {
	t.Helper()
	l := tbl.Layout()
	rows := storedRows(t, db, tbl, keys)
	for i, k := range keys {
		want, ok := m[k]
		if (rows[i] != nil) != ok {
			t.Fatalf("row %q: stored %v, want %v", k, rows[i] != nil, ok)
		}
		if !ok {
			continue
		}
		if p, err := l.IsPartial(rows[i]); p || err != nil {
			t.Fatalf("row %q stored partial (%v)", k, err)
		}
		for c := range l.NumColumns() {
			v, present, err := l.Value(rows[i], c)
			if err != nil {
				t.Fatal(err)
			}
			if w, has := want[c]; present != has || !bytes.Equal(v, w) {
				t.Fatalf("row %q column %d: %x (%v), want %x (%v)", k, c, v, present, w, has)
			}
		}
	}
	if tbl.Rows() != int64(len(m)) {
		t.Fatalf("Rows() = %d, want %d", tbl.Rows(), len(m))
	}
	if err := db.Check(); err != nil { // stats against records
		t.Fatal(err)
	}
}

// Random writes and deletes, small and large, full and partial, with
// duplicate keys, against a model: rows, stats and records agree after
// each. Large writes into a table holding every other key, or a few keys,
// make the lookups step and seek.
func TestWriteRowsModel(t *testing.T) {
	for name, s := range map[string]*columnar.Schema{"float32x10": benchIngestSchema(), "mixed": mixedSchema()} {
		t.Run(name, func(t *testing.T) {
			db := openTest(t, Options{})
			tbl, err := db.CreateTable("t", s)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 6))
			const space = 3000
			keys := make([]string, space)
			for i := range keys {
				keys[i] = "key:" + strconv.Itoa(i*7919%space)
			}
			m := map[string]rowModel{}
			for step := range 40 {
				if step%7 == 6 {
					var del [][]byte
					for range rng.IntN(500) {
						k := keys[rng.IntN(space)]
						del = append(del, []byte(k))
					}
					n, err := db.DeleteRows(tbl, del)
					if err != nil {
						t.Fatal(err)
					}
					want := 0
					seen := map[string]bool{}
					for _, k := range del {
						if _, ok := m[string(k)]; ok && !seen[string(k)] {
							want++
						}
						seen[string(k)] = true
						delete(m, string(k))
					}
					if n != want {
						t.Fatalf("DeleteRows = %d, want %d", n, want)
					}
				} else {
					size := []int{1, 10, 2000}[step%3]
					stride := 1 + rng.IntN(4) // every key, or every few
					density := rng.Float64()
					ups := make([]rowUpdate, size)
					for j := range ups {
						up := rowUpdate{key: keys[(j*stride)%space], cols: rowModel{}, full: rng.IntN(3) == 0}
						if rng.IntN(10) == 0 && j > 0 {
							up.key = ups[rng.IntN(j)].key // a duplicate
						}
						for c := range s.Columns {
							switch x := rng.Float64(); {
							case x < density*0.8:
								up.cols[c] = randValue(rng, s, c)
							case x < density:
								up.cols[c] = nil
							}
						}
						ups[j] = up
					}
					writeUpdates(t, db, tbl, ups)
					for _, up := range ups {
						up.apply(m)
					}
				}
				checkModel(t, db, tbl, keys, m)
			}
		})
	}
}

// A write gives the same stored rows and stats whether the table was
// empty or held other values for the same keys, as long as the write
// replaces every column: full rows, and partial rows that set or clear
// each column.
func TestWriteRowsNewAndReplacedAlike(t *testing.T) {
	for name, s := range map[string]*columnar.Schema{"float32x10": benchIngestSchema(), "mixed": mixedSchema()} {
		for _, full := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/full=%v", name, full), func(t *testing.T) {
				db := openTest(t, Options{})
				fresh, _ := db.CreateTable("fresh", s)
				used, _ := db.CreateTable("used", s)
				rng := rand.New(rand.NewPCG(7, 8))
				const n = 5000
				keys := make([]string, n)
				var junk, ups []rowUpdate
				for i := range keys {
					keys[i] = strconv.Itoa(i)
					j := rowUpdate{key: keys[i], cols: rowModel{}, full: true}
					up := rowUpdate{key: keys[i], cols: rowModel{}, full: full}
					for c := range s.Columns {
						j.cols[c] = randValue(rng, s, c)
						if rng.IntN(4) == 0 {
							up.cols[c] = nil
						} else {
							up.cols[c] = randValue(rng, s, c)
						}
					}
					junk = append(junk, j)
					ups = append(ups, up)
				}
				writeUpdates(t, db, used, junk)
				writeUpdates(t, db, fresh, ups)
				writeUpdates(t, db, used, ups)
				a, b := storedRows(t, db, fresh, keys), storedRows(t, db, used, keys)
				for i := range keys {
					if !bytes.Equal(a[i], b[i]) {
						t.Fatalf("row %q: %x written to an empty table, %x over another row", keys[i], a[i], b[i])
					}
				}
				if fresh.Rows() != n || used.Rows() != n || fresh.Bytes() != used.Bytes() {
					t.Fatalf("stats: %d rows/%d bytes and %d/%d", fresh.Rows(), fresh.Bytes(), used.Rows(), used.Bytes())
				}
			})
		}
	}
}

// keyOrder orders keys as a stable sort does, whatever they look like.
func TestKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := map[string]func(i int) []byte{
		"numbers": func(i int) []byte { return []byte(strconv.Itoa(rng.IntN(5000))) },
		"prefixed": func(i int) []byte {
			return []byte("user:session:" + strconv.Itoa(rng.IntN(100000)))
		},
		"binary": func(i int) []byte {
			b := make([]byte, rng.IntN(12))
			for j := range b {
				b[j] = byte(rng.IntN(3)) // many zero bytes and ties
			}
			return b
		},
		"one key": func(i int) []byte { return []byte("same") },
		"sorted":  func(i int) []byte { return []byte(fmt.Sprintf("%08d", i)) },
		"long": func(i int) []byte {
			return []byte(fmt.Sprintf("%040d", rng.IntN(1000)))
		},
	}
	for name, gen := range shapes {
		for _, n := range []int{0, 1, 2, 17, 3000} {
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = gen(i)
			}
			want := make([]int32, n)
			for i := range want {
				want[i] = int32(i)
			}
			slices.SortStableFunc(want, func(a, b int32) int { return bytes.Compare(keys[a], keys[b]) })
			got := keyOrder(n, func(i int) []byte { return keys[i] })
			for i := range want {
				if got[i].i != want[i] {
					t.Fatalf("%s, %d keys: position %d holds key %d (%q), want %d (%q)", name, n, i, got[i].i, keys[got[i].i], want[i], keys[want[i]])
				}
			}
		}
	}
}

// A cursor finds what seek finds, stepping or seeking.
func TestCursor(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	var u columnar.Updates
	for i := 0; i < 2000; i += 3 {
		addUpdate(t, tbl, &u, fmt.Sprintf("%06d", i), cell{0: float32(i)})
	}
	if _, err := db.WriteRows(tbl, &u); err != nil {
		t.Fatal(err)
	}
	for _, gap := range []int{1, 2, 5, 40, 700} {
		it, err := tbl.newIter(db)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := tbl.newIter(db)
		c := cursor{it: it}
		var rk []byte
		for i := 0; i < 2100; i += gap {
			rk = tbl.rowKey(rk[:0], []byte(fmt.Sprintf("%06d", i)))
			v, ok, err := c.find(rk)
			wv, wok, werr := seek(ref, rk)
			if ok != wok || !bytes.Equal(v, wv) || err != nil || werr != nil {
				t.Fatalf("gap %d key %d: found %v %x %v, seek %v %x %v", gap, i, ok, v, err, wok, wv, werr)
			}
			if ok != (i%3 == 0 && i < 2000) {
				t.Fatalf("gap %d key %d: found %v", gap, i, ok)
			}
		}
		it.Close()
		ref.Close()
	}
}
