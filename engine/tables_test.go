package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// testSchema is a table of (score float32, name utf8) keyed by "id".
func testSchema(ttl int64) *columnar.Schema {
	return &columnar.Schema{Key: "id", TTLSeconds: ttl, Columns: []columnar.Column{
		{Name: "score", Type: columnar.Scalar(columnar.KindFloat32)},
		{Name: "name", Type: columnar.Scalar(columnar.KindUtf8)},
	}}
}

// cell is one column of a test update: nil sets null, absent columns are
// not carried.
type cell = map[int]any

func f32(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }

// addUpdate appends a partial-row update built from c.
func addUpdate(t testing.TB, tbl *Table, u *columnar.Updates, key string, c cell) {
	t.Helper()
	b := columnar.NewRowBuilder(tbl.Layout())
	for col, v := range c {
		var err error
		switch v := v.(type) {
		case nil:
			err = b.SetNull(col)
		case float32:
			err = b.Set(col, f32(v))
		case string:
			err = b.Set(col, []byte(v))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	u.Add([]byte(key), b.AppendUpdate(nil))
}

func writeRows(t testing.TB, db *DB, tbl *Table, rows ...any) int {
	t.Helper()
	var u columnar.Updates
	for i := 0; i < len(rows); i += 2 {
		addUpdate(t, tbl, &u, rows[i].(string), rows[i+1].(cell))
	}
	n, err := db.WriteRows(tbl, &u)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readRows renders each requested key's row as "score/name" ("-" for a
// null column) or "missing".
func readRows(t testing.TB, db *DB, tbl *Table, keys ...string) []string {
	t.Helper()
	bk := make([][]byte, len(keys))
	for i, k := range keys {
		bk[i] = []byte(k)
	}
	out := make([]string, len(keys))
	err := db.ReadRows(tbl, bk, func(i int, row columnar.Row) error {
		if row == nil {
			out[i] = "missing"
			return nil
		}
		l := tbl.Layout()
		s, ok, err := l.Value(row, 0)
		if err != nil {
			return err
		}
		score := "-"
		if ok {
			score = fmt.Sprint(math.Float32frombits(binary.LittleEndian.Uint32(s)))
		}
		n, ok, err := l.Value(row, 1)
		if err != nil {
			return err
		}
		name := "-"
		if ok {
			name = string(n)
		}
		out[i] = score + "/" + name
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func expectRows(t testing.TB, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows = %q, want %q", got, want)
	}
}

func TestTableCatalog(t *testing.T) {
	db := openTest(t, Options{})
	if _, err := db.Table("t"); !errors.Is(err, ErrNoTable) || err.Error() != "no such table 't'" {
		t.Fatalf("Table(missing) = %v", err)
	}
	if _, err := db.CreateTable("t", testSchema(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable("t", testSchema(0)); !errors.Is(err, ErrTableExists) || err.Error() != "table 't' already exists" {
		t.Fatalf("second create = %v", err)
	}
	if _, err := db.CreateTable("", testSchema(0)); err == nil {
		t.Fatal("empty table name accepted")
	}
	bad := testSchema(0)
	bad.Columns = append(bad.Columns, columnar.Column{Name: "score", Type: columnar.Scalar(columnar.KindInt8)})
	if _, err := db.CreateTable("u", bad); err == nil {
		t.Fatal("duplicate column accepted")
	}
	if _, err := db.CreateTable("a", testSchema(5)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tbl := range db.Tables() {
		names = append(names, tbl.Name())
	}
	if fmt.Sprint(names) != "[a t]" {
		t.Fatalf("tables = %v", names)
	}
	if ok, err := db.DropTable("t"); !ok || err != nil {
		t.Fatalf("drop = %v, %v", ok, err)
	}
	if ok, err := db.DropTable("t"); ok || err != nil {
		t.Fatalf("second drop = %v, %v", ok, err)
	}
}

func TestWriteRowsPartialUpsert(t *testing.T) {
	db := openTest(t, Options{})
	tbl, err := db.CreateTable("t", testSchema(0))
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, db, tbl, "a", cell{0: float32(1.5), 1: "alice"}, "b", cell{0: float32(2)})
	// name only: score kept; explicit null clears.
	writeRows(t, db, tbl, "a", cell{1: "ann"}, "b", cell{0: nil, 1: "bob"})
	expectRows(t, readRows(t, db, tbl, "b", "zz", "a", "b"), "-/bob", "missing", "1.5/ann", "-/bob")
	if tbl.Rows() != 2 {
		t.Fatalf("rows = %d", tbl.Rows())
	}
	// Updates of one key in one batch apply in order.
	writeRows(t, db, tbl, "c", cell{0: float32(1)}, "a", cell{0: float32(9)}, "c", cell{1: "x"}, "c", cell{0: float32(3)})
	expectRows(t, readRows(t, db, tbl, "a", "c"), "9/ann", "3/x")
	if tbl.Rows() != 3 {
		t.Fatalf("rows = %d", tbl.Rows())
	}
	n, err := db.DeleteRows(tbl, [][]byte{[]byte("a"), []byte("nope"), []byte("a")})
	if n != 1 || err != nil {
		t.Fatalf("delete = %d, %v", n, err)
	}
	expectRows(t, readRows(t, db, tbl, "a", "c"), "missing", "3/x")
	if tbl.Rows() != 2 {
		t.Fatalf("rows = %d", tbl.Rows())
	}
}

func TestDropAndFlushRemoveRows(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, "a", cell{0: float32(1)})
	if _, err := db.DropTable("t"); err != nil {
		t.Fatal(err)
	}
	var u columnar.Updates
	addUpdate(t, tbl, &u, "a", cell{0: float32(1)})
	if _, err := db.WriteRows(tbl, &u); !errors.Is(err, ErrNoTable) {
		t.Fatalf("write through a dropped handle = %v", err)
	}
	tbl2, _ := db.CreateTable("t", testSchema(0))
	expectRows(t, readRows(t, db, tbl2, "a"), "missing")
	writeRows(t, db, tbl2, "b", cell{0: float32(2)})

	update(t, db, func(tx *Txn) error { return tx.Flush() })
	if len(db.Tables()) != 0 {
		t.Fatal("FLUSHALL left tables")
	}
	if err := db.ReadRows(tbl2, [][]byte{[]byte("b")}, func(int, columnar.Row) error { return nil }); !errors.Is(err, ErrNoTable) {
		t.Fatalf("read after flush = %v", err)
	}
	tbl3, _ := db.CreateTable("t", testSchema(0))
	expectRows(t, readRows(t, db, tbl3, "b"), "missing")
}

func TestTablesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.CreateTable("t", testSchema(3600))
	writeRows(t, db, tbl, "a", cell{0: float32(1), 1: "x"}, "b", cell{1: "y"})
	dropped, _ := db.CreateTable("gone", testSchema(0))
	writeRows(t, db, dropped, "a", cell{0: float32(1)})
	db.DropTable("gone")
	wantBytes := tbl.Bytes()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, Options{Dir: dir})
	tbl, err = db.Table("t")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Schema().TTLSeconds != 3600 || tbl.Schema().Key != "id" || len(tbl.Schema().Columns) != 2 {
		t.Fatalf("schema after restart = %+v", tbl.Schema())
	}
	if tbl.Rows() != 2 || tbl.Bytes() != wantBytes {
		t.Fatalf("stats after restart = %d rows %d bytes, want 2, %d", tbl.Rows(), tbl.Bytes(), wantBytes)
	}
	expectRows(t, readRows(t, db, tbl, "a", "b"), "1/x", "-/y")
	// A new table never reuses the dropped table's id.
	again, _ := db.CreateTable("gone", testSchema(0))
	expectRows(t, readRows(t, db, again, "a"), "missing")
}

func TestTableTTL(t *testing.T) {
	db := openTest(t, Options{ActiveExpireInterval: time.Hour}) // reclaim driven by hand
	tbl, _ := db.CreateTable("t", testSchema(1))
	writeRows(t, db, tbl, "a", cell{0: float32(1), 1: "x"}, "b", cell{0: float32(2)})
	expectRows(t, readRows(t, db, tbl, "a", "b"), "1/x", "2/-")
	time.Sleep(1100 * time.Millisecond)
	expectRows(t, readRows(t, db, tbl, "a", "b"), "missing", "missing")
	// A partial write to an expired row starts from nothing.
	writeRows(t, db, tbl, "a", cell{1: "new"})
	expectRows(t, readRows(t, db, tbl, "a"), "-/new")
	if tbl.Rows() != 2 {
		t.Fatalf("rows before reclaim = %d", tbl.Rows())
	}
	if n, err := db.DeleteRows(tbl, [][]byte{[]byte("b")}); n != 0 || err != nil {
		t.Fatalf("DEL of an expired row = %d, %v", n, err)
	}
	writeRows(t, db, tbl, "c", cell{0: float32(3)})
	time.Sleep(1100 * time.Millisecond)
	writeRows(t, db, tbl, "d", cell{0: float32(4)})
	// Two steps of two rows: a and c go, d stays.
	for range 2 {
		if _, err := db.reclaimStep(tbl, 2); err != nil {
			t.Fatal(err)
		}
	}
	if tbl.Rows() != 1 {
		t.Fatalf("rows after reclaim = %d", tbl.Rows())
	}
	expectRows(t, readRows(t, db, tbl, "d"), "4/-")
}

// TestTableWritesAreAtomicToReaders has writers rewrite every row with
// one value per batch while readers check they never see two values in
// one read.
func TestTableWritesAreAtomicToReaders(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 0; v < 30; v++ {
				var u columnar.Updates
				for _, k := range keys {
					addUpdate(t, tbl, &u, k, cell{0: float32(w*1000 + v)})
				}
				if _, err := db.WriteRows(tbl, &u); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rows := readRows(t, db, tbl, keys...)
				for _, r := range rows[1:] {
					if r != rows[0] {
						t.Errorf("torn read: %q vs %q", rows[0], r)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	if tbl.Rows() != int64(len(keys)) {
		t.Fatalf("rows = %d", tbl.Rows())
	}
}

func TestTableCloseWithReaders(t *testing.T) {
	db, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, "a", cell{0: float32(1)})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := db.ReadRows(tbl, [][]byte{[]byte("a")}, func(int, columnar.Row) error { return nil })
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}
