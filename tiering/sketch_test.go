package tiering

import (
	"math/rand/v2"
	"testing"
)

func TestSketchNeverUnderestimates(t *testing.T) {
	s := newSketch(1024, 4096)
	rng := rand.New(rand.NewPCG(3, 4))
	truth := map[uint64]int{}
	for range 3000 {
		h := rng.Uint64N(500) * 0x9e3779b97f4a7c15
		s.add(h)
		truth[h]++
	}
	over := 0
	for h, n := range truth {
		est := s.estimate(h)
		if est < min(n, 15) {
			t.Fatalf("estimate %d < true count %d", est, n)
		}
		if est > n {
			over++
		}
	}
	if over > len(truth)/10 {
		t.Errorf("%d of %d keys overestimated in a sketch 8x larger than needed", over, len(truth))
	}
}

func TestSketchSaturatesAndAges(t *testing.T) {
	s := newSketch(64, 100) // sampleSize 1024
	const h = 12345
	for range 40 {
		s.add(h)
	}
	if got := s.estimate(h); got != 15 {
		t.Fatalf("estimate after 40 adds = %d, want 15 (4-bit counters saturate)", got)
	}
	for i := uint64(0); s.additions.Load() != 0; i++ {
		s.add(i*0x9e3779b97f4a7c15 + 1)
	}
	if got := s.estimate(h); got > 8 || got < 7 {
		t.Errorf("after aging the estimate is %d, want about half of 15", got)
	}
	s.reset()
	if s.estimate(h) != 0 {
		t.Error("reset left counts")
	}
}
