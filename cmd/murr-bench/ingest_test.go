package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

func startRedis(t *testing.T) *procs.Proc {
	t.Helper()
	p, err := procs.StartRedis(t.TempDir())
	if errors.Is(err, procs.ErrNotInstalled) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// TestPipelineLoadRedis loads blobs and hashes into a real Redis and
// checks them the way the ingest workload does.
func TestPipelineLoadRedis(t *testing.T) {
	p := startRedis(t)
	ctx := context.Background()
	c, err := dial(ctx, p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := newDenseRows(5000, 10, 1)
	rng := rand.New(rand.NewPCG(1, 1))

	res, err := runPipelineLoad(ctx, p.Addr, buildPipelineLoad(0, d.n, 300, d.appendSET), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 5000 || res.Stopped || len(res.Done) != 1 || res.Done[0] != [2]int{0, 5000} || res.rate() <= 0 {
		t.Fatalf("SET load: %+v", res)
	}
	if n, err := dbsize(c); err != nil || n != 5000 {
		t.Errorf("DBSIZE = %d, %v", n, err)
	}
	if err := checkStrings(c, d, sampleRows(rng, res.Done, 100)); err != nil {
		t.Error(err)
	}
	other := newDenseRows(5000, 10, 2)
	if err := checkStrings(c, other, []int{7}); err == nil {
		t.Error("checkStrings accepts other values")
	}

	if err := flushAll(c); err != nil {
		t.Fatal(err)
	}
	if res, err = runPipelineLoad(ctx, p.Addr, buildPipelineLoad(0, d.n, 1000, d.appendHSET), 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := checkHashes(c, d, sampleRows(rng, res.Done, 100)); err != nil {
		t.Error(err)
	}
	if err := checkHashes(c, other, []int{7}); err == nil {
		t.Error("checkHashes accepts other values")
	}

	// A time limit that has passed before the first round trip.
	res, err = runPipelineLoad(ctx, p.Addr, buildPipelineLoad(0, d.n, 1000, d.appendSET), 1, time.Nanosecond)
	if err != nil || !res.Stopped || res.Rows != 0 {
		t.Errorf("time limit: %+v, %v", res, err)
	}
	// Error replies fail the load.
	bad := buildPipelineLoad(0, 10, 5, func(dst []byte, i int) []byte { return appendCommand(dst, "NOSUCHCOMMAND") })
	if _, err := runPipelineLoad(ctx, p.Addr, bad, 1, 0); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("error replies: %v", err)
	}
}

func TestRedisHashMemory(t *testing.T) {
	p := startRedis(t)
	ctx := context.Background()
	sparse, err := redisHashMemory(ctx, p.Addr, newSparseRows(20000, 100, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	dense, err := redisHashMemory(ctx, p.Addr, newDenseRows(2000, 100, 1))
	if err != nil {
		t.Fatal(err)
	}
	// A 2-field listpack hash and its key take some tens of bytes; 100
	// fields of "col_NN" and 4-byte values, over a thousand.
	if sparse < 20 || sparse > 300 || dense < 1000 || dense > 4000 {
		t.Errorf("bytes/row: sparse %.1f, dense %.1f", sparse, dense)
	}
}

// TestRunIngestSparse runs both new workloads on a small load against a
// real sidecar built from this module, and checks that every row was
// measured.
func TestRunIngestSparse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts servers")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip(err)
	}
	cfg, err := parseFlags([]string{"--workloads", "ingest,sparse", "--driver", "go", "--rows", "20000",
		"--write-batch-rows", "7000", "--ingest-pipeline", "500", "--ingest-conns", "2", "--work-dir", t.TempDir()}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	var out, log strings.Builder
	if err := run(context.Background(), cfg, &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	got := out.String()
	for _, want := range []string{"pipelined SET (40-byte blob)", "pipelined HSET (10 fields)", "MURR.WRITE (redis: pipelined SET)",
		"PUT /write Parquet", "rows/s", "sparse (2 of 100 set): logical", "dense (100 of 100 set): on disk", "bytes/row",
		"RSS after ingest: MURR.WRITE"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "error") || strings.Contains(got, "  ! ") {
		t.Errorf("output reports errors")
	}
	if t.Failed() {
		t.Logf("output:\n%s\nlog:\n%s", got, log.String())
	}
}
