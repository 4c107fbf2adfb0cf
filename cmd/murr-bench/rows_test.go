package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func TestDenseRows(t *testing.T) {
	d := newDenseRows(50, 10, 1)
	if again := newDenseRows(50, 10, 1); !slices.Equal(d.vals, again.vals) {
		t.Error("same seed, different values")
	}
	for i := range d.n {
		if d.setCount(i) != 10 {
			t.Fatalf("row %d sets %d values", i, d.setCount(i))
		}
	}
	if got := d.valueBytes(); got != 50*10*4 {
		t.Errorf("valueBytes = %d", got)
	}
	if got := d.keyBytes(); got != 10*1+40*2 {
		t.Errorf("keyBytes = %d, want 90 for \"0\"..\"49\"", got)
	}
}

func TestSparseRows(t *testing.T) {
	d := newSparseRows(1000, 100, 2, 7)
	seen := map[int]bool{}
	for i := range d.n {
		if d.setCount(i) != 2 {
			t.Fatalf("row %d sets %d values, want 2", i, d.setCount(i))
		}
		for c := range d.cols {
			if d.isSet(i, c) {
				seen[c] = true
			} else if d.value(i, c) != 0 {
				t.Fatalf("row %d: unset column %d has a value", i, c)
			}
		}
	}
	if len(seen) < 90 {
		t.Errorf("only %d of 100 columns ever set: not random", len(seen))
	}
	if got := d.valueBytes(); got != 1000*2*4 {
		t.Errorf("valueBytes = %d, want 8 per row", got)
	}
}

func TestAppendBlob(t *testing.T) {
	d := newDenseRows(3, 10, 1)
	b := d.appendBlob([]byte("x"), 2)
	if len(b) != 41 || b[0] != 'x' {
		t.Fatalf("blob is %d bytes", len(b))
	}
	for c := range 10 {
		got := math.Float32frombits(binary.LittleEndian.Uint32(b[1+4*c:]))
		if got != d.value(2, c) {
			t.Errorf("col %d: %v, want %v", c, got, d.value(2, c))
		}
	}
}

// parseCommands decodes RESP arrays of bulk strings, as a server would.
func parseCommands(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(b))
	var out [][]string
	for {
		if _, err := r.Peek(1); err != nil {
			return out
		}
		v, err := readValue(r)
		if err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, a := range v.([]any) {
			args = append(args, a.(string))
		}
		out = append(out, args)
	}
}

func TestAppendCommands(t *testing.T) {
	d := newDenseRows(20, 10, 1)
	cmds := parseCommands(t, d.appendSET(d.appendSET(nil, 0), 17))
	if len(cmds) != 2 || len(cmds[1]) != 3 || cmds[1][0] != "SET" || cmds[1][1] != "17" || cmds[1][2] != string(d.appendBlob(nil, 17)) {
		t.Errorf("SET commands: %q", cmds)
	}
	cmds = parseCommands(t, d.appendHSET(nil, 5))
	if len(cmds) != 1 || len(cmds[0]) != 22 || cmds[0][0] != "HSET" || cmds[0][1] != "5" {
		t.Fatalf("HSET command: %q", cmds)
	}
	for c := range 10 {
		if cmds[0][2+2*c] != colName(c) || cmds[0][3+2*c] != string(appendValue(nil, d.value(5, c))) {
			t.Errorf("HSET field %d: %q %q", c, cmds[0][2+2*c], cmds[0][3+2*c])
		}
	}

	s := newSparseRows(3, 100, 2, 1)
	cmds = parseCommands(t, s.appendHSET(nil, 1))
	if len(cmds[0]) != 6 {
		t.Fatalf("sparse HSET: %q", cmds)
	}
	for k := 2; k < 6; k += 2 {
		var c int
		for c = range 100 {
			if colName(c) == cmds[0][k] {
				break
			}
		}
		if !s.isSet(1, c) || cmds[0][k+1] != string(appendValue(nil, s.value(1, c))) {
			t.Errorf("sparse HSET field %q = %q", cmds[0][k], cmds[0][k+1])
		}
	}

	create := d.createArgs("bench")
	if got := strings.Join(create[:7], " "); got != "MURR.CREATE bench KEY key COLUMNS col_0 float32" || len(create) != 25 {
		t.Errorf("createArgs = %q", create)
	}
}

func TestBuildPipelineLoad(t *testing.T) {
	d := newDenseRows(25, 10, 1)
	l := buildPipelineLoad(3, 25, 10, d.appendSET)
	if len(l.ends) != 3 || l.cmds[2] != 2 || l.lo[1] != 13 || l.hi[2] != 25 {
		t.Fatalf("batches: ends %v cmds %v lo %v hi %v", l.ends, l.cmds, l.lo, l.hi)
	}
	cmds := parseCommands(t, l.batch(1))
	if len(cmds) != 10 || cmds[0][1] != "13" || cmds[9][1] != "22" {
		t.Errorf("batch 1: %q", cmds)
	}

	w, err := buildWriteLoad(d, "bench", 0, 25, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.ends) != 3 || w.cmds[0] != 1 || w.hi[2] != 25 {
		t.Fatalf("write batches: ends %v cmds %v hi %v", w.ends, w.cmds, w.hi)
	}
	cmds = parseCommands(t, w.batch(2))
	if len(cmds) != 1 || cmds[0][0] != "MURR.WRITE" || cmds[0][1] != "bench" {
		t.Fatalf("write command: %q", cmds[0][:2])
	}
	checkRecords(t, d, []byte(cmds[0][2]), 20, 25)
}

// checkRecords decodes an Arrow IPC stream and checks it holds rows
// [lo, hi) of d.
func checkRecords(t *testing.T, d *rowData, stream []byte, lo, hi int) {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(stream), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Schema().Equal(d.schema()) {
		t.Errorf("schema %s", r.Schema())
	}
	row := lo
	for r.Next() {
		checkRecord(t, d, r.RecordBatch(), row)
		row += int(r.RecordBatch().NumRows())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if row != hi {
		t.Errorf("stream ends at row %d, want %d", row, hi)
	}
}

func checkRecord(t *testing.T, d *rowData, rec arrow.RecordBatch, first int) {
	t.Helper()
	keys := rec.Column(0).(*array.String)
	for j := range int(rec.NumRows()) {
		i := first + j
		if keys.Value(j) != rowKey(i) {
			t.Fatalf("row %d: key %q", i, keys.Value(j))
		}
		for c := range d.cols {
			col := rec.Column(1 + c).(*array.Float32)
			if col.IsNull(j) != !d.isSet(i, c) || (d.isSet(i, c) && col.Value(j) != d.value(i, c)) {
				t.Fatalf("row %d col %d: null %v value %v, want set %v value %v", i, c, col.IsNull(j), col.Value(j), d.isSet(i, c), d.value(i, c))
			}
		}
	}
}

func TestIPCStreamSparse(t *testing.T) {
	d := newSparseRows(300, 100, 2, 9)
	b, err := d.ipcStream(100, 300)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, d, b, 100, 300)
}

// closeRecorder is a sink that notes whether it was closed.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestWriteParquet(t *testing.T) {
	d := newDenseRows(2500, 10, 3)
	var buf closeRecorder
	if err := d.writeParquet(&buf, 1000); err != nil {
		t.Fatal(err)
	}
	if buf.closed {
		t.Error("writeParquet closed its writer")
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if pf.NumRowGroups() != 3 || pf.NumRows() != 2500 {
		t.Errorf("%d row groups, %d rows; want 3, 2500", pf.NumRowGroups(), pf.NumRows())
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 700}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	row := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		sameFields(t, rec.Schema(), d.schema())
		checkRecord(t, d, rec, row)
		row += int(rec.NumRows())
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if row != 2500 {
		t.Errorf("read %d rows", row)
	}
}

// sameFields checks names, types and nullability, not metadata.
func sameFields(t *testing.T, got, want *arrow.Schema) {
	t.Helper()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("schema %s, want %s", got, want)
	}
	for i, f := range want.Fields() {
		g := got.Field(i)
		if g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) || g.Nullable != f.Nullable {
			t.Fatalf("field %d: %s, want %s", i, g, f)
		}
	}
}

func TestParseDescribe(t *testing.T) {
	reply := []any{"name", "bench", "key", "key", "ttl", int64(0), "rows", int64(1000), "bytes", int64(54321),
		"columns", []any{"col_0", "float32"}}
	got, err := parseDescribe(reply)
	if err != nil || got != (tableInfo{Rows: 1000, Bytes: 54321}) {
		t.Errorf("parseDescribe = %+v, %v", got, err)
	}
	for _, bad := range []any{
		"OK",
		[]any{"rows", int64(1)},
		[]any{"rows", "1", "bytes", int64(2)},
		[]any{"rows", int64(1), "bytes"},
	} {
		if _, err := parseDescribe(bad); err == nil {
			t.Errorf("parseDescribe(%#v): no error", bad)
		}
	}
}

func TestCheckReadRESP(t *testing.T) {
	d := newSparseRows(10, 3, 1, 2)
	text := func(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }
	entry := func(i int) []any {
		e := []any{"key", rowKey(i)}
		for c := range 3 {
			var v any
			if d.isSet(i, c) {
				v = text(d.value(i, c))
			}
			e = append(e, colName(c), v)
		}
		return e
	}
	rows := []int{4, 0, 4}
	good := []any{entry(4), entry(0), entry(4)}
	if err := checkReadRESP(good, rows, d); err != nil {
		t.Fatal(err)
	}
	missing := []any{entry(4), nil, entry(4)}
	if err := checkReadRESP(missing, rows, d); err == nil || !strings.Contains(err.Error(), `"0"`) {
		t.Errorf("missing row: %v", err)
	}
	wrong := []any{entry(4), entry(0), entry(3)}
	if err := checkReadRESP(wrong, rows, d); err == nil {
		t.Error("wrong row: no error")
	}
	if err := checkReadRESP(good[:2], rows, d); err == nil {
		t.Error("short reply: no error")
	}
}

func TestSampleRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ranges := [][2]int{{0, 10}, {20, 25}}
	got := sampleRows(rng, ranges, 8)
	if len(got) != 8 || got[0] != 0 || got[1] != 24 {
		t.Fatalf("sampleRows = %v", got)
	}
	seen := map[int]bool{}
	for _, i := range got {
		if seen[i] || !(i < 10 || (i >= 20 && i < 25)) {
			t.Errorf("sampleRows = %v: duplicate or out of range %d", got, i)
		}
		seen[i] = true
	}
	if got := sampleRows(rng, ranges, 100); len(got) != 15 {
		t.Errorf("asking for more than there are: %d rows", len(got))
	}
	if got := sampleRows(rng, nil, 5); got != nil {
		t.Errorf("no ranges: %v", got)
	}
}

func TestLastFlagValue(t *testing.T) {
	args := []string{"--listen", "a", "--http-listen", "", "--data-dir", "d", "--http-listen", "127.0.0.1:1", "-http-listen=x:2"}
	if got := lastFlagValue(args, "http-listen"); got != "x:2" {
		t.Errorf("got %q", got)
	}
	if got := lastFlagValue(args[:4], "http-listen"); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestWrapTitle(t *testing.T) {
	got := wrapTitle(strings.Repeat("word ", 50))
	for _, line := range strings.Split(got, "\n") {
		if len(line) > 100 {
			t.Errorf("line of %d characters", len(line))
		}
	}
	if strings.Count(got, "word") != 50 {
		t.Errorf("words lost: %q", got)
	}
}
