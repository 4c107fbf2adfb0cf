package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"--workloads", "all", "--n", "10", "--sidecar-is-redis"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.workloads, ",") != "ops,ingest,sparse,read,s3" || cfg.n != 10 || !cfg.sidecarIsRedis || cfg.clients != 50 || cfg.pipeline != 16 {
		t.Errorf("got %+v", cfg)
	}
	var usage strings.Builder
	_, err = parseFlags([]string{"--workloads", "nope", "--fsync", "sometimes", "--clients", "0"}, &usage)
	for _, want := range []string{`"nope"`, `"sometimes"`, "--clients"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	usage.Reset()
	if _, err := parseFlags([]string{"-help"}, &usage); err == nil {
		t.Error("-help: no error")
	}
	if strings.Contains(usage.String(), "sidecar-is-redis") || !strings.Contains(usage.String(), "-sidecar-bin") {
		t.Errorf("usage shows hidden flags or misses visible ones:\n%s", usage.String())
	}
}

// TestGoDriver runs the built-in load generator against a real Redis.
func TestGoDriver(t *testing.T) {
	p, err := procs.StartRedis(t.TempDir())
	if errors.Is(err, procs.ErrNotInstalled) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	d := &goDriver{clients: 5, pipeline: 4, keys: 100, timeLimit: 10 * time.Second, procs: 1}
	ctx := context.Background()
	cfg := &config{n: 1000, valueSize: 3}
	var sets opsTest
	for _, t := range opsTests(cfg) {
		if t.Name == "SET" {
			sets = t
		}
	}
	res, err := d.Run(ctx, p.Addr, sets, 1003)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1003 || res.RPS <= 0 || res.Partial {
		t.Errorf("got %+v", res)
	}
	c, err := dial(ctx, p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// 1003 random numbers below 100 reach nearly every key, and only those.
	if n, err := dbsize(c); err != nil || n < 90 || n > 100 {
		t.Errorf("DBSIZE = %d, %v; want at most 100 keys, nearly all", n, err)
	}
	if _, err := d.Run(ctx, p.Addr, opsTest{Args: []string{"NOSUCHCOMMAND"}}, 100); err == nil ||
		!strings.Contains(err.Error(), "unknown command") {
		t.Errorf("error replies: got %v", err)
	}
}

// TestRunSidecarIsRedis runs the whole program with a second redis-server
// in the sidecar column, with each driver, on a small load.
func TestRunSidecarIsRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip(err)
	}
	for _, drv := range []string{"go", "redis-benchmark"} {
		t.Run(drv, func(t *testing.T) {
			if _, err := exec.LookPath(drv); drv != "go" && err != nil {
				t.Skip(err)
			}
			cfg, err := parseFlags([]string{"--sidecar-is-redis", "--driver", drv, "--n", "20000",
				"--keys", "1000", "--rounds", "2", "--clients", "10", "--work-dir", t.TempDir()}, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			var out, log strings.Builder
			if err := run(context.Background(), cfg, &out, &log); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			got := out.String()
			for _, want := range []string{"GET ", "SET ", "MGET (100 keys) ", "HSET ", "HGET ", "HMGET (10 fields) ",
				"redis2/redis", "RSS after run", "persistence off"} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Contains(got, "error") || strings.Contains(got, "!") {
				t.Errorf("output reports errors")
			}
			if t.Failed() {
				t.Logf("output:\n%s\nlog:\n%s", got, log.String())
			}
		})
	}
}
