package engine

import (
	"strconv"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// benchIngestSchema is the ingest benchmark's table: ten float32 columns.
func benchIngestSchema() *columnar.Schema {
	s := &columnar.Schema{Key: "key"}
	for i := range 10 {
		s.Columns = append(s.Columns, columnar.Column{Name: "col_" + strconv.Itoa(i), Type: columnar.Scalar(columnar.KindFloat32)})
	}
	return s
}

// benchIngestUpdates returns n updates of all ten columns, keys "0".."n-1"
// in that (unsorted) order, as the decoder builds them.
func benchIngestUpdates(tb testing.TB, l *columnar.Layout, n int) *columnar.Updates {
	b := columnar.NewRowBuilder(l)
	u := new(columnar.Updates)
	var key []byte
	for i := range n {
		b.Reset()
		for c := range 10 {
			if err := b.Set(c, f32(float32(i*10+c))); err != nil {
				tb.Fatal(err)
			}
		}
		key = strconv.AppendInt(key[:0], int64(i), 10)
		u.AddBuilt(key, b.Append) // full rows, as the decoder makes of a batch of every column
	}
	return u
}

// benchWriteRows times WriteRows of n rows, new ones or replacing
// existing ones. A large write fills the hot tier after it returns; with
// filled the timing includes that fill (the next write of the table
// waits for it anyway, which the existing rows' runs include).
func benchWriteRows(b *testing.B, n int, existing, filled bool) {
	db := openTest(b, Options{})
	tbl, err := db.CreateTable("t", benchIngestSchema())
	if err != nil {
		b.Fatal(err)
	}
	u := benchIngestUpdates(b, tbl.Layout(), n)
	if existing {
		if _, err := db.WriteRows(tbl, u); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if !existing {
			b.StopTimer()
			if _, err := db.DropTable("t"); err != nil {
				b.Fatal(err)
			}
			if tbl, err = db.CreateTable("t", benchIngestSchema()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := db.WriteRows(tbl, u); err != nil {
			b.Fatal(err)
		}
		if filled {
			waitHotFill(tbl)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
}

func BenchmarkWriteRows1MNew(b *testing.B)       { benchWriteRows(b, 1_000_000, false, false) }
func BenchmarkWriteRows1MNewFilled(b *testing.B) { benchWriteRows(b, 1_000_000, false, true) }
func BenchmarkWriteRows1MExisting(b *testing.B)  { benchWriteRows(b, 1_000_000, true, false) }
