package columnar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/endian"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ingIPC writes recs as an Arrow IPC stream of schema.
func ingIPC(t testing.TB, schema *arrow.Schema, recs []arrow.RecordBatch, opts ...ipc.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, append([]ipc.Option{ipc.WithSchema(schema)}, opts...)...)
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

// ingAllTypesBatches returns nb batches of n rows over every column of
// ingAllTypes, with their keys and values for ingCheckUpdates.
func ingAllTypesBatches(t testing.TB, seed uint64, nb, n int) (*arrow.Schema, []arrow.RecordBatch, [][]byte, [][][]byte) {
	t.Helper()
	s := ingAllTypes()
	r := rand.New(rand.NewPCG(seed, 1))
	fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}
	for _, c := range s.Columns {
		fields = append(fields, arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true})
	}
	var recs []arrow.RecordBatch
	var keys [][]byte
	values := make([][][]byte, len(s.Columns))
	for b := range nb {
		k := ingKeys(n)
		for i := range k {
			k[i] = append(k[i], byte('a'+b))
		}
		cols := [][][]byte{k}
		for c, col := range s.Columns {
			v := ingRandColumn(r, col.Type, n)
			cols = append(cols, v)
			values[c] = append(values[c], v...)
		}
		keys = append(keys, k...)
		recs = append(recs, ingRecord(t, fields, cols...))
	}
	return arrow.NewSchema(fields, nil), recs, keys, values
}

func ingAllCols(s *Schema) []int {
	cols := make([]int, len(s.Columns))
	for i := range cols {
		cols[i] = i
	}
	return cols
}

func TestReadIPCStreamRoundTrip(t *testing.T) {
	s := ingAllTypes()
	sc, recs, keys, values := ingAllTypesBatches(t, 1, 3, 40)
	for name, opts := range map[string][]ipc.Option{
		"plain": nil,
		"lz4":   {ipc.WithLZ4()},
		"zstd":  {ipc.WithZstd()},
	} {
		t.Run(name, func(t *testing.T) {
			stream := ingIPC(t, sc, recs, opts...)
			var u Updates
			rows, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), IPCMemoryLimit(len(stream)), &u)
			if err != nil {
				t.Fatal(err)
			}
			if rows != len(keys) {
				t.Fatalf("%d rows, want %d", rows, len(keys))
			}
			ingCheckUpdates(t, s, &u, 0, keys, ingAllCols(s), values)

			// The same through a reader that says nothing of its length
			// and returns a byte at a time.
			u.Reset()
			if _, err := ingDecoder(t, s, false).DecodeIPC(iotest.OneByteReader(bytes.NewReader(stream)), 1<<30, &u); err != nil {
				t.Fatal(err)
			}
			ingCheckUpdates(t, s, &u, 0, keys, ingAllCols(s), values)
		})
	}
}

func TestReadIPCStreamNoBatches(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "f", Type: arrow.PrimitiveTypes.Float32}}, nil)
	stream := ingIPC(t, sc, nil)
	s := &Schema{Key: "id", Columns: []Column{{"f", Scalar(KindFloat32)}}}
	var u Updates
	rows, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), IPCMemoryLimit(len(stream)), &u)
	if err != nil || rows != 0 {
		t.Fatalf("got %d rows, %v", rows, err)
	}
	// No end-of-stream marker: tolerated.
	if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream[:len(stream)-8]), 1<<20, &u); err != nil {
		t.Fatal(err)
	}
}

func TestReadIPCSchema(t *testing.T) {
	sc, recs, _, _ := ingAllTypesBatches(t, 2, 2, 5)
	for _, stream := range [][]byte{ingIPC(t, sc, nil), ingIPC(t, sc, recs)} {
		got, err := ReadIPCSchema(stream)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(sc) {
			t.Fatalf("got %v, want %v", got, sc)
		}
		s, err := SchemaFromArrow(got, "id")
		if err != nil {
			t.Fatal(err)
		}
		if want := ingAllTypes(); len(s.Columns) != len(want.Columns) {
			t.Fatalf("got %d columns", len(s.Columns))
		}
	}
	for _, bad := range [][]byte{nil, {0xff, 0xff, 0xff, 0xff}, []byte("not an arrow stream at all")} {
		if _, err := ReadIPCSchema(bad); !errors.Is(err, ErrBadIPC) {
			t.Errorf("ReadIPCSchema(%q) = %v", bad, err)
		}
	}
	if _, err := ReadIPCSchema(nil); err == nil || err.Error() != "corrupt arrow ipc stream: empty stream (no schema message)" {
		t.Errorf("empty: %v", err)
	}
}

// ingPrefixes returns the lengths at which to cut stream in truncation
// tests: every length around each message's start and its metadata's
// end, where parsing changes state, and a few hundred spread over the
// rest (every length would take minutes under the race detector).
func ingPrefixes(t testing.TB, stream []byte) []int {
	seen := map[int]bool{}
	var out []int
	add := func(n int) {
		if n >= 0 && n < len(stream) && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, m := range ingMessages(t, stream) {
		for d := -9; d <= 9; d++ {
			add(m.meta - 8 + d)
			add(m.body + d)
		}
	}
	step := max(1, len(stream)/300)
	for n := 0; n < len(stream); n += step {
		add(n)
	}
	return out
}

// Every prefix of a valid stream fails cleanly (or, cut at a message
// boundary, reads fewer batches).
func TestReadIPCStreamTruncated(t *testing.T) {
	s := ingAllTypes()
	sc, recs, _, _ := ingAllTypesBatches(t, 3, 2, 3)
	for _, opts := range [][]ipc.Option{nil, {ipc.WithZstd()}} {
		stream := ingIPC(t, sc, recs, opts...)
		for _, n := range ingPrefixes(t, stream) {
			var u Updates
			_, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream[:n]), 1<<24, &u)
			if err != nil && !errors.Is(err, ErrBadIPC) {
				t.Fatalf("prefix %d: %v", n, err)
			}
			if err != nil && u.Len() != 0 {
				t.Fatalf("prefix %d: failed with %d updates", n, u.Len())
			}
		}
	}
}

// ingMessages returns the positions of the stream's messages: metadata
// start and length, body start.
type ingMsg struct{ meta, metaLen, body int }

func ingMessages(t testing.TB, stream []byte) []ingMsg {
	var out []ingMsg
	for p := 0; p+8 <= len(stream); {
		n := int(binary.LittleEndian.Uint32(stream[p+4:]))
		if n == 0 {
			break
		}
		m := ingMsg{meta: p + 8, metaLen: n, body: p + 8 + n}
		info, err := parseIPCMessage(stream[m.meta : m.meta+n])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		p = m.body + int(info.bodyLen)
	}
	return out
}

// ingPatchBodyLen sets message i's bodyLength field.
func ingPatchBodyLen(t testing.TB, stream []byte, m ingMsg, v int64) {
	meta := stream[m.meta : m.meta+m.metaLen]
	msg, err := fbViewAt(meta, int(binary.LittleEndian.Uint32(meta)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := msg.field(3, 8)
	if err != nil || p == 0 {
		t.Fatal("no bodyLength", err)
	}
	binary.LittleEndian.PutUint64(meta[p:], uint64(v))
}

// A body length claimed but never sent costs no memory.
func TestReadIPCStreamLyingBodyLength(t *testing.T) {
	s := ingAllTypes()
	sc, recs, _, _ := ingAllTypesBatches(t, 4, 1, 3)
	stream := ingIPC(t, sc, recs)
	msgs := ingMessages(t, stream)
	ingPatchBodyLen(t, stream, msgs[1], 900<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var u Updates
	// A reader that does not tell its length, as an HTTP body.
	_, err := ingDecoder(t, s, false).DecodeIPC(iotest.HalfReader(bytes.NewReader(stream)), 1<<30, &u)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBadIPC) {
		t.Fatalf("got %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("allocated %d bytes for a %d-byte stream", grew, len(stream))
	}
	// Beyond the budget: too large, before reading the body.
	_, err = ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 1<<20, &u)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	// In memory: the reader's length tells it is truncated.
	_, err = ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 1<<30, &u)
	if !errors.Is(err, ErrBadIPC) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("got %v", err)
	}
}

func TestReadIPCStreamBudget(t *testing.T) {
	s, rec := ingFloat32Batch(10_000) // about 500 KB of buffers
	defer rec.Release()
	recs := []arrow.RecordBatch{rec, rec, rec, rec, rec, rec, rec, rec}
	for name, opts := range map[string][]ipc.Option{"plain": nil, "zstd": {ipc.WithZstd()}} {
		stream := ingIPC(t, rec.Schema(), recs, opts...)
		var u Updates
		d := ingDecoder(t, s, false)
		// Batches are freed as the stream goes: a budget of two batches
		// reads eight.
		if rows, err := d.DecodeIPC(bytes.NewReader(stream), 1<<20+1<<19, &u); err != nil || rows != 80_000 {
			t.Fatalf("%s: %d rows, %v", name, rows, err)
		}
		if _, err := d.DecodeIPC(bytes.NewReader(stream), 200_000, &u); !errors.Is(err, ErrTooLarge) || u.Len() != 80_000 {
			t.Fatalf("%s: got %v, %d updates", name, err, u.Len())
		}
	}
}

// ingZstdBuffer returns the position of the first compressed buffer of
// message m (its 8-byte uncompressed length, then the frame).
func ingZstdBuffer(t testing.TB, stream []byte, m ingMsg) int {
	info, err := parseIPCMessage(stream[m.meta : m.meta+m.metaLen])
	if err != nil || info.batch == nil {
		t.Fatal("not a batch", err)
	}
	start, n, err := info.batch.vector(2, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		off := int(binary.LittleEndian.Uint64(info.batch.b[start+16*i:]))
		length := int(binary.LittleEndian.Uint64(info.batch.b[start+16*i+8:]))
		if length > 8 && int64(binary.LittleEndian.Uint64(stream[m.body+off:])) != -1 {
			return m.body + off
		}
	}
	t.Fatal("no compressed arrowBuf")
	return 0
}

// Compressed buffers that claim much memory are refused before arrow-go
// (or the zstd decoder) allocates it.
func TestReadIPCStreamCompressionBombs(t *testing.T) {
	s, rec := ingFloat32Batch(1000)
	defer rec.Release()
	// Buffer sizes as arrow-go writes them: its frames are single-segment.
	fresh := func() ([]byte, int) {
		stream := ingIPC(t, rec.Schema(), []arrow.RecordBatch{rec}, ipc.WithZstd())
		return stream, ingZstdBuffer(t, stream, ingMessages(t, stream)[1])
	}
	stream, p := fresh()
	binary.LittleEndian.PutUint64(stream[p:], 1<<40)
	var u Updates
	if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 64<<20, &u); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge uncompressed size: %v", err)
	}
	stream, p = fresh()
	binary.LittleEndian.PutUint64(stream[p:], uint64(1<<63))
	if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 64<<20, &u); !errors.Is(err, ErrBadIPC) {
		t.Fatalf("negative uncompressed size: %v", err)
	}
	// A zstd frame asking for a 256 MiB window (which the zstd decoder
	// would allocate, outside any allocator): an RLE block of the claimed
	// size, then a skippable frame as padding to the buffer's end.
	stream, p = fresh()
	n := int(binary.LittleEndian.Uint64(stream[p:]))
	buflen := ingFrameLen(t, stream[p+8:])
	h := n<<3 | 1<<1 | 1 // RLE, last
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 18 << 3, byte(h), byte(h >> 8), byte(h >> 16), 0}
	if buflen < len(frame)+8 {
		t.Fatalf("arrowBuf of %d bytes too short", buflen)
	}
	frame = binary.LittleEndian.AppendUint32(frame, 0x184D2A50)
	frame = binary.LittleEndian.AppendUint32(frame, uint32(buflen-len(frame)-4))
	copy(stream[p+8:], frame)
	if w, err := zstdWindow(stream[p+8 : p+8+buflen]); err != nil || w != 256<<20 {
		t.Fatalf("crafted frame: window %d, %v", w, err)
	}
	if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 64<<20, &u); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge window: %v", err)
	}
}

// ingFrameLen returns the length of the zstd frame at the start of b (the
// rest of the body is other buffers).
func ingFrameLen(t testing.TB, b []byte) int {
	for n := 8; n <= len(b); n++ {
		if _, err := zstdWindow(b[:n]); err == nil {
			return n
		}
	}
	t.Fatal("no complete frame")
	return 0
}

func TestZstdWindow(t *testing.T) {
	// Skippable frame, then a single-segment frame with a 1-byte content
	// size (200) and one raw last block of 200 bytes.
	b := []byte{0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9}
	b = append(b, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 200)
	h := 200<<3 | 1 // raw, last
	b = append(b, byte(h), byte(h>>8), byte(h>>16))
	b = append(b, make([]byte, 200)...)
	w, err := zstdWindow(b)
	if err != nil || w != 1024 {
		t.Fatalf("got %d, %v", w, err)
	}
	// A window descriptor: exponent 3, mantissa 1: 8 KiB + 1 KiB.
	c := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 3<<3 | 1, 1<<1 | 1, 0, 0, 0x55} // RLE last block
	if w, err := zstdWindow(c); err != nil || w != 9<<10 {
		t.Fatalf("got %d, %v", w, err)
	}
	for _, bad := range [][]byte{c[:9], {1, 2, 3, 4, 5, 6, 7, 8}, append(bytes.Clone(c[:6]), 3<<1|1, 0, 0)} {
		if _, err := zstdWindow(bad); err == nil {
			t.Errorf("zstdWindow(%x) succeeded", bad)
		}
	}
}

type ingFailingReader struct{ err error }

func (r ingFailingReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadIPCStreamSourceError(t *testing.T) {
	sc, recs, _, _ := ingAllTypesBatches(t, 5, 1, 3)
	stream := ingIPC(t, sc, recs)
	boom := errors.New("connection reset")
	for _, cut := range []int{0, 3, 100, len(stream) - 20} {
		r := io.MultiReader(bytes.NewReader(stream[:cut]), ingFailingReader{boom})
		var u Updates
		_, err := ingDecoder(t, ingAllTypes(), false).DecodeIPC(r, 1<<24, &u)
		if !errors.Is(err, boom) || errors.Is(err, ErrBadIPC) {
			t.Fatalf("cut %d: %v", cut, err)
		}
	}
}

// A failing batch undoes the whole stream's updates.
func TestDecodeIPCAllOrNothing(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{"i", Scalar(KindInt8)}}}
	fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "i", Type: arrow.PrimitiveTypes.Int16}}
	good := ingRecord(t, fields, ingKeys(2), [][]byte{le16(1), le16(2)})
	bad := ingRecord(t, fields, ingKeys(2), [][]byte{le16(1), le16(1000)})
	stream := ingIPC(t, good.Schema(), []arrow.RecordBatch{good, bad})
	var u Updates
	u.Add([]byte("x"), Row{1, 0})
	_, err := ingDecoder(t, s, true).DecodeIPC(bytes.NewReader(stream), 1<<20, &u)
	if err == nil || err.Error() != "column 'i' row 3: value 1000 out of range for int8" || u.Len() != 1 || u.Bytes() != 3 {
		t.Fatalf("got %v, %d updates", err, u.Len())
	}
}

// ingDictStream is a stream with a dictionary-encoded utf8 column.
func ingDictStream(t testing.TB) []byte {
	mem := memory.NewGoAllocator()
	db := array.NewBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"a", "bb", "a", ""} {
		if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	darr := db.NewArray()
	karr := ingArray(t, arrow.BinaryTypes.String, ingKeys(4))
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: karr.DataType()}, {Name: "c_utf8", Type: darr.DataType()}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{karr, darr}, 4)
	return ingIPC(t, sc, []arrow.RecordBatch{rec, rec})
}

func TestReadIPCStreamDictionary(t *testing.T) {
	stream := ingDictStream(t)
	s := ingAllTypes()
	var u Updates
	if _, err := ingDecoder(t, s, true).DecodeIPC(bytes.NewReader(stream), 1<<20, &u); err != nil {
		t.Fatal(err)
	}
	col, _ := s.Index("c_utf8")
	vals := [][]byte{[]byte("a"), []byte("bb"), []byte("a"), {}}
	ingCheckUpdates(t, s, &u, 0, append(ingKeys(4), ingKeys(4)...), []int{col}, [][][]byte{append(vals, vals...)})
}

// ingFuzzCheck reads stream into the every-type table (with CAST) and
// checks every update produced.
func ingFuzzCheck(t *testing.T, stream []byte) {
	s := ingAllTypes()
	l, _ := s.Layout()
	d, _ := NewDecoder("t", s, true)
	var u, v Updates
	_, err := d.DecodeIPC(bytes.NewReader(stream), 1<<24, &u)
	// In place, the same, and the stream left as it was.
	orig := bytes.Clone(stream)
	_, err2 := d.DecodeIPCBytes(stream, 1<<24, &v)
	if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
		t.Fatalf("error %v, in place %v", err, err2)
	}
	if !bytes.Equal(stream, orig) {
		t.Fatal("reading in place changed the stream")
	}
	ingSameUpdates(t, &u, &v)
	if err != nil {
		if u.Len() != 0 {
			t.Fatalf("error %v with %d updates", err, u.Len())
		}
		return
	}
	for i := range u.Len() {
		_, row := u.At(i)
		if err := l.Check(row); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	_, _ = ReadIPCSchema(stream)
}

func FuzzReadIPCStream(f *testing.F) {
	sc, recs, _, _ := ingAllTypesBatches(f, 9, 2, 3)
	f.Add(ingIPC(f, sc, recs))
	f.Add(ingIPC(f, sc, recs[:1], ipc.WithZstd()))
	f.Add(ingIPC(f, sc, recs[:1], ipc.WithLZ4()))
	f.Add(ingIPC(f, sc, nil))
	f.Add(ingDictStream(f))
	// A few columns, with a slice (offsets) and cast-needing types.
	small := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.StringView},
		{Name: "c_int8", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c_list<float32>", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Float64)},
		{Name: "c_fixed_size_list<float32,3>", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32)},
		{Name: "c_timestamp[s]", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "c_binary", Type: arrow.BinaryTypes.LargeBinary},
	}, nil)
	rec := ingRecord(f, small.Fields(), [][]byte{[]byte("a"), []byte("a key longer than 12"), nil},
		[][]byte{le64(1), le64(300), nil},
		[][]byte{ingF64(1), append(ingF64(2), ingF64(1e300)...), {}},
		[][]byte{append(ingF32(1), append(ingF32(2), ingF32(3)...)...), ingF32(1), nil},
		[][]byte{le64(1000), le64(1500), nil},
		[][]byte{{1}, {}, nil})
	f.Add(ingIPC(f, small, []arrow.RecordBatch{rec, rec.NewSlice(1, 3)}))
	f.Fuzz(ingFuzzCheck)
}

// ingSchemaStream hand-builds a stream whose schema's fields vector holds
// n offsets to one shared Field table; that field has a chain of depth-1
// nested children, and every field is named name (one shared string).
// (Flatbuffers offsets only point forward, so there are no cycles.)
func ingSchemaStream(n int, name string, depth int) []byte {
	le := binary.LittleEndian
	b := make([]byte, 52)
	le.PutUint32(b[0:], 16) // root: the Message table
	// Message vtable at 4: 12 bytes, table 20 bytes; version@4,
	// header_type@6, header@8, bodyLength@12.
	for i, v := range []uint16{12, 20, 4, 6, 8, 12} {
		le.PutUint16(b[4+2*i:], v)
	}
	le.PutUint32(b[16:], 12)    // soffset to the vtable
	le.PutUint16(b[20:], 4)     // version V5
	b[22] = 1                   // header_type Schema
	le.PutUint32(b[24:], 44-24) // header → the Schema table at 44
	le.PutUint64(b[28:], 0)     // bodyLength
	// Schema vtable at 36: fields@4; table at 44.
	for i, v := range []uint16{8, 8, 0, 4} {
		le.PutUint16(b[36+2*i:], v)
	}
	le.PutUint32(b[44:], 8)
	le.PutUint32(b[48:], 52-48) // fields → the vector at 52
	b = le.AppendUint32(b, uint32(n))
	vt := 56 + 4*n
	f0 := vt + 16
	for k := range n {
		b = le.AppendUint32(b, uint32(f0-(56+4*k)))
	}
	// Field vtable: name@4, children@8 (slot 5); table 12 bytes.
	for _, v := range []uint16{16, 12, 4, 0, 0, 0, 0, 8} {
		b = le.AppendUint16(b, v)
	}
	// Each level: the table (12 bytes), then its children vector (8
	// bytes, or 4 empty) pointing at the next level.
	var names []int // positions of the name offsets, patched below
	for d := range depth {
		f := len(b)
		b = le.AppendUint32(b, uint32(f-vt))
		names = append(names, len(b))
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, 4) // children → right after the table
		if d == depth-1 {
			b = le.AppendUint32(b, 0)
		} else {
			b = le.AppendUint32(b, 1)
			b = le.AppendUint32(b, 4) // → the next table, right after
		}
	}
	str := len(b)
	for _, p := range names {
		le.PutUint32(b[p:], uint32(str-p))
	}
	b = le.AppendUint32(b, uint32(len(name)))
	b = append(b, name...)
	b = append(b, 0)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	stream := le.AppendUint32(nil, 0xFFFFFFFF)
	stream = le.AppendUint32(stream, uint32(len(b)))
	stream = append(stream, b...)
	return append(stream, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0)
}

// Schemas that would expand far beyond their size in arrow-go (shared
// tables, deep nesting) are refused before arrow-go reads them.
func TestReadIPCSchemaExpansion(t *testing.T) {
	// The hand-built message gets to arrow-go when small (which rejects
	// fields without a type).
	_, err := ReadIPCSchema(ingSchemaStream(2, "x", 3))
	if !errors.Is(err, ErrBadIPC) || !strings.Contains(err.Error(), "arrow/ipc") {
		t.Fatalf("small: %v", err)
	}
	_, err = ReadIPCSchema(ingSchemaStream(100_000, strings.Repeat("n", 1000), 1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("shared fields: %v", err)
	}
	_, err = ReadIPCSchema(ingSchemaStream(1, "x", 100_000))
	if !errors.Is(err, ErrBadIPC) || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("deep: %v", err)
	}
}

// The whole MURR.WRITE decoding path: IPC framing, validation, decoding.
func BenchmarkDecodeIPCFloat32x10(b *testing.B) {
	const n = 1_000_000
	s, rec := ingFloat32Batch(n)
	defer rec.Release()
	var recs []arrow.RecordBatch
	for i := 0; i < n; i += 65536 { // pyarrow's default batch size for a table of this shape
		recs = append(recs, rec.NewSlice(int64(i), int64(min(i+65536, n))))
	}
	stream := ingIPC(b, rec.Schema(), recs)
	d := ingDecoder(b, s, false)
	var u Updates
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		u.Reset()
		if _, err := d.DecodeIPC(bytes.NewReader(stream), IPCMemoryLimit(len(stream)), &u); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}

// A view array's variadic buffer count, by which arrow-go sizes a slice
// before reading anything, is checked against the batch's buffers.
func TestReadIPCStreamVariadicCount(t *testing.T) {
	long := []byte("a key that does not fit in a view header")
	rec := ingRecord(t, []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.StringView}}, [][]byte{long, long})
	stream := ingIPC(t, rec.Schema(), []arrow.RecordBatch{rec})
	m := ingMessages(t, stream)[1]
	info, err := parseIPCMessage(stream[m.meta : m.meta+m.metaLen])
	if err != nil {
		t.Fatal(err)
	}
	start, n, err := info.batch.vector(4, 8)
	if err != nil || n != 1 {
		t.Fatalf("variadic counts: %d, %v", n, err)
	}
	binary.LittleEndian.PutUint64(info.batch.b[start:], 1<<28)
	s := &Schema{Key: "id", Columns: []Column{{"f", Scalar(KindFloat32)}}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var u Updates
	_, err = ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 1<<30, &u)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBadIPC) || !strings.Contains(err.Error(), "variadic buffer count") {
		t.Fatalf("got %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("allocated %d bytes", grew)
	}
}

// ingCorpus returns the inputs of a fuzz target's regression corpus.
func ingCorpus(t *testing.T, target string) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), "\n")
		lit, ok := strings.CutPrefix(strings.TrimSpace(rest), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if !ok || err != nil {
			t.Fatalf("%s: not a []byte corpus entry", f)
		}
		out[filepath.Base(f)] = []byte(s)
	}
	return out
}

// The fuzzer's finds, each a small stream that made arrow-go allocate
// gigabytes (a schema vector length, a variadic buffer count, a field
// slot in an odd-length vtable): they now fail cheaply.
func TestReadIPCStreamFuzzFinds(t *testing.T) {
	for name, stream := range ingCorpus(t, "FuzzReadIPCStream") {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var u Updates
		_, err := ingDecoder(t, ingAllTypes(), true).DecodeIPC(bytes.NewReader(stream), 1<<24, &u)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s: allocated %d MB for %d bytes (%v)", name, grew>>20, len(stream), err)
		}
	}
}

// ingSameUpdates fails unless a and b hold the same updates.
func ingSameUpdates(t *testing.T, a, b *Updates) {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("%d updates and %d", a.Len(), b.Len())
	}
	for i := range a.Len() {
		ka, ra := a.At(i)
		kb, rb := b.At(i)
		if !bytes.Equal(ka, kb) || !bytes.Equal(ra, rb) {
			t.Fatalf("update %d: %q %x and %q %x", i, ka, ra, kb, rb)
		}
	}
}

// In memory, a stream is read in place: the same updates as read from an
// io.Reader, compressed or not, wherever the stream sits in memory, and
// the stream is left as it was.
func TestDecodeIPCBytes(t *testing.T) {
	s := ingAllTypes()
	sc, recs, keys, values := ingAllTypesBatches(t, 11, 4, 30)
	for name, opts := range map[string][]ipc.Option{
		"plain": nil,
		"lz4":   {ipc.WithLZ4()},
		"zstd":  {ipc.WithZstd()},
	} {
		t.Run(name, func(t *testing.T) {
			stream := ingIPC(t, sc, recs, opts...)
			var want Updates
			if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), IPCMemoryLimit(len(stream)), &want); err != nil {
				t.Fatal(err)
			}
			for off := range 8 {
				// The stream at every alignment (compressed bodies are
				// copied out anyway: two alignments suffice).
				if name != "plain" && off > 1 {
					break
				}
				b := append(make([]byte, off, off+len(stream)), stream...)[off:]
				var u Updates
				rows, err := ingDecoder(t, s, false).DecodeIPCBytes(b, IPCMemoryLimit(len(b)), &u)
				if err != nil || rows != len(keys) {
					t.Fatalf("offset %d: %d rows, %v", off, rows, err)
				}
				ingCheckUpdates(t, s, &u, 0, keys, ingAllCols(s), values)
				ingSameUpdates(t, &u, &want)
				if !bytes.Equal(b, stream) {
					t.Fatalf("offset %d: the stream changed", off)
				}
			}
			// Truncated, it fails as the reader does.
			for _, n := range ingPrefixes(t, stream) {
				var u, v Updates
				_, err1 := ingDecoder(t, s, false).DecodeIPCBytes(stream[:n], 1<<24, &u)
				_, err2 := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream[:n]), 1<<24, &v)
				if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
					t.Fatalf("prefix %d: %v, and from a reader %v", n, err1, err2)
				}
				if err1 != nil && u.Len() != 0 {
					t.Fatalf("prefix %d: failed with %d updates", n, u.Len())
				}
				ingSameUpdates(t, &u, &v)
			}
		})
	}
}

// ingSwapped returns b with each w-byte word byte-reversed.
func ingSwapped(b []byte, w int) []byte {
	out := make([]byte, len(b))
	for i := 0; i+w <= len(b); i += w {
		for k := range w {
			out[i+k] = b[i+w-1-k]
		}
	}
	return out
}

// A big-endian stream is byte-swapped into a copy: the values come out
// right and the caller's bytes are not touched.
func TestDecodeIPCBytesBigEndian(t *testing.T) {
	s := &Schema{Key: "id", Columns: []Column{{Name: "i", Type: Scalar(KindInt32)}, {Name: "f", Type: Scalar(KindFloat64)}}}
	keys := ingKeys(5)
	ints := [][]byte{le32(1), le32(0xfffffffe), nil, le32(1 << 20), le32(7)}
	floats := [][]byte{ingF64(1.5), ingF64(-2), ingF64(1e300), nil, ingF64(0)}
	fields := []arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}
	le := ingRecord(t, fields, keys, ints, floats)
	defer le.Release()
	// Written with a big-endian schema, then the key offsets and the
	// values byte-swapped in place in the stream.
	be := arrow.NewSchemaWithEndian(fields, nil, endian.BigEndian)
	rec := array.NewRecordBatch(be, le.Columns(), 5)
	defer rec.Release()
	stream := ingIPC(t, be, []arrow.RecordBatch{rec})
	m := ingMessages(t, stream)[1]
	info, err := parseIPCMessage(stream[m.meta : m.meta+m.metaLen])
	if err != nil {
		t.Fatal(err)
	}
	start, nbufs, err := info.batch.vector(2, 16) // RecordBatch.buffers
	if err != nil || nbufs != 7 {
		t.Fatalf("%d buffers, %v", nbufs, err)
	}
	for i, w := range map[int]int{1: 4, 4: 4, 6: 8} { // id offsets, i values, f values
		off := int(binary.LittleEndian.Uint64(info.batch.b[start+16*i:]))
		n := int(binary.LittleEndian.Uint64(info.batch.b[start+16*i+8:]))
		b := stream[m.body+off : m.body+off+n]
		copy(b, ingSwapped(b, w))
	}
	orig := bytes.Clone(stream)
	var u, v Updates
	if _, err := ingDecoder(t, s, false).DecodeIPCBytes(stream, 1<<20, &u); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stream, orig) {
		t.Fatal("the stream changed")
	}
	ingCheckUpdates(t, s, &u, 0, keys, []int{0, 1}, [][][]byte{ints, floats})
	if _, err := ingDecoder(t, s, false).DecodeIPC(bytes.NewReader(stream), 1<<20, &v); err != nil {
		t.Fatal(err)
	}
	ingSameUpdates(t, &u, &v)

	// An endianness that is neither: arrow-go swaps all the same, and
	// the stream is still not touched.
	schema := ingMessages(t, stream)[0]
	meta := stream[schema.meta : schema.meta+schema.metaLen]
	sinfo, err := parseIPCMessage(meta)
	if err != nil {
		t.Fatal(err)
	}
	sc, ok, err := sinfo.msg.table(2)
	if !ok || err != nil {
		t.Fatal("no schema", err)
	}
	p, err := sc.field(0, 2)
	if err != nil || p == 0 {
		t.Fatal("no endianness", err)
	}
	binary.LittleEndian.PutUint16(meta[p:], 2)
	orig = bytes.Clone(stream)
	u.Reset()
	if _, err := ingDecoder(t, s, false).DecodeIPCBytes(stream, 1<<20, &u); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stream, orig) {
		t.Fatal("the stream changed")
	}
	ingSameUpdates(t, &u, &v)
}

// ipcStreamRows counts the rows batches claim; DecodeIPCBytes makes room
// for them up front, but for no more than the stream's size suggests
// when a batch lies.
func TestDecodeIPCBytesGrowsOnce(t *testing.T) {
	s, rec := ingFloat32Batch(20_000)
	defer rec.Release()
	var recs []arrow.RecordBatch
	for i := int64(0); i < 20_000; i += 2_500 {
		recs = append(recs, rec.NewSlice(i, i+2_500))
	}
	stream := ingIPC(t, rec.Schema(), recs)
	if n := ipcStreamRows(stream); n != 20_000 {
		t.Fatalf("ipcStreamRows = %d", n)
	}
	if n := ipcStreamRows(stream[:len(stream)/2]); n != 0 {
		t.Fatalf("ipcStreamRows of half a stream = %d", n)
	}
	var u Updates
	if _, err := ingDecoder(t, s, false).DecodeIPCBytes(stream, IPCMemoryLimit(len(stream)), &u); err != nil {
		t.Fatal(err)
	}
	// One allocation, a little larger than the updates (growing as they
	// come would make it at least 1.25 times as large).
	if u.Len() != 20_000 || cap(u.buf) > u.Bytes()+u.Bytes()/5 || cap(u.ends) > 20_000+20_000/5 {
		t.Fatalf("%d updates of %d bytes in a buffer of %d, ends of %d", u.Len(), u.Bytes(), cap(u.buf), cap(u.ends))
	}

	// A batch claiming 2³¹-1 rows: room for no more than twice the
	// stream, and then an error.
	msgs := ingMessages(t, stream)
	meta := stream[msgs[2].meta : msgs[2].meta+msgs[2].metaLen]
	info, err := parseIPCMessage(meta)
	if err != nil {
		t.Fatal(err)
	}
	p, err := info.batch.field(0, 8)
	if err != nil || p == 0 {
		t.Fatal("no length", err)
	}
	binary.LittleEndian.PutUint64(meta[p:], 1<<31-1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var v Updates
	_, err = ingDecoder(t, s, false).DecodeIPCBytes(stream, IPCMemoryLimit(len(stream)), &v)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBadIPC) {
		t.Fatalf("got %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(8*len(stream)) {
		t.Fatalf("allocated %d bytes for a %d-byte stream", grew, len(stream))
	}
}
