package engine

// ChangeListener learns, after each committed write transaction, which
// keys it changed (including keys deleted by expiry), and whether it
// flushed the whole keyspace. It runs on the writer's goroutine outside
// the engine lock, so it must be quick and must not call back into DB
// methods that write. Keys are owned by the listener.
type ChangeListener func(keys [][]byte, flushed bool)

// SetChangeListener installs fn (nil removes it). Client-side caching
// uses it to invalidate what clients hold.
func (db *DB) SetChangeListener(fn ChangeListener) {
	if fn == nil {
		db.listener.Store(nil)
		return
	}
	db.listener.Store(&fn)
}
