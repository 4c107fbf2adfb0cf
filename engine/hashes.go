package engine

import (
	"bytes"

	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

// hashMeta returns key's live hash metadata; ErrWrongType if key holds
// another type.
func (tx *Txn) hashMeta(key []byte) (meta, bool, error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return m, false, err
	}
	if m.typ != TypeHash {
		return m, false, ErrWrongType
	}
	return m, true, nil
}

// HGet returns one field of the hash at key.
func (tx *Txn) HGet(key, field []byte) ([]byte, bool, error) {
	m, ok, err := tx.hashMeta(key)
	if err != nil || !ok {
		return nil, false, err
	}
	return tx.get(fieldKey(nil, m.hashID, field))
}

// HMGet returns the values of fields, nil where a field (or the key) is missing.
func (tx *Txn) HMGet(key []byte, fields [][]byte) ([][]byte, error) {
	out := make([][]byte, len(fields))
	m, ok, err := tx.hashMeta(key)
	if err != nil || !ok {
		return out, err
	}
	var fk []byte
	for i, f := range fields {
		fk = fieldKey(fk[:0], m.hashID, f)
		v, found, err := tx.get(fk)
		if err != nil {
			return nil, err
		}
		if found {
			out[i] = v
		}
	}
	return out, nil
}

// HLen returns the number of fields of the hash at key.
func (tx *Txn) HLen(key []byte) (int64, error) {
	m, _, err := tx.hashMeta(key)
	return m.hashLen, err
}

// HSet sets field/value pairs (pairs alternates field, value; a field
// given twice takes its last value) and returns how many fields are new.
func (tx *Txn) HSet(key []byte, pairs [][]byte) (int, error) {
	m, ok, err := tx.hashMeta(key)
	if err != nil {
		return 0, err
	}
	var old *meta
	if ok {
		prev := m
		old = &prev
	} else {
		m = meta{typ: TypeHash, hashID: tx.st.nextID}
		tx.st.nextID++
	}
	created := 0
	var fk []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		fk = fieldKey(fk[:0], m.hashID, pairs[i])
		if _, exists, err := tx.get(fk); err != nil {
			return 0, err
		} else if !exists {
			created++
		}
		if err := tx.set(fk, pairs[i+1]); err != nil {
			return 0, err
		}
	}
	m.hashLen += int64(created)
	if created == 0 && ok {
		// Only values changed: the metadata stays, but WATCH must see it.
		tx.touch(key, false)
		return 0, nil
	}
	return created, tx.putMeta(key, old, &m)
}

// HDel deletes fields and returns how many existed. A hash left empty is
// deleted, as Redis does.
func (tx *Txn) HDel(key []byte, fields [][]byte) (int, error) {
	m, ok, err := tx.hashMeta(key)
	if err != nil || !ok {
		return 0, err
	}
	deleted := 0
	var fk []byte
	for _, f := range fields {
		fk = fieldKey(fk[:0], m.hashID, f)
		if _, exists, err := tx.get(fk); err != nil {
			return 0, err
		} else if !exists {
			continue
		}
		if err := tx.del(fk); err != nil {
			return 0, err
		}
		deleted++
	}
	if deleted == 0 {
		return 0, nil
	}
	if m.hashLen <= int64(deleted) {
		return deleted, tx.deleteKey(key, &m, false)
	}
	old := m
	m.hashLen -= int64(deleted)
	return deleted, tx.putMeta(key, &old, &m)
}

// HRange calls fn for every field of the hash at key, in a stable order
// (by field hash), until fn returns false. field and value are only valid
// during the call.
func (tx *Txn) HRange(key []byte, fn func(field, value []byte) bool) error {
	m, ok, err := tx.hashMeta(key)
	if err != nil || !ok {
		return err
	}
	lo := fieldPrefix(nil, m.hashID)
	it, err := tx.iter(lo, prefixUpper(lo))
	if err != nil {
		return err
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		f, _ := fieldOf(it.Key())
		if !fn(f, it.Value()) {
			break
		}
	}
	return it.Error()
}

// HScan returns about count field/value pairs of the hash at key from
// cursor on, filtered by the glob match (nil: all), and the cursor to
// continue from (0 when done). Fields present for the whole iteration are
// returned at least once.
func (tx *Txn) HScan(key []byte, cursor uint64, count int, match []byte) (uint64, [][]byte, error) {
	m, ok, err := tx.hashMeta(key)
	if err != nil || !ok {
		return 0, nil, err
	}
	lo := fieldPrefix(nil, m.hashID)
	it, err := tx.iter(lo, prefixUpper(lo))
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	var out [][]byte
	next, err := scanHashOrdered(it, fieldKeyAt(m.hashID, cursor), count, fieldOf, func(f []byte) {
		if matchAll(match) || glob.Match(match, f) {
			out = append(out, bytes.Clone(f), bytes.Clone(it.Value()))
		}
	})
	return next, out, err
}

// dropFields deletes every field of the hash m in one range deletion.
func (tx *Txn) dropFields(m *meta) error {
	b, err := tx.batch()
	if err != nil {
		return err
	}
	lo := fieldPrefix(nil, m.hashID)
	return b.DeleteRange(lo, prefixUpper(lo), nil)
}
