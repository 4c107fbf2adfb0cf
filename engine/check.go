package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Check verifies the keyspace's invariants: the key and expiry counters
// match the records, every expiry has its index entry, every hash's size
// matches its fields, and no field belongs to a hash that does not exist.
// It reads everything, so it is for tests and offline diagnosis.
func (db *DB) Check() error {
	return db.View(func(tx *Txn) error {
		var errs []error
		bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("engine: check: "+format, args...)) }

		hashLens := make(map[uint64]int64)
		var keys, expires int64
		it, err := tx.iter([]byte{prefixMeta}, []byte{prefixField})
		if err != nil {
			return err
		}
		for valid := it.First(); valid; valid = it.Next() {
			key, h := userKeyOf(it.Key())
			if keyHash(key) != h {
				bad("key %q filed under hash %x", key, h)
			}
			m, err := decodeMeta(it.Value())
			if err != nil {
				bad("key %q: %v", key, err)
				continue
			}
			keys++
			if m.expireAt != 0 {
				expires++
				if _, ok, _ := tx.get(expiryKey(nil, m.expireAt, key)); !ok {
					bad("key %q expires at %d without an index entry", key, m.expireAt)
				}
			}
			if m.typ == TypeHash {
				if m.hashLen <= 0 {
					bad("hash %q has %d fields", key, m.hashLen)
				}
				hashLens[m.hashID] = m.hashLen
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
		if keys != tx.st.keys || expires != tx.st.expires {
			bad("counters say %d keys/%d expires, records %d/%d", tx.st.keys, tx.st.expires, keys, expires)
		}

		fields := make(map[uint64]int64)
		it, err = tx.iter([]byte{prefixField}, []byte{prefixExpiry})
		if err != nil {
			return err
		}
		for valid := it.First(); valid; valid = it.Next() {
			id := binary.BigEndian.Uint64(it.Key()[1:9])
			if id >= tx.st.nextID {
				bad("field of hash id %d at or past next id %d", id, tx.st.nextID)
			}
			fields[id]++
		}
		if err := it.Close(); err != nil {
			return err
		}
		for id, n := range fields {
			if hashLens[id] != n {
				bad("hash id %d has %d fields, metadata says %d", id, n, hashLens[id])
			}
		}
		for id, n := range hashLens {
			if fields[id] != n {
				bad("hash id %d: metadata says %d fields, found %d", id, n, fields[id])
			}
		}
		return errors.Join(errs...)
	})
}
