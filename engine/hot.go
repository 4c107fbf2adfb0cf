package engine

import (
	"encoding/binary"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"

	"github.com/murr-sidecar/murr-sidecar/tiering"
)

// The hot tier (package tiering) caches the records that point reads
// fetch: key metadata (which holds a string's value), hash fields and
// table rows. It is kept coherent here, on two paths:
//
//   - Reads fill it. Keyspace reads run under db.mu's read lock, which no
//     keyspace writer holds, so what they read from Pebble is current
//     while they fill. Table reads take no lock; each table has a
//     sequence number, odd while a write is being applied, and a read
//     only trusts what it gathered if the number was even and unchanged
//     from start to end. It then offers the rows it read from Pebble to
//     the tier under the table's fill gate, checking the number once
//     more (fillMissed): a writer makes it odd holding the gate, so no
//     such fill can land after a write's own.
//   - Writes update it with their batch (writeThrough), a record
//     resident in the tier replaced, a deleted one removed. Keyspace
//     writes do it just before the batch commits, under the exclusive
//     keyspace lock, since a large batch hands its data to Pebble when
//     it commits. Table writes make the table's number odd, commit, and
//     then fill the tier from the batch's records, which they keep
//     (fillHot); a large write returns first and fills on another
//     goroutine, still holding the table's writer lock. Until the fill
//     ends the number stays odd and the table's readers use Pebble
//     alone. A failed commit empties the tier.
//     Range deletions need nothing: they drop a hash's fields or a
//     table's rows, whose ids are never reused, so those records can no
//     longer be asked for and age out; FLUSHALL resets the tier.
//
// Cached keys are shorter than Pebble's: the hashes in metadata and
// field keys are dropped and ids written as uvarints, which keeps every
// key distinct since the hash is a function of what follows it and a
// uvarint is self-delimiting.

// appendHotKey appends the hot-tier key of Pebble record key k to dst,
// or reports false if records like k are not cached.
func appendHotKey(dst, k []byte) ([]byte, bool) {
	if len(k) == 0 {
		return dst, false
	}
	switch k[0] {
	case prefixMeta:
		if len(k) < 9 {
			return dst, false
		}
		return append(append(dst, prefixMeta), k[9:]...), true
	case prefixField:
		if len(k) < 17 {
			return dst, false
		}
		dst = binary.AppendUvarint(append(dst, prefixField), binary.BigEndian.Uint64(k[1:]))
		return append(dst, k[17:]...), true
	case prefixRow:
		if len(k) < rowPrefixLen {
			return dst, false
		}
		return appendHotRowKey(dst, binary.BigEndian.Uint64(k[1:]), k[rowPrefixLen:]), true
	}
	return dst, false
}

// appendHotRowKey appends the hot-tier key of row key of table id.
func appendHotRowKey(dst []byte, id uint64, key []byte) []byte {
	dst = binary.AppendUvarint(append(dst, prefixRow), id)
	return append(dst, key...)
}

// writeThrough brings the hot tier in line with a committed batch.
func (db *DB) writeThrough(repr []byte) {
	w := hotWrites.Get().(*hotWrite)
	defer w.release()
	w.r = batchrepr.Read(repr)
	for w.next(db.hot) {
	}
}

// hotGroup is how many records a hotWrite hands the tier at a time.
const hotGroup = 1024

// A hotWrite applies a batch's records to the hot tier, a group at a
// time: a record set replaces or adds the cached one, any other kind but
// a range deletion (see above) removes it. Pooled.
type hotWrite struct {
	r    batchrepr.Reader
	hk   []byte   // the hot key of the record at hand
	keys []byte   // the pending updates' hot keys, back to back
	ends []int    // where each pending key ends in keys
	ks   [][]byte // the pending keys, as UpdateMany takes them
	vals [][]byte // the pending values, in the batch
}

var hotWrites = sync.Pool{New: func() any { return new(hotWrite) }}

func (w *hotWrite) release() {
	w.r = nil
	clear(w.vals) // no batch kept alive by the pool
	hotWrites.Put(w)
}

// next applies up to hotGroup more records of the batch to tier and
// reports whether any are left.
func (w *hotWrite) next(tier *tiering.Tier) bool {
	defer w.flush(tier)
	for range hotGroup {
		kind, k, v, ok, err := w.r.Next()
		if !ok || err != nil {
			return false
		}
		var cached bool
		if w.hk, cached = appendHotKey(w.hk[:0], k); !cached {
			continue
		}
		switch kind {
		case pebble.InternalKeyKindSet:
			w.keys = append(w.keys, w.hk...)
			w.ends = append(w.ends, len(w.keys))
			w.vals = append(w.vals, v)
		case pebble.InternalKeyKindRangeDelete:
			// See above: nothing can ask for those records again.
		default:
			w.flush(tier) // the batch's order holds for a key set, then deleted
			tier.Invalidate(w.hk)
		}
	}
	return true
}

// flush hands the pending updates to tier.
func (w *hotWrite) flush(tier *tiering.Tier) {
	if len(w.vals) == 0 {
		return
	}
	w.ks = w.ks[:0]
	start := 0
	for _, end := range w.ends {
		w.ks = append(w.ks, w.keys[start:end:end])
		start = end
	}
	tier.UpdateMany(w.ks, w.vals)
	clear(w.vals)
	w.keys, w.ends, w.ks, w.vals = w.keys[:0], w.ends[:0], w.ks[:0], w.vals[:0]
}

// A hotFill is a committed table write that the hot tier has yet to
// take in. Until it has, t.hotSeq stays odd (t's readers use Pebble
// alone), and the write keeps the table's writer lock (the next writer
// waits) and its batch, whose records repr holds.
type hotFill struct {
	t       *Table
	repr    []byte // the batch as it was committed
	newRows int    // rows the write added, for which the tier makes room
}

// fillHot brings the hot tier in line with f's write and ends it: t's
// readers may use the tier again when it returns. It stops early if the
// table is dropped or flushed meanwhile, since then nothing can ask for
// its rows any more. The shared keyspace lock, taken a group at a time,
// orders it against FLUSHALL, which empties the tier and the catalog
// under the exclusive one.
func (db *DB) fillHot(f *hotFill) {
	defer f.t.hotSeq.Add(1)
	db.hot.Reserve(f.newRows)
	w := hotWrites.Get().(*hotWrite)
	defer w.release()
	w.r = batchrepr.Read(f.repr)
	for more := true; more; {
		db.mu.RLock()
		more = db.current(f.t) && w.next(db.hot)
		db.mu.RUnlock()
		if fillGroupHook != nil {
			fillGroupHook()
		}
	}
}

// fillGroupHook, if set (by tests only), runs between fillHot's groups.
var fillGroupHook func()

// dropHot empties the hot tier, after FLUSHALL or when a commit failed
// (its batch may have been applied to the tier).
func (db *DB) dropHot() {
	if db.hot != nil {
		db.hot.Reset()
	}
}
