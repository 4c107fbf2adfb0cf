package main

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/s3sync/s3store"
)

// newMirror builds the S3 mirror the flags ask for, or returns nil
// without --s3.
func newMirror(cfg config, log *slog.Logger) (*s3sync.Mirror, error) {
	if cfg.S3 == "" {
		return nil, nil
	}
	so, err := s3store.ParseURL(cfg.S3)
	if err != nil {
		return nil, err
	}
	so.Endpoint, so.Insecure = cfg.S3Endpoint, cfg.S3Insecure
	st, err := s3store.New(so)
	if err != nil {
		return nil, fmt.Errorf("--s3: %w", err)
	}
	return s3sync.New(s3sync.Options{
		Store:     st,
		StoreName: cfg.S3,
		Dir:       cfg.DataDir,
		Role:      s3sync.Role(cfg.Role),
		Sync:      cfg.S3Sync,
		Logger:    log,
	})
}

// mirrorInfo is INFO's "s3" section.
func mirrorInfo(m *s3sync.Mirror) [][2]string {
	s := m.Stats()
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	ready := "0"
	if s.Ready {
		ready = "1"
	}
	return [][2]string{
		{"s3_role", string(s.Role)},
		{"s3_phase", s.Phase},
		{"s3_ready", ready},
		{"s3_epoch", u(s.Epoch)},
		{"s3_shipped_seq", u(s.ShippedSeq)},
		{"s3_lag_seconds", f(s.LagSeconds)},
		{"s3_lag_bytes", i(s.LagBytes)},
		{"s3_pending_batches", strconv.Itoa(s.PendingBatches)},
		{"s3_segments", i(s.Segments)},
		{"s3_log_bytes", i(s.LogBytes)},
		{"s3_snapshots", i(s.Snapshots)},
		{"s3_snapshot_seq", u(s.SnapshotSeq)},
		{"s3_snapshot_age_seconds", f(s.SnapshotAge)},
		{"s3_snapshot_bytes", i(s.SnapshotBytes)},
		{"s3_gc_deleted", i(s.GCDeleted)},
		{"s3_errors", i(s.Errors)},
		{"s3_restore_bytes", i(s.RestoreBytes)},
		{"s3_restore_files", i(s.RestoreFiles)},
		{"s3_replayed_batches", i(s.ReplayedBatches)},
	}
}

// registerMirrorMetrics exports the mirror's state as murr_s3_*.
func registerMirrorMetrics(reg *prometheus.Registry, m *s3sync.Mirror) {
	stat := func(f func(s s3sync.Stats) float64) func() float64 {
		return func() float64 { return f(m.Stats()) }
	}
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "murr", Subsystem: "s3", Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "murr", Subsystem: "s3", Name: name, Help: help}, f))
	}
	gauge("ready", "1 when restored and mirroring (writer) or following (follower).", stat(func(s s3sync.Stats) float64 {
		if s.Ready {
			return 1
		}
		return 0
	}))
	gauge("lag_seconds", "Writer: age of the oldest write not in the bucket. Follower: time since it last had all the bucket's log.",
		stat(func(s s3sync.Stats) float64 { return s.LagSeconds }))
	gauge("lag_bytes", "Writer: bytes of log not in the bucket. Follower: bytes of log listed but not applied.",
		stat(func(s s3sync.Stats) float64 { return float64(s.LagBytes) }))
	gauge("snapshot_age_seconds", "Seconds since the writer's last snapshot; -1 if none.", stat(func(s s3sync.Stats) float64 { return s.SnapshotAge }))
	counter("log_segments_total", "Log segments uploaded.", stat(func(s s3sync.Stats) float64 { return float64(s.Segments) }))
	counter("log_bytes_total", "Bytes of log uploaded.", stat(func(s s3sync.Stats) float64 { return float64(s.LogBytes) }))
	counter("snapshots_total", "Snapshots uploaded.", stat(func(s s3sync.Stats) float64 { return float64(s.Snapshots) }))
	counter("snapshot_bytes_total", "Bytes uploaded by snapshots.", stat(func(s s3sync.Stats) float64 { return float64(s.SnapshotBytes) }))
	counter("gc_deleted_total", "Objects deleted by garbage collection.", stat(func(s s3sync.Stats) float64 { return float64(s.GCDeleted) }))
	counter("errors_total", "Failed transfers (retried).", stat(func(s s3sync.Stats) float64 { return float64(s.Errors) }))
	counter("restore_bytes_total", "Bytes downloaded by the restore at start.", stat(func(s s3sync.Stats) float64 { return float64(s.RestoreBytes) }))
}
