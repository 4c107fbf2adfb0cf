package tiering

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

func newTier(t testing.TB, maxBytes int64) *Tier {
	t.Helper()
	tr, err := New(Options{MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestOptionsValidate(t *testing.T) {
	if _, err := New(Options{MaxBytes: MinBytes - 1}); err == nil {
		t.Error("a budget under MinBytes is accepted")
	}
	if _, err := New(Options{AvgEntryBytes: 3}); err == nil {
		t.Error("AvgEntryBytes 3 is accepted")
	}
	o := Options{}.EnsureDefaults()
	if o.MaxBytes != 1<<30 || o.AvgEntryBytes != 64 {
		t.Errorf("defaults: %+v", o)
	}
}

func TestGetFillUpdateInvalidate(t *testing.T) {
	tr := newTier(t, MinBytes)
	k := []byte("row:1")
	if _, ok := tr.Get(nil, k); ok {
		t.Fatal("empty tier hits")
	}
	// Until the tier is full, writes add records.
	tr.Update(k, []byte("v0"))
	if v, ok := tr.Get(nil, k); !ok || string(v) != "v0" {
		t.Fatalf("Update into an empty tier: %q, %v", v, ok)
	}
	tr.Invalidate(k)
	if !tr.Fill(k, []byte("v1")) {
		t.Fatal("Fill of a tier that has never filled up was refused")
	}
	if v, ok := tr.Get([]byte("x"), k); !ok || string(v) != "xv1" {
		t.Fatalf("Get = %q, %v; want the value appended to dst", v, ok)
	}
	tr.Update(k, []byte("v2"))
	if v, _ := tr.Get(nil, k); string(v) != "v2" {
		t.Fatalf("after Update, Get = %q", v)
	}
	tr.Invalidate(k)
	if _, ok := tr.Get(nil, k); ok {
		t.Fatal("Invalidate left the record")
	}
	// Empty values are records too (an empty string is not a miss).
	tr.Fill([]byte("empty"), nil)
	if v, ok := tr.Get(nil, []byte("empty")); !ok || len(v) != 0 {
		t.Fatalf("empty value: %q, %v", v, ok)
	}

	s := tr.Stats()
	want := Stats{MaxBytes: MinBytes, Entries: 1, Hits: 4, Misses: 2, Admissions: 3}
	s.Bytes = 0
	s.Evictions = 0
	if s != want {
		t.Errorf("Stats = %+v\nwant    %+v", s, want)
	}
	tr.Reset()
	if s := tr.Stats(); s.Entries != 0 || s.Hits != 0 || s.Admissions != 0 {
		t.Errorf("after Reset: %+v", s)
	}
	if _, ok := tr.Get(nil, []byte("empty")); ok {
		t.Error("Reset left a record")
	}
}

func TestValuesTooLargeAreNotCached(t *testing.T) {
	tr := newTier(t, MinBytes)
	big := bytes.Repeat([]byte("x"), 40<<10)
	tr.Fill([]byte("big"), big)
	if _, ok := tr.Get(nil, []byte("big")); ok {
		t.Error("a 40 KiB value was cached; chunks are 32 KiB")
	}
}

// fill pushes n distinct records of about 60 bytes through Fill.
func fill(tr *Tier, prefix string, n int) {
	v := bytes.Repeat([]byte{7}, 48)
	var k []byte
	for i := range n {
		k = strconv.AppendInt(append(k[:0], prefix...), int64(i), 10)
		tr.Fill(k, v)
	}
}

// TestAdmissionAfterFull: once the tier has wrapped, a record missed once
// is turned away and one missed twice gets in.
func TestAdmissionAfterFull(t *testing.T) {
	tr := newTier(t, MinBytes)
	fill(tr, "warm:", 1_500_000) // ~90 MB through a ~50 MiB log
	if !tr.full.Load() {
		t.Fatal("tier not full after filling twice its size")
	}
	s := tr.Stats()
	if s.Evictions == 0 || s.Rejections == 0 {
		t.Errorf("after overfilling: %+v", s)
	}
	k := []byte("new-record")
	tr.Update(k, []byte("w"))
	if _, ok := tr.Get(nil, k); ok {
		t.Fatal("a write added a record to a full tier")
	}
	if tr.Fill(k, []byte("v")) {
		t.Fatal("a record seen for the first time was admitted into a full tier")
	}
	if !tr.Fill(k, []byte("v")) {
		t.Fatal("a record missed twice was not admitted")
	}
	if v, ok := tr.Get(nil, k); !ok || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
}

// TestBudgetHoldsWithIndex: a tier filled many times over stays within
// its budget, index and sketch included, and uses most of it.
func TestBudgetHoldsWithIndex(t *testing.T) {
	const budget = 64 << 20
	tr := newTier(t, budget)
	fill(tr, "k", 3_000_000)
	s := tr.Stats()
	t.Logf("entries %d, %d MiB (%.1f B/entry)", s.Entries, s.Bytes>>20, float64(s.Bytes)/float64(s.Entries))
	if s.Bytes > budget {
		t.Errorf("tier uses %d bytes, budget %d", s.Bytes, budget)
	}
	if s.Bytes < budget*3/4 {
		t.Errorf("tier uses only %d of %d bytes", s.Bytes, budget)
	}
	if s.Evictions == 0 || s.Entries < 500_000 {
		t.Errorf("after overfilling: %+v", s)
	}
}

// TestGetMany agrees with Get on hits, misses and values.
func TestGetMany(t *testing.T) {
	tr := newTier(t, MinBytes)
	fill(tr, "k", 100_000)
	keys := [][]byte{[]byte("k5"), []byte("nope"), []byte("k99999"), []byte("k5"), []byte("k100000")}
	spans := make([]int32, 2*len(keys))
	dst := tr.GetMany([]byte("prefix"), keys, spans)
	for i, k := range keys {
		want, ok := tr.Get(nil, k)
		if end := spans[2*i+1]; (end >= 0) != ok || ok && string(dst[spans[2*i]:end]) != string(want) {
			t.Errorf("GetMany %s: span %d..%d, Get %q %v", k, spans[2*i], spans[2*i+1], want, ok)
		}
	}
}

// TestZipfHotSetStaysResident reads through a tier a tenth the size of
// the data with a Zipf-skewed workload: the hot set must stay resident.
func TestZipfHotSetStaysResident(t *testing.T) {
	const keys = 4_000_000 // ~240 MB of records, through a ~50 MiB log
	tr := newTier(t, MinBytes)
	rng := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(rng, 1.1, 1, keys-1)
	v := bytes.Repeat([]byte{1}, 48)
	var k, buf []byte
	read := func(n int) (hits int) {
		for range n {
			k = strconv.AppendUint(append(k[:0], "key:"...), z.Uint64(), 10)
			var ok bool
			if buf, ok = tr.Get(buf[:0], k); ok {
				hits++
			} else {
				tr.Fill(k, v)
			}
		}
		return hits
	}
	read(2_000_000) // warm up
	// A scan of cold keys, each read once, must not flush the hot set.
	for i := range 1_000_000 {
		k = strconv.AppendInt(append(k[:0], "cold:"...), int64(i), 10)
		if _, ok := tr.Get(nil, k); !ok {
			tr.Fill(k, v)
		}
	}
	const n = 1_000_000
	ratio := float64(read(n)) / n
	t.Logf("hit ratio %.3f after a cold scan; %+v", ratio, tr.Stats())
	if ratio < 0.6 {
		t.Errorf("hit ratio %.3f, want at least 0.6", ratio)
	}
}

// TestConcurrentUse runs readers and writers together (for -race) and
// checks that Update and Invalidate are never undone by stale records.
func TestConcurrentUse(t *testing.T) {
	tr := newTier(t, MinBytes)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range 20000 {
				k := []byte(fmt.Sprintf("g%d:%d", g, i%500))
				var ok bool
				if buf, ok = tr.Get(buf[:0], k); !ok {
					tr.Fill(k, []byte("v"))
				}
				if i%7 == 0 {
					tr.Update(k, []byte("w"))
				}
				if i%11 == 0 {
					tr.Invalidate(k)
					if _, ok := tr.Get(nil, k); ok {
						t.Errorf("%s resident right after Invalidate", k)
						return
					}
				}
			}
		}()
	}
	go func() { // Stats while everything moves.
		for range 100 {
			if s := tr.Stats(); s.Hits < 0 || s.Misses < 0 || s.Evictions < 0 {
				t.Errorf("negative counters: %+v", s)
			}
		}
	}()
	wg.Wait()
}

func BenchmarkGetMany1000(b *testing.B) {
	tr := newTier(b, 256<<20)
	const n = 1_000_000
	fill(tr, "k", n)
	rng := rand.New(rand.NewPCG(1, 1))
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = strconv.AppendInt([]byte("k"), int64(rng.IntN(n)), 10)
	}
	spans := make([]int32, 2000)
	var buf []byte
	b.ResetTimer()
	for range b.N {
		buf = tr.GetMany(buf[:0], keys, spans)
	}
}

// BenchmarkGetManyDRAM1000 reads 1000 random keys of 8M per op, a new
// set each time, from a tier far larger than the CPU caches: Murr's read,
// where every key costs memory misses.
func BenchmarkGetManyDRAM1000(b *testing.B) {
	tr := newTier(b, 1<<30)
	const n = 8_000_000
	fill(tr, "k", n)
	rng := rand.New(rand.NewPCG(1, 1))
	sets := make([][][]byte, 256)
	for s := range sets {
		sets[s] = make([][]byte, 1000)
		for i := range sets[s] {
			sets[s][i] = strconv.AppendInt([]byte("k"), int64(rng.IntN(n)), 10)
		}
	}
	spans := make([]int32, 2000)
	var buf []byte
	b.ResetTimer()
	for i := range b.N {
		buf = tr.GetMany(buf[:0], sets[i%len(sets)], spans)
	}
}

func BenchmarkGetHit(b *testing.B) {
	tr := newTier(b, 256<<20)
	const n = 1_000_000
	fill(tr, "k", n)
	keys := make([][]byte, 1024)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range keys {
		keys[i] = strconv.AppendInt([]byte("k"), int64(rng.IntN(n)), 10)
	}
	var buf []byte
	b.ResetTimer()
	for i := range b.N {
		buf, _ = tr.Get(buf[:0], keys[i&1023])
	}
}

// TestTinyRecordsOverflowNothing: records far smaller than budgeted fill
// the index before the log; the tier keeps working and within budget.
func TestTinyRecordsOverflowNothing(t *testing.T) {
	tr := newTier(t, MinBytes)
	var k []byte
	for i := range 6_000_000 {
		k = strconv.AppendInt(k[:0], int64(i), 36)
		tr.Update(k, nil)
		tr.Fill(k, nil)
	}
	s := tr.Stats()
	if s.Bytes > MinBytes || s.Entries == 0 {
		t.Fatalf("after 6M tiny records: %+v", s)
	}
	if _, ok := tr.Get(nil, k); !ok {
		t.Error("the last record written is not resident")
	}
}

// TestUpdateManyMatchesUpdate: UpdateMany leaves the tier as the same
// Updates one by one would, keys repeated within a group included.
func TestUpdateManyMatchesUpdate(t *testing.T) {
	one, many := newTier(t, MinBytes), newTier(t, MinBytes)
	rng := rand.New(rand.NewPCG(3, 3))
	var keys, vals [][]byte
	for i := range 5000 {
		keys = append(keys, []byte(fmt.Sprint("k", rng.IntN(3000))))
		vals = append(vals, []byte(fmt.Sprint("v", i)))
	}
	for i := range keys {
		one.Update(keys[i], vals[i])
	}
	many.UpdateMany(keys, vals)
	for i := range 3000 {
		k := []byte(fmt.Sprint("k", i))
		v1, ok1 := one.Get(nil, k)
		v2, ok2 := many.Get(nil, k)
		if ok1 != ok2 || string(v1) != string(v2) {
			t.Fatalf("%s: Update gives %q, %v; UpdateMany %q, %v", k, v1, ok1, v2, ok2)
		}
	}
	if s1, s2 := one.Stats(), many.Stats(); s1 != s2 {
		t.Errorf("Stats after Update %+v\nafter UpdateMany    %+v", s1, s2)
	}
}

// TestUpdateManyFillsUpThenOnlyReplaces: a batch that fills the tier
// adds records until it is full and only replaces resident ones after.
func TestUpdateManyFillsUpThenOnlyReplaces(t *testing.T) {
	tr := newTier(t, MinBytes)
	const n = 1_500_000 // ~90 MB through a ~50 MiB log
	keys, vals := make([][]byte, n), make([][]byte, n)
	v := bytes.Repeat([]byte{7}, 48)
	for i := range keys {
		keys[i], vals[i] = []byte(fmt.Sprint("k", i)), v
	}
	tr.UpdateMany(keys, vals)
	s := tr.Stats()
	if !tr.full.Load() || s.Admissions >= n || s.Bytes > MinBytes {
		t.Fatalf("after a batch twice the tier's size: full %v, %+v", tr.full.Load(), s)
	}
	if _, ok := tr.Get(nil, keys[n-1]); ok {
		t.Error("records were added after the tier filled up")
	}
	resident := -1
	for i := n - 1; i >= 0 && resident < 0; i-- {
		if _, ok := tr.Get(nil, keys[i]); ok {
			resident = i
		}
	}
	tr.UpdateMany([][]byte{keys[resident], []byte("new")}, [][]byte{[]byte("w"), []byte("w")})
	if got, _ := tr.Get(nil, keys[resident]); string(got) != "w" {
		t.Errorf("resident record not replaced: %q", got)
	}
	if _, ok := tr.Get(nil, []byte("new")); ok {
		t.Error("UpdateMany added a record to a full tier")
	}
}

// TestReserve: after Reserve(n), n new records go in without growing
// the index again; a huge reservation stays within the budget.
func TestReserve(t *testing.T) {
	tr := newTier(t, 256<<20)
	const n = 200_000
	tr.Reserve(n)
	var before [shardCount]uint64
	for i := range tr.shards {
		before[i] = tr.shards[i].nSlots
	}
	fill(tr, "k", n)
	for i := range tr.shards {
		if s := &tr.shards[i]; s.nSlots != before[i] {
			t.Fatalf("shard %d grew from %d to %d slots after Reserve(%d)", i, before[i], s.nSlots, n)
		}
	}
	if s := tr.Stats(); s.Entries != n {
		t.Fatalf("entries %d, want %d", s.Entries, n)
	}
	if _, ok := tr.Get(nil, []byte("k12345")); !ok {
		t.Fatal("a record is missing after the rebuild")
	}
	tr.Reserve(1 << 40)
	if s := tr.Stats(); s.Bytes > s.MaxBytes || s.Entries != n {
		t.Fatalf("after a huge Reserve: %+v", s)
	}
}
