package engine

import "bytes"

// Exists reports whether key exists (and has not expired).
func (tx *Txn) Exists(key []byte) (bool, error) {
	_, ok, err := tx.lookup(key)
	return ok, err
}

// Delete removes key of any type; a hash of any size costs one range
// deletion. It reports whether key existed.
func (tx *Txn) Delete(key []byte) (bool, error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return false, err
	}
	return true, tx.deleteKey(key, &m, false)
}

// SetExpireAt sets key's expiry to atMs (unix ms; 0 removes the expiry).
// A time not after now deletes the key, as Redis does. It reports whether
// key existed.
func (tx *Txn) SetExpireAt(key []byte, atMs int64) (bool, error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return false, err
	}
	if atMs != 0 && atMs <= tx.now {
		return true, tx.deleteKey(key, &m, false)
	}
	if m.expireAt == atMs {
		// Still a write for WATCH, as in Redis.
		tx.touch(key, false)
		return true, nil
	}
	old := m
	m.expireAt = atMs
	return true, tx.putMeta(key, &old, &m)
}

// Rename moves src to dst, replacing dst, keeping src's expiry. A hash is
// moved without copying its fields. ErrNoSuchKey if src does not exist.
func (tx *Txn) Rename(src, dst []byte) error {
	m, ok, err := tx.lookup(src)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoSuchKey
	}
	if bytes.Equal(src, dst) {
		return nil
	}
	if err := tx.removeForOverwrite(dst); err != nil {
		return err
	}
	if m.typ == TypeString {
		m.value = bytes.Clone(m.value)
	}
	moved := m
	if err := tx.deleteMetaOnly(src, &m); err != nil {
		return err
	}
	return tx.putMeta(dst, nil, &moved)
}

// Copy copies src to dst with its expiry. Without replace an existing dst
// is left alone and Copy returns false. ErrNoSuchKey if src does not exist.
func (tx *Txn) Copy(src, dst []byte, replace bool) (bool, error) {
	m, ok, err := tx.lookup(src)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, ErrNoSuchKey
	}
	if _, exists, err := tx.lookup(dst); err != nil {
		return false, err
	} else if exists && !replace {
		return false, nil
	}
	if err := tx.removeForOverwrite(dst); err != nil {
		return false, err
	}
	c := m
	if m.typ == TypeHash {
		c.hashID = tx.st.nextID
		tx.st.nextID++
		if err := tx.copyFields(m.hashID, c.hashID); err != nil {
			return false, err
		}
	}
	return true, tx.putMeta(dst, nil, &c)
}

func (tx *Txn) copyFields(from, to uint64) error {
	lo := fieldPrefix(nil, from)
	it, err := tx.iter(lo, prefixUpper(lo))
	if err != nil {
		return err
	}
	var pending [][2][]byte
	for valid := it.First(); valid; valid = it.Next() {
		f, _ := fieldOf(it.Key())
		pending = append(pending, [2][]byte{fieldKey(nil, to, f), bytes.Clone(it.Value())})
	}
	if err := it.Close(); err != nil {
		return err
	}
	// Written after the walk: the batch must not change under its own iterator.
	for _, kv := range pending {
		if err := tx.set(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// removeForOverwrite deletes key, if it exists, ahead of putMeta(key, nil, ...).
func (tx *Txn) removeForOverwrite(key []byte) error {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return err
	}
	return tx.deleteKey(key, &m, false)
}

// deleteMetaOnly removes key's metadata and expiry entry but keeps a
// hash's fields, which a rename hands over to the new key.
func (tx *Txn) deleteMetaOnly(key []byte, m *meta) error {
	if err := tx.setExpiryIndex(key, m, 0); err != nil {
		return err
	}
	tx.kbuf = metaKey(tx.kbuf[:0], key)
	if err := tx.del(tx.kbuf); err != nil {
		return err
	}
	tx.st.keys--
	tx.touch(key, false)
	return nil
}

// Flush deletes every key and every table, in a few range deletions
// whatever the size.
func (tx *Txn) Flush() error {
	b, err := tx.batch()
	if err != nil {
		return err
	}
	if err := tx.touchExisting(); err != nil {
		return err
	}
	if err := b.DeleteRange([]byte{prefixMeta}, []byte{prefixEnd}, nil); err != nil {
		return err
	}
	// Tables go too: FLUSHALL leaves nothing, as in Redis.
	if err := b.DeleteRange([]byte{prefixTable}, []byte{prefixTablesEnd}, nil); err != nil {
		return err
	}
	tx.st.keys, tx.st.expires = 0, 0
	tx.flushed = true
	return nil
}

// DBSize returns the number of keys, counting expired keys that the
// background loop has not reclaimed yet, as Redis does.
func (tx *Txn) DBSize() int64 { return tx.st.keys }

// Expires returns the number of keys with an expiry.
func (tx *Txn) Expires() int64 { return tx.st.expires }
