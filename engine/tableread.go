package engine

import (
	"bytes"
	"fmt"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// ReadRows reads the rows of keys from t and calls fn for each, in keys'
// order (duplicates included), with row nil if the key has no row or its
// row is past the TTL. row is only valid during the call. All rows come
// from one consistent view of the table: a concurrent write is seen whole
// or not at all.
func (db *DB) ReadRows(t *Table, keys [][]byte, fn func(i int, row columnar.Row) error) error {
	done, err := db.begin(t)
	if err != nil {
		return err
	}
	defer done()
	it, err := t.newIter(db)
	if err != nil {
		return err
	}
	defer it.Close()
	now := nowMs()

	// Rows are gathered in key order, then handed out in request order.
	order := keyOrder(len(keys), func(i int) []byte { return keys[i] })
	spans := make([]int32, 2*len(keys)) // start, end in buf; end < 0: missing
	var buf, rk []byte
	for j, i := range order {
		if j > 0 && bytes.Equal(keys[order[j-1]], keys[i]) {
			p := order[j-1]
			spans[2*i], spans[2*i+1] = spans[2*p], spans[2*p+1]
			continue
		}
		rk = t.rowKey(rk[:0], keys[i])
		v, ok, err := seek(it, rk)
		if err != nil {
			return fmt.Errorf("engine: read %s: %w", t.name, err)
		}
		row := t.liveRow(v, now)
		if !ok || row == nil {
			spans[2*i+1] = -1
			continue
		}
		spans[2*i] = int32(len(buf))
		buf = append(buf, row...)
		spans[2*i+1] = int32(len(buf))
	}
	for i := range keys {
		var row columnar.Row
		if end := spans[2*i+1]; end >= 0 {
			row = buf[spans[2*i]:end:end]
		}
		if err := fn(i, row); err != nil {
			return err
		}
	}
	return nil
}
