package engine

// KeyInfo describes a live key.
type KeyInfo struct {
	Type     Type
	ExpireAt int64 // unix ms; 0 means no expiry
}

// Info returns the type and expiry of key, or false if it does not exist.
func (tx *Txn) Info(key []byte) (KeyInfo, bool, error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return KeyInfo{}, false, err
	}
	return KeyInfo{Type: m.typ, ExpireAt: m.expireAt}, true, nil
}

// GetString returns the value of a string key. It fails with ErrWrongType
// if key holds another type.
func (tx *Txn) GetString(key []byte) ([]byte, bool, error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return nil, false, err
	}
	if m.typ != TypeString {
		return nil, false, ErrWrongType
	}
	return m.value, true, nil
}

// SetString makes key a string holding val, replacing whatever key held,
// with expiry at expireAtMs (0: none).
func (tx *Txn) SetString(key, val []byte, expireAtMs int64) error {
	old, ok, err := tx.lookup(key)
	if err != nil {
		return err
	}
	m := meta{typ: TypeString, expireAt: expireAtMs, value: val}
	if !ok {
		return tx.putMeta(key, nil, &m)
	}
	if old.typ == TypeHash {
		if err := tx.dropFields(&old); err != nil {
			return err
		}
	}
	return tx.putMeta(key, &old, &m)
}
