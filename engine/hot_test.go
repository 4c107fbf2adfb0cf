package engine

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/columnar"
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
	waitHotFill(tbl)
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

// waitHotFill waits until tbl's last write has filled the hot tier: a
// large write fills it after it returns, holding the writer lock.
func waitHotFill(tbl *Table) {
	tbl.wmu.Lock()
	tbl.wmu.Unlock()
}

// bigRows returns n rows "0".."n-1" with score v and a name, a batch
// well over backgroundFill, so its hot tier fill runs after the write.
func bigRows(n int, v float32) []any {
	rows := make([]any, 0, 2*n)
	for i := range n {
		rows = append(rows, fmt.Sprint(i), cell{0: v, 1: "a name long enough to make the batch large"})
	}
	return rows
}

const bigN = 30000

// TestHotTierBackgroundFill: right after a large write returns, while
// its fill runs (paused after its first group here), reads see the new
// rows, from Pebble; once the fill ends they come from the tier, and the
// counters show each row admitted once.
func TestHotTierBackgroundFill(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	t.Cleanup(func() { fillGroupHook = nil })
	// "0" is in the batch's first group, "17" and "29999" are not.
	keys := []string{"0", "17", "29999", "nope"}
	for v := range 3 {
		paused, resume := make(chan struct{}), make(chan struct{})
		var once, resumed sync.Once
		release := func() { resumed.Do(func() { close(resume) }) }
		t.Cleanup(release) // before Close, which waits for the fill
		fillGroupHook = func() { once.Do(func() { close(paused); <-resume }) }
		writeRows(t, db, tbl, bigRows(bigN, float32(v))...)
		<-paused
		want := fmt.Sprintf("%d/a name long enough to make the batch large", v)
		if seq := tbl.hotSeq.Load(); seq&1 == 0 {
			t.Fatalf("hotSeq %d even during the fill", seq)
		}
		before := hotStats(t, db)
		expectRows(t, readRows(t, db, tbl, keys...), want, want, want, "missing")
		if s := hotStats(t, db); s.Hits != before.Hits || s.Misses != before.Misses {
			t.Errorf("a read during the fill used the tier: %+v, before %+v", s, before)
		}
		release()
		waitHotFill(tbl)
		if seq := tbl.hotSeq.Load(); seq&1 != 0 {
			t.Fatalf("hotSeq %d odd after the fill", seq)
		}
		before = hotStats(t, db)
		expectRows(t, readRows(t, db, tbl, keys...), want, want, want, "missing")
		if s := hotStats(t, db); s.Hits-before.Hits != 3 {
			t.Errorf("after the fill, %d of 3 rows came from the tier", s.Hits-before.Hits)
		}
		if s := hotStats(t, db); s.Entries != bigN || s.Admissions != bigN {
			t.Errorf("after writing %d rows %d times: %+v", bigN, v+1, s)
		}
	}
}

// TestHotTierBadWriteChangesNothing: a large write that fails on a
// corrupt row commits nothing and leaves the tier and the table's
// sequence number as they were.
func TestHotTierBadWriteChangesNothing(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, "0", cell{0: float32(-1)})
	readRows(t, db, tbl, "0")
	before, seq := hotStats(t, db), tbl.hotSeq.Load()
	var u columnar.Updates
	for i := range bigN {
		addUpdate(t, tbl, &u, fmt.Sprint(i), cell{0: float32(i)})
	}
	u.Add([]byte("bad"), []byte{0xff, 0xff, 0xff})
	if _, err := db.WriteRows(tbl, &u); err == nil {
		t.Fatal("a write with a corrupt row succeeded")
	}
	waitHotFill(tbl)
	if s := hotStats(t, db); s != before || tbl.hotSeq.Load() != seq {
		t.Fatalf("a failed write changed the tier: %+v, before %+v; hotSeq %d→%d", s, before, seq, tbl.hotSeq.Load())
	}
	expectRows(t, readRows(t, db, tbl, "0", "1"), "-1/-", "missing")
}

// TestHotTierFlushAndDropDuringFill: FLUSHALL while a large write fills
// the tier leaves it empty; DROP waits for the fill, and the table made
// again under the name does not see the old rows.
func TestHotTierFlushAndDropDuringFill(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, bigRows(bigN, 1)...)
	update(t, db, func(tx *Txn) error { return tx.Flush() })
	waitHotFill(tbl)
	if s := hotStats(t, db); s.Entries != 0 {
		t.Fatalf("FLUSHALL during a fill left %d entries", s.Entries)
	}

	tbl, _ = db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, bigRows(bigN, 2)...)
	if ok, err := db.DropTable("t"); !ok || err != nil {
		t.Fatalf("DropTable = %v, %v", ok, err)
	}
	if seq := tbl.hotSeq.Load(); seq&1 != 0 {
		t.Fatal("DropTable returned before the fill ended")
	}
	tbl, _ = db.CreateTable("t", testSchema(0))
	expectRows(t, readRows(t, db, tbl, "0", "1"), "missing", "missing")
}

// TestHotTierCloseDuringFill: Close waits for a background fill, and
// the write is there after reopening.
func TestHotTierCloseDuringFill(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, bigRows(bigN, 3)...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if seq := tbl.hotSeq.Load(); seq&1 != 0 {
		t.Fatal("Close returned before the fill ended")
	}
	db = openTest(t, Options{Dir: dir})
	tbl, err = db.Table("t")
	if err != nil {
		t.Fatal(err)
	}
	want := "3/a name long enough to make the batch large"
	expectRows(t, readRows(t, db, tbl, "0", "29999"), want, want)
}

// A read that got its rows from Pebble before a write must not put them
// into the hot tier after the write has returned: later reads would get
// the older row from the tier.
func TestHotTierReadFillNeverOutlivesAWrite(t *testing.T) {
	db := openTest(t, Options{})
	tbl, _ := db.CreateTable("t", testSchema(0))
	writeRows(t, db, tbl, "k", cell{1: "old"})
	hk := appendHotRowKey(nil, tbl.id, []byte("k"))
	db.hot.Invalidate(hk) // so the next read misses and fills

	paused, resume := make(chan struct{}), make(chan struct{})
	coldReadHook = func() {
		coldReadHook = nil
		close(paused)
		<-resume
	}
	t.Cleanup(func() { coldReadHook = nil })
	got := make(chan []string)
	go func() { got <- readRows(t, db, tbl, "k") }()
	<-paused
	// The write begins while the reader holds the old row, unfilled.
	wrote := make(chan struct{})
	go func() {
		writeRows(t, db, tbl, "k", cell{1: "new"})
		close(wrote)
	}()
	<-wrote // the reader has not filled yet, so the write does not wait
	close(resume)
	expectRows(t, <-got, "-/old")
	for range 3 {
		expectRows(t, readRows(t, db, tbl, "k"), "-/new")
	}
	if v, ok := db.hot.Get(nil, hk); ok && !bytes.Contains(v, []byte("new")) {
		t.Fatalf("hot tier holds %q after the write returned", v)
	}
}
