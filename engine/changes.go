package engine

// ChangeListener learns, after each committed write transaction, which
// keys it changed (including keys deleted by expiry), and whether it
// flushed the whole keyspace. It runs on the writer's goroutine outside
// the engine lock, so it must be quick and must not call back into DB
// methods that write. Keys are owned by the listener.
type ChangeListener func(keys [][]byte, flushed bool)

// tracksKeys reports whether anyone (WATCH or a listener) needs to know
// which keys a write changed; when nobody does, writes skip listing them.
func (db *DB) tracksKeys() bool {
	return db.watches.count.Load() > 0 || db.listener.Load() != nil
}

// callListener gives the change listener, if any, the keys a committed
// write changed. It must run outside db.mu: listeners may do network I/O.
func (db *DB) callListener(changed []touchedKey, flushed bool) {
	l := db.listener.Load()
	if l == nil || (len(changed) == 0 && !flushed) {
		return
	}
	keys := make([][]byte, len(changed))
	for i, tk := range changed {
		keys[i] = []byte(tk.key)
	}
	(*l)(keys, flushed)
}

// SetChangeListener installs fn (nil removes it). Client-side caching
// uses it to invalidate what clients hold.
func (db *DB) SetChangeListener(fn ChangeListener) {
	if fn == nil {
		db.listener.Store(nil)
		return
	}
	db.listener.Store(&fn)
}
