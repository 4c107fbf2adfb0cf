package engine

// GetStringExpire is GetString that also returns the key's expiry (unix
// ms; 0: none), for commands that rewrite a string and keep its TTL
// (INCR, APPEND, SETRANGE, SET KEEPTTL) with one lookup instead of two.
func (tx *Txn) GetStringExpire(key []byte) (val []byte, expireAt int64, ok bool, err error) {
	m, ok, err := tx.lookup(key)
	if err != nil || !ok {
		return nil, 0, false, err
	}
	if m.typ != TypeString {
		return nil, 0, false, ErrWrongType
	}
	return m.value, m.expireAt, true, nil
}
