package columnar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ingParquet writes recs as a Parquet file with row groups of at most
// groupRows rows; storeSchema also writes the Arrow schema, as pyarrow
// does.
func ingParquet(t testing.TB, schema *arrow.Schema, recs []arrow.RecordBatch, groupRows int64, storeSchema bool) []byte {
	return ingParquetCodec(t, schema, recs, groupRows, storeSchema, compress.Codecs.Snappy)
}

func ingParquetCodec(t testing.TB, schema *arrow.Schema, recs []arrow.RecordBatch, groupRows int64, storeSchema bool, codec compress.Compression) []byte {
	t.Helper()
	var buf bytes.Buffer
	ap := pqarrow.NewArrowWriterProperties()
	if storeSchema {
		ap = pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	}
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(groupRows), parquet.WithCompression(codec))
	w, err := pqarrow.NewFileWriter(schema, &buf, props, ap)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadParquetRoundTrip(t *testing.T) {
	s := ingAllTypes()
	sc, recs, keys, values := ingAllTypesBatches(t, 11, 3, 40)
	for _, store := range []bool{true, false} {
		// Three row groups, one per record: pqarrow's writer corrupts
		// fixed_size_list columns when it splits a record into row groups
		// (it writes a sliced array's values from the start).
		pq := ingParquet(t, sc, recs, 40, store)
		var u Updates
		rows, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{BatchRows: 16}, &u)
		if err != nil {
			t.Fatalf("store schema %v: %v", store, err)
		}
		if rows != len(keys) {
			t.Fatalf("%d rows, want %d", rows, len(keys))
		}
		ingCheckUpdates(t, s, &u, 0, keys, ingAllCols(s), values)
	}
	// What Parquet changes (timestamp[s] is stored as timestamp[ms]) is
	// refused by a plain Bind, which names the column.
	pq := ingParquet(t, sc, recs, 40, true)
	err := ReadParquet(bytes.NewReader(pq), ParquetOptions{}, ingDecoder(t, s, false).Bind, func(arrow.RecordBatch) error { return nil })
	if err == nil || err.Error() != "column 'c_timestamp[s]' is timestamp[ms] in the batch but timestamp[s] in table 't'" {
		t.Fatalf("Bind: %v", err)
	}
}

// Murr's shape: float32, utf8 and list<float32> columns, as pqarrow
// writes them, in several row groups.
func TestReadParquetMurrColumns(t *testing.T) {
	s := &Schema{Key: "key", Columns: []Column{{"score", Scalar(KindFloat32)}, {"name", Scalar(KindUtf8)}, {"emb", ListOf(KindFloat32)}}}
	r := rand.New(rand.NewPCG(3, 4))
	const n = 1000
	keys := ingKeys(n)
	cols := make([][][]byte, 3)
	for c, col := range s.Columns {
		cols[c] = ingRandColumn(r, col.Type, n)
	}
	for _, strType := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString} {
		fields := []arrow.Field{
			{Name: "key", Type: strType}, {Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
			{Name: "name", Type: strType, Nullable: true}, {Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
		}
		rec := ingRecord(t, fields, keys, cols[0], cols[1], cols[2])
		pq := ingParquet(t, rec.Schema(), []arrow.RecordBatch{rec}, 128, true)
		var u Updates
		if _, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{BatchRows: 100}, &u); err != nil {
			t.Fatal(err)
		}
		ingCheckUpdates(t, s, &u, 0, keys, []int{0, 1, 2}, cols)
	}
}

func TestReadParquetTimeZones(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"ts", Timestamp(Microsecond)}}}
	vals := [][]byte{le64(1_700_000_000_000_000), nil}
	for _, tc := range []struct {
		tz       string
		cast, ok bool
	}{{"UTC", false, true}, {"", false, true}, {"America/New_York", false, false}, {"America/New_York", true, true}} {
		fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: tc.tz}, Nullable: true}}
		rec := ingRecord(t, fields, ingKeys(2), vals)
		pq := ingParquet(t, rec.Schema(), []arrow.RecordBatch{rec}, 100, true)
		var u Updates
		_, err := ingDecoder(t, s, tc.cast).DecodeParquet(bytes.NewReader(pq), ParquetOptions{}, &u)
		if !tc.ok {
			if err == nil || !strings.HasPrefix(err.Error(), "column 'ts' is timestamp[us, tz=America/New_York] in the batch") {
				t.Fatalf("%q: %v", tc.tz, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q cast %v: %v", tc.tz, tc.cast, err)
		}
		ingCheckUpdates(t, s, &u, 0, ingKeys(2), []int{0}, [][][]byte{vals})
	}
}

func TestReadParquetPandasIndex(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"f", Scalar(KindFloat32)}}}
	fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "f", Type: arrow.PrimitiveTypes.Float32}, {Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64}}
	rec := ingRecord(t, fields, ingKeys(2), [][]byte{ingF32(1), ingF32(2)}, [][]byte{le64(7), le64(9)})
	pq := ingParquet(t, rec.Schema(), []arrow.RecordBatch{rec}, 100, false)
	var u Updates
	if _, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{}, &u); err != nil {
		t.Fatal(err)
	}
	ingCheckUpdates(t, s, &u, 0, ingKeys(2), []int{0}, [][][]byte{{ingF32(1), ingF32(2)}})
}

func TestReadParquetEmpty(t *testing.T) {
	s, rec := ingFloat32Batch(0)
	pq := ingParquet(t, rec.Schema(), []arrow.RecordBatch{rec}, 100, false)
	var u Updates
	rows, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{}, &u)
	if err != nil || rows != 0 {
		t.Fatalf("%d rows, %v", rows, err)
	}
}

// A file many times the memory limit streams through it.
func TestReadParquetBoundedMemory(t *testing.T) {
	s, rec := ingFloat32Batch(50_000) // 2.3 MB of buffers
	defer rec.Release()
	recs := []arrow.RecordBatch{rec, rec, rec, rec, rec, rec, rec, rec}
	pq := ingParquet(t, rec.Schema(), recs, 10_000, false)
	var u Updates
	rows, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{BatchRows: 4096, MaxMemory: 3 << 20}, &u)
	if err != nil || rows != 400_000 {
		t.Fatalf("%d rows, %v (file of %d bytes)", rows, err, len(pq))
	}
	_, err = ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{BatchRows: 100_000, MaxMemory: 1 << 20}, &u)
	if !errors.Is(err, ErrTooLarge) || u.Len() != 400_000 {
		t.Fatalf("small memBudget: %v, %d updates", err, u.Len())
	}
}

type ingFailingReaderAt struct {
	*bytes.Reader
	err error
}

func (r ingFailingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off > 100 {
		return 0, r.err
	}
	return r.Reader.ReadAt(p, off)
}

func TestReadParquetCorrupt(t *testing.T) {
	s := ingAllTypes()
	sc, recs, _, _ := ingAllTypesBatches(t, 12, 2, 20)
	pq := ingParquet(t, sc, recs, 15, true)
	check := func(what string, b []byte) {
		t.Helper()
		var u Updates
		_, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(b), ParquetOptions{MaxMemory: 64 << 20}, &u)
		// Any error (a flipped byte may just rename a column), but no
		// panic and no partial write.
		if err != nil && u.Len() != 0 {
			t.Fatalf("%s: error with %d updates", what, u.Len())
		}
	}
	for n := 0; n < len(pq); n += 1 + n/8 {
		check("truncated", pq[:n])
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		b := bytes.Clone(pq)
		for range 1 + r.IntN(4) {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		check("flipped", b)
	}
	var u Updates
	if _, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader([]byte("PAR1 not really PAR1")), ParquetOptions{}, &u); !errors.Is(err, ErrBadParquet) {
		t.Fatalf("garbage: %v", err)
	}
	boom := errors.New("disk on fire")
	_, err := ingDecoder(t, s, false).DecodeParquet(ingFailingReaderAt{bytes.NewReader(pq), boom}, ParquetOptions{}, &u)
	if !errors.Is(err, boom) || errors.Is(err, ErrBadParquet) {
		t.Fatalf("failing source: %v", err)
	}
}

func FuzzReadParquet(f *testing.F) {
	sc, recs, _, _ := ingAllTypesBatches(f, 13, 2, 4)
	f.Add(ingParquet(f, sc, recs, 3, true))
	f.Add(ingParquet(f, sc, recs[:1], 100, false))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ingAllTypes()
		l, _ := s.Layout()
		var u Updates
		d, _ := NewDecoder("t", s, true)
		if _, err := d.DecodeParquet(bytes.NewReader(b), ParquetOptions{MaxMemory: 16 << 20}, &u); err != nil {
			return
		}
		for i := range u.Len() {
			if _, row := u.At(i); l.Check(row) != nil {
				t.Fatalf("update %d: %v", i, l.Check(row))
			}
		}
	})
}

func TestReadParquetCodecs(t *testing.T) {
	s := ingAllTypes()
	sc, recs, keys, values := ingAllTypesBatches(t, 14, 2, 50)
	for _, codec := range []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Zstd, compress.Codecs.Gzip, compress.Codecs.Brotli, compress.Codecs.Lz4Raw} {
		pq := ingParquetCodec(t, sc, recs, 50, true, codec)
		var u Updates
		if _, err := ingDecoder(t, s, false).DecodeParquet(bytes.NewReader(pq), ParquetOptions{BatchRows: 32}, &u); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		ingCheckUpdates(t, s, &u, 0, keys, ingAllCols(s), values)
	}
}

// Pages whose compressed data claims more than the page header declares
// fail before anything is allocated for them.
func TestParquetCodecsBounded(t *testing.T) {
	dst := make([]byte, 10)
	snappy, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	bomb := binary.AppendUvarint(nil, 1<<31)
	bomb = append(bomb, 0, 1, 2, 3)
	if _, err := compress.Decode(snappy, dst, bomb); err == nil || !strings.Contains(err.Error(), "snappy block of 2147483648 bytes for a page of 10") {
		t.Fatalf("snappy: %v", err)
	}
	zstd, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	h := 200<<3 | 1<<1 | 1 // RLE block of 200 bytes, last
	more := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x20, 200, byte(h), byte(h >> 8), byte(h >> 16), 7}
	if _, err := compress.Decode(zstd, dst, more); err == nil || !strings.Contains(err.Error(), "decodes to more than") {
		t.Fatalf("zstd output: %v", err)
	}
	wide := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 18 << 3, 10<<3 | 1<<1 | 1, 0, 0, 7}
	if _, err := compress.Decode(zstd, dst, wide); err == nil || !strings.Contains(err.Error(), "zstd window of 268435456 bytes") {
		t.Fatalf("zstd window: %v", err)
	}
	// Within bounds, they decode.
	ok := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x20, 10, 10<<3 | 1<<1 | 1, 0, 0, 7}
	if out, err := compress.Decode(zstd, dst, ok); err != nil || !bytes.Equal(out, bytes.Repeat([]byte{7}, 10)) {
		t.Fatalf("zstd: %x, %v", out, err)
	}
	enc := snappy.Encode(nil, []byte("0123456789"))
	if out, err := compress.Decode(snappy, dst, enc); err != nil || string(out) != "0123456789" {
		t.Fatalf("snappy: %q, %v", out, err)
	}
}

// The fuzzer's finds: small files that made arrow-go allocate gigabytes.
func TestReadParquetFuzzFinds(t *testing.T) {
	for name, b := range ingCorpus(t, "FuzzReadParquet") {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var u Updates
		_, err := ingDecoder(t, ingAllTypes(), true).DecodeParquet(bytes.NewReader(b), ParquetOptions{MaxMemory: 16 << 20}, &u)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s: allocated %d MB for %d bytes (%v)", name, grew>>20, len(b), err)
		}
	}
}
