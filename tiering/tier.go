package tiering

import (
	"sync/atomic"

	"github.com/VictoriaMetrics/fastcache"
	"github.com/cespare/xxhash/v2"
)

// admitAfter is how many earlier misses within the sketch's window a
// record needs, once the tier is full, before a Fill admits it.
const admitAfter = 1

// Tier is the hot tier. It is safe for concurrent use.
type Tier struct {
	c          *fastcache.Cache
	sk         *sketch
	chunkBytes int64
	maxBytes   int64

	// filled counts bytes admitted since the last Reset; once it passes
	// chunkBytes the cache has wrapped at least once and admission turns
	// selective.
	filled atomic.Int64
	full   atomic.Bool

	admissions, rejections, removals atomic.Int64
	// Has calls made by Update and Invalidate, which fastcache counts as
	// reads: subtracted so hits and misses are those of Get alone.
	probeHits, probeMisses atomic.Uint64
}

// New returns an empty Tier.
func New(o Options) (*Tier, error) {
	o = o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	chunkBytes, words := o.split()
	return &Tier{
		c:          fastcache.New(int(chunkBytes)),
		sk:         newSketch(words, chunkBytes/int64(o.AvgEntryBytes+entryHeaderBytes)),
		chunkBytes: chunkBytes,
		maxBytes:   o.MaxBytes,
	}, nil
}

// Get appends the value of k to dst and reports whether k was resident.
func (t *Tier) Get(dst, k []byte) ([]byte, bool) {
	return t.c.HasGet(dst, k)
}

// Fill offers k and its value v, just read from the cold tier after Get
// missed, and reports whether the admission policy let it in.
func (t *Tier) Fill(k, v []byte) bool {
	if t.admitWhileRoom(k, v) {
		return true
	}
	if t.sk.add(xxhash.Sum64(k)) < admitAfter {
		t.rejections.Add(1)
		return false
	}
	t.c.Set(k, v)
	t.admissions.Add(1)
	return true
}

// Update is the write path: it replaces the value of k if k is resident,
// and adds it only while the tier has never filled up, so a freshly
// loaded table is served from RAM but, once the tier is full, writes do
// not push out what reads keep hot.
func (t *Tier) Update(k, v []byte) {
	if t.c.Has(k) {
		t.probeHits.Add(1)
		t.c.Set(k, v)
		return
	}
	t.probeMisses.Add(1)
	t.admitWhileRoom(k, v)
}

// admitWhileRoom adds k unless the tier has filled up since the last
// Reset, and reports whether it did.
func (t *Tier) admitWhileRoom(k, v []byte) bool {
	if t.full.Load() {
		return false
	}
	if t.filled.Add(int64(len(k)+len(v)+entryHeaderBytes)) >= t.chunkBytes {
		t.full.Store(true)
	}
	t.c.Set(k, v)
	t.admissions.Add(1)
	return true
}

// Invalidate removes k.
func (t *Tier) Invalidate(k []byte) {
	if !t.c.Has(k) {
		t.probeMisses.Add(1)
		return
	}
	t.probeHits.Add(1)
	t.c.Del(k)
	t.removals.Add(1)
}

// Reset empties the tier. Its chunks stay allocated for reuse.
func (t *Tier) Reset() {
	t.c.Reset()
	t.sk.reset()
	t.filled.Store(0)
	t.full.Store(false)
	t.admissions.Store(0)
	t.rejections.Store(0)
	t.removals.Store(0)
	t.probeHits.Store(0)
	t.probeMisses.Store(0)
}

// Stats are the tier's counters since it was created or last Reset.
type Stats struct {
	MaxBytes   int64 // the budget (Options.MaxBytes)
	Bytes      int64 // entry chunks allocated
	Entries    int64 // records indexed (may include some evicted but not yet swept)
	Hits       int64 // Gets that found the record
	Misses     int64 // Gets that did not
	Admissions int64 // records added, by Fill or by Update while there was room
	Rejections int64 // Fills turned away by the admission policy
	// Evictions are records pushed out to make room: admitted minus
	// removed by writes minus still indexed. Each bucket sweeps its index
	// when it wraps around, so the count can lag by up to a bucket's
	// worth of records.
	Evictions int64
}

// Stats returns the current counters.
func (t *Tier) Stats() Stats {
	// Probes first: each is counted by fastcache before by us, so the
	// subtraction below can never go negative.
	ph, pm := t.probeHits.Load(), t.probeMisses.Load()
	var fs fastcache.Stats
	t.c.UpdateStats(&fs)
	s := Stats{
		MaxBytes:   t.maxBytes,
		Bytes:      int64(fs.BytesSize),
		Entries:    int64(fs.EntriesCount),
		Misses:     int64(fs.Misses - pm),
		Hits:       int64(fs.GetCalls - fs.Misses - ph),
		Admissions: t.admissions.Load(),
		Rejections: t.rejections.Load(),
	}
	s.Evictions = max(0, s.Admissions-t.removals.Load()-s.Entries)
	return s
}
