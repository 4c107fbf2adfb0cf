package engine

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// The hot tier (package tiering) caches the records that point reads
// fetch: key metadata (which holds a string's value), hash fields and
// table rows. It is kept coherent here, on two paths:
//
//   - Reads fill it. Keyspace reads run under db.mu's read lock, which no
//     keyspace writer holds, so what they read from Pebble is current
//     while they fill. Table reads take no lock; each table has a
//     sequence number, odd while a write is being applied, and a read
//     only trusts (and keeps) what it gathered if the number was even
//     and unchanged from start to end.
//   - Writes update it with their batch (writeThrough), just before the
//     batch commits, since a large batch hands its data to Pebble when
//     it commits; no reader trusts the tier meanwhile (the keyspace lock
//     or the odd table sequence number), and a failed commit empties
//     the tier. A record resident in the tier is replaced, a deleted one
//     removed.
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
	r := batchrepr.Read(repr)
	var hk []byte
	for {
		kind, k, v, ok, err := r.Next()
		if !ok || err != nil {
			return
		}
		var cached bool
		if hk, cached = appendHotKey(hk[:0], k); !cached {
			continue
		}
		switch kind {
		case pebble.InternalKeyKindSet:
			db.hot.Update(hk, v)
		case pebble.InternalKeyKindRangeDelete:
			// See above: nothing can ask for those records again.
		default:
			db.hot.Invalidate(hk)
		}
	}
}

// dropHot empties the hot tier, after FLUSHALL or when a commit failed
// after its batch had been applied to the tier.
func (db *DB) dropHot() {
	if db.hot != nil {
		db.hot.Reset()
	}
}
