package engine

import (
	"strconv"
	"testing"
)

func benchGet(b *testing.B, flush bool) {
	db := openTest(b, Options{})
	const n = 100000
	db.Update(func(tx *Txn) error {
		for i := 0; i < n; i++ {
			tx.SetString([]byte("key:"+strconv.Itoa(i)), []byte("xxx"), 0)
		}
		return nil
	})
	if flush {
		db.pdb.Flush()
	}
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i*24%n))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.View(func(tx *Txn) error {
			_, ok, _ := tx.GetString(keys[i%len(keys)])
			if !ok {
				b.Fatal("missing")
			}
			return nil
		})
	}
}

func BenchmarkGetMemtable(b *testing.B) { benchGet(b, false) }
func BenchmarkGetFlushed(b *testing.B)  { benchGet(b, true) }

func BenchmarkSet(b *testing.B) {
	db := openTest(b, Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Update(func(tx *Txn) error {
			return tx.SetString([]byte("key:"+strconv.Itoa(i%100000)), []byte("xxx"), 0)
		})
	}
}

// TestBlockCacheServesRepeatedReads guards against a block cache whose
// whole capacity is taken by Pebble's memtable reservation: then every
// read after a flush goes to disk. The budget leaves no hot tier, which
// would otherwise serve these reads.
func TestBlockCacheServesRepeatedReads(t *testing.T) {
	db := openTest(t, Options{HotMemory: 64 << 20})
	if db.hot != nil {
		t.Fatal("a 64 MiB budget has a hot tier")
	}
	db.Update(func(tx *Txn) error {
		for i := 0; i < 100000; i++ {
			tx.SetString([]byte("key:"+strconv.Itoa(i)), []byte("xxx"), 0)
		}
		return nil
	})
	if err := db.pdb.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20000; i++ {
		db.View(func(tx *Txn) error { _, _, err := tx.GetString([]byte("key:" + strconv.Itoa(i%1000))); return err })
	}
	m := db.Metrics()
	if m.CacheHits < 10*m.CacheMisses {
		t.Fatalf("block cache hits %d, misses %d: blocks are not being cached", m.CacheHits, m.CacheMisses)
	}
}
