package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The rows the ingest and sparse workloads write, and every encoding of
// them the servers are sent: Redis commands (a packed blob per key, or a
// hash per key), Arrow IPC streams for MURR.WRITE and a Parquet file for
// the HTTP API. Row i has the key strconv.Itoa(i) ("0".."n-1", as in
// Murr's benchmark) and float32 columns col_0..col_<cols-1>.

// keyColumn is the key column of the benchmark tables.
const keyColumn = "key"

// rowData is n rows of cols float32 values, some of which may be unset
// (null in a table, an absent field in a Redis hash).
type rowData struct {
	n, cols int
	vals    []float32 // row-major: row i's values are vals[i*cols : (i+1)*cols]
	valid   []bool    // like vals; nil when every value is set
}

// newDenseRows returns n rows with every one of cols columns set to a
// random value in [0, 1), the same for the same seed.
func newDenseRows(n, cols int, seed uint64) *rowData {
	rng := rand.New(rand.NewPCG(seed, 0x6d757272))
	d := &rowData{n: n, cols: cols, vals: make([]float32, n*cols)}
	for i := range d.vals {
		d.vals[i] = rng.Float32()
	}
	return d
}

// newSparseRows returns n rows of cols columns where each row sets perRow
// distinct columns, chosen at random, to random values; the others are
// unset.
func newSparseRows(n, cols, perRow int, seed uint64) *rowData {
	rng := rand.New(rand.NewPCG(seed, 0x73706172))
	d := &rowData{n: n, cols: cols, vals: make([]float32, n*cols), valid: make([]bool, n*cols)}
	perm := make([]int, cols)
	for i := range n {
		for j := range perm {
			perm[j] = j
		}
		// A partial Fisher-Yates shuffle picks perRow distinct columns.
		for j := 0; j < perRow && j < cols; j++ {
			k := j + rng.IntN(cols-j)
			perm[j], perm[k] = perm[k], perm[j]
			c := perm[j]
			d.vals[i*cols+c] = rng.Float32()
			d.valid[i*cols+c] = true
		}
	}
	return d
}

// colName names column c.
func colName(c int) string { return "col_" + strconv.Itoa(c) }

// rowKey is row i's key.
func rowKey(i int) string { return strconv.Itoa(i) }

func (d *rowData) isSet(i, c int) bool { return d.valid == nil || d.valid[i*d.cols+c] }

func (d *rowData) value(i, c int) float32 { return d.vals[i*d.cols+c] }

// setCount returns how many values row i sets.
func (d *rowData) setCount(i int) int {
	if d.valid == nil {
		return d.cols
	}
	n := 0
	for _, ok := range d.valid[i*d.cols : (i+1)*d.cols] {
		if ok {
			n++
		}
	}
	return n
}

// keyBytes returns the total length of all n keys.
func (d *rowData) keyBytes() int64 {
	var total int64
	for i := range d.n {
		total += int64(len(rowKey(i)))
	}
	return total
}

// valueBytes returns the total size of the set values (4 bytes each).
func (d *rowData) valueBytes() int64 {
	if d.valid == nil {
		return int64(d.n) * int64(d.cols) * 4
	}
	var total int64
	for _, ok := range d.valid {
		if ok {
			total += 4
		}
	}
	return total
}

// appendValue appends value v as Redis holds it: 4 bytes, little-endian.
func appendValue(dst []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
}

// appendBlob appends row i's packed blob: every column's value, 4 bytes
// little-endian each, in column order (40 bytes for ten columns). Unset
// values are packed as 0.
func (d *rowData) appendBlob(dst []byte, i int) []byte {
	for _, v := range d.vals[i*d.cols : (i+1)*d.cols] {
		dst = appendValue(dst, v)
	}
	return dst
}

// RESP encoding without string conversions, for loads of millions of
// commands.

func appendArrayLen(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendSET appends "SET <key> <blob>" for row i.
func (d *rowData) appendSET(dst []byte, i int) []byte {
	var kb [20]byte
	var vb [64]byte
	dst = appendArrayLen(dst, 3)
	dst = appendBulkString(dst, "SET")
	dst = appendBulk(dst, strconv.AppendInt(kb[:0], int64(i), 10))
	if d.cols*4 <= len(vb) {
		return appendBulk(dst, d.appendBlob(vb[:0], i))
	}
	return appendBulk(dst, d.appendBlob(nil, i))
}

// appendHSET appends "HSET <key> col_c <4 bytes> ..." for row i, with a
// field for each value the row sets.
func (d *rowData) appendHSET(dst []byte, i int) []byte {
	var kb [20]byte
	var vb [4]byte
	dst = appendArrayLen(dst, 2+2*d.setCount(i))
	dst = appendBulkString(dst, "HSET")
	dst = appendBulk(dst, strconv.AppendInt(kb[:0], int64(i), 10))
	for c := range d.cols {
		if d.isSet(i, c) {
			dst = appendBulkString(dst, colName(c))
			dst = appendBulk(dst, appendValue(vb[:0], d.value(i, c)))
		}
	}
	return dst
}

// createArgs returns the MURR.CREATE command of a table for these rows.
func (d *rowData) createArgs(table string) []string {
	args := []string{"MURR.CREATE", table, "KEY", keyColumn, "COLUMNS"}
	for c := range d.cols {
		args = append(args, colName(c), "float32")
	}
	return args
}

// schema is the Arrow schema of the rows: the key (utf8, not null) and
// the value columns (float32, nullable).
func (d *rowData) schema() *arrow.Schema {
	fields := []arrow.Field{{Name: keyColumn, Type: arrow.BinaryTypes.String}}
	for c := range d.cols {
		fields = append(fields, arrow.Field{Name: colName(c), Type: arrow.PrimitiveTypes.Float32, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// record builds rows [lo, hi) as one Arrow record batch; the caller
// releases it.
func (d *rowData) record(mem memory.Allocator, schema *arrow.Schema, lo, hi int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Reserve(hi - lo)
	kb := b.Field(0).(*array.StringBuilder)
	for i := lo; i < hi; i++ {
		kb.Append(rowKey(i))
	}
	var valid []bool
	col := make([]float32, hi-lo)
	if d.valid != nil {
		valid = make([]bool, hi-lo)
	}
	for c := range d.cols {
		for i := lo; i < hi; i++ {
			col[i-lo] = d.vals[i*d.cols+c]
			if valid != nil {
				valid[i-lo] = d.valid[i*d.cols+c]
			}
		}
		b.Field(1+c).(*array.Float32Builder).AppendValues(col, valid)
	}
	return b.NewRecordBatch()
}

// ipcStream encodes rows [lo, hi) as an Arrow IPC stream of one record
// batch, as MURR.WRITE takes it.
func (d *rowData) ipcStream(lo, hi int) ([]byte, error) {
	mem := memory.NewGoAllocator()
	schema := d.schema()
	rec := d.record(mem, schema, lo, hi)
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	return buf.Bytes(), nil
}

// parquetRowGroupRows is the row group size of the Parquet file the
// ingest workload uploads.
const parquetRowGroupRows = 128 << 10

// writeParquet writes all rows to w as a Parquet file with the rows'
// schema, Snappy-compressed (pyarrow's default), in row groups of up to
// rowGroup rows. It does not close w.
func (d *rowData) writeParquet(w io.Writer, rowGroup int) error {
	// The Parquet writer closes a sink that is an io.Closer; hide it.
	w = struct{ io.Writer }{w}
	mem := memory.NewGoAllocator()
	schema := d.schema()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(int64(rowGroup)), parquet.WithAllocator(mem))
	fw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	for lo := 0; lo < d.n; lo += rowGroup {
		rec := d.record(mem, schema, lo, min(lo+rowGroup, d.n))
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return fmt.Errorf("parquet: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}
