package tiering

import (
	"math/bits"
	"sync/atomic"
)

// sketch is a count-min sketch of 4-bit counters: an estimate, never
// below the truth, of how often each key was seen recently. Every
// sampleSize increments all counters are halved, so old popularity fades
// (the "aging" of TinyLFU). It is safe for concurrent use: counters are
// updated by compare-and-swap, and a lost race costs at most one count.
type sketch struct {
	words      []atomic.Uint64 // 16 counters of 4 bits each
	mask       uint64
	additions  atomic.Int64
	sampleSize int64
}

// sketchBytesPerEntry: one 8-byte word of 16 counters per 4 entries, so
// each entry has about 4 counters of each of its 4 rows to itself.
const sketchBytesPerEntry = 2

func sketchWordsFor(entries int64) int {
	n := max(entries/4, 64)
	return 1 << bits.Len64(uint64(n-1)) // round up to a power of two
}

func newSketch(words int, entries int64) *sketch {
	return &sketch{
		words:      make([]atomic.Uint64, words),
		mask:       uint64(words - 1),
		sampleSize: max(10*entries, 1024),
	}
}

// slot gives the word and the nibble shift of key hash h in row i (0..3).
// Each row uses its own quarter of a word's 16 counters, so the four
// counters of one key never collide with each other.
func (s *sketch) slot(h uint64, i int) (*atomic.Uint64, uint) {
	// Rehash per row: the low and high halves of h mixed with a row seed.
	r := (h ^ (h >> 32) ^ uint64(i)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
	r ^= r >> 31
	w := &s.words[r&s.mask]
	nib := uint(i*4) + uint((r>>60)&3)
	return w, nib * 4
}

// estimate returns the smallest of h's four counters.
func (s *sketch) estimate(h uint64) int {
	m := 15
	for i := range 4 {
		w, sh := s.slot(h, i)
		m = min(m, int(w.Load()>>sh&15))
	}
	return m
}

// add counts one sighting of h and returns the estimate before it.
func (s *sketch) add(h uint64) int {
	before := s.estimate(h)
	if before < 15 {
		for i := range 4 {
			w, sh := s.slot(h, i)
			for {
				old := w.Load()
				c := old >> sh & 15
				// Conservative update: raise only the counters at the
				// minimum, which keeps the overestimate down.
				if c > uint64(before) || c == 15 {
					break
				}
				if w.CompareAndSwap(old, old+1<<sh) {
					break
				}
			}
		}
	}
	if s.additions.Add(1) == s.sampleSize {
		s.additions.Store(0)
		s.age()
	}
	return before
}

// age halves every counter.
func (s *sketch) age() {
	for i := range s.words {
		w := &s.words[i]
		for {
			old := w.Load()
			if w.CompareAndSwap(old, old>>1&0x7777777777777777) {
				break
			}
		}
	}
}

// reset zeroes the sketch.
func (s *sketch) reset() {
	for i := range s.words {
		s.words[i].Store(0)
	}
	s.additions.Store(0)
}
