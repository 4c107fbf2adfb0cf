package main

import (
	"fmt"
	"math/rand/v2"
)

// The keys the read workload asks for. A keySeq is drawn once, before
// anything is measured, and every server replays the same one, so Redis,
// the sidecar and the bare-Pebble baseline read exactly the same keys in
// the same order (a server stopped early by the time limit reads a
// prefix of it).

// keySeq is the keys of a series of reads, as row numbers: read r asks
// for rows[r*per : (r+1)*per].
type keySeq struct {
	name string // "uniform" or "zipf s=1.1", for the table
	per  int
	rows []int32
}

// reads returns how many reads the sequence holds.
func (s *keySeq) reads() int { return len(s.rows) / s.per }

// read returns the row numbers of read r.
func (s *keySeq) read(r int) []int32 { return s.rows[r*s.per : (r+1)*s.per] }

// checkRows reports whether n rows ("0".."n-1") can be addressed by a
// keySeq.
func checkRows(n int) error {
	if n < 1 || n > 1<<31-1 {
		return fmt.Errorf("%d rows: want 1 to %d", n, 1<<31-1)
	}
	return nil
}

// uniformSeq draws reads×per row numbers uniformly at random in [0, n),
// with replacement (a read may ask for a key twice, as Murr's benchmark
// does), the same for the same seed.
func uniformSeq(n, reads, per int, seed uint64) *keySeq {
	rng := rand.New(rand.NewPCG(seed, 0x756e69))
	s := &keySeq{name: "uniform", per: per, rows: make([]int32, reads*per)}
	for i := range s.rows {
		s.rows[i] = int32(rng.IntN(n))
	}
	return s
}

// zipfSeq draws reads×per row numbers whose popularity follows Zipf's law
// with exponent skew (> 1; rank k is drawn with probability proportional
// to 1/(1+k)^skew) over all n rows. Ranks go through a random permutation
// of the rows, so the hot keys are spread over the key space (and over
// Pebble's key order) instead of being "0", "1", "2", ...
func zipfSeq(n, reads, per int, skew float64, seed uint64) (*keySeq, error) {
	rng := rand.New(rand.NewPCG(seed, 0x7a697066))
	z := rand.NewZipf(rng, skew, 1, uint64(n-1))
	if z == nil {
		return nil, fmt.Errorf("zipf exponent %v: want more than 1", skew)
	}
	perm := permutation(n, rng)
	s := &keySeq{name: fmt.Sprintf("zipf s=%v", skew), per: per, rows: make([]int32, reads*per)}
	for i := range s.rows {
		s.rows[i] = perm[z.Uint64()]
	}
	return s, nil
}

// permutation returns a random permutation of 0..n-1 (Fisher-Yates).
func permutation(n int, rng *rand.Rand) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
