package tiering

import (
	"strconv"
	"testing"
)

// ingestRecords returns n records shaped like the ingest benchmark's
// table rows: a short key after a two-byte table prefix, a 42-byte row.
func ingestRecords(n int) (keys, vals [][]byte) {
	keys, vals = make([][]byte, n), make([][]byte, n)
	val := make([]byte, 42)
	for i := range n {
		keys[i] = strconv.AppendInt([]byte{'r', 1}, int64(i), 10)
		vals[i] = val
	}
	return keys, vals
}

// benchUpdate1M is a 1M-row table load into a new tier of the engine's
// default size (896 MiB): the write-through cost of one MURR.WRITE.
func benchUpdate1M(b *testing.B, again bool, how string) {
	const n = 1_000_000
	keys, vals := ingestRecords(n)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tr := newTier(b, 896<<20)
		if again {
			for i := range keys {
				tr.Update(keys[i], vals[i])
			}
		}
		b.StartTimer()
		switch how {
		case "one":
			for i := range keys {
				tr.Update(keys[i], vals[i])
			}
		case "many":
			tr.UpdateMany(keys, vals)
		case "reserve":
			tr.Reserve(len(keys))
			tr.UpdateMany(keys, vals)
		}
		b.StopTimer()
		tr.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}

func BenchmarkUpdate1MNew(b *testing.B)            { benchUpdate1M(b, false, "one") }
func BenchmarkUpdate1MExisting(b *testing.B)       { benchUpdate1M(b, true, "one") }
func BenchmarkUpdateMany1MNew(b *testing.B)        { benchUpdate1M(b, false, "many") }
func BenchmarkUpdateMany1MExisting(b *testing.B)   { benchUpdate1M(b, true, "many") }
func BenchmarkReserveUpdateMany1MNew(b *testing.B) { benchUpdate1M(b, false, "reserve") }
