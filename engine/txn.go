package engine

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Txn is one command's (or one EXEC's) view of the keyspace. It is only
// valid inside the View or Update callback that received it and must not
// be used from other goroutines.
type Txn struct {
	db       *DB
	now      int64 // unix ms, fixed for the whole Txn like Redis's command time
	writable bool
	st       state         // counters as this Txn leaves them
	b        *pebble.Batch // indexed batch, created at the first write
	kbuf     []byte        // scratch for record keys
	hbuf     []byte        // scratch for hot-tier keys
	touched  []touchedKey  // keys changed, for WATCH and the change listener; only when someone listens
	flushed  bool          // Flush ran
}

// Now returns the Txn's clock in unix milliseconds.
func (tx *Txn) Now() int64 { return tx.now }

// Writable reports whether tx may write.
func (tx *Txn) Writable() bool { return tx.writable }

func (tx *Txn) release() {
	if tx.b != nil {
		tx.b.Close()
		tx.b = nil
	}
}

func (tx *Txn) batch() (*pebble.Batch, error) {
	if !tx.writable {
		return nil, ErrReadOnly
	}
	if tx.b == nil {
		tx.b = tx.db.pdb.NewIndexedBatch()
	}
	return tx.b, nil
}

// get returns a copy of the record at k, or nil, false. Until the Txn
// writes, it reads through the hot tier (see hot.go: no keyspace writer
// runs meanwhile, so what it fills is current).
func (tx *Txn) get(k []byte) ([]byte, bool, error) {
	if tx.b != nil || tx.db.hot == nil {
		return tx.getCold(k)
	}
	hk, cached := appendHotKey(tx.hbuf[:0], k)
	tx.hbuf = hk
	if !cached {
		return tx.getCold(k)
	}
	if v, hit := tx.db.hot.Get(nil, hk); hit {
		if v == nil {
			v = []byte{} // present but empty: callers tell nil from empty
		}
		return v, true, nil
	}
	v, found, err := tx.getCold(k)
	if found {
		tx.db.hot.Fill(hk, v)
	}
	return v, found, err
}

// getCold is get from the batch or Pebble.
func (tx *Txn) getCold(k []byte) ([]byte, bool, error) {
	var (
		v      []byte
		closer interface{ Close() error }
		err    error
	)
	if tx.b != nil {
		v, closer, err = tx.b.Get(k)
	} else {
		v, closer, err = tx.db.pdb.Get(k)
	}
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("engine: get: %w", err)
	}
	out := append(make([]byte, 0, len(v)), v...)
	closer.Close()
	return out, true, nil
}

func (tx *Txn) iter(lower, upper []byte) (*pebble.Iterator, error) {
	o := &pebble.IterOptions{LowerBound: lower, UpperBound: upper}
	var (
		it  *pebble.Iterator
		err error
	)
	if tx.b != nil {
		it, err = tx.b.NewIter(o)
	} else {
		it, err = tx.db.pdb.NewIter(o)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: iterator: %w", err)
	}
	return it, nil
}

func (tx *Txn) set(k, v []byte) error {
	b, err := tx.batch()
	if err != nil {
		return err
	}
	return b.Set(k, v, nil)
}

func (tx *Txn) del(k []byte) error {
	b, err := tx.batch()
	if err != nil {
		return err
	}
	return b.Delete(k, nil)
}

// lookupRaw returns the metadata of key whether or not it has expired.
func (tx *Txn) lookupRaw(key []byte) (meta, bool, error) {
	tx.kbuf = metaKey(tx.kbuf[:0], key)
	v, ok, err := tx.get(tx.kbuf)
	if err != nil || !ok {
		return meta{}, false, err
	}
	m, err := decodeMeta(v)
	if err != nil {
		return meta{}, false, fmt.Errorf("%w (key %q)", err, key)
	}
	return m, true, nil
}

// lookup returns the live metadata of key. An expired key reads as
// missing; in a writable Txn it is also deleted on the spot (lazy expiry).
func (tx *Txn) lookup(key []byte) (meta, bool, error) {
	m, ok, err := tx.lookupRaw(key)
	if err != nil || !ok {
		return m, false, err
	}
	if m.expiredAt(tx.now) {
		if tx.writable {
			if err := tx.deleteKey(key, &m, true); err != nil {
				return meta{}, false, err
			}
		}
		return meta{}, false, nil
	}
	return m, true, nil
}

// putMeta writes key's metadata, given what was there before (nil if
// nothing), keeping the counters and the expiry index in step.
func (tx *Txn) putMeta(key []byte, old *meta, m *meta) error {
	if old == nil {
		tx.st.keys++
	}
	if err := tx.setExpiryIndex(key, old, m.expireAt); err != nil {
		return err
	}
	tx.kbuf = metaKey(tx.kbuf[:0], key)
	if err := tx.set(tx.kbuf, m.encode(nil)); err != nil {
		return err
	}
	tx.touch(key, false)
	return nil
}

// setExpiryIndex moves key's expiry index entry from old's to atMs.
func (tx *Txn) setExpiryIndex(key []byte, old *meta, atMs int64) error {
	var oldAt int64
	if old != nil {
		oldAt = old.expireAt
	}
	if oldAt == atMs {
		return nil
	}
	if oldAt != 0 {
		tx.st.expires--
		if err := tx.del(expiryKey(nil, oldAt, key)); err != nil {
			return err
		}
	}
	if atMs != 0 {
		tx.st.expires++
		if err := tx.set(expiryKey(nil, atMs, key), nil); err != nil {
			return err
		}
	}
	return nil
}

// deleteKey removes key with metadata m, and a hash's fields in one
// range deletion. expired says the deletion is expiry, for WATCH.
func (tx *Txn) deleteKey(key []byte, m *meta, expired bool) error {
	b, err := tx.batch()
	if err != nil {
		return err
	}
	if err := tx.setExpiryIndex(key, m, 0); err != nil {
		return err
	}
	if m.typ == TypeHash {
		if err := tx.dropFields(m); err != nil {
			return err
		}
	}
	tx.kbuf = metaKey(tx.kbuf[:0], key)
	if err := b.Delete(tx.kbuf, nil); err != nil {
		return err
	}
	tx.st.keys--
	if expired {
		tx.db.stats.expiredKeys.Add(1)
	}
	tx.touch(key, expired)
	return nil
}
