package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// The "s3" workload: what the S3 mirror costs and gives, against a MinIO
// started on this machine. Unlike the other workloads it does not use the
// run's redis-server or sidecar: it starts MinIO and sidecars of its own
// (the same binary and --sidecar-args), each with --s3 to its own prefix.
//
//   - restore: a writer loads --s3-data-mib of table rows with MURR.WRITE
//     and is stopped with SIGTERM (which ships everything); then a fresh
//     node with an empty data directory and the same --s3 is timed from
//     process start until it answers PING with PONG, and its row count and
//     a sample of rows are checked. The raw GET throughput of MinIO for
//     every object under the prefix, --s3-parallel at once, is measured in
//     the same run as the baseline.
//   - lag: a client writes --s3-lag-rate rows/s in MURR.WRITE batches for
//     --s3-lag-time while INFO s3 is sampled every 100 ms.
//   - sync: single SETs from one client, on a writer with --s3-sync and on
//     one without.

const (
	s3Bucket   = "murr-bench"
	s3Table    = "s3bench"
	s3Cols     = 10 // float32 columns, as in Murr's benchmark
	s3InfoPoll = 100 * time.Millisecond
	// s3SyncValue is the value of the sync phase's SETs (40 bytes, a row's
	// packed blob).
	s3SyncValue = "0123456789012345678901234567890123456789"
)

// s3Config is the s3 workload's part of the command line.
type s3Config struct {
	dataMiB     int
	batchRows   int
	parallel    int
	lagRate     int
	lagBatch    int
	lagTime     time.Duration
	syncTime    time.Duration
	readyLimit  time.Duration
	drainLimit  time.Duration
	checkSample int
}

func registerS3Flags(fs *flag.FlagSet, c *s3Config) {
	fs.IntVar(&c.dataMiB, "s3-data-mib", 1024, "s3: MiB of table rows (key plus ten float32 values each) the writer loads before the restore is timed; e.g. 64 for a quick run")
	fs.IntVar(&c.batchRows, "s3-write-batch-rows", 100_000, "s3: rows per MURR.WRITE while loading the writer (one Pebble batch each)")
	fs.IntVar(&c.parallel, "s3-parallel", 8, "s3: concurrent GETs of the raw MinIO baseline (the sidecar restores with 8)")
	fs.IntVar(&c.lagRate, "s3-lag-rate", 100_000, "s3: rows/s the steady write load of the lag test writes")
	fs.IntVar(&c.lagBatch, "s3-lag-batch", 1000, "s3: rows per MURR.WRITE of the lag test")
	fs.DurationVar(&c.lagTime, "s3-lag-time", 20*time.Second, "s3: how long the lag test writes")
	fs.DurationVar(&c.syncTime, "s3-sync-time", 5*time.Second, "s3: how long single SETs are timed with and without --s3-sync (0 skips that test)")
	fs.DurationVar(&c.readyLimit, "s3-ready-limit", 10*time.Minute, "s3: the longest the restoring node may take to answer PONG")
	fs.DurationVar(&c.drainLimit, "s3-drain-limit", 5*time.Minute, "s3: the longest the writer may take to ship what it was sent")
	c.checkSample = 200
}

// check reports every bad value at once.
func (c *s3Config) check() []error {
	var errs []error
	for _, v := range []struct {
		name string
		v    int
	}{{"s3-data-mib", c.dataMiB}, {"s3-write-batch-rows", c.batchRows}, {"s3-parallel", c.parallel}, {"s3-lag-rate", c.lagRate}, {"s3-lag-batch", c.lagBatch}} {
		if v.v < 1 {
			errs = append(errs, fmt.Errorf("--%s: %d is less than 1", v.name, v.v))
		}
	}
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{"s3-lag-time", c.lagTime}, {"s3-ready-limit", c.readyLimit}, {"s3-drain-limit", c.drainLimit}} {
		if v.d <= 0 {
			errs = append(errs, fmt.Errorf("--%s must be positive", v.name))
		}
	}
	if c.syncTime < 0 {
		errs = append(errs, errors.New("--s3-sync-time must not be negative"))
	}
	return errs
}

// writeS3Header prints the s3 workload's line of the header.
func writeS3Header(w io.Writer, cfg *config) {
	c := &cfg.s3
	if !slices.Contains(cfg.workloads, "s3") {
		return
	}
	rows := rowsForBytes(int64(c.dataMiB) << 20)
	sync := fmt.Sprintf("single SETs for %s with and without --s3-sync", c.syncTime)
	if c.syncTime == 0 {
		sync = "no --s3-sync test"
	}
	fmt.Fprintf(w, "s3        MinIO on 127.0.0.1; restore of %d MiB (%s rows, %d float32 columns, MURR.WRITE of %s rows),\n"+
		"          raw GET baseline %d at once; lag under %s rows/s in MURR.WRITE batches of %s for %s;\n"+
		"          %s\n",
		c.dataMiB, groupThousands(int64(rows)), s3Cols, groupThousands(int64(c.batchRows)), c.parallel,
		groupThousands(int64(c.lagRate)), groupThousands(int64(c.lagBatch)), c.lagTime, sync)
}

// rowsForBytes returns the fewest rows "0".."n-1" whose keys plus ten
// 4-byte values add up to at least target bytes (at least 1).
func rowsForBytes(target int64) int {
	var total int64
	// Rows lo..hi-1 have keys of the same number of digits.
	for digits, lo, hi := 1, 0, 10; ; digits, lo, hi = digits+1, hi, hi*10 {
		per := int64(digits + 4*s3Cols)
		if total+int64(hi-lo)*per >= target {
			return max(1, lo+int((target-total+per-1)/per))
		}
		total += int64(hi-lo) * per
	}
}

// s3Info is what INFO s3 says; fields absent from the reply stay zero
// and are named in missing.
type s3Info struct {
	Phase           string
	Ready           bool
	ShippedSeq      uint64
	LagSeconds      float64
	LagBytes        int64
	PendingBatches  int64
	Segments        int64
	LogBytes        int64
	Snapshots       int64
	SnapshotSeq     uint64
	SnapshotBytes   int64
	Errors          int64
	RestoreBytes    int64
	RestoreFiles    int64
	ReplayedBatches int64
	missing         []string
}

// parseS3Info reads the s3 section of an INFO reply. It fails if the
// reply has no s3 fields at all (a sidecar without --s3) or a field that
// does not parse.
func parseS3Info(info string) (s3Info, error) {
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && strings.HasPrefix(k, "s3_") {
			fields[k] = v
		}
	}
	if len(fields) == 0 {
		return s3Info{}, errors.New("INFO s3: no s3_ fields (is --s3 set?)")
	}
	var st s3Info
	var errs []error
	str := func(name string, dst *string) {
		v, ok := fields[name]
		if !ok {
			st.missing = append(st.missing, name)
		}
		*dst = v
	}
	num := func(name string, dst any) {
		v, ok := fields[name]
		if !ok {
			st.missing = append(st.missing, name)
			return
		}
		var err error
		switch d := dst.(type) {
		case *int64:
			*d, err = strconv.ParseInt(v, 10, 64)
		case *uint64:
			*d, err = strconv.ParseUint(v, 10, 64)
		case *float64:
			*d, err = strconv.ParseFloat(v, 64)
		case *bool:
			*d, err = v == "1", nil
			if v != "0" && v != "1" {
				err = errors.New("want 0 or 1")
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("INFO s3: %s:%s: %v", name, v, err))
		}
	}
	str("s3_phase", &st.Phase)
	num("s3_ready", &st.Ready)
	num("s3_shipped_seq", &st.ShippedSeq)
	num("s3_lag_seconds", &st.LagSeconds)
	num("s3_lag_bytes", &st.LagBytes)
	num("s3_pending_batches", &st.PendingBatches)
	num("s3_segments", &st.Segments)
	num("s3_log_bytes", &st.LogBytes)
	num("s3_snapshots", &st.Snapshots)
	num("s3_snapshot_seq", &st.SnapshotSeq)
	num("s3_snapshot_bytes", &st.SnapshotBytes)
	num("s3_errors", &st.Errors)
	num("s3_restore_bytes", &st.RestoreBytes)
	num("s3_restore_files", &st.RestoreFiles)
	num("s3_replayed_batches", &st.ReplayedBatches)
	return st, errors.Join(errs...)
}

// infoS3 asks c for INFO s3.
func infoS3(c *client) (s3Info, error) {
	v, err := c.do(10*time.Second, "INFO", "s3")
	if err != nil {
		return s3Info{}, fmt.Errorf("INFO s3: %w", err)
	}
	s, _ := v.(string)
	return parseS3Info(s)
}

// floatSummary is the spread of a series of samples.
type floatSummary struct {
	N                  int
	P50, P99, Max, Avg float64
}

// summarizeFloats computes the summary of vals (sorted in place).
func summarizeFloats(vals []float64) floatSummary {
	s := floatSummary{N: len(vals), P50: math.NaN(), P99: math.NaN(), Max: math.NaN(), Avg: math.NaN()}
	if len(vals) == 0 {
		return s
	}
	slices.Sort(vals)
	at := func(q float64) float64 { return vals[int(q*float64(len(vals)-1))] }
	var sum float64
	for _, v := range vals {
		sum += v
	}
	s.P50, s.P99, s.Max, s.Avg = at(0.50), at(0.99), vals[len(vals)-1], sum/float64(len(vals))
	return s
}

// s3Env is one run of the s3 workload: MinIO, the sidecar binary, and
// what was measured so far.
type s3Env struct {
	ctx   context.Context
	e     *env
	cfg   *s3Config
	log   io.Writer
	dir   string
	minio *procs.MinIO
	creds []string // AWS_* for the sidecars
	mc    *minio.Client
	rows  []Row
	notes []string
}

func runS3(ctx context.Context, e *env) (*Table, error) {
	if e.srv.sidecarBin == "" {
		return nil, errors.New("the s3 workload needs a murr-sidecar (not --sidecar-is-redis)")
	}
	s := &s3Env{ctx: ctx, e: e, cfg: &e.cfg.s3, log: e.log, dir: filepath.Join(e.srv.tmp, "s3")}
	m, err := procs.StartMinIO(filepath.Join(s.dir, "minio"))
	if err != nil {
		return nil, err
	}
	defer m.Stop()
	s.minio = m
	s.creds = []string{"AWS_ACCESS_KEY_ID=" + m.RootUser, "AWS_SECRET_ACCESS_KEY=" + m.RootPassword}
	if s.mc, err = minio.New(m.Endpoint(), &minio.Options{Creds: credentials.NewStaticV4(m.RootUser, m.RootPassword, "")}); err != nil {
		return nil, err
	}
	fmt.Fprintf(s.log, "s3       MinIO at %s, data in %s\n", m.Endpoint(), m.DataDir)

	if err := s.restorePhase(); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	noSync, err := s.lagPhase()
	if err != nil {
		return nil, fmt.Errorf("lag: %w", err)
	}
	if s.cfg.syncTime > 0 {
		if err := s.syncPhase(noSync); err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
	}
	return &Table{
		Title:    "s3: restore of a fresh node from MinIO vs MinIO's raw GET, mirror lag under steady writes, --s3-sync cost",
		RefLabel: "baseline",
		Rows:     s.rows,
		Notes:    s.notes,
	}, nil
}

// s3Args are the flags that point a sidecar at prefix in the bucket.
func (s *s3Env) s3Args(prefix string, extra ...string) []string {
	args := slices.Clone(s.e.srv.sidecarArgs)
	args = append(args, "--s3", "s3://"+s3Bucket+"/"+prefix, "--s3-endpoint", s.minio.Endpoint(), "--s3-insecure")
	return append(args, extra...)
}

// startNode starts a sidecar with data in dir (under the workload's
// directory) mirroring to prefix, and waits until it answers PONG.
func (s *s3Env) startNode(name, prefix string, extra ...string) (*procs.Proc, error) {
	p, err := procs.LaunchSidecar(s.e.srv.sidecarBin, filepath.Join(s.dir, name), s.creds, s.s3Args(prefix, extra...)...)
	if err != nil {
		return nil, err
	}
	if err := p.WaitReady(time.Minute); err != nil {
		p.Kill()
		return nil, fmt.Errorf("%s not ready: %w\n%s", name, err, tail(p.Log(), 20))
	}
	return p, nil
}

// stopNode stops p with SIGTERM; it must exit 0.
func stopNode(name string, p *procs.Proc) error {
	if err := p.Stop(); err != nil {
		return fmt.Errorf("%s did not exit cleanly: %w\n%s", name, err, tail(p.Log(), 20))
	}
	return nil
}
