package engine

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/tiering"
)

func hotStats(t *testing.T, db *DB) tiering.Stats {
	t.Helper()
	if db.hot == nil {
		t.Fatal("no hot tier")
	}
	return db.hot.Stats()
}

// TestHotTierServesAndFollowsKeyspaceWrites: a second read of a string
// or hash field comes from the hot tier, and every kind of write is seen
// by the next read.
func TestHotTierServesAndFollowsKeyspaceWrites(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("s"), []byte("v1"), 0) })
	before := hotStats(t, db) // SET wrote through into the empty tier
	for range 2 {
		if v, ok := getString(t, db, "s"); !ok || v != "v1" {
			t.Fatalf("GET s = %q, %v", v, ok)
		}
	}
	if s := hotStats(t, db); s.Hits-before.Hits != 2 || s.Misses-before.Misses != 0 || s.Entries != 1 {
		t.Fatalf("after two reads: %+v, before %+v", s, before)
	}
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("s"), []byte("v2"), 0) })
	before = hotStats(t, db)
	if v, _ := getString(t, db, "s"); v != "v2" {
		t.Fatalf("after SET, GET s = %q", v)
	}
	if s := hotStats(t, db); s.Hits-before.Hits != 1 {
		t.Fatalf("the overwritten value was not served from the tier: %+v", s)
	}
	update(t, db, func(tx *Txn) error { _, err := tx.Delete([]byte("s")); return err })
	if _, ok := getString(t, db, "s"); ok {
		t.Fatal("GET after DEL finds the key")
	}

	hget := func(f string) string {
		var out string
		db.View(func(tx *Txn) error {
			v, ok, err := tx.HGet([]byte("h"), []byte(f))
			out = fmt.Sprintf("%s %v %v", v, ok, err)
			return nil
		})
		return out
	}
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("1")}); return err })
	hget("f")
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("2")}); return err })
	if got := hget("f"); got != "2 true <nil>" {
		t.Fatalf("HGET after HSET = %s", got)
	}
	update(t, db, func(tx *Txn) error { _, err := tx.HDel([]byte("h"), [][]byte{[]byte("f")}); return err })
	if got := hget("f"); got != " false <nil>" {
		t.Fatalf("HGET after HDEL = %s", got)
	}
	// A hash deleted whole and created again gets a new id: its old
	// fields, still in the tier, cannot be read back.
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h"), [][]byte{[]byte("g"), []byte("old")}); return err })
	hget("g")
	update(t, db, func(tx *Txn) error { _, err := tx.Delete([]byte("h")); return err })
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h"), [][]byte{[]byte("x"), []byte("y")}); return err })
	if got := hget("g"); got != " false <nil>" {
		t.Fatalf("HGET of a field of a deleted hash = %s", got)
	}
	// Rename moves the value; the old name reads as missing.
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("a"), []byte("va"), 0) })
	getString(t, db, "a")
	update(t, db, func(tx *Txn) error { return tx.Rename([]byte("a"), []byte("b")) })
	if _, ok := getString(t, db, "a"); ok {
		t.Fatal("renamed key still readable under its old name")
	}
	if v, _ := getString(t, db, "b"); v != "va" {
		t.Fatalf("GET b = %q", v)
	}
	update(t, db, func(tx *Txn) error { return tx.Flush() })
	if _, ok := getString(t, db, "b"); ok {
		t.Fatal("GET after FLUSHALL finds the key")
	}
	if s := hotStats(t, db); s.Entries != 0 {
		t.Fatalf("FLUSHALL left %d entries in the hot tier", s.Entries)
	}
}

// TestHotTierExpiry: a cached key with a TTL still expires.
func TestHotTierExpiry(t *testing.T) {
	db := openTest(t, Options{})
	var now int64
	update(t, db, func(tx *Txn) error { now = tx.Now(); return tx.SetString([]byte("k"), []byte("v"), now+50) })
	getString(t, db, "k")
	getString(t, db, "k")
	for {
		var expired bool
		db.View(func(tx *Txn) error { expired = tx.Now() > now+50; return nil })
		if expired {
			break
		}
	}
	if _, ok := getString(t, db, "k"); ok {
		t.Fatal("an expired key served from the hot tier")
	}
}

// TestHotTierTableRows: rows are served from the tier on the second
// read, partial upserts and deletes are seen at once, and a dropped and
// recreated table does not see its predecessor's rows.
func TestHotTierTableRows(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, "a", cell{0: float32(1), 1: "x"}, "b", cell{0: float32(2)})
	expectRows(t, readRows(t, db, tbl, "a", "b", "zz", "a"), "1/x", "2/-", "missing", "1/x")
	before := hotStats(t, db)
	expectRows(t, readRows(t, db, tbl, "b", "a", "a"), "2/-", "1/x", "1/x")
	if s := hotStats(t, db); s.Hits-before.Hits != 3 || s.Misses != before.Misses {
		t.Fatalf("second read: hits %d→%d, misses %d→%d", before.Hits, s.Hits, before.Misses, s.Misses)
	}
	writeRows(t, db, tbl, "a", cell{1: "y"})
	expectRows(t, readRows(t, db, tbl, "a"), "1/y")
	if n, err := db.DeleteRows(tbl, [][]byte{[]byte("b")}); n != 1 || err != nil {
		t.Fatalf("DeleteRows = %d, %v", n, err)
	}
	expectRows(t, readRows(t, db, tbl, "b", "a"), "missing", "1/y")

	if _, err := db.DropTable("t"); err != nil {
		t.Fatal(err)
	}
	tbl, _ = db.CreateTable("t", testSchema(0))
	expectRows(t, readRows(t, db, tbl, "a", "b"), "missing", "missing")
}

// TestHotTierNeverStaleAfterWrite: with readers filling the tier all the
// time, a read that starts after WriteRows returns sees that write.
func TestHotTierNeverStaleAfterWrite(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	keys := make([]any, 0, 100)
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprint("k", i)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					readRows(t, db, tbl, names...)
				}
			}
		}()
	}
	for v := range 200 {
		keys = keys[:0]
		for _, k := range names {
			keys = append(keys, k, cell{0: float32(v)})
		}
		writeRows(t, db, tbl, keys...)
		for _, got := range readRows(t, db, tbl, names...) {
			if got != fmt.Sprintf("%d/-", v) {
				close(stop)
				wg.Wait()
				t.Fatalf("after writing version %d a read returned %q", v, got)
			}
		}
	}
	close(stop)
	wg.Wait()
	if s := hotStats(t, db); s.Hits == 0 {
		t.Errorf("the tier served nothing: %+v", s)
	}
}

func TestHotMemorySplit(t *testing.T) {
	for _, c := range []struct{ budget, block, hot int64 }{
		{1 << 30, 128 << 20, 896 << 20},
		{64 << 20, 64 << 20, 0}, // 16 MiB block cache would leave 48 MiB: too little for a tier
		{128 << 20, 16 << 20, 112 << 20},
		{16 << 20, 16 << 20, 0},
	} {
		b, h := Options{HotMemory: c.budget}.split()
		if b != c.block || h != c.hot {
			t.Errorf("split(%d MiB) = %d MiB block cache, %d MiB hot; want %d, %d", c.budget>>20, b>>20, h>>20, c.block>>20, c.hot>>20)
		}
	}
	if err := (Options{Dir: "x", HotMemory: 1 << 20}).EnsureDefaults().Validate(); err == nil {
		t.Error("a 1 MiB budget is accepted")
	}
}

// TestHotTierFilledByLargeWrite: a batch larger than half a memtable is
// committed by handing its data to Pebble; the tier must still get it.
func TestHotTierFilledByLargeWrite(t *testing.T) {
	db := openTest(t, Options{MemTableBytes: 1 << 20})
	tbl, _ := db.CreateTable("t", testSchema(0))
	rows := make([]any, 0, 2*20000)
	for i := range 20000 {
		rows = append(rows, fmt.Sprint(i), cell{0: float32(i), 1: "some name to make the row longer"})
	}
	writeRows(t, db, tbl, rows...)
	if s := hotStats(t, db); s.Entries != 20000 {
		t.Fatalf("after writing 20000 rows in one batch the tier holds %d", s.Entries)
	}
	before := hotStats(t, db)
	expectRows(t, readRows(t, db, tbl, "0", "19999"), "0/some name to make the row longer", "19999/some name to make the row longer")
	if s := hotStats(t, db); s.Hits-before.Hits != 2 || s.Misses != before.Misses {
		t.Fatalf("reads after the load were not served by the tier: %+v", s)
	}
}

// TestHotTierEmptyAndOversizedValues: an empty value read from the tier
// is empty, not missing; a value grown past what the tier caches does
// not leave its old, smaller self behind.
func TestHotTierEmptyAndOversizedValues(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("e"), nil, 0) })
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), nil}); return err })
	for range 2 {
		db.View(func(tx *Txn) error {
			if v, ok, err := tx.GetString([]byte("e")); !ok || v == nil || err != nil {
				t.Errorf("GET of an empty string = %v, %v, %v", v, ok, err)
			}
			if v, ok, err := tx.HGet([]byte("h"), []byte("f")); !ok || v == nil || err != nil {
				t.Errorf("HGET of an empty field = %v, %v, %v", v, ok, err)
			}
			return nil
		})
	}
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("s"), []byte("small"), 0) })
	getString(t, db, "s")
	big := strings.Repeat("x", 1<<20)
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("s"), []byte(big), 0) })
	if v, _ := getString(t, db, "s"); len(v) != len(big) {
		t.Fatalf("after growing to 1 MiB, GET returns %d bytes", len(v))
	}
}
