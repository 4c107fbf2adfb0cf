package tiering

import (
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// admitAfter is how many earlier misses within the sketch's window a
// record needs, once the tier is full, before a Fill admits it.
const admitAfter = 1

func hashKey(k []byte) uint64 { return xxhash.Sum64(k) }

// Tier is the hot tier. It is safe for concurrent use: reads share one
// lock, so a batch read takes it once; writes take it alone.
type Tier struct {
	mu     sync.RWMutex
	shards [shardCount]shard
	ring   []byte // the shards' logs, interleaved
	index  []byte // the shards' index slots, interleaved
	// sk counts misses for admission. It only matters once the tier is
	// full, so it is made then (by whoever fills the tier) and dropped
	// by Reset: a tier that holds all its data never pays for it.
	sk          atomic.Pointer[sketch]
	sketchWords int
	ringSize    uint64 // bytes of log, all shards
	maxBytes    int64

	// filled counts bytes written since the last Reset; once it passes
	// the log's size the ring has wrapped and admission turns selective.
	filled atomic.Int64
	full   atomic.Bool

	hits, misses, admissions, rejections, evictions atomic.Int64

	sink uint64 // keeps UpdateMany's loads ahead of its puts; under mu
}

// New returns an empty Tier.
func New(o Options) (*Tier, error) {
	o = o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ringBytes, words := o.split()
	t := &Tier{sketchWords: words, maxBytes: o.MaxBytes}
	nChunks := max(uint64(ringBytes)/shardCount/chunkSize, 1)
	t.ringSize = nChunks * shardCount * chunkSize
	t.ring = allocOffHeap(int(t.ringSize))
	adviseHugePages(t.ring)
	// The index gets what the budget leaves, in powers of two per shard;
	// pages of it not yet used cost nothing.
	indexBytes := uint64(max(o.MaxBytes-int64(t.ringSize)-int64(words*8), 0))
	slots := uint64(minSlots)
	for slots*2*shardCount*8 <= indexBytes {
		slots *= 2
	}
	t.index = allocOffHeap(int(slots * shardCount * 8))
	adviseHugePages(t.index)
	index := unsafe.Slice((*uint64)(unsafe.Pointer(&t.index[0])), len(t.index)/8)
	for i := range t.shards {
		t.shards[i].init(t.ring, index, uint64(i), nChunks)
	}
	return t, nil
}

// Close releases the tier's memory. The Tier must not be used after.
func (t *Tier) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.shards {
		t.shards[i] = shard{}
	}
	freeOffHeap(t.ring)
	freeOffHeap(t.index)
	t.ring, t.index = nil, nil
}

// Get appends the value of k to dst and reports whether k was resident.
func (t *Tier) Get(dst, k []byte) ([]byte, bool) {
	h := hashKey(k)
	t.mu.RLock()
	s := &t.shards[h&shardMask]
	i := s.find(k, h)
	if i >= 0 {
		_, v := s.record(*s.slot(uint64(i))&posMask - 1)
		dst = append(dst, v...)
	}
	t.mu.RUnlock()
	if i < 0 {
		t.misses.Add(1)
		return dst, false
	}
	t.hits.Add(1)
	return dst, true
}

// GetMany looks up every key at once: it appends the value of each
// resident key to dst and sets spans[2i], spans[2i+1] to where it is in
// the result, or spans[2i+1] to -1 for a key that is not resident.
// spans must have room for 2*len(keys). The keys' lookups overlap their
// memory accesses, so a large batch costs far less than as many Gets.
func (t *Tier) GetMany(dst []byte, keys [][]byte, spans []int32) []byte {
	sc := getScratch(len(keys))
	defer putScratch(sc)
	hs, avail := sc.hashes, sc.avail
	for i, k := range keys {
		hs[i] = hashKey(k)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	// Passes of independent loads the CPU can have in flight together:
	// each key's home slot; then, once the slots are in cache, where each
	// record is; then the records themselves, in a loop so small that
	// the CPU runs far ahead issuing their loads; then the copy.
	var sink uint64
	rec := sc.rec
	for i, h := range hs {
		s := &t.shards[h&shardMask]
		rec[i] = unsafe.Pointer(s.slot(s.home(h)))
	}
	for _, r := range rec {
		sink += *(*uint64)(r)
	}
	tail := sc.tail
	for i, h := range hs {
		s := &t.shards[h&shardMask]
		avail[i], rec[i] = -1, nil
		tag := tagOf(h)
		for j := s.home(h); ; j = (j + 1) & s.mask {
			sl := *s.slot(j)
			if sl == 0 {
				break
			}
			if sl>>posBits == tag && sl&posMask != 0 && sl&posMask-1 >= s.low {
				p := sl&posMask - 1
				b := s.at(p)
				// A record of a feature row spans two cache lines more
				// often than not: the second is loaded too.
				avail[i], rec[i], tail[i] = int64(len(b)), unsafe.Pointer(&b[0]), unsafe.Pointer(&b[min(63, len(b)-1)])
				break
			}
		}
	}
	for i, r := range rec {
		if r != nil {
			sink += uint64(*(*byte)(r)) + uint64(*(*byte)(tail[i]))
		}
	}
	sc.sink = sink
	var hits int64
	for i, k := range keys {
		s := &t.shards[hs[i]&shardMask]
		var v []byte
		found := false
		if n := avail[i]; n >= 0 {
			var rk []byte
			if rk, v = splitRecord(unsafe.Slice((*byte)(rec[i]), n)); string(rk) == string(k) {
				found = true
			} else if j := s.find(k, hs[i]); j >= 0 { // a tag collision
				_, v = s.record(*s.slot(uint64(j))&posMask - 1)
				found = true
			}
		}
		if !found {
			spans[2*i+1] = -1
			continue
		}
		spans[2*i] = int32(len(dst))
		dst = append(dst, v...)
		spans[2*i+1] = int32(len(dst))
		hits++
	}
	t.hits.Add(hits)
	t.misses.Add(int64(len(keys)) - hits)
	return dst
}

// Fill offers k and its value v, just read from the cold tier after a
// miss, and reports whether the admission policy let it in.
func (t *Tier) Fill(k, v []byte) bool {
	h := hashKey(k)
	sk := t.sk.Load()
	if !t.full.Load() || sk == nil {
		t.admit(k, v, h)
		return true
	}
	if sk.add(h) < admitAfter {
		t.rejections.Add(1)
		return false
	}
	t.admit(k, v, h)
	return true
}

// Update is the write path: it replaces the value of k if k is resident,
// and adds it only while the tier has never filled up, so a freshly
// loaded table is served from RAM but, once the tier is full, writes do
// not push out what reads keep hot.
func (t *Tier) Update(k, v []byte) { t.UpdateMany([][]byte{k}, [][]byte{v}) }

// updateGroup is how many records UpdateMany writes per turn of the lock:
// enough to make the lock's cost vanish, few enough that readers of
// other records wait only microseconds.
const updateGroup = 256

// UpdateMany is Update of keys[i] to vals[i] for each i in order, with
// the lock taken once per group of records rather than once per record,
// and each group's index slots loaded together: a large batch costs far
// less than as many Updates.
func (t *Tier) UpdateMany(keys, vals [][]byte) {
	for len(keys) > 0 {
		n := min(len(keys), updateGroup)
		t.updateGroup(keys[:n], vals[:n])
		keys, vals = keys[n:], vals[n:]
	}
}

func (t *Tier) updateGroup(keys, vals [][]byte) {
	var (
		hs               [updateGroup]uint64
		sink             uint64
		ev               int
		added, addedSize int64
	)
	for i, k := range keys {
		hs[i] = hashKey(k)
	}
	t.mu.Lock()
	// As in GetMany, every record's home slot first: loads the CPU can
	// have in flight together, where the puts would miss one by one.
	for _, h := range hs[:len(keys)] {
		s := &t.shards[h&shardMask]
		sink += *s.slot(s.home(h))
	}
	t.sink = sink
	full := t.full.Load()
	for i, k := range keys {
		v, h := vals[i], hs[i]
		s := &t.shards[h&shardMask]
		if full && s.find(k, h) < 0 {
			continue
		}
		a, e := s.put(k, v, h)
		ev += e
		if !a {
			continue
		}
		added++
		addedSize += int64(len(k) + len(v) + entryHeaderBytes)
		if t.filled.Load()+addedSize >= int64(t.ringSize) {
			// The tier fills up here: later records only replace.
			t.admittedN(added, addedSize)
			added, addedSize = 0, 0
			full = t.full.Load()
		}
	}
	t.mu.Unlock()
	t.evictions.Add(int64(ev))
	if added > 0 {
		t.admittedN(added, addedSize)
	}
}

// Reserve prepares the index for n records about to be added (by a
// batch of Updates), so that it grows once now rather than doubling
// again and again as they arrive. It is only a hint: it does nothing
// once the tier has filled up, when writes no longer add records, or for
// n too small to matter.
func (t *Tier) Reserve(n int) {
	if n < shardCount*minSlots/2 || t.full.Load() {
		return
	}
	// Each shard gets its share, plus slack for the unevenness of a
	// hash's spread (a few standard deviations).
	per := n/shardCount + 4*int(math.Sqrt(float64(n/shardCount))) + 1
	ev := 0
	t.mu.Lock()
	for i := range t.shards {
		ev += t.shards[i].reserve(per)
	}
	t.mu.Unlock()
	t.evictions.Add(int64(ev))
}

func (t *Tier) admit(k, v []byte, h uint64) {
	t.mu.Lock()
	_, ev := t.shards[h&shardMask].put(k, v, h)
	t.mu.Unlock()
	t.evictions.Add(int64(ev))
	t.admittedN(1, int64(len(k)+len(v)+entryHeaderBytes))
}

// admittedN counts n records of size bytes (framing included) added.
func (t *Tier) admittedN(n, size int64) {
	t.admissions.Add(n)
	if t.filled.Add(size) >= int64(t.ringSize) && !t.full.Swap(true) {
		t.sk.Store(newSketch(t.sketchWords, int64(t.sketchWords)*4))
	}
}

// Invalidate removes k.
func (t *Tier) Invalidate(k []byte) {
	h := hashKey(k)
	t.mu.Lock()
	t.shards[h&shardMask].remove(k, h)
	t.mu.Unlock()
}

// Reset empties the tier and zeroes its counters. Its memory stays
// mapped for reuse.
func (t *Tier) Reset() {
	t.mu.Lock()
	for i := range t.shards {
		t.shards[i].reset()
	}
	t.mu.Unlock()
	t.sk.Store(nil)
	t.filled.Store(0)
	t.full.Store(false)
	for _, c := range []*atomic.Int64{&t.hits, &t.misses, &t.admissions, &t.rejections, &t.evictions} {
		c.Store(0)
	}
}

// Stats are the tier's counters since it was created or last Reset.
type Stats struct {
	MaxBytes   int64 // the budget (Options.MaxBytes)
	Bytes      int64 // log bytes written and not yet reused, plus the index
	Entries    int64 // records resident (including some overwritten in the log but not yet swept from the index)
	Hits       int64 // lookups that found the record
	Misses     int64 // lookups that did not
	Admissions int64 // records added, by Fill or by Update while there was room
	Rejections int64 // Fills turned away by the admission policy
	Evictions  int64 // records overwritten in the log to make room, counted as the index sweeps them
}

// Stats returns the current counters.
func (t *Tier) Stats() Stats {
	st := Stats{
		MaxBytes:   t.maxBytes,
		Hits:       t.hits.Load(),
		Misses:     t.misses.Load(),
		Admissions: t.admissions.Load(),
		Rejections: t.rejections.Load(),
		Evictions:  t.evictions.Load(),
	}
	t.mu.RLock()
	for i := range t.shards {
		s := &t.shards[i]
		st.Entries += int64(s.live)
		st.Bytes += int64(min(s.pos, s.nChunks*chunkSize) + s.nSlots*8)
	}
	t.mu.RUnlock()
	if sk := t.sk.Load(); sk != nil {
		st.Bytes += int64(len(sk.words) * 8)
	}
	return st
}

// scratch holds GetMany's per-key state; pooled.
type scratch struct {
	hashes []uint64
	avail  []int64          // bytes of the log from each record to its chunk's end; -1: missing
	rec    []unsafe.Pointer // where each record starts, in the off-heap log
	tail   []unsafe.Pointer // a byte of each record's next cache line
	sink   uint64
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(n int) *scratch {
	sc := scratches.Get().(*scratch)
	if cap(sc.hashes) < n {
		sc.hashes, sc.avail = make([]uint64, n), make([]int64, n)
		sc.rec, sc.tail = make([]unsafe.Pointer, n), make([]unsafe.Pointer, n)
	}
	sc.hashes, sc.avail, sc.rec, sc.tail = sc.hashes[:n], sc.avail[:n], sc.rec[:n], sc.tail[:n]
	return sc
}

func putScratch(sc *scratch) { scratches.Put(sc) }
