package engine

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/columnar"
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

// benchReadRows reads 1000 random keys × 10 float32 columns from a table
// of n rows, the Murr benchmark's read, hot or from Pebble alone.
func benchReadRows(b *testing.B, hot bool) {
	opts := Options{}
	if !hot {
		opts.HotMemory = 64 << 20 // block cache only
	}
	db := openTest(b, opts)
	s := &columnar.Schema{Key: "k"}
	for c := range 10 {
		s.Columns = append(s.Columns, columnar.Column{Name: "col_" + strconv.Itoa(c), Type: columnar.Scalar(columnar.KindFloat32)})
	}
	tbl, err := db.CreateTable("t", s)
	if err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	var u columnar.Updates
	rb := columnar.NewRowBuilder(tbl.Layout())
	for i := range n {
		for c := range 10 {
			rb.Set(c, f32(float32(i*10+c)))
		}
		u.Add([]byte(strconv.Itoa(i)), rb.AppendUpdate(nil))
	}
	if _, err := db.WriteRows(tbl, &u); err != nil {
		b.Fatal(err)
	}
	db.pdb.Flush()
	rng := rand.New(rand.NewPCG(1, 1))
	reads := make([][][]byte, 64)
	for r := range reads {
		for range 1000 {
			reads[r] = append(reads[r], []byte(strconv.Itoa(rng.IntN(n))))
		}
	}
	var sum int
	read := func(keys [][]byte) {
		if err := db.ReadRows(tbl, keys, func(i int, row columnar.Row) error { sum += len(row); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	for _, keys := range reads {
		read(keys) // warm
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		read(reads[i%len(reads)])
	}
}

func BenchmarkReadRows1000Hot(b *testing.B)  { benchReadRows(b, true) }
func BenchmarkReadRows1000Cold(b *testing.B) { benchReadRows(b, false) }
