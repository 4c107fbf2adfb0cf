package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The read workload's checks of what each server returns, run on a
// sample of reads before any read is timed.

// verifyMGET checks that MGET of rows returns their blobs.
func verifyMGET(c *client, d *rowData, rows []int32) error {
	args := []string{"MGET"}
	for _, i := range rows {
		args = append(args, rowKey(int(i)))
	}
	v, err := c.do(30*time.Second, args...)
	if err != nil {
		return fmt.Errorf("MGET: %w", err)
	}
	vals, ok := v.([]any)
	if !ok || len(vals) != len(rows) {
		return fmt.Errorf("MGET of %d keys = %s", len(rows), brief(v))
	}
	var want []byte
	for j, i := range rows {
		want = d.appendBlob(want[:0], int(i))
		if s, _ := vals[j].(string); s != string(want) {
			return fmt.Errorf("MGET: key %q = %s, want its %d-byte blob", rowKey(int(i)), brief(vals[j]), len(want))
		}
	}
	return nil
}

// verifyHGETALL checks that HGETALL of each of rows returns exactly its
// fields and 4-byte values.
func verifyHGETALL(c *client, d *rowData, rows []int32) error {
	cmds := make([][]string, len(rows))
	for j, i := range rows {
		cmds[j] = []string{"HGETALL", rowKey(int(i))}
	}
	replies, err := c.pipeline(30*time.Second, cmds)
	if err != nil {
		return err
	}
	for j, i := range rows {
		pairs, ok := replies[j].([]any)
		if !ok || len(pairs) != 2*d.cols {
			return fmt.Errorf("HGETALL %s = %s, want %d fields", rowKey(int(i)), brief(replies[j]), d.cols)
		}
		got := map[any]any{}
		for k := 0; k < len(pairs); k += 2 {
			got[pairs[k]] = pairs[k+1]
		}
		for col := range d.cols {
			if want := string(appendValue(nil, d.value(int(i), col))); got[colName(col)] != want {
				return fmt.Errorf("HGETALL %s: %s = %s, want %q", rowKey(int(i)), colName(col), brief(got[colName(col)]), want)
			}
		}
	}
	return nil
}

// verifyArrowRead checks MURR.READ of rows (all columns, Arrow) against d.
func verifyArrowRead(c *client, table string, d *rowData, rows []int32) error {
	args := []string{"MURR.READ", table, "KEYS"}
	for _, i := range rows {
		args = append(args, rowKey(int(i)))
	}
	v, err := c.do(30*time.Second, args...)
	if err != nil {
		return fmt.Errorf("MURR.READ: %w", err)
	}
	body, ok := v.(string)
	if !ok {
		return fmt.Errorf("MURR.READ = %s, want a bulk string", brief(v))
	}
	if err := checkArrowReply([]byte(body), d, rows); err != nil {
		return fmt.Errorf("MURR.READ of %d keys: %w", len(rows), err)
	}
	return nil
}

// checkArrowReply decodes an Arrow IPC stream as MURR.READ returns it and
// checks it holds rows of d in order: one record batch, columns col_0..
// as float32 with every value set and equal, and the key column, if
// present, holding each row's key.
func checkArrowReply(body []byte, d *rowData, rows []int32) error {
	rd, err := ipc.NewReader(bytes.NewReader(body), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return fmt.Errorf("arrow ipc: %w", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	cols := make([]int, d.cols)
	for c := range d.cols {
		idx := schema.FieldIndices(colName(c))
		if len(idx) != 1 {
			return fmt.Errorf("schema has %d columns named %s: %s", len(idx), colName(c), schema)
		}
		if t := schema.Field(idx[0]).Type; t.ID() != arrow.FLOAT32 {
			return fmt.Errorf("column %s is %s, want float32", colName(c), t)
		}
		cols[c] = idx[0]
	}
	keyCol := -1
	if idx := schema.FieldIndices(keyColumn); len(idx) == 1 {
		keyCol = idx[0]
	}
	if !rd.Next() {
		if err := rd.Err(); err != nil {
			return fmt.Errorf("arrow ipc: %w", err)
		}
		return errors.New("no record batch")
	}
	rec := rd.RecordBatch()
	if rec.NumRows() != int64(len(rows)) {
		return fmt.Errorf("%d rows, want %d", rec.NumRows(), len(rows))
	}
	if keyCol >= 0 {
		keys, ok := rec.Column(keyCol).(*array.String)
		if !ok {
			return fmt.Errorf("key column is %s, want utf8", rec.Column(keyCol).DataType())
		}
		for j, i := range rows {
			if keys.IsNull(j) || keys.Value(j) != rowKey(int(i)) {
				return fmt.Errorf("row %d has key %q, want %q", j, keys.ValueStr(j), rowKey(int(i)))
			}
		}
	}
	for c, ci := range cols {
		vals, ok := rec.Column(ci).(*array.Float32)
		if !ok {
			return fmt.Errorf("column %s is %T", colName(c), rec.Column(ci))
		}
		for j, i := range rows {
			want := d.value(int(i), c)
			if vals.IsNull(j) {
				return fmt.Errorf("key %q: %s is null, want %v", rowKey(int(i)), colName(c), want)
			}
			if got := vals.Value(j); math.Float32bits(got) != math.Float32bits(want) {
				return fmt.Errorf("key %q: %s = %v, want %v", rowKey(int(i)), colName(c), got, want)
			}
		}
	}
	if rd.Next() {
		return errors.New("more than one record batch")
	}
	if err := rd.Err(); err != nil {
		return fmt.Errorf("arrow ipc: %w", err)
	}
	return nil
}
