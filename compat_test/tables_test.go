package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/redis/go-redis/v9"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// The MURR.* table commands have no Redis counterpart: these tests run
// against the sidecar only.
func needSidecar(t *testing.T) {
	t.Helper()
	if sidecarBin == "" {
		t.Skip("table commands are murr-sidecar's own")
	}
}

// allTypesColumns is a MURR.CREATE COLUMNS list with every column type.
var allTypesColumns = []string{
	"b", "bool", "i8", "int8", "i16", "int16", "i32", "int32", "i64", "int64",
	"u8", "uint8", "u16", "uint16", "u32", "uint32", "u64", "uint64",
	"f16", "float16", "f32", "float32", "f64", "float64", "s", "utf8", "bin", "binary",
	"d", "date32", "ts_s", "timestamp[s]", "ts_ms", "timestamp[ms]", "ts_us", "timestamp[us]", "ts_ns", "timestamp[ns]",
	"l", "list<float32>", "emb", "fixed_size_list<int16,3>",
}

// ipcStream serialises records (of one schema) as an Arrow IPC stream.
func ipcStream(t testing.TB, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()))
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

// buildRecord builds a record from fields and a function filling each
// column's builder.
func buildRecord(fields []arrow.Field, fill func(b *array.RecordBuilder)) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	fill(b)
	return b.NewRecordBatch()
}

// allTypesRecord holds three rows: "r0" with every column set, "r1" with
// every column null, "r2" with edge values (empty string, empty list,
// extremes).
func allTypesRecord() arrow.RecordBatch {
	fields := []arrow.Field{
		{Name: "key", Type: arrow.BinaryTypes.String},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "f16", Type: arrow.FixedWidthTypes.Float16, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts_s", Type: &arrow.TimestampType{Unit: arrow.Second}, Nullable: true},
		{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "ts_us", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "emb", Type: arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Int16), Nullable: true},
	}
	return buildRecord(fields, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).AppendValues([]string{"r0", "r1", "r2"}, nil)
		for i := 1; i < len(fields); i++ {
			fb := b.Field(i)
			appendSample(fb, 0)
			fb.AppendNull()
			appendSample(fb, 2)
		}
	})
}

// appendSample appends row r's value (0: ordinary, 2: edge case).
func appendSample(fb array.Builder, r int) {
	edge := r == 2
	switch fb := fb.(type) {
	case *array.BooleanBuilder:
		fb.Append(!edge)
	case *array.Int8Builder:
		fb.Append(pick(edge, int8(-5), math.MinInt8))
	case *array.Int16Builder:
		fb.Append(pick(edge, int16(300), math.MaxInt16))
	case *array.Int32Builder:
		fb.Append(pick(edge, int32(-70000), math.MinInt32))
	case *array.Int64Builder:
		fb.Append(pick(edge, int64(1)<<40, math.MaxInt64))
	case *array.Uint8Builder:
		fb.Append(pick(edge, uint8(200), 0))
	case *array.Uint16Builder:
		fb.Append(pick(edge, uint16(60000), 0))
	case *array.Uint32Builder:
		fb.Append(pick(edge, uint32(4e9), math.MaxUint32))
	case *array.Uint64Builder:
		fb.Append(pick(edge, uint64(7), math.MaxUint64))
	case *array.Float16Builder:
		fb.Append(float16.New(pick(edge, float32(1.5), -0.25)))
	case *array.Float32Builder:
		fb.Append(pick(edge, float32(0.1), float32(math.Inf(-1))))
	case *array.Float64Builder:
		fb.Append(pick(edge, 2.5e300, math.SmallestNonzeroFloat64))
	case *array.StringBuilder:
		fb.Append(pick(edge, "héllo", ""))
	case *array.BinaryBuilder:
		fb.Append(pick(edge, []byte{0, 1, 0xff}, []byte{}))
	case *array.Date32Builder:
		fb.Append(pick(edge, arrow.Date32(19000), arrow.Date32(-1)))
	case *array.TimestampBuilder:
		fb.Append(pick(edge, arrow.Timestamp(1700000000), arrow.Timestamp(-1)))
	case *array.ListBuilder:
		fb.Append(true)
		if !edge { // the edge case is an empty list
			fb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{1, 2.5, -3}, nil)
		}
	case *array.FixedSizeListBuilder:
		fb.Append(true)
		fb.ValueBuilder().(*array.Int16Builder).AppendValues(pick(edge, []int16{1, 2, 3}, []int16{-1, 0, math.MaxInt16}), nil)
	default:
		panic(fmt.Sprintf("no sample for %T", fb))
	}
}

func pick[T any](edge bool, normal, edgeV T) T {
	if edge {
		return edgeV
	}
	return normal
}

// murrRead runs MURR.READ and decodes its Arrow reply.
func murrRead(t testing.TB, ctx context.Context, c *redis.Client, args ...any) arrow.RecordBatch {
	t.Helper()
	v, err := c.Do(ctx, append([]any{"murr.read"}, args...)...).Text()
	if err != nil {
		t.Fatalf("MURR.READ %v: %v", args, err)
	}
	return decodeOne(t, []byte(v))
}

// decodeOne decodes an IPC stream that must hold exactly one batch.
func decodeOne(t testing.TB, b []byte) arrow.RecordBatch {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode reply: %v", err)
	}
	defer r.Release()
	var out arrow.RecordBatch
	for r.Next() {
		if out != nil {
			t.Fatal("reply holds more than one record batch")
		}
		out = r.RecordBatch()
		out.Retain()
	}
	if err := r.Err(); err != nil {
		t.Fatalf("decode reply: %v", err)
	}
	if out == nil {
		t.Fatal("reply holds no record batch")
	}
	t.Cleanup(out.Release)
	return out
}

// column renders column name of rec, one entry per row, as arrow-go
// prints values ("(null)" for nulls).
func column(t testing.TB, rec arrow.RecordBatch, name string) []string {
	t.Helper()
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		t.Fatalf("reply has no column %q (schema %s)", name, rec.Schema())
	}
	a := rec.Column(idx[0])
	out := make([]string, a.Len())
	for i := range out {
		out[i] = a.ValueStr(i)
	}
	return out
}

func expectColumn(t testing.TB, rec arrow.RecordBatch, name string, want ...string) {
	t.Helper()
	if got := column(t, rec, name); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("column %s = %q, want %q", name, got, want)
	}
}

func TestMurrReadRoundTripsEveryType(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	create := append([]any{"murr.create", "all", "COLUMNS"}, anys(allTypesColumns)...)
	if err := c.Do(ctx, create...).Err(); err != nil {
		t.Fatal(err)
	}
	in := allTypesRecord()
	defer in.Release()
	n, err := c.Do(ctx, "murr.write", "all", ipcStream(t, in)).Int()
	if err != nil || n != 3 {
		t.Fatalf("MURR.WRITE = %d, %v", n, err)
	}
	// All columns, in request order, with a missing key and a duplicate.
	out := murrRead(t, ctx, c, "all", "KEYS", "r2", "r0", "nope", "r1", "r0")
	if got, want := out.Schema().NumFields(), in.Schema().NumFields(); got != want {
		t.Fatalf("reply has %d columns, want %d: %s", got, want, out.Schema())
	}
	order := []int{2, 0, -1, 1, 0}
	for f := range int(in.NumCols()) {
		name := in.Schema().Field(f).Name
		if !arrow.TypeEqual(out.Schema().Field(f).Type, in.Schema().Field(f).Type) || out.Schema().Field(f).Name != name {
			t.Errorf("field %d = %s, want %s", f, out.Schema().Field(f), in.Schema().Field(f))
		}
		want := make([]string, len(order))
		for i, r := range order {
			if r < 0 {
				want[i] = array.NullValueStr
			} else {
				want[i] = in.Column(f).ValueStr(r)
			}
		}
		expectColumn(t, out, name, want...)
	}
	// A projection in any order, with the key column asked by name.
	out = murrRead(t, ctx, c, "all", "COLUMNS", 3, "emb", "key", "u64", "KEYS", "r2", "x")
	expectColumn(t, out, "emb", "[-1,0,32767]", array.NullValueStr)
	expectColumn(t, out, "key", "r2", array.NullValueStr)
	expectColumn(t, out, "u64", "18446744073709551615", array.NullValueStr)
	if out.NumCols() != 3 {
		t.Fatalf("projection has %d columns", out.NumCols())
	}
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// scoreNameRecord builds rows of (key, score float32, name utf8); a NaN
// score or "" name is written as null. Columns with no values are left
// out of the batch.
func scoreNameRecord(keys []string, scores []float32, names []string) arrow.RecordBatch {
	fields := []arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}
	if scores != nil {
		fields = append(fields, arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true})
	}
	if names != nil {
		fields = append(fields, arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true})
	}
	return buildRecord(fields, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).AppendValues(keys, nil)
		col := 1
		if scores != nil {
			fb := b.Field(col).(*array.Float32Builder)
			for _, s := range scores {
				if math.IsNaN(float64(s)) {
					fb.AppendNull()
				} else {
					fb.Append(s)
				}
			}
			col++
		}
		if names != nil {
			fb := b.Field(col).(*array.StringBuilder)
			for _, s := range names {
				if s == "" {
					fb.AppendNull()
				} else {
					fb.Append(s)
				}
			}
		}
	})
}

func createScoreTable(t testing.TB, ctx context.Context, c *redis.Client, name string, extra ...any) {
	t.Helper()
	args := append([]any{"murr.create", name, "KEY", "id"}, extra...)
	args = append(args, "COLUMNS", "score", "float32", "name", "utf8")
	if err := c.Do(ctx, args...).Err(); err != nil {
		t.Fatal(err)
	}
}

func writeScores(t testing.TB, ctx context.Context, c *redis.Client, table string, rec arrow.RecordBatch) {
	t.Helper()
	defer rec.Release()
	if err := c.Do(ctx, "murr.write", table, ipcStream(t, rec)).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestMurrWritePartialUpsertKeepsAbsentColumns(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	createScoreTable(t, ctx, c, "f")
	writeScores(t, ctx, c, "f", scoreNameRecord([]string{"a", "b"}, []float32{1, 2}, []string{"x", "y"}))
	// Only score: names stay. A null score clears it.
	writeScores(t, ctx, c, "f", scoreNameRecord([]string{"a", "b", "c"}, []float32{10, float32(math.NaN()), 30}, nil))
	// Only name, for one key twice in one stream: the later wins.
	writeScores(t, ctx, c, "f", scoreNameRecord([]string{"c", "c"}, nil, []string{"first", "second"}))
	out := murrRead(t, ctx, c, "f", "KEYS", "a", "b", "c")
	expectColumn(t, out, "score", "10", array.NullValueStr, "30")
	expectColumn(t, out, "name", "x", "y", "second")
	rows, err := c.Do(ctx, "murr.describe", "f").Result()
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := rows.(map[any]any); !ok || m["rows"] != int64(3) || m["key"] != "id" {
		t.Fatalf("MURR.DESCRIBE = %#v", rows)
	}
	if n, err := c.Do(ctx, "murr.del", "f", "a", "zz", "a").Int(); n != 1 || err != nil {
		t.Fatalf("MURR.DEL = %d, %v", n, err)
	}
	expectColumn(t, murrRead(t, ctx, c, "f", "COLUMNS", 1, "id", "KEYS", "a", "b"), "id", array.NullValueStr, "b")
}

// TestMurrErrorsChangeNothing sends each kind of bad command and checks
// the error text and that the table still reads as before.
func TestMurrErrorsChangeNothing(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	createScoreTable(t, ctx, c, "x")
	writeScores(t, ctx, c, "x", scoreNameRecord([]string{"a", "b"}, []float32{1, 2}, []string{"p", "q"}))
	before := func() string {
		out := murrRead(t, ctx, c, "x", "KEYS", "a", "b", "c")
		return fmt.Sprint(column(t, out, "score"), column(t, out, "name"))
	}
	want := before()

	good := scoreNameRecord([]string{"a", "c"}, []float32{5, 6}, nil)
	defer good.Release()
	f64 := buildRecord([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "score", Type: arrow.PrimitiveTypes.Float64}},
		func(b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).AppendValues([]string{"a", "c"}, nil)
			b.Field(1).(*array.Float64Builder).AppendValues([]float64{7, 1e300}, nil)
		})
	defer f64.Release()
	unknown := buildRecord([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "nope", Type: arrow.PrimitiveTypes.Int8}},
		func(b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).Append("a")
			b.Field(1).(*array.Int8Builder).Append(1)
		})
	defer unknown.Release()
	nullKey := buildRecord([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "score", Type: arrow.PrimitiveTypes.Float32}},
		func(b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).AppendValues([]string{"a", ""}, []bool{true, false})
			b.Field(1).(*array.Float32Builder).AppendValues([]float32{8, 9}, nil)
		})
	defer nullKey.Release()
	dup := buildRecord([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "score", Type: arrow.PrimitiveTypes.Float32}, {Name: "score", Type: arrow.PrimitiveTypes.Float32}},
		func(b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).Append("a")
			b.Field(1).(*array.Float32Builder).Append(1)
			b.Field(2).(*array.Float32Builder).Append(2)
		})
	defer dup.Release()
	// A valid first batch followed by a truncated second one: nothing of either.
	twoBatches := ipcStream(t, good, scoreNameRecord([]string{"b", "d"}, []float32{3, 4}, nil))
	corrupt := ipcStream(t, good)
	corrupt = append(corrupt[:len(corrupt)/2:len(corrupt)/2], bytes.Repeat([]byte{0xee}, 40)...)

	for _, tc := range []struct {
		args []any
		want string // error prefix
	}{
		{[]any{"murr.write", "missing", ipcStream(t, good)}, "ERR no such table 'missing'"},
		{[]any{"murr.write", "x", ipcStream(t, unknown)}, "ERR no such column 'nope' in table 'x'"},
		{[]any{"murr.write", "x", ipcStream(t, f64)}, "ERR column 'score' is float64 in the batch but float32 in table 'x'"},
		{[]any{"murr.write", "x", ipcStream(t, f64), "CAST"}, "ERR column 'score'"}, // 1e300 does not fit float32
		{[]any{"murr.write", "x", ipcStream(t, nullKey)}, "ERR "},
		{[]any{"murr.write", "x", ipcStream(t, dup)}, "ERR "},
		{[]any{"murr.write", "x", corrupt}, "ERR "},
		{[]any{"murr.write", "x", []byte("not arrow at all")}, "ERR "},
		{[]any{"murr.write", "x", twoBatches[:len(twoBatches)-30]}, "ERR "},
		{[]any{"murr.write", "x", ipcStream(t, good), "FAST"}, "ERR syntax error"},
		{[]any{"murr.read", "x", "COLUMNS", 1, "nope", "KEYS", "a"}, "ERR no such column 'nope' in table 'x'"},
		{[]any{"murr.read", "x", "KEYS"}, "ERR "},
		{[]any{"murr.read", "x", "COLUMNS", 5, "score", "KEYS", "a"}, "ERR "},
		{[]any{"murr.read", "nope", "KEYS", "a"}, "ERR no such table 'nope'"},
		{[]any{"murr.create", "x", "COLUMNS", "a", "int8"}, "ERR table 'x' already exists"},
		{[]any{"murr.create", "y", "COLUMNS", "a", "decimal"}, "ERR "},
		{[]any{"murr.create", "y", "COLUMNS", "a", "int8", "a", "int16"}, "ERR "},
		{[]any{"murr.create", "y", "TTL", -1, "COLUMNS", "a", "int8"}, "ERR "},
		{[]any{"murr.create", "y", "SCHEMA", "garbage"}, "ERR "},
		{[]any{"murr.describe", "nope"}, "ERR no such table 'nope'"},
		{[]any{"murr.del", "nope", "a"}, "ERR no such table 'nope'"},
	} {
		err := c.Do(ctx, tc.args...).Err()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v %v (%d args): err = %v, want %q...", tc.args[0], tc.args[1], len(tc.args), err, tc.want)
		}
		if got := before(); got != want {
			t.Fatalf("%v %v (%d args) changed the table: %s, was %s", tc.args[0], tc.args[1], len(tc.args), got, want)
		}
	}
	if tables, err := c.Do(ctx, "murr.tables").StringSlice(); err != nil || fmt.Sprint(tables) != "[x]" {
		t.Fatalf("MURR.TABLES = %v, %v", tables, err)
	}
	// With CAST, float64 values that fit are converted.
	ok := buildRecord([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "score", Type: arrow.PrimitiveTypes.Float64}},
		func(b *array.RecordBuilder) {
			b.Field(0).(*array.StringBuilder).Append("a")
			b.Field(1).(*array.Float64Builder).Append(0.5)
		})
	defer ok.Release()
	if err := c.Do(ctx, "murr.write", "x", ipcStream(t, ok), "cast").Err(); err != nil {
		t.Fatal(err)
	}
	expectColumn(t, murrRead(t, ctx, c, "x", "KEYS", "a"), "score", "0.5")
}

func TestMurrCommandsRefusedInsideMulti(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	createScoreTable(t, ctx, c, "m")
	_, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, "k", "v", 0)
		pipe.Do(ctx, "murr.read", "m", "KEYS", "a")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "EXECABORT") {
		t.Fatalf("MULTI with MURR.READ: %v", err)
	}
	if n, _ := c.Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("aborted transaction ran")
	}
}

func TestMurrReadFormatRESP(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	ctx := testCtx(t)
	c3 := newGoRedis(t, p.Addr)
	createScoreTable(t, ctx, c3, "r")
	writeScores(t, ctx, c3, "r", scoreNameRecord([]string{"a", "b"}, []float32{0.1, float32(math.NaN())}, []string{"x", "y"}))

	v3, err := c3.Do(ctx, "murr.read", "r", "FORMAT", "RESP", "COLUMNS", 2, "score", "name", "KEYS", "a", "zz", "b").Result()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(v3), "[map[name:x score:0.10000000149011612] <nil> map[name:y score:<nil>]]"; got != want {
		t.Errorf("RESP3 reply = %s, want %s", got, want)
	}
	c2 := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c2.Close()
	v2, err := c2.Do(ctx, "murr.read", "r", "FORMAT", "RESP", "KEYS", "a", "zz").Result()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(v2), "[[id a score 0.1 name x] <nil>]"; got != want {
		t.Errorf("RESP2 reply = %s, want %s", got, want)
	}
}

func TestMurrCreateFromArrowSchema(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	rec := allTypesRecord()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	w.Close() // schema only
	if err := c.Do(ctx, "murr.create", "s", "SCHEMA", buf.Bytes()).Err(); err != nil {
		t.Fatal(err)
	}
	desc, err := c.Do(ctx, "murr.describe", "s").Result()
	if err != nil {
		t.Fatal(err)
	}
	cols := desc.(map[any]any)["columns"].(map[any]any)
	if len(cols) != 21 || cols["emb"] != "fixed_size_list<int16,3>" || cols["ts_us"] != "timestamp[us]" {
		t.Fatalf("columns = %v", cols)
	}
	if n, err := c.Do(ctx, "murr.write", "s", ipcStream(t, rec)).Int(); n != 3 || err != nil {
		t.Fatalf("MURR.WRITE = %d, %v", n, err)
	}
}

func TestMurrTableTTLExpiresRows(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	createScoreTable(t, ctx, c, "ttl", "TTL", 1)
	writeScores(t, ctx, c, "ttl", scoreNameRecord([]string{"a", "b"}, []float32{1, 2}, nil))
	expectColumn(t, murrRead(t, ctx, c, "ttl", "KEYS", "a", "b"), "score", "1", "2")
	time.Sleep(1100 * time.Millisecond)
	expectColumn(t, murrRead(t, ctx, c, "ttl", "KEYS", "a", "b"), "score", array.NullValueStr, array.NullValueStr)
	// The background sweep reclaims them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := c.Do(ctx, "murr.describe", "ttl").Result()
		if err != nil {
			t.Fatal(err)
		}
		if d.(map[any]any)["rows"] == int64(0) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired rows not reclaimed: %v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMurrTablesSurviveRestart(t *testing.T) {
	needSidecar(t)
	p := startSidecar(t)
	c, ctx := newGoRedis(t, p.Addr), testCtx(t)
	create := append([]any{"murr.create", "all", "TTL", 3600, "COLUMNS"}, anys(allTypesColumns)...)
	if err := c.Do(ctx, create...).Err(); err != nil {
		t.Fatal(err)
	}
	in := allTypesRecord()
	defer in.Release()
	if err := c.Do(ctx, "murr.write", "all", ipcStream(t, in)).Err(); err != nil {
		t.Fatal(err)
	}
	before, err := c.Do(ctx, "murr.read", "all", "KEYS", "r0", "r1", "r2").Text()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	p2, err := procs.RestartSidecar(sidecarBin, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p2.Stop() })
	c2 := newGoRedis(t, p2.Addr)
	after, err := c2.Do(ctx, "murr.read", "all", "KEYS", "r0", "r1", "r2").Text()
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatal("MURR.READ reply differs after restart")
	}
	d, err := c2.Do(ctx, "murr.describe", "all").Result()
	if err != nil || d.(map[any]any)["ttl"] != int64(3600) || d.(map[any]any)["rows"] != int64(3) {
		t.Fatalf("MURR.DESCRIBE after restart = %v, %v", d, err)
	}
}
