package s3sync

import (
	"time"
)

// Stats is a snapshot of the mirror's state and counters, for INFO and
// the metrics endpoint.
type Stats struct {
	Role  Role
	Phase string // starting, restoring, replaying, mirroring, following, fenced..., stopped
	Ready bool   // restored and mirroring or following
	Epoch uint64 // writer: the epoch it mirrors as

	// Writer.
	ShippedSeq      uint64  // every batch up to here is in the bucket
	PendingBatches  int     // committed, not in the bucket yet (being uploaded included)
	PendingBytes    int64   // their size, as far as they are held (not after an overflow)
	LagSeconds      float64 // writer: age of the oldest batch not in the bucket; follower: time since it last had everything listed
	LagBytes        int64   // writer: PendingBytes; follower: log listed but not applied
	Segments        int64   // log segments uploaded
	LogBytes        int64   // their size
	Snapshots       int64   // snapshots uploaded
	SnapshotSeq     uint64  // position of the last one
	SnapshotAge     float64 // seconds since the last one, -1 if none
	SnapshotBytes   int64   // bytes uploaded by snapshots (new SSTs and small files)
	GCDeleted       int64   // objects deleted by garbage collection
	Errors          int64   // failed transfers, retried
	RestoreBytes    int64   // downloaded by the restore at start
	RestoreFiles    int64
	ReplayedBatches int64 // log batches applied at start
	FollowerPolls   int64
}

// Stats returns the mirror's current state.
func (m *Mirror) Stats() Stats {
	s := Stats{
		Role:            m.opts.Role,
		Phase:           *m.phase.Load(),
		GCDeleted:       m.gcDeleted.Load(),
		Errors:          m.errs.total(),
		RestoreBytes:    m.restore.bytes.Load(),
		RestoreFiles:    m.restore.files.Load(),
		ReplayedBatches: m.replayed.Load(),
		SnapshotAge:     -1,
	}
	now := time.Now()
	if w := m.w.Load(); w != nil {
		w.mu.Lock()
		s.Epoch, s.ShippedSeq = w.epoch, w.shipped
		if w.committed > w.shipped {
			s.PendingBatches = int(w.committed - w.shipped)
			s.PendingBytes = int64(w.inflight)
			if w.pending.n > 0 {
				s.PendingBytes += int64(w.pending.size())
			}
			if len(w.marks) > 0 {
				s.LagSeconds = now.Sub(w.marks[0].t).Seconds()
			}
		}
		s.Ready = !w.fenced && !w.closed
		w.mu.Unlock()
		s.LagBytes = s.PendingBytes
		s.Segments, s.LogBytes = w.segments.Load(), w.logBytes.Load()
		s.Snapshots, s.SnapshotSeq, s.SnapshotBytes = w.snaps.Load(), w.snapSeq.Load(), w.snapXfer.bytes.Load()
		if t := w.snapTime.Load(); t != 0 {
			s.SnapshotAge = now.Sub(time.UnixMilli(t)).Seconds()
		}
	}
	if f := m.f.Load(); f != nil {
		s.Ready = s.Phase == "following"
		s.LagBytes = f.lagBytes.Load()
		s.LagSeconds = now.Sub(time.UnixMilli(f.caughtUp.Load())).Seconds()
		s.FollowerPolls = f.polls.Load()
	}
	return s
}

// RestoreProgress returns how many bytes the restore at start has
// downloaded, and how many it will (0 while not known).
func (m *Mirror) RestoreProgress() (loaded, total int64) {
	return m.restore.bytes.Load(), m.restore.totalBytes.Load()
}
