package compat_test

// Runs python/test_redis_py.py, a redis-py script, against the sidecar.
// It uses Debian's interpreter and python3-redis package, not whatever
// python3 comes first on PATH.

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

// systemPython is the interpreter that has Debian's python3-redis.
const systemPython = "/usr/bin/python3"

func TestRedisPy(t *testing.T) {
	if _, err := os.Stat(systemPython); err != nil {
		t.Skipf("%s not installed (apt-get install python3-redis)", systemPython)
	}
	env := pythonEnv()
	probe := exec.Command(systemPython, "-c", "import redis; print(redis.__version__)")
	probe.Env = env
	out, err := probe.CombinedOutput()
	if err != nil {
		t.Skipf("redis-py is not importable by %s (apt-get install python3-redis): %v\n%s", systemPython, err, out)
	}
	t.Logf("redis-py %s", strings.TrimSpace(string(out)))

	p := startSidecar(t)
	host, port, err := net.SplitHostPort(p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, filepath.Join("python", "test_redis_py.py"), host, port)
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	t.Logf("test_redis_py.py output:\n%s", out)
	if err != nil {
		t.Fatalf("test_redis_py.py failed: %v", err)
	}
	if !strings.Contains(string(out), "redis-py: all checks passed") {
		t.Fatal("test_redis_py.py exited 0 without reporting success")
	}
}

// pythonEnv is the environment without variables that would point the
// system interpreter at another installation's modules.
func pythonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PYTHONNOUSERSITE=1", "PYTHONDONTWRITEBYTECODE=1")
}
