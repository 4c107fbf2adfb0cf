package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// rowRead is the scratch of one ReadRows call, pooled so a read of
// warm rows allocates nothing.
type rowRead struct {
	buf   []byte  // the records, back to back
	spans []int32 // per requested key: start and end of its row in buf; end < 0: missing
	miss  []int32 // indexes of keys the hot tier did not have
	hk    []byte  // hot-tier keys, back to back
	hkeys [][]byte
}

var rowReads = sync.Pool{New: func() any { return new(rowRead) }}

// maxPooledRead bounds the buffer a pooled rowRead keeps, so one huge
// read does not pin its memory for good.
const maxPooledRead = 16 << 20

func (r *rowRead) release() {
	if cap(r.buf) <= maxPooledRead {
		rowReads.Put(r)
	}
}

func (r *rowRead) reset(n int) {
	r.buf, r.miss = r.buf[:0], r.miss[:0]
	r.spans = slices.Grow(r.spans[:0], 2*n)[:2*n]
}

// setRow records key i's record rec, the last bytes of buf, as its row,
// or as missing if it is past the TTL.
func (r *rowRead) setRow(t *Table, i int, rec []byte, now int64) {
	row := t.liveRow(rec, now)
	if row == nil {
		r.buf = r.buf[:len(r.buf)-len(rec)]
		r.spans[2*i+1] = -1
		return
	}
	r.spans[2*i] = int32(len(r.buf) - len(row))
	r.spans[2*i+1] = int32(len(r.buf))
}

// ReadRows reads the rows of keys from t and calls fn for each, in keys'
// order (duplicates included), with row nil if the key has no row or its
// row is past the TTL. row is only valid during the call. All rows come
// from one consistent view of the table: a concurrent write is seen whole
// or not at all.
//
// Rows come from the hot tier where it has them; the rest are read from
// Pebble in key order with one iterator, and offered to the hot tier.
func (db *DB) ReadRows(t *Table, keys [][]byte, fn func(i int, row columnar.Row) error) error {
	done, err := db.begin(t)
	if err != nil {
		return err
	}
	defer done()
	r := rowReads.Get().(*rowRead)
	defer r.release()
	now := nowMs()
	r.reset(len(keys))
	ok := false
	if db.hot != nil {
		if ok, err = db.readRowsHot(t, keys, r, now); err != nil {
			return err
		}
	}
	if !ok {
		r.reset(len(keys))
		r.miss = slices.Grow(r.miss[:0], len(keys))[:len(keys)]
		for i := range r.miss {
			r.miss[i] = int32(i)
		}
		if err := db.readRowsCold(t, keys, r, now); err != nil {
			return err
		}
	}
	for i := range keys {
		var row columnar.Row
		if end := r.spans[2*i+1]; end >= 0 {
			row = r.buf[r.spans[2*i]:end:end]
		}
		if err := fn(i, row); err != nil {
			return err
		}
	}
	return nil
}

// readRowsHot gathers the rows of keys into r from the hot tier, and the
// ones it lacks from Pebble. It reports false if a write to t overlapped
// it, in which case r holds a mix of versions and the caller must read
// again from Pebble alone.
func (db *DB) readRowsHot(t *Table, keys [][]byte, r *rowRead, now int64) (bool, error) {
	seq := t.hotSeq.Load()
	if seq&1 != 0 {
		return false, nil
	}
	if len(keys) < parallelProbeKeys || runtime.GOMAXPROCS(0) < 2 {
		db.probeHot(t, keys, 0, r, now)
	} else {
		db.probeHotParallel(t, keys, r, now)
	}
	if len(r.miss) > 0 {
		if err := db.readRowsCold(t, keys, r, now); err != nil {
			return false, err
		}
	}
	if t.hotSeq.Load() != seq {
		return false, nil
	}
	if len(r.miss) > 0 {
		if coldReadHook != nil {
			coldReadHook()
		}
		db.fillMissed(t, keys, r, seq)
	}
	return true, nil
}

// coldReadHook, if set (by tests only), runs after a read has checked
// its rows from Pebble and before it offers them to the hot tier.
var coldReadHook func()

// fillMissed offers the live rows readRowsCold found to the hot tier,
// unless a write to t has begun since the read did. A writer makes
// t.hotSeq odd holding t.fillGate, so a fill that finds it unchanged
// under the gate ends before that write commits, and the write's own
// fill then replaces what it put in: a read never leaves a row in the
// tier that is older than a write that has returned.
func (db *DB) fillMissed(t *Table, keys [][]byte, r *rowRead, seq uint64) {
	t.fillGate.RLock()
	defer t.fillGate.RUnlock()
	if t.hotSeq.Load() != seq {
		return
	}
	for j, i := range r.miss {
		end := r.spans[2*i+1]
		if end < 0 || (j > 0 && bytes.Equal(keys[r.miss[j-1]], keys[i])) {
			continue
		}
		start := end - int32(t.recordLen(int(end-r.spans[2*i])))
		r.hk = appendHotRowKey(r.hk[:0], t.id, keys[i])
		db.hot.Fill(r.hk, r.buf[start:end])
	}
}

// parallelProbeKeys is the read size from which the hot tier is probed
// by two goroutines: each probe waits on two cache misses (index, then
// record), and a second core overlaps them.
const parallelProbeKeys = 256

// probeHot looks keys up in the hot tier, all at once: hits become rows
// in r, misses go to r.miss. Key j of keys is request index base+j.
func (db *DB) probeHot(t *Table, keys [][]byte, base int, r *rowRead, now int64) {
	r.hk, r.hkeys = r.hk[:0], r.hkeys[:0]
	for _, k := range keys {
		r.hk = appendHotRowKey(r.hk, t.id, k)
	}
	var prefix [1 + binary.MaxVarintLen64]byte
	pl, off := len(appendHotRowKey(prefix[:0], t.id, nil)), 0
	for _, k := range keys {
		n := pl + len(k)
		r.hkeys = append(r.hkeys, r.hk[off:off+n:off+n])
		off += n
	}
	spans := r.spans[2*base : 2*(base+len(keys))]
	r.buf = db.hot.GetMany(r.buf, r.hkeys, spans)
	for j := range keys {
		end := spans[2*j+1]
		if end < 0 {
			r.miss = append(r.miss, int32(base+j))
			continue
		}
		if row := t.liveRow(r.buf[spans[2*j]:end], now); row == nil {
			spans[2*j+1] = -1
		} else {
			spans[2*j] = end - int32(len(row))
		}
	}
}

// probeHotParallel is probeHot of the second half of keys on another
// goroutine, into its own scratch, appended to r when both are done.
func (db *DB) probeHotParallel(t *Table, keys [][]byte, r *rowRead, now int64) {
	half := len(keys) / 2
	r2 := rowReads.Get().(*rowRead)
	defer r2.release()
	r2.reset(len(keys))
	done := make(chan struct{})
	go func() {
		db.probeHot(t, keys[half:], half, r2, now)
		close(done)
	}()
	db.probeHot(t, keys[:half], 0, r, now)
	<-done
	off := int32(len(r.buf))
	r.buf = append(r.buf, r2.buf...)
	for i := half; i < len(keys); i++ {
		if end := r2.spans[2*i+1]; end >= 0 {
			r.spans[2*i], r.spans[2*i+1] = r2.spans[2*i]+off, end+off
		} else {
			r.spans[2*i+1] = -1
		}
	}
	r.miss = append(r.miss, r2.miss...)
}

// readRowsCold reads the rows of the keys indexed by r.miss from Pebble,
// in key order with one iterator.
func (db *DB) readRowsCold(t *Table, keys [][]byte, r *rowRead, now int64) error {
	slices.SortStableFunc(r.miss, func(a, b int32) int { return bytes.Compare(keys[a], keys[b]) })
	it, err := t.newIter(db)
	if err != nil {
		return err
	}
	defer it.Close()
	var rk []byte
	for j, i := range r.miss {
		if j > 0 && bytes.Equal(keys[r.miss[j-1]], keys[i]) {
			p := r.miss[j-1]
			r.spans[2*i], r.spans[2*i+1] = r.spans[2*p], r.spans[2*p+1]
			continue
		}
		rk = t.rowKey(rk[:0], keys[i])
		v, ok, err := seek(it, rk)
		if err != nil {
			return fmt.Errorf("engine: read %s: %w", t.name, err)
		}
		if !ok {
			r.spans[2*i+1] = -1
			continue
		}
		r.buf = append(r.buf, v...)
		r.setRow(t, int(i), r.buf[len(r.buf)-len(v):], now)
	}
	return nil
}
