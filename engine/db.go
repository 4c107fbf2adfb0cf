package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/murr-sidecar/murr-sidecar/internal/ratelog"
	"github.com/murr-sidecar/murr-sidecar/tiering"
)

// DB is the keyspace. It is safe for concurrent use.
type DB struct {
	opts Options
	pdb  *pebble.DB

	// mu serialises writers (Update) against each other and against
	// readers (View): one command is atomic, as in Redis.
	mu     sync.RWMutex
	state  state // committed counters; guarded by mu
	closed atomic.Bool
	// life is held shared by table operations, which use Pebble outside
	// mu, and exclusively by Close before it closes Pebble.
	life sync.RWMutex

	catalog atomic.Pointer[catalog] // tables; see tables.go
	hot     *tiering.Tier           // nil if HotMemory leaves no room; see hot.go

	watches watchRegistry
	stats   stats
	// keys and expires mirror state for Metrics, which must not take mu:
	// INFO may run inside EXEC, under the write lock.
	keys, expires atomic.Int64

	unsynced atomic.Bool // a write since the last WAL sync (everysec)

	// logMu orders commits into the log (see commitlog.go); it is taken
	// after mu, never before.
	logMu     sync.Mutex
	logSeq    uint64    // last committed batch; guarded by logMu
	commitLog CommitLog // guarded by logMu
	listener  atomic.Pointer[ChangeListener]

	syncErrs, expireErrs ratelog.Limiter
	stop                 chan struct{}
	bg                   sync.WaitGroup
}

// state is the engine's persistent bookkeeping, rewritten in the same
// batch as any change to it so it never disagrees with the data.
type state struct {
	keys        int64  // user keys, including expired ones not yet reclaimed
	expires     int64  // keys with an expiry
	nextID      uint64 // next hash id
	nextTableID uint64 // next table id; ids are never reused
}

func (s state) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(s.keys))
	b = binary.BigEndian.AppendUint64(b, uint64(s.expires))
	b = binary.BigEndian.AppendUint64(b, s.nextID)
	return binary.BigEndian.AppendUint64(b, s.nextTableID)
}

// Open opens (creating if needed) the keyspace in opts.Dir and starts the
// background loops (active expiry, periodic fsync).
func Open(opts Options) (*DB, error) {
	opts = opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	po := pebbleOptions(opts)
	// Pebble takes its own reference on the cache; ours is dropped right
	// after Open so closing Pebble frees it.
	defer po.Cache.Unref()
	pdb, err := pebble.Open(opts.Dir, po)
	if err != nil {
		return nil, fmt.Errorf("engine: open %s: %w", opts.Dir, err)
	}
	db := &DB{opts: opts, pdb: pdb, stop: make(chan struct{})}
	if _, hotBytes := opts.split(); hotBytes > 0 {
		if db.hot, err = tiering.New(tiering.Options{MaxBytes: hotBytes}); err != nil {
			pdb.Close()
			return nil, fmt.Errorf("engine: hot tier: %w", err)
		}
	}
	db.watches.init()
	if err := db.loadState(); err != nil {
		pdb.Close()
		return nil, err
	}
	if err := db.loadCatalog(); err != nil {
		pdb.Close()
		return nil, err
	}
	if err := db.loadLogSeq(); err != nil {
		pdb.Close()
		return nil, err
	}
	db.keys.Store(db.state.keys)
	db.expires.Store(db.state.expires)
	if !opts.Replica {
		// A replica's expired keys and rows go when the writer's
		// deletions of them arrive.
		db.bg.Add(2)
		go db.every(opts.ActiveExpireInterval, db.activeExpire)
		go db.every(opts.ActiveExpireInterval, db.reclaimExpiredRows)
	}
	if opts.Fsync == FsyncEverySec {
		db.bg.Add(1)
		go db.every(time.Second, db.syncUnsynced)
	}
	return db, nil
}

// memTablesInFlight is how many memtables may exist before Pebble stalls
// writes: one being written, one being flushed.
const memTablesInFlight = 2

// pebbleOptions departs from Pebble's defaults where this workload needs
// it: the newest on-disk format and bloom filters, since most reads are
// point lookups of keys that may not exist.
func pebbleOptions(o Options) *pebble.Options {
	blockCache, _ := o.split()
	po := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		// Pebble reserves the memory of live memtables out of the block
		// cache; without room for them on top, blocks are never cached.
		Cache:                       pebble.NewCache(blockCache + memTablesInFlight*o.MemTableBytes),
		MemTableSize:                uint64(o.MemTableBytes),
		MemTableStopWritesThreshold: memTablesInFlight,
		Logger:                      pebbleLogger{o.Logger},
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	po.EnsureDefaults()
	return po
}

func (db *DB) loadState() error {
	v, closer, err := db.pdb.Get(stateKey)
	if errors.Is(err, pebble.ErrNotFound) {
		db.state = state{nextID: 1, nextTableID: 1}
		return nil
	}
	if err != nil {
		return fmt.Errorf("engine: read state: %w", err)
	}
	defer closer.Close()
	// Data directories written before tables existed have no table id.
	if len(v) != 24 && len(v) != 32 {
		return fmt.Errorf("engine: corrupt state record (%d bytes)", len(v))
	}
	db.state = state{
		keys:        int64(binary.BigEndian.Uint64(v)),
		expires:     int64(binary.BigEndian.Uint64(v[8:])),
		nextID:      binary.BigEndian.Uint64(v[16:]),
		nextTableID: 1,
	}
	if len(v) == 32 {
		db.state.nextTableID = binary.BigEndian.Uint64(v[24:])
	}
	return nil
}

// Close stops the background loops, syncs the WAL and closes Pebble.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return ErrClosed
	}
	close(db.stop)
	db.bg.Wait()
	db.life.Lock()
	defer db.life.Unlock()
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
		errs = append(errs, fmt.Errorf("engine: final sync: %w", err))
	}
	if err := db.pdb.Close(); err != nil {
		errs = append(errs, fmt.Errorf("engine: close: %w", err))
	}
	if db.hot != nil {
		db.hot.Close()
	}
	return errors.Join(errs...)
}

// View runs fn with a read-only Txn. Concurrent Views run in parallel.
func (db *DB) View(fn func(tx *Txn) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed.Load() { // Close won the lock: Pebble is gone
		return ErrClosed
	}
	tx := Txn{db: db, now: nowMs(), st: db.state}
	return fn(&tx)
}

// Update runs fn with a read-write Txn, exclusively. If fn returns nil its
// writes commit as one batch and are made durable (AwaitDurable) before
// Update returns; otherwise they are discarded and fn's error returned.
func (db *DB) Update(fn func(tx *Txn) error) error {
	wrote, err := db.UpdateDeferSync(fn)
	if err != nil || !wrote {
		return err
	}
	return db.AwaitDurable()
}

// UpdateDeferSync is Update without waiting for durability: it reports
// whether anything was written, and the caller must call AwaitDurable
// before acknowledging it. A server answering a pipeline uses it to pay
// one fsync (and one wait for the mirror) for all the pipeline's writes,
// as Redis does.
func (db *DB) UpdateDeferSync(fn func(tx *Txn) error) (wrote bool, err error) {
	if db.closed.Load() {
		return false, ErrClosed
	}
	if db.opts.Replica {
		return false, ErrReplica
	}
	wrote, err = db.update(fn)
	if wrote && db.opts.Fsync == FsyncEverySec {
		db.unsynced.Store(true)
	}
	return wrote, err
}

// AwaitDurable makes every committed write as durable as the
// configuration promises before acknowledging it: synced to disk under
// FsyncAlways, and held by the commit log if it acknowledges remotely
// (--s3-sync). Otherwise it returns at once. Concurrent callers share
// syncs: Pebble groups them.
func (db *DB) AwaitDurable() error {
	if db.opts.Fsync == FsyncAlways {
		if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
			return fmt.Errorf("engine: sync: %w", err)
		}
	}
	return db.awaitLogged()
}

func (db *DB) update(fn func(tx *Txn) error) (wrote bool, err error) {
	var changed []touchedKey
	var flushed bool
	wrote, err = func() (bool, error) {
		db.mu.Lock()
		defer db.mu.Unlock()
		if db.closed.Load() {
			return false, ErrClosed
		}
		tx := Txn{db: db, now: nowMs(), writable: true, st: db.state}
		defer tx.release()
		if err := fn(&tx); err != nil {
			return false, err
		}
		changed, flushed = tx.touched, tx.flushed
		if tx.b == nil {
			db.watches.flagTouched(changed)
			return false, nil
		}
		if tx.st != db.state {
			if err := tx.b.Set(stateKey, tx.st.encode(), nil); err != nil {
				return false, fmt.Errorf("engine: write state: %w", err)
			}
		}
		// No reader runs under the lock, so the hot tier can take the
		// batch first; a large batch hands its data to Pebble on commit.
		if db.hot != nil && !tx.flushed {
			db.writeThrough(tx.b.Repr())
		}
		if err := db.commit(tx.b, pebble.NoSync); err != nil {
			changed, flushed = nil, false
			db.dropHot()
			return false, fmt.Errorf("engine: commit: %w", err)
		}
		db.state = tx.st
		if tx.flushed {
			db.setCatalog(catalog{})
		}
		if tx.flushed {
			db.dropHot()
		}
		db.keys.Store(tx.st.keys)
		db.expires.Store(tx.st.expires)
		db.watches.flagTouched(changed)
		db.stats.writes.Add(1)
		return true, nil
	}()
	db.callListener(changed, flushed)
	return wrote, err
}

// every runs fn every d until Close, as one of the background loops.
func (db *DB) every(d time.Duration, fn func()) {
	defer db.bg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			fn()
		}
	}
}

// syncUnsynced implements FsyncEverySec; it runs every second.
func (db *DB) syncUnsynced() {
	if db.unsynced.Swap(false) {
		if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
			db.syncErrs.Log(db.opts.Logger, slog.LevelError, "engine: periodic WAL sync failed", err)
			db.unsynced.Store(true)
		}
	}
}

func nowMs() int64 { return time.Now().UnixMilli() }
