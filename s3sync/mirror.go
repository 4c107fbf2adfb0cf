package s3sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Errors a Mirror returns that callers test with errors.Is.
var (
	// ErrWriterActive: another writer is mirroring to the same prefix.
	ErrWriterActive = errors.New("s3sync: another writer is mirroring to this prefix")
	// ErrHistoryDiffers: a writer's data directory holds writes the
	// bucket does not, or misses writes the bucket has from another
	// writer; starting would fork the history.
	ErrHistoryDiffers = errors.New("s3sync: the data directory and the bucket hold different histories")
	// ErrFenced: a newer writer took over the prefix; this one no longer
	// mirrors.
	ErrFenced = errors.New("s3sync: replaced by a newer writer")
	// ErrSyncTimeout: under Sync, a write was committed but not in the
	// bucket within SyncTimeout.
	ErrSyncTimeout = errors.New("s3sync: write not in the bucket in time")
	// ErrClosed: the mirror was closed.
	ErrClosed = errors.New("s3sync: mirror closed")
)

// Mirror ties one node's engine to the bucket: it restores the data
// directory from the bucket, then mirrors (writer) or follows (follower).
// Use Open once, then Close.
type Mirror struct {
	opts    Options
	st      ObjectStore
	records records
	state   *localState // guarded by stateMu once loops run
	stateMu sync.Mutex
	db      *engine.DB

	phase     atomic.Pointer[string]
	restore   transfer
	replayed  atomic.Int64
	errs      errorCounter
	gcDeleted atomic.Int64

	w atomic.Pointer[writer]   // writer role, once mirroring
	f atomic.Pointer[follower] // follower role, once following

	stop chan struct{}
	wg   sync.WaitGroup
	// fatal receives a follower's unrecoverable error (it must be
	// restored again); see Done.
	fatal     chan error
	closeOnce sync.Once
}

// New checks opts and returns a Mirror that has not touched anything yet.
func New(opts Options) (*Mirror, error) {
	opts = opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m := &Mirror{opts: opts, st: opts.Store, stop: make(chan struct{}), fatal: make(chan error, 1)}
	m.setPhase("starting")
	return m, nil
}

// Dir returns the data directory the mirror manages.
func (m *Mirror) Dir() string { return m.opts.Dir }

func (m *Mirror) setPhase(p string) { m.phase.Store(&p) }

// Open brings the data directory in line with the bucket, opens the
// engine on it with eo (Dir is set from Options), and starts mirroring
// or following. An empty directory is restored from the bucket's newest
// snapshot and log. A writer's non-empty directory must hold the
// bucket's history (it was the last writer), else ErrHistoryDiffers; a
// follower's is reused if the log continues from it and restored again
// otherwise. A writer waits for a previous writer's lease to run out,
// and returns ErrWriterActive if that writer is alive.
func (m *Mirror) Open(ctx context.Context, eo engine.Options) (*engine.DB, error) {
	eo.Dir = m.opts.Dir
	eo.Replica = m.opts.Role == RoleFollower
	var (
		db  *engine.DB
		err error
	)
	if err := m.awaitStore(ctx); err != nil {
		return nil, err
	}
	if m.opts.Role == RoleWriter {
		db, err = m.openWriter(ctx, eo)
	} else {
		db, err = m.openFollower(ctx, eo)
	}
	if err != nil {
		m.setPhase("failed")
		return nil, err
	}
	m.db = db
	return db, nil
}

// bucketEnsurer is implemented by stores that can create their bucket.
type bucketEnsurer interface {
	EnsureBucket(ctx context.Context) error
}

// awaitStore waits until the store answers (creating the bucket if the
// store can), retrying with backoff: a node cannot know what to serve
// before it has seen the bucket, so it stays loading meanwhile.
func (m *Mirror) awaitStore(ctx context.Context) error {
	for try := 0; ; try++ {
		var err error
		if e, ok := m.st.(bucketEnsurer); ok {
			err = e.EnsureBucket(ctx)
		} else {
			err = m.st.List(ctx, writersDir, func(ObjectInfo) error { return nil })
		}
		if err == nil || ctx.Err() != nil {
			return err
		}
		m.setPhase("waiting for the bucket")
		m.errs.report(m.opts.Logger, "reaching the bucket", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff(try + 3)):
		}
	}
}

// Done delivers a follower's unrecoverable error: the log moved on past
// what it can apply, and the node must be restarted, which restores it
// from the newest snapshot.
func (m *Mirror) Done() <-chan error { return m.fatal }

// prepareDir restores dir from the bucket's newest snapshot if it holds
// no data (or an interrupted restore). It reports whether it restored.
func (m *Mirror) prepareDir(ctx context.Context, v view) (restored bool, err error) {
	dir := m.opts.Dir
	hasData, interrupted, err := dirHasData(dir)
	if err != nil {
		return false, err
	}
	if hasData && !interrupted {
		return false, nil
	}
	if err := emptyDir(dir); err != nil {
		return false, err
	}
	state := newLocalState(m.opts.Role)
	if last, ok := v.latest(); ok {
		// The directory now holds the bucket's history up to this
		// epoch, as if it had been that writer's.
		state.Epoch = last.Epoch
	}
	snap, ok := v.newestSnap()
	if !ok {
		m.state = state
		return false, state.save(dir)
	}
	m.setPhase("restoring")
	start := time.Now()
	if err := os.WriteFile(filepath.Join(dir, restoringFile), nil, 0o644); err != nil {
		return false, fmt.Errorf("s3sync: restore: %w", err)
	}
	man, err := readManifest(ctx, m.st, snap.Key)
	if err != nil {
		return false, err
	}
	ssts, err := download(ctx, m.st, man, dir, m.opts.Parallelism, &m.restore)
	if err != nil {
		return false, fmt.Errorf("s3sync: restore from %s: %w", snap.Key, err)
	}
	state.SSTs = ssts
	if err := state.save(dir); err != nil {
		return false, err
	}
	if err := os.Remove(filepath.Join(dir, restoringFile)); err != nil {
		return false, fmt.Errorf("s3sync: restore: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return false, err
	}
	m.state = state
	took := time.Since(start)
	m.opts.Logger.Info("s3sync: restored snapshot", keySnapshot, snap.Key, keySeq, snap.Seq,
		keyBytes, m.restore.bytes.Load(), keyFiles, len(man.Files), keyTook, took.Round(time.Millisecond),
		"mb_per_s", fmt.Sprintf("%.1f", float64(m.restore.bytes.Load())/1e6/max(took.Seconds(), 1e-9)))
	return true, nil
}

// catchUp applies the bucket's log after db's position and returns the
// error pendingLog found, if any (wrapping ErrGap), after applying what
// comes before it.
func (m *Mirror) catchUp(ctx context.Context, v view, db *engine.DB) error {
	from := db.LogSeq()
	segs, _, gapErr := pendingLog(ctx, m.st, v, from)
	if len(segs) > 0 {
		cur, err := applySegments(ctx, m.st, v, segs, from, db.ApplyLogged)
		m.replayed.Add(int64(cur - from))
		if err != nil {
			return err
		}
	}
	return gapErr
}

// Close stops the mirror's loops. A writer first ships what it holds
// (within ctx) and marks its heartbeat stopped, so the next writer need
// not wait for the lease. Close the engine after the mirror.
func (m *Mirror) Close(ctx context.Context) error {
	var err error
	m.closeOnce.Do(func() {
		close(m.stop)
		m.wg.Wait()
		if w := m.w.Load(); w != nil {
			err = w.finish(ctx)
		}
		m.setPhase("stopped")
	})
	return err
}

// sleep waits d, or returns false if the mirror stops first.
func (m *Mirror) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-m.stop:
		return false
	case <-t.C:
		return true
	}
}

// backoff is the wait before retry n (from 0) of a failing transfer:
// doubling from 100ms up to 10s.
func backoff(n int) time.Duration {
	d := 100 * time.Millisecond << min(n, 7)
	return min(d, 10*time.Second)
}
