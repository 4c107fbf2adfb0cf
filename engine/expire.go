package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
)

// activeExpire reclaims expired keys so they stop taking space even if
// nobody reads them again; it runs every ActiveExpireInterval.
func (db *DB) activeExpire() {
	// Steps of bounded size keep the write lock short; go on while a step
	// came back full, until the backlog is gone or we stop.
	for {
		n, err := db.expireStep()
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				db.expireErrs.Log(db.opts.Logger, slog.LevelError, "engine: active expiry", err)
			}
			return
		}
		if n < db.opts.ActiveExpireBatch || db.closed.Load() {
			return
		}
	}
}

// expireStep reclaims up to ActiveExpireBatch expired keys and returns
// how many index entries it consumed.
func (db *DB) expireStep() (int, error) {
	if db.closed.Load() {
		return 0, nil
	}
	var n int
	err := db.Update(func(tx *Txn) error {
		upper := binary.BigEndian.AppendUint64([]byte{prefixExpiry}, uint64(tx.now+1))
		it, err := tx.iter([]byte{prefixExpiry}, upper)
		if err != nil {
			return err
		}
		var due [][]byte
		for valid := it.First(); valid && len(due) < db.opts.ActiveExpireBatch; valid = it.Next() {
			due = append(due, bytes.Clone(it.Key()))
		}
		if err := it.Close(); err != nil {
			return err
		}
		n = len(due)
		for _, ek := range due {
			at, key := int64(binary.BigEndian.Uint64(ek[1:9])), ek[9:]
			m, ok, err := tx.lookupRaw(key)
			if err != nil {
				return err
			}
			if ok && m.expireAt == at {
				if err := tx.deleteKey(key, &m, true); err != nil {
					return err
				}
				continue
			}
			// An index entry whose key moved on; drop it.
			if err := tx.del(ek); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
