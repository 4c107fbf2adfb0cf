package engine

import (
	"sync"
	"sync/atomic"
)

// WatchSet is one connection's WATCHed keys. Its zero value is empty.
type WatchSet struct {
	dirty atomic.Bool
	keys  []watchedKey
}

type watchedKey struct {
	key string
	// expired: the key existed but had expired when WATCH ran. Redis 7
	// does not count its later reclamation as a change.
	expired bool
}

// Len returns how many keys are watched.
func (ws *WatchSet) Len() int { return len(ws.keys) }

// watchRegistry maps watched keys to the sets watching them, so a write
// can flag every transaction it invalidates.
type watchRegistry struct {
	mu    sync.Mutex
	count atomic.Int64 // registered (key, set) pairs: lets writes skip the lock
	byKey map[string][]*WatchSet
}

func (r *watchRegistry) init() { r.byKey = make(map[string][]*WatchSet) }

// Watch adds key to ws (WATCH). Watching a key twice is a no-op.
func (db *DB) Watch(ws *WatchSet, key []byte) error {
	for _, wk := range ws.keys {
		if wk.key == string(key) {
			return nil
		}
	}
	var expired bool
	err := db.View(func(tx *Txn) error {
		m, ok, err := tx.lookupRaw(key)
		expired = ok && m.expiredAt(tx.now)
		return err
	})
	if err != nil {
		return err
	}
	r := &db.watches
	r.mu.Lock()
	defer r.mu.Unlock()
	ws.keys = append(ws.keys, watchedKey{key: string(key), expired: expired})
	r.byKey[string(key)] = append(r.byKey[string(key)], ws)
	r.count.Add(1)
	return nil
}

// Unwatch forgets every key of ws and clears its dirty flag (UNWATCH,
// EXEC, DISCARD, connection close).
func (db *DB) Unwatch(ws *WatchSet) {
	r := &db.watches
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, wk := range ws.keys {
		sets := r.byKey[wk.key]
		for i, s := range sets {
			if s == ws {
				sets = append(sets[:i], sets[i+1:]...)
				break
			}
		}
		if len(sets) == 0 {
			delete(r.byKey, wk.key)
		} else {
			r.byKey[wk.key] = sets
		}
		r.count.Add(-1)
	}
	ws.keys = ws.keys[:0]
	ws.dirty.Store(false)
}

// WatchBroken reports, inside the EXEC transaction, whether a key of ws
// was modified since WATCH or has expired since then.
func (tx *Txn) WatchBroken(ws *WatchSet) (bool, error) {
	if ws.dirty.Load() {
		return true, nil
	}
	for _, wk := range ws.keys {
		if wk.expired {
			continue
		}
		m, ok, err := tx.lookupRaw([]byte(wk.key))
		if err != nil {
			return false, err
		}
		if ok && m.expiredAt(tx.now) {
			return true, nil
		}
	}
	return false, nil
}

// touch records that a write changed key; committed Txns flag watchers
// and tell the change listener.
func (tx *Txn) touch(key []byte, expired bool) {
	if !tx.db.tracksKeys() {
		return
	}
	tx.touched = append(tx.touched, touchedKey{string(key), expired})
}

type touchedKey struct {
	key     string
	expired bool
}

// flagTouched marks the watchers of keys a committed Txn changed.
func (r *watchRegistry) flagTouched(keys []touchedKey) {
	if len(keys) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, tk := range keys {
		for _, ws := range r.byKey[tk.key] {
			if tk.expired && ws.clearExpired(tk.key) {
				continue
			}
			ws.dirty.Store(true)
		}
	}
}

// clearExpired handles the reclamation of a key that was already expired
// at WATCH time: not a change. It reports whether that was the case.
func (ws *WatchSet) clearExpired(key string) bool {
	for i := range ws.keys {
		if ws.keys[i].key == key && ws.keys[i].expired {
			ws.keys[i].expired = false
			return true
		}
	}
	return false
}

// touchExisting records, for FLUSHDB/FLUSHALL, every watched key that
// exists right now: flushing a key that is not there changes nothing.
func (tx *Txn) touchExisting() error {
	r := &tx.db.watches
	if r.count.Load() == 0 {
		return nil
	}
	r.mu.Lock()
	keys := make([]string, 0, len(r.byKey))
	for k := range r.byKey {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	for _, k := range keys {
		if _, ok, err := tx.lookupRaw([]byte(k)); err != nil {
			return err
		} else if ok {
			tx.touch([]byte(k), false)
		}
	}
	return nil
}
