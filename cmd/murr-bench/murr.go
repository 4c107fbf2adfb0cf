package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Helpers for the sidecar's table commands and for checking that a load
// really stored what was sent, on either server.

// tableInfo is what MURR.DESCRIBE says about a table's size.
type tableInfo struct {
	Rows  int64
	Bytes int64 // keys plus encoded rows, before compression
}

// parseDescribe reads a MURR.DESCRIBE reply: name/value pairs (a flat
// array in RESP2, a map in RESP3) holding at least integer "rows" and
// "bytes".
func parseDescribe(v any) (tableInfo, error) {
	pairs, ok := v.([]any)
	if !ok || len(pairs)%2 != 0 {
		return tableInfo{}, fmt.Errorf("MURR.DESCRIBE: want name/value pairs, got %#v", v)
	}
	var info tableInfo
	var seen int
	for i := 0; i < len(pairs); i += 2 {
		name, _ := pairs[i].(string)
		var dst *int64
		switch strings.ToLower(name) {
		case "rows":
			dst = &info.Rows
		case "bytes":
			dst = &info.Bytes
		default:
			continue
		}
		n, ok := pairs[i+1].(int64)
		if !ok {
			return tableInfo{}, fmt.Errorf("MURR.DESCRIBE: %s = %#v, want an integer", name, pairs[i+1])
		}
		*dst = n
		seen++
	}
	if seen != 2 {
		return tableInfo{}, fmt.Errorf("MURR.DESCRIBE: no rows and bytes in %#v", v)
	}
	return info, nil
}

// describe runs MURR.DESCRIBE table.
func describe(c *client, table string) (tableInfo, error) {
	v, err := c.do(30*time.Second, "MURR.DESCRIBE", table)
	if err != nil {
		return tableInfo{}, fmt.Errorf("MURR.DESCRIBE %s: %w", table, err)
	}
	return parseDescribe(v)
}

// checkReadRESP checks a MURR.READ ... FORMAT RESP reply for rows
// against d: one entry per row, column/value pairs holding exactly the
// values d sets (float text that parses to the same float32), nil for the
// others, and the key if the reply includes the key column.
func checkReadRESP(v any, rows []int, d *rowData) error {
	entries, ok := v.([]any)
	if !ok || len(entries) != len(rows) {
		return fmt.Errorf("MURR.READ: want %d rows, got %s", len(rows), brief(v))
	}
	for j, i := range rows {
		pairs, ok := entries[j].([]any)
		if !ok {
			return fmt.Errorf("MURR.READ: row %q is %s, want column/value pairs (the row is missing?)", rowKey(i), brief(entries[j]))
		}
		if len(pairs)%2 != 0 {
			return fmt.Errorf("MURR.READ: row %q has an odd number of elements", rowKey(i))
		}
		got := make(map[string]any, len(pairs)/2)
		for k := 0; k < len(pairs); k += 2 {
			name, _ := pairs[k].(string)
			got[name] = pairs[k+1]
		}
		if k, ok := got[keyColumn]; ok && k != rowKey(i) {
			return fmt.Errorf("MURR.READ: row %q has key %s", rowKey(i), brief(k))
		}
		for c := range d.cols {
			val, ok := got[colName(c)]
			if !ok {
				return fmt.Errorf("MURR.READ: row %q lacks column %s", rowKey(i), colName(c))
			}
			if !d.isSet(i, c) {
				if val != nil {
					return fmt.Errorf("MURR.READ: row %q %s = %s, want null", rowKey(i), colName(c), brief(val))
				}
				continue
			}
			s, _ := val.(string)
			f, err := strconv.ParseFloat(s, 32)
			if err != nil || math.Float32bits(float32(f)) != math.Float32bits(d.value(i, c)) {
				return fmt.Errorf("MURR.READ: row %q %s = %s, want %v", rowKey(i), colName(c), brief(val), d.value(i, c))
			}
		}
	}
	return nil
}

// brief renders a reply value for an error message, cut short.
func brief(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// sampleRows returns up to k distinct row numbers drawn from the ranges
// [lo, hi) given, always including the first and last row of the first
// and last range.
func sampleRows(rng *rand.Rand, ranges [][2]int, k int) []int {
	total := 0
	for _, r := range ranges {
		total += r[1] - r[0]
	}
	if total == 0 {
		return nil
	}
	seen := map[int]bool{}
	var out []int
	add := func(i int) {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	add(ranges[0][0])
	add(ranges[len(ranges)-1][1] - 1)
	for tries := 0; len(out) < min(k, total) && tries < 10*k; tries++ {
		n := rng.IntN(total)
		for _, r := range ranges {
			if n < r[1]-r[0] {
				add(r[0] + n)
				break
			}
			n -= r[1] - r[0]
		}
	}
	return out
}

// checkStrings checks that GET of each row's key returns its blob.
func checkStrings(c *client, d *rowData, rows []int) error {
	cmds := make([][]string, len(rows))
	for j, i := range rows {
		cmds[j] = []string{"GET", rowKey(i)}
	}
	replies, err := c.pipeline(30*time.Second, cmds)
	if err != nil {
		return err
	}
	for j, i := range rows {
		if want := string(d.appendBlob(nil, i)); replies[j] != want {
			return fmt.Errorf("GET %s = %s, want the row's %d-byte blob", rowKey(i), brief(replies[j]), len(want))
		}
	}
	return nil
}

// checkHashes checks that HMGET of each row's key returns the 4-byte
// values it sets, and nil for the fields it does not.
func checkHashes(c *client, d *rowData, rows []int) error {
	cmds := make([][]string, len(rows))
	for j, i := range rows {
		cmds[j] = []string{"HMGET", rowKey(i)}
		for col := range d.cols {
			cmds[j] = append(cmds[j], colName(col))
		}
	}
	replies, err := c.pipeline(30*time.Second, cmds)
	if err != nil {
		return err
	}
	for j, i := range rows {
		vals, ok := replies[j].([]any)
		if !ok || len(vals) != d.cols {
			return fmt.Errorf("HMGET %s = %s, want %d values", rowKey(i), brief(replies[j]), d.cols)
		}
		for col, v := range vals {
			var want any
			if d.isSet(i, col) {
				want = string(appendValue(nil, d.value(i, col)))
			}
			if v != want {
				return fmt.Errorf("HMGET %s: %s = %s, want %s", rowKey(i), colName(col), brief(v), brief(want))
			}
		}
	}
	return nil
}

// checkTable checks MURR.READ of the rows against d.
func checkTable(c *client, table string, d *rowData, rows []int) error {
	args := []string{"MURR.READ", table, "FORMAT", "RESP", "KEYS"}
	for _, i := range rows {
		args = append(args, rowKey(i))
	}
	v, err := c.do(30*time.Second, args...)
	if err != nil {
		return fmt.Errorf("MURR.READ: %w", err)
	}
	return checkReadRESP(v, rows, d)
}

// flushAll empties the keyspace (and, in the sidecar, every table).
func flushAll(c *client) error {
	if _, err := c.do(5*time.Minute, "FLUSHALL"); err != nil {
		return fmt.Errorf("FLUSHALL: %w", err)
	}
	return nil
}

// usedMemory returns used_memory from INFO memory.
func usedMemory(c *client) (int64, error) {
	v, err := c.do(10*time.Second, "INFO", "memory")
	if err != nil {
		return 0, fmt.Errorf("INFO memory: %w", err)
	}
	s, _ := v.(string)
	f := infoField(s, "used_memory")
	n, err := strconv.ParseInt(f, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("INFO memory: used_memory %q: %w", f, err)
	}
	return n, nil
}
