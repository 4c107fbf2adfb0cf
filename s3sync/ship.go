package s3sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Log shipping, the writer's side of engine.CommitLog: committed batches
// are kept in memory and uploaded as one segment per ShipInterval (or at
// once under Sync), retried until the bucket has them.

// commitMark says batch seq and every later one committed at or after t.
// One is kept per markEvery at most: the lag is measured from them.
type commitMark struct {
	seq uint64
	t   time.Time
}

const markEvery = 10 * time.Millisecond

// Committed implements engine.CommitLog.
func (w *writer) Committed(seq uint64, batch []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fenced || w.closed {
		return
	}
	w.committed = seq
	if now := time.Now(); len(w.marks) == 0 || now.Sub(w.marks[len(w.marks)-1].t) >= markEvery {
		w.marks = append(w.marks, commitMark{seq, now})
	}
	if w.dropped {
		return
	}
	w.pending.add(seq, batch)
	if w.pending.size() > w.m.opts.MaxPendingBytes {
		// The bucket has been away too long; the next snapshot covers
		// these batches instead.
		w.pending.reset()
		w.dropped = true
		w.m.opts.Logger.Warn("s3sync: unshipped log over MaxPendingBytes; dropped, a snapshot will cover it", keySeq, seq)
		signal(w.snapKick)
		return
	}
	if w.m.opts.Sync || w.pending.size() >= w.m.opts.SegmentBytes {
		signal(w.kick)
	}
}

// AwaitDurable implements engine.CommitLog.
func (w *writer) AwaitDurable(seq uint64) error {
	if !w.m.opts.Sync {
		return nil
	}
	timeout := time.NewTimer(w.m.opts.SyncTimeout)
	defer timeout.Stop()
	for {
		w.mu.Lock()
		shipped, fenced, closed, ch := w.shipped, w.fenced, w.closed, w.progress
		w.mu.Unlock()
		switch {
		case shipped >= seq:
			return nil
		case fenced:
			return ErrFenced
		case closed:
			return ErrClosed
		}
		signal(w.kick)
		select {
		case <-ch:
		case <-timeout.C:
			return fmt.Errorf("%w (%v; batch %d, bucket at %d)", ErrSyncTimeout, w.m.opts.SyncTimeout, seq, shipped)
		}
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// advance records that every batch up to seq is in the bucket.
func (w *writer) advance(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq > w.shipped {
		w.shipped = seq
	}
	// Keep the newest mark at or before the oldest batch not shipped.
	i := 0
	for i+1 < len(w.marks) && w.marks[i+1].seq <= w.shipped+1 {
		i++
	}
	if w.shipped >= w.committed {
		i = len(w.marks)
	}
	w.marks = append(w.marks[:0], w.marks[i:]...)
	close(w.progress)
	w.progress = make(chan struct{})
}

// shipLoop uploads pending batches every ShipInterval, or at once when
// kicked, as one segment per upload.
func (w *writer) shipLoop() {
	defer w.m.wg.Done()
	t := time.NewTicker(w.m.opts.ShipInterval)
	defer t.Stop()
	for {
		select {
		case <-w.m.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		for w.shipOnce() {
		}
	}
}

// shipOnce takes the pending batches and uploads them, retrying until
// they are in the bucket or the mirror stops. It reports whether it
// shipped anything.
func (w *writer) shipOnce() bool {
	seg, ok := w.takePending()
	if !ok {
		return false
	}
	for try := 0; ; try++ {
		err := w.upload(context.Background(), seg)
		if err == nil {
			return true
		}
		if errors.Is(err, ErrExists) {
			// Only this writer writes its epoch's log: someone else
			// claimed the epoch.
			w.fence(err)
			return false
		}
		w.m.errs.report(w.m.opts.Logger, "log upload", err)
		if !w.m.sleep(backoff(try)) {
			// Stopping: put the batches back for finish to ship.
			w.mu.Lock()
			w.pending, w.inflight = w.requeue(seg), 0
			w.mu.Unlock()
			return false
		}
	}
}

// upload puts seg in the bucket and records that it is there.
func (w *writer) upload(ctx context.Context, seg segmentWriter) error {
	data := seg.finish()
	if err := w.m.st.PutIfAbsent(ctx, segmentKey(w.epoch, seg.first, seg.last), bytes.NewReader(data), int64(len(data))); err != nil {
		return err
	}
	w.mu.Lock()
	w.inflight = 0
	w.mu.Unlock()
	w.segments.Add(1)
	w.logBytes.Add(int64(len(data)))
	if w.sinceSnap.Add(int64(len(data))) >= w.m.opts.SnapshotLogBytes {
		signal(w.snapKick)
	}
	w.advance(seg.last)
	return nil
}

// requeue puts seg's batches back in front of what is pending now. The
// caller holds mu.
func (w *writer) requeue(seg segmentWriter) segmentWriter {
	if w.pending.n == 0 {
		return seg
	}
	merged := seg
	merged.buf = append(merged.buf, w.pending.buf[len(segmentMagic):]...)
	merged.last, merged.n = w.pending.last, seg.n+w.pending.n
	return merged
}

// finish ships what is pending and marks the heartbeat stopped.
func (w *writer) finish(ctx context.Context) error {
	w.mu.Lock()
	fenced := w.fenced
	w.mu.Unlock()
	var errs []error
	if !fenced {
		for ctx.Err() == nil {
			seg, ok := w.takePending()
			if !ok {
				break
			}
			if err := w.upload(ctx, seg); err != nil {
				errs = append(errs, fmt.Errorf("s3sync: final log upload: %w", err))
				break
			}
		}
		if err := w.beat(ctx, true); err != nil {
			errs = append(errs, fmt.Errorf("s3sync: final heartbeat: %w", err))
		}
	}
	w.mu.Lock()
	w.closed = true
	close(w.progress)
	w.progress = make(chan struct{})
	w.mu.Unlock()
	return errors.Join(errs...)
}

// takePending hands the pending batches to an upload, or reports false
// if there are none (or the writer is fenced).
func (w *writer) takePending() (segmentWriter, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending.n == 0 || w.fenced {
		return segmentWriter{}, false
	}
	seg := w.pending
	w.pending = segmentWriter{}
	w.inflight = seg.size()
	return seg, true
}
