package columnar

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Test helpers of updates.go are prefixed upd.

// updSameMerge fails unless Apply(dst, old, update) gives what
// Merge(dst, old, update) gives: the same bytes, or the same error with
// dst unchanged.
func updSameMerge(t *testing.T, l *Layout, old, update Row) {
	t.Helper()
	prefix := []byte("dst:")
	want, werr := l.Merge(bytes.Clone(prefix), old, update)
	got, gerr := l.Apply(bytes.Clone(prefix), old, update)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("old %x update %x: Apply error %v, Merge %v", old, update, gerr, werr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("old %x update %x: Apply %x, Merge %x", old, update, got, want)
	}
}

// Apply is Merge, on every kind of input: rows of random layouts (one
// fixed width, or mixed; dense and sparse sets), full and partial, over
// nothing, full rows and partial rows, truncated and with bytes flipped.
func TestApplyIsMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pool := allTypes()
	for iter := range 400 {
		n := 1 + rng.IntN(140)
		types := make([]Type, n)
		uniform := iter%2 == 0
		for i := range types {
			if uniform {
				types[i] = Scalar(KindFloat32)
			} else {
				types[i] = pool[rng.IntN(len(pool))]
			}
		}
		l := mustLayout(t, types)
		b := NewRowBuilder(l)
		density := rng.Float64()
		random := func(partial bool) Row {
			b.Reset()
			for c := range n {
				switch x := rng.Float64(); {
				case x < density/2:
					s := samples(types[c])
					if err := b.Set(c, s[rng.IntN(len(s))]); err != nil {
						t.Fatal(err)
					}
				case x < density:
					_ = b.SetNull(c)
				}
			}
			if partial {
				return b.AppendUpdate(nil)
			}
			return b.Append(nil)
		}
		olds := []Row{nil, random(false), random(true)}
		updates := []Row{random(false), random(true)}
		for _, old := range olds {
			for _, upd := range updates {
				updSameMerge(t, l, old, upd)
				// Damaged: truncated, or a byte changed.
				for _, cut := range []int{0, 1, 2, len(upd) / 2, len(upd) - 1} {
					if cut < len(upd) {
						updSameMerge(t, l, old, upd[:cut])
					}
				}
				if old != nil && len(old) > 1 {
					updSameMerge(t, l, old[:len(old)-1], upd)
				}
				bad := bytes.Clone(upd)
				bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
				updSameMerge(t, l, old, bad)
			}
		}
	}
}

// A partial row over nothing keeps its own bytes only if they are what
// Merge writes; sets encoded otherwise (readers accept them) go to Merge.
func TestApplyNonCanonicalSets(t *testing.T) {
	l := float32Layout(t, 20)
	v := le32(7)
	rows := map[string]Row{
		// Dense present set with a trailing zero byte; empty cleared set.
		"trailing zero byte": append([]byte{1, 2<<setShift | setPartial, 0x01, 0x00, 0}, v...),
		// Dense where sparse is smaller: column 17 alone.
		"dense, sparse shorter": append([]byte{1, 3<<setShift | setPartial, 0, 0, 0x02, 0}, v...),
		// Sparse present set.
		"sparse": append([]byte{1, 1<<setShift | setSparse | setPartial, 17, 0}, v...),
		// Canonical, with a cleared column.
		"canonical": append([]byte{1, 1<<setShift | setPartial, 0x01, 1 << setShift, 0x02}, v...),
	}
	for name, r := range rows {
		if err := l.Check(r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) { updSameMerge(t, l, nil, r) })
	}
}

func TestUpdatesGrowAndKey(t *testing.T) {
	var u Updates
	u.Grow(100, 1000)
	if cap(u.buf) < 1000 || cap(u.ends) < 100 || cap(u.keys) < 100 || u.Len() != 0 || u.Bytes() != 0 {
		t.Fatalf("after Grow: caps %d %d %d, %d updates of %d bytes", cap(u.buf), cap(u.ends), cap(u.keys), u.Len(), u.Bytes())
	}
	buf := &u.buf[:1][0]
	for i := range 100 {
		u.Add([]byte(strconv.Itoa(i)), Row("0123456"))
	}
	if &u.buf[0] != buf {
		t.Fatal("adding what Grow made room for reallocated")
	}
	for i := range 100 {
		k, r := u.At(i)
		if string(u.Key(i)) != strconv.Itoa(i) || string(k) != strconv.Itoa(i) || string(r) != "0123456" {
			t.Fatalf("update %d: %q %q, Key %q", i, k, r, u.Key(i))
		}
	}
	u.Grow(0, 0)
	u.Grow(-1, -1)
	if u.Len() != 100 {
		t.Fatal("Grow changed the updates")
	}
}

func BenchmarkApplyNew(b *testing.B) {
	l := float32Layout(b, 10)
	rb := NewRowBuilder(l)
	for c := range 10 {
		_ = rb.Set(c, le32(uint32(c)))
	}
	full, partial := rb.Append(nil), rb.AppendUpdate(nil)
	out := make([]byte, 0, 128)
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			out, _ = l.Apply(out[:0], nil, full)
		}
	})
	b.Run("partial", func(b *testing.B) {
		for b.Loop() {
			out, _ = l.Apply(out[:0], nil, partial)
		}
	})
	b.Run("merge-partial", func(b *testing.B) {
		for b.Loop() {
			out, _ = l.Merge(out[:0], nil, partial)
		}
	})
	b.Run("full-over-full", func(b *testing.B) {
		for b.Loop() {
			out, _ = l.Apply(out[:0], full, full)
		}
	})
}
