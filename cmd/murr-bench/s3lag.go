package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// lagPhase writes at a steady rate to a fresh writer while sampling INFO
// s3, then (with --s3-sync-time) times single SETs on it. It returns
// those SETs' latencies, the baseline of the sync phase.
func (s *s3Env) lagPhase() (floatSummary, error) {
	const prefix = "lag"
	cfg := s.cfg
	w, err := s.startNode("lag-writer", prefix)
	if err != nil {
		return floatSummary{}, err
	}
	defer w.Kill()
	c, err := dial(s.ctx, w.Addr)
	if err != nil {
		return floatSummary{}, err
	}
	defer c.Close()
	// The rows cycle over a key range of one second of writes, so the
	// table stays small and each write is an update of existing rows.
	keyRange := max(cfg.lagBatch, cfg.lagRate/cfg.lagBatch*cfg.lagBatch)
	d := newDenseRows(keyRange, s3Cols, 43)
	if _, err := c.do(30*time.Second, d.createArgs(s3Table)...); err != nil {
		return floatSummary{}, fmt.Errorf("MURR.CREATE: %w", err)
	}
	load, err := buildWriteLoad(d, s3Table, 0, keyRange, cfg.lagBatch)
	if err != nil {
		return floatSummary{}, err
	}
	// Wait for the writer's first snapshot so that it does not land in
	// the measurement.
	if _, err := s.waitSnapshot(c); err != nil {
		return floatSummary{}, err
	}
	before, err := infoS3(c)
	if err != nil {
		return floatSummary{}, err
	}
	interval := time.Duration(float64(time.Second) * float64(cfg.lagBatch) / float64(cfg.lagRate))
	fmt.Fprintf(s.log, "lag      writing %s rows/s (MURR.WRITE of %s rows every %s) for %s, sampling INFO s3 every %s ...\n",
		groupThousands(int64(cfg.lagRate)), groupThousands(int64(cfg.lagBatch)), interval, cfg.lagTime, s3InfoPoll)

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	var (
		lags    []float64
		maxSeen s3Info
		infoErr error
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		ic, err := dial(ctx, w.Addr)
		if err != nil {
			infoErr = err
			return
		}
		defer ic.Close()
		t := time.NewTicker(s3InfoPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			st, err := infoS3(ic)
			if err != nil {
				infoErr = err
				return
			}
			lags = append(lags, st.LagSeconds)
			maxSeen.PendingBatches = max(maxSeen.PendingBatches, st.PendingBatches)
			maxSeen.LagBytes = max(maxSeen.LagBytes, st.LagBytes)
		}
	}()
	wr, err := s.steadyWrites(w.Addr, load, interval)
	cancel()
	wg.Wait()
	if err != nil {
		return floatSummary{}, err
	}
	if infoErr != nil {
		return floatSummary{}, infoErr
	}
	after, err := infoS3(c)
	if err != nil {
		return floatSummary{}, err
	}
	lag := summarizeFloats(lags)
	secs := wr.took.Seconds()
	segs := float64(after.Segments-before.Segments) / secs
	logRate := float64(after.LogBytes-before.LogBytes) / secs
	rowRate := float64(wr.writes*cfg.lagBatch) / secs
	fmt.Fprintf(s.log, "lag      %d writes in %s (%s rows/s, %d late); s3_lag_seconds over %d samples: p50 %.3f s, p99 %.3f s, max %.3f s; %.2f segments/s, %s shipped\n",
		wr.writes, fmtSeconds(wr.took), groupThousands(int64(rowRate)), wr.late, lag.N, lag.P50, lag.P99, lag.Max, segs, MiBPerSec.format(logRate))
	note := fmt.Sprintf("%d samples", lag.N)
	s.rows = append(s.rows,
		Row{Name: "lag: s3_lag_seconds p50", Unit: Seconds, Redis: math.NaN(), Sidecar: lag.P50, Note: note},
		Row{Name: "lag: s3_lag_seconds p99", Unit: Seconds, Redis: math.NaN(), Sidecar: lag.P99},
		Row{Name: "lag: s3_lag_seconds max", Unit: Seconds, Redis: math.NaN(), Sidecar: lag.Max,
			Note: fmt.Sprintf("most pending at once: %d batches, %s", maxSeen.PendingBatches, Bytes.format(float64(maxSeen.LagBytes)))},
		Row{Name: "lag: log segments shipped per second", Unit: OpsPerSec, Redis: math.NaN(), Sidecar: segs,
			Note: fmt.Sprintf("%.2f/s; %d segments in %s", segs, after.Segments-before.Segments, fmtSeconds(wr.took))},
		Row{Name: "lag: log shipped (baseline: rows written as key + values)", Unit: MiBPerSec,
			Redis: rowRate * float64(avgRowBytes(keyRange)), Sidecar: logRate,
			Note: fmt.Sprintf("%s rows/s written (target %s), %d writes late; write p50 %.3f ms, p99 %.3f ms",
				groupThousands(int64(rowRate)), groupThousands(int64(cfg.lagRate)), wr.late, wr.lat.P50, wr.lat.P99)},
	)
	if after.Errors != before.Errors {
		s.notes = append(s.notes, fmt.Sprintf("lag: s3_errors grew by %d during the load", after.Errors-before.Errors))
	}
	if wr.late > wr.writes/10 {
		s.notes = append(s.notes, fmt.Sprintf("lag: %d of %d writes went out over %s late, held up by a slow reply; %s rows/s were written of the %s asked",
			wr.late, wr.writes, interval, groupThousands(int64(rowRate)), groupThousands(int64(cfg.lagRate))))
	}
	if cfg.syncTime == 0 {
		return floatSummary{}, stopNode("lag writer", w)
	}
	base, err := s.timeSETs(w.Addr, "without --s3-sync")
	if err != nil {
		return floatSummary{}, err
	}
	return base, stopNode("lag writer", w)
}

// avgRowBytes is the mean size of a row's key and values over rows
// "0".."n-1".
func avgRowBytes(n int) float64 {
	var keys int64
	for i := range n {
		keys += int64(len(rowKey(i)))
	}
	return float64(keys)/float64(n) + 4*s3Cols
}

// waitSnapshot waits until the writer has uploaded a snapshot.
func (s *s3Env) waitSnapshot(c *client) (s3Info, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := infoS3(c)
		if err != nil || st.Snapshots > 0 {
			return st, err
		}
		if time.Now().After(deadline) {
			return st, errors.New("the writer uploaded no snapshot within a minute of starting")
		}
		time.Sleep(s3InfoPoll)
	}
}

// steadyResult is what a fixed-rate write load did.
type steadyResult struct {
	writes, late int
	took         time.Duration
	lat          floatSummary // milliseconds
}

// steadyWrites sends the load's batches in turn, one every interval, on
// one connection, for --s3-lag-time. A write whose time has come while
// the one before is still out is sent as soon as that one is answered,
// and counted late.
func (s *s3Env) steadyWrites(addr string, load *pipelineLoad, interval time.Duration) (steadyResult, error) {
	var r steadyResult
	conn, err := dialTimed(s.ctx, addr)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	var lat []float64
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= s.cfg.lagTime {
			break
		}
		if wait := time.Until(due); wait > 0 {
			select {
			case <-s.ctx.Done():
				return r, s.ctx.Err()
			case <-time.After(wait):
			}
		} else if -wait > interval {
			r.late++
		}
		b := i % len(load.ends)
		d, _, err := conn.roundTrip(load.batch(b), 1, func(h replyHead) error {
			if h.typ != ':' {
				return fmt.Errorf("MURR.WRITE answered %s", h)
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("MURR.WRITE %d: %w", i, err)
		}
		lat = append(lat, ms(d))
		r.writes++
	}
	r.took = time.Since(start)
	r.lat = summarizeFloats(lat)
	return r, nil
}

// timeSETs times single SETs, one at a time on one connection, for
// --s3-sync-time, and returns their latencies in milliseconds.
func (s *s3Env) timeSETs(addr, what string) (floatSummary, error) {
	conn, err := dialTimed(s.ctx, addr)
	if err != nil {
		return floatSummary{}, err
	}
	defer conn.Close()
	var lat []float64
	var buf []byte
	for start, i := time.Now(), 0; time.Since(start) < s.cfg.syncTime; i++ {
		buf = appendCommand(buf[:0], "SET", "sync:"+strconv.Itoa(i), s3SyncValue)
		d, _, err := conn.roundTrip(buf, 1, func(h replyHead) error {
			if h.typ != '+' {
				return fmt.Errorf("SET answered %s", h)
			}
			return nil
		})
		if err != nil {
			return floatSummary{}, fmt.Errorf("SET %s: %w", what, err)
		}
		lat = append(lat, ms(d))
	}
	sum := summarizeFloats(lat)
	fmt.Fprintf(s.log, "sync     %d single SETs %s: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", sum.N, what, sum.P50, sum.P99, sum.Max)
	return sum, nil
}

// syncPhase times single SETs on a writer with --s3-sync against base,
// the same SETs without it.
func (s *s3Env) syncPhase(base floatSummary) error {
	w, err := s.startNode("sync-writer", "sync", "--s3-sync")
	if err != nil {
		return err
	}
	defer w.Kill()
	c, err := dial(s.ctx, w.Addr)
	if err != nil {
		return err
	}
	if _, err := s.waitSnapshot(c); err != nil {
		c.Close()
		return err
	}
	before, err := infoS3(c)
	if err != nil {
		c.Close()
		return err
	}
	got, err := s.timeSETs(w.Addr, "with --s3-sync")
	if err != nil {
		c.Close()
		return err
	}
	after, err := infoS3(c)
	c.Close()
	if err != nil {
		return err
	}
	ops := func(f floatSummary) float64 { return float64(f.N) / s.cfg.syncTime.Seconds() }
	s.rows = append(s.rows,
		Row{Name: "--s3-sync: single SET p50 (baseline: without --s3-sync)", Unit: Millis, Redis: base.P50, Sidecar: got.P50,
			Note: fmt.Sprintf("one client, one SET at a time for %s", s.cfg.syncTime)},
		Row{Name: "--s3-sync: single SET p99", Unit: Millis, Redis: base.P99, Sidecar: got.P99},
		Row{Name: "--s3-sync: single SETs per second, one client", Unit: OpsPerSec, Redis: ops(base), Sidecar: ops(got),
			Note: fmt.Sprintf("%d segments shipped for %d SETs", after.Segments-before.Segments, got.N)},
	)
	return stopNode("sync writer", w)
}
