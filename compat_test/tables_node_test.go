package compat_test

// Runs node/tables.test.mjs: the MURR.* table commands through node-redis,
// with Arrow IPC built and decoded by apache-arrow (JS). Both packages are
// pinned by node/package-lock.json and installed with npm ci when missing.

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

func TestNodeRedisTables(t *testing.T) {
	if sidecarBin == "" {
		t.Skip("the MURR.* table commands are murr-sidecar's own")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := "node"
	missing := ""
	for _, pkg := range []string{"redis", "apache-arrow"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing = pkg
		}
	}
	if missing != "" {
		npmBin, err := exec.LookPath("npm")
		if err != nil {
			t.Skipf("npm is not installed and node/node_modules lacks %s", missing)
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "tables.test.mjs", host, port)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node tables.test.mjs failed: %v\n%s", err, out)
	}
	t.Logf("tables.test.mjs output:\n%s", out)
	if !strings.Contains(string(out), "node-redis tables: all checks passed") {
		t.Fatalf("node tables.test.mjs exited 0 without reporting success:\n%s", out)
	}
}
