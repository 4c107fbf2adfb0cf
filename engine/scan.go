package engine

import (
	"bytes"
	"math/rand/v2"

	"github.com/cockroachdb/pebble/v2"
	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

// scanHashOrdered walks records ordered by a 64-bit hash from start,
// emitting at least count items, and always finishes the group of records
// sharing the last hash so the returned cursor (the next record's hash,
// never 0 since it exceeds an emitted one) skips nothing. It returns 0
// when the walk reached the end.
func scanHashOrdered(it *pebble.Iterator, start []byte, count int,
	decode func(k []byte) ([]byte, uint64), emit func(item []byte)) (uint64, error) {
	if count < 1 {
		count = 1
	}
	n := 0
	var lastH uint64
	for valid := it.SeekGE(start); valid; valid = it.Next() {
		item, h := decode(it.Key())
		if n >= count && h != lastH {
			return h, nil
		}
		emit(item)
		n++
		lastH = h
	}
	return 0, it.Error()
}

// Scan returns about count keys from cursor on, filtered by the glob match
// (nil: all) and by type (TypeNone: all), and the cursor to continue from
// (0 when done). Every key present for the whole iteration is returned at
// least once; expired keys are skipped.
func (tx *Txn) Scan(cursor uint64, count int, match []byte, typ Type) (uint64, [][]byte, error) {
	it, err := tx.iter([]byte{prefixMeta}, []byte{prefixField})
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	var out [][]byte
	next, err := scanHashOrdered(it, metaKeyAt(cursor), count, userKeyOf, func(key []byte) {
		if tx.liveMatch(key, it.Value(), match, typ) {
			out = append(out, bytes.Clone(key))
		}
	})
	return next, out, err
}

// liveMatch reports whether a metadata record is live and passes the filters.
func (tx *Txn) liveMatch(key, rawMeta, match []byte, typ Type) bool {
	m, err := decodeMeta(rawMeta)
	if err != nil || m.expiredAt(tx.now) {
		return false
	}
	if typ != TypeNone && m.typ != typ {
		return false
	}
	return matchAll(match) || glob.Match(match, key)
}

// matchAll reports whether a pattern selects everything. Redis skips the
// matcher for a lone "*", which matters for the empty key: glob "*" does
// not match "" but KEYS * and SCAN MATCH * return it.
func matchAll(pattern []byte) bool {
	return pattern == nil || len(pattern) == 1 && pattern[0] == '*'
}

// Keys calls fn with every live key matching the glob pattern until fn
// returns false. key is only valid during the call.
func (tx *Txn) Keys(pattern []byte, fn func(key []byte) bool) error {
	if matchAll(pattern) {
		pattern = nil
	} else if lit := glob.LiteralPrefix(pattern); len(lit) == len(pattern) && !bytes.ContainsAny(pattern, `\`) {
		// No metacharacters: one point lookup instead of a full walk.
		if _, ok, err := tx.lookupLive(pattern); err != nil || !ok {
			return err
		}
		fn(pattern)
		return nil
	}
	it, err := tx.iter([]byte{prefixMeta}, []byte{prefixField})
	if err != nil {
		return err
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		key, _ := userKeyOf(it.Key())
		if tx.liveMatch(key, it.Value(), pattern, TypeNone) && !fn(key) {
			break
		}
	}
	return it.Error()
}

// lookupLive is lookup without lazy deletion, for read paths that may run
// in either kind of Txn.
func (tx *Txn) lookupLive(key []byte) (meta, bool, error) {
	m, ok, err := tx.lookupRaw(key)
	if err != nil || !ok || m.expiredAt(tx.now) {
		return meta{}, false, err
	}
	return m, true, nil
}

// RandomKey returns a random live key, or false if there is none.
func (tx *Txn) RandomKey() ([]byte, bool, error) {
	it, err := tx.iter([]byte{prefixMeta}, []byte{prefixField})
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	// Start at a random hash position and walk forward, wrapping once;
	// a bounded walk keeps a keyspace full of expired keys from stalling.
	valid := it.SeekGE(metaKeyAt(rand.Uint64()))
	wrapped := false
	for steps := 0; steps < 1000; steps++ {
		if !valid {
			if wrapped {
				break
			}
			wrapped = true
			valid = it.First()
			continue
		}
		key, _ := userKeyOf(it.Key())
		if tx.liveMatch(key, it.Value(), nil, TypeNone) {
			return bytes.Clone(key), true, it.Error()
		}
		valid = it.Next()
	}
	return nil, false, it.Error()
}
