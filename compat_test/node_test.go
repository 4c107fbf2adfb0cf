package compat_test

// Runs node/test.mjs, a node-redis script with default client options
// (RESP3), against the sidecar. node-redis is pinned by
// node/package-lock.json and installed with npm ci when node_modules is
// missing.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNodeRedis(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := "node"
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "redis", "package.json")); err != nil {
		npmBin, err := exec.LookPath("npm")
		if err != nil {
			t.Skip("npm is not installed and node/node_modules is missing")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npmBin, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in compat_test/node: %v\n%s", err, out)
		}
	}

	p := startSidecar(t)
	host, port, err := net.SplitHostPort(p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "test.mjs", host, port)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("test.mjs output:\n%s", out)
	if err != nil {
		t.Fatalf("node test.mjs failed: %v", err)
	}
	if !strings.Contains(string(out), "node-redis: all checks passed") {
		t.Fatal("node test.mjs exited 0 without reporting success")
	}
}
