// Package compat_test holds black-box tests that start a real murr-sidecar
// and a real redis-server on this machine and talk to them with real
// clients. Tests are named after the Redis behaviour they check.
//
// MURR_COMPAT_TARGET=redis runs every "sidecar" against a second
// redis-server instead, which checks the tests themselves against the
// reference.
package compat_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// sidecarBin is the binary built once for the whole package.
var sidecarBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("MURR_COMPAT_TARGET") != "redis" {
		dir, err := os.MkdirTemp("", "murr-compat-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		sidecarBin, err = procs.BuildSidecar(dir, "-race")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// startRedis starts the reference redis-server for t and stops it when t ends.
func startRedis(t testing.TB) *procs.Proc {
	t.Helper()
	p, err := procs.StartRedis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill() })
	return p
}

// startSidecar starts a sidecar with a fresh data directory (unless
// dataDir is given through extra flags by the caller) and stops it with
// SIGTERM when t ends, failing t if it does not exit cleanly.
func startSidecar(t testing.TB, extra ...string) *procs.Proc {
	t.Helper()
	return startSidecarIn(t, t.TempDir(), extra...)
}

// startSidecarIn is startSidecar on a given data directory, for restart tests.
func startSidecarIn(t testing.TB, dataDir string, extra ...string) *procs.Proc {
	t.Helper()
	if sidecarBin == "" {
		return startRedis(t)
	}
	p, err := procs.StartSidecar(sidecarBin, dataDir, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil && !isExitAfterKill(err) {
			t.Errorf("sidecar exit: %v\n%s", err, p.Log())
		}
	})
	return p
}

// isExitAfterKill tells a process a test killed on purpose from a crash.
func isExitAfterKill(err error) bool {
	return err != nil && err.Error() == "signal: killed"
}
