package s3sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// writer is the writer role's state: the engine's CommitLog, which
// buffers committed batches for the shipper, plus the heartbeat and
// snapshot loops.
type writer struct {
	m     *Mirror
	epoch uint64

	mu        sync.Mutex
	pending   segmentWriter // batches not handed to an upload yet
	inflight  int           // bytes of the segment being uploaded
	dropped   bool          // pending overflowed: batches are not kept until the next checkpoint
	committed uint64        // the last batch committed
	shipped   uint64        // every batch up to here is in the bucket (log or snapshot)
	marks     []commitMark  // when batches committed, sampled, from the oldest not shipped
	progress  chan struct{} // closed and replaced when shipped moves or the writer fails
	fenced    bool
	closed    bool

	kick     chan struct{} // wakes the shipper
	snapKick chan struct{} // wakes the snapshot loop

	segments, logBytes atomic.Int64 // shipped so far
	sinceSnap          atomic.Int64 // log bytes shipped since the last snapshot
	snaps              atomic.Int64
	snapSeq            atomic.Uint64
	snapTime           atomic.Int64 // unix ms
	snapXfer           transfer
}

// heartbeat is the content of heartbeat/<epoch>.
type heartbeat struct {
	Time    time.Time `json:"time"`
	Shipped uint64    `json:"shipped"`
	Stopped bool      `json:"stopped,omitempty"`
}

func (m *Mirror) openWriter(ctx context.Context, eo engine.Options) (*engine.DB, error) {
	v, err := readView(ctx, m.st, &m.records)
	if err != nil {
		return nil, err
	}
	if last, ok := v.latest(); ok {
		if err := m.awaitLease(ctx, last); err != nil {
			return nil, err
		}
		// The old writer may have shipped more before it stopped.
		if v, err = readView(ctx, m.st, &m.records); err != nil {
			return nil, err
		}
	}
	restored, err := m.prepareDir(ctx, v)
	if err != nil {
		return nil, err
	}
	if !restored && m.state == nil {
		if err := m.checkHistory(v); err != nil {
			return nil, err
		}
	}
	m.setPhase("loading")
	db, err := engine.Open(eo)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*engine.DB, error) {
		db.Close()
		return nil, err
	}
	m.setPhase("replaying")
	if err := m.catchUp(ctx, v, db); err != nil {
		if !errors.Is(err, ErrGap) {
			return fail(err)
		}
		// Batches a writer never shipped are lost; the history goes on
		// from what the bucket has.
		m.opts.Logger.Warn("s3sync: the bucket's log has a gap; starting from the last batch before it", keySeq, db.LogSeq(), keyErr, err)
	}
	last, _ := v.latest()
	w := &writer{m: m, epoch: last.Epoch + 1, shipped: db.LogSeq(), progress: make(chan struct{}),
		kick: make(chan struct{}, 1), snapKick: make(chan struct{}, 1)}
	rec := writerRecord{Epoch: w.epoch, StartSeq: db.LogSeq(), Node: m.opts.NodeName, Started: time.Now().UTC()}
	b, _ := json.Marshal(rec)
	if err := m.st.PutIfAbsent(ctx, writerKey(w.epoch), bytes.NewReader(b), int64(len(b))); err != nil {
		if errors.Is(err, ErrExists) {
			return fail(fmt.Errorf("%w: another node claimed epoch %d first", ErrWriterActive, w.epoch))
		}
		return fail(err)
	}
	m.state.Role, m.state.Epoch = RoleWriter, w.epoch
	if err := m.state.save(m.opts.Dir); err != nil {
		return fail(err)
	}
	m.w.Store(w)
	db.SetCommitLog(w)
	m.opts.Logger.Info("s3sync: mirroring", keyEpoch, w.epoch, keySeq, rec.StartSeq, "store", m.opts.StoreName)
	m.setPhase("mirroring")
	m.wg.Add(3)
	go w.shipLoop()
	go w.heartbeatLoop()
	go w.snapshotLoop(db)
	return db, nil
}

// checkHistory decides whether a writer may mirror a directory that
// holds data and was not just restored.
func (m *Mirror) checkHistory(v view) error {
	state, err := loadLocalState(m.opts.Dir)
	if err != nil {
		return err
	}
	last, any := v.latest()
	switch {
	case !any:
		// A new history: everything local goes up in the first snapshot.
		if state == nil {
			state = newLocalState(RoleWriter)
		}
		state.SSTs = map[string]string{}
	case state == nil || state.Role != RoleWriter:
		return fmt.Errorf("%w: %s has data that was never mirrored here, and the bucket %s has writes (epoch %d, node %q); "+
			"move the data directory away to restore from the bucket, or point --s3 elsewhere", ErrHistoryDiffers, m.opts.Dir, m.opts.StoreName, last.Epoch, last.Node)
	case state.Epoch != last.Epoch:
		return fmt.Errorf("%w: %s was last mirrored as epoch %d, but epoch %d (node %q) has written to %s since; "+
			"move the data directory away to restore from the bucket", ErrHistoryDiffers, m.opts.Dir, state.Epoch, last.Epoch, last.Node, m.opts.StoreName)
	}
	m.state = state
	return nil
}

// awaitLease returns once the writer of record `last` is gone: its
// heartbeat says it stopped, is missing or old, or does not change for
// LeaseTimeout. If it changes, that writer is alive: ErrWriterActive.
func (m *Mirror) awaitLease(ctx context.Context, last writerRecord) error {
	key := heartbeatKey(last.Epoch)
	first, err := m.st.Stat(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		first = ObjectInfo{}
	case err != nil:
		return err
	}
	if first.ETag != "" {
		if hb, err := readHeartbeat(ctx, m.st, key); err == nil && hb.Stopped {
			return nil
		}
		// Clocks differ between nodes and the store; only a heartbeat
		// far older than the lease is trusted to be dead on sight.
		if time.Since(first.ModTime) > 4*m.opts.LeaseTimeout {
			return nil
		}
	}
	m.setPhase("waiting for the previous writer's lease")
	m.opts.Logger.Info("s3sync: waiting to see whether the previous writer is alive", keyEpoch, last.Epoch, keyNode, last.Node, "lease", m.opts.LeaseTimeout)
	deadline := time.Now().Add(m.opts.LeaseTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(m.opts.HeartbeatInterval / 2):
		}
		now, err := m.st.Stat(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if now.ETag != first.ETag {
			if hb, err := readHeartbeat(ctx, m.st, key); err == nil && hb.Stopped {
				return nil
			}
			return fmt.Errorf("%w: epoch %d on node %q is alive (heartbeat at %s); stop it, or start this node with --role follower",
				ErrWriterActive, last.Epoch, last.Node, now.ModTime.Format(time.RFC3339))
		}
	}
	return nil
}

func readHeartbeat(ctx context.Context, st ObjectStore, key string) (heartbeat, error) {
	var hb heartbeat
	err := getJSON(ctx, st, key, &hb)
	return hb, err
}

// fence stops the writer for good: a newer one owns the prefix.
func (w *writer) fence(why error) {
	w.mu.Lock()
	if !w.fenced {
		w.fenced = true
		w.pending.reset()
		close(w.progress)
		w.progress = make(chan struct{})
		w.m.setPhase("fenced: replaced by a newer writer")
		w.m.opts.Logger.Error("s3sync: a newer writer took over this prefix; this node no longer mirrors its writes", keyEpoch, w.epoch, keyErr, why)
	}
	w.mu.Unlock()
}

func (w *writer) isFenced() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fenced
}

// heartbeatLoop shows the writer is alive and checks that no newer
// writer has claimed the prefix.
func (w *writer) heartbeatLoop() {
	defer w.m.wg.Done()
	for {
		if !w.isFenced() {
			if err := w.beat(context.Background(), false); err != nil {
				w.m.errs.report(w.m.opts.Logger, "heartbeat", err)
			}
			if _, err := w.m.st.Stat(context.Background(), writerKey(w.epoch+1)); err == nil {
				w.fence(fmt.Errorf("%s exists", writerKey(w.epoch+1)))
			} else if !errors.Is(err, ErrNotFound) {
				w.m.errs.report(w.m.opts.Logger, "heartbeat", err)
			}
		}
		if !w.m.sleep(w.m.opts.HeartbeatInterval) {
			return
		}
	}
}

func (w *writer) beat(ctx context.Context, stopped bool) error {
	w.mu.Lock()
	hb := heartbeat{Time: time.Now().UTC(), Shipped: w.shipped, Stopped: stopped}
	w.mu.Unlock()
	b, _ := json.Marshal(hb)
	return w.m.st.Put(ctx, heartbeatKey(w.epoch), bytes.NewReader(b), int64(len(b)))
}

// snapshotLoop uploads a snapshot at the start and then whenever enough
// time or log has passed, or batches were dropped.
func (w *writer) snapshotLoop(db *engine.DB) {
	defer w.m.wg.Done()
	due := true
	check := time.NewTicker(min(w.m.opts.SnapshotInterval, 10*time.Second))
	defer check.Stop()
	for try := 0; ; {
		if due && !w.isFenced() {
			if err := w.snapshot(db); err != nil {
				if errors.Is(err, engine.ErrClosed) {
					return
				}
				w.m.errs.report(w.m.opts.Logger, "snapshot", err)
				if !w.m.sleep(backoff(try + 3)) {
					return
				}
				try++
				continue
			}
			try, due = 0, false
			w.m.collectGarbage(w)
		}
		select {
		case <-w.m.stop:
			return
		case <-w.snapKick:
			due = true
		case <-check.C:
			last := time.UnixMilli(w.snapTime.Load())
			due = time.Since(last) >= w.m.opts.SnapshotInterval && w.sinceSnap.Load() > 0
		}
	}
}

// snapshot checkpoints the engine and uploads what the bucket lacks.
func (w *writer) snapshot(db *engine.DB) error {
	ckpt := filepath.Join(w.m.opts.Dir, checkpointDir)
	if err := os.RemoveAll(ckpt); err != nil {
		return fmt.Errorf("s3sync: snapshot: %w", err)
	}
	defer os.RemoveAll(ckpt)
	start := time.Now()
	shippedBefore := w.logBytes.Load()
	seq, err := db.Checkpoint(ckpt, func(seq uint64) {
		// Batches after the checkpoint are kept again from here on.
		w.mu.Lock()
		if w.dropped {
			w.dropped = false
			w.pending.reset()
		}
		w.mu.Unlock()
	})
	if err != nil {
		return err
	}
	if w.snaps.Load() > 0 && seq == w.snapSeq.Load() {
		w.sinceSnap.Store(0)
		return nil // nothing new since the last one
	}
	w.m.stateMu.Lock()
	state := *w.m.state
	w.m.stateMu.Unlock()
	ssts, err := upload(context.Background(), w.m.st, ckpt, &state, w.epoch, seq, w.m.opts.Parallelism, &w.snapXfer)
	if err != nil && !errors.Is(err, ErrExists) { // exists: this position is in the bucket already
		return err
	}
	w.m.stateMu.Lock()
	w.m.state.SSTs = ssts
	err = w.m.state.save(w.m.opts.Dir)
	w.m.stateMu.Unlock()
	if err != nil {
		return err
	}
	w.sinceSnap.Store(max(w.logBytes.Load()-shippedBefore, 0))
	w.snaps.Add(1)
	w.snapSeq.Store(seq)
	w.snapTime.Store(time.Now().UnixMilli())
	w.advance(seq)
	w.m.opts.Logger.Info("s3sync: snapshot uploaded", keySnapshot, snapKey(w.epoch, seq), keySeq, seq, keyTook, time.Since(start).Round(time.Millisecond))
	return nil
}
