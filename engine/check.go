package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Check verifies the keyspace's invariants: the key and expiry counters
// match the records, every expiry has its index entry, every hash's size
// matches its fields, no field belongs to a hash that does not exist, and
// the tables' rows decode and match their stats (checkTables). It reads
// everything, so it is for tests and offline diagnosis.
func (db *DB) Check() error {
	return errors.Join(db.checkKeyspace(), db.checkTables())
}

func (db *DB) checkKeyspace() error {
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

// checkTables verifies that every row belongs to a table in the catalog,
// decodes (Layout.Check), and that each table's stats match its rows.
func (db *DB) checkTables() error {
	db.life.RLock()
	defer db.life.RUnlock()
	if db.closed.Load() {
		return ErrClosed
	}
	byID := make(map[uint64]*Table)
	for _, t := range db.Tables() {
		byID[t.id] = t
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("engine: check: "+format, args...)) }
	type tally struct{ rows, bytes int64 }
	seen := make(map[uint64]*tally)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixRow}, UpperBound: []byte{prefixTablesEnd}})
	if err != nil {
		return err
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()
		if len(k) < rowPrefixLen {
			bad("row record key %x too short", k)
			continue
		}
		id := binary.BigEndian.Uint64(k[1:rowPrefixLen])
		t := byID[id]
		if t == nil {
			bad("row %q of table id %d, which is not in the catalog", k[rowPrefixLen:], id)
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		row := v
		if t.schema.TTLSeconds > 0 {
			if len(v) < writeTimeLen {
				bad("row %q of table %s has no write time", k[rowPrefixLen:], t.name)
				continue
			}
			row = v[writeTimeLen:]
		}
		if err := t.layout.Check(row); err != nil {
			bad("row %q of table %s: %v", k[rowPrefixLen:], t.name, err)
		}
		if partial, _ := t.layout.IsPartial(row); partial {
			bad("row %q of table %s is stored partial", k[rowPrefixLen:], t.name)
		}
		if seen[id] == nil {
			seen[id] = &tally{}
		}
		seen[id].rows++
		seen[id].bytes += int64(len(k) - rowPrefixLen + len(v))
	}
	if err := it.Error(); err != nil {
		return err
	}
	for id, t := range byID {
		got := tally{}
		if s := seen[id]; s != nil {
			got = *s
		}
		if got.rows != t.Rows() || got.bytes != t.Bytes() {
			bad("table %s: stats say %d rows/%d bytes, records %d/%d", t.name, t.Rows(), t.Bytes(), got.rows, got.bytes)
		}
	}
	return errors.Join(errs...)
}
