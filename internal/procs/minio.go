package procs

import (
	"context"
	"fmt"
	"go/build"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIO root credentials of the servers StartMinIO starts; clients use them
// as access key and secret key.
const (
	MinIORootUser     = "murr-minio"
	MinIORootPassword = "murr-minio-secret"
)

// MinIO is a running MinIO server: Addr is its S3 API (host:port, plain
// HTTP), ConsoleAddr its web console. Stop, Kill and Log come from Proc.
type MinIO struct {
	*Proc
	ConsoleAddr  string
	RootUser     string
	RootPassword string
}

// MinIOBinary finds the minio executable on PATH, in $GOBIN, or in
// $GOPATH/bin (where `go install github.com/minio/minio@latest` puts it).
// It returns an error wrapping ErrNotInstalled if there is none.
func MinIOBinary() (string, error) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			if gobin := strings.TrimSpace(lines[0]); gobin != "" {
				dirs = append(dirs, gobin)
			}
			for _, gp := range filepath.SplitList(strings.TrimSpace(lines[1])) {
				dirs = append(dirs, filepath.Join(gp, "bin"))
			}
		}
	}
	for _, gp := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "minio")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: minio (go install github.com/minio/minio@latest)", ErrNotInstalled)
}

// StartMinIO starts `minio server dataDir` on 127.0.0.1 with a free API
// port and a free console port, root credentials MinIORootUser and
// MinIORootPassword, and waits until /minio/health/ready answers 200. The
// caller must Stop or Kill it. Restarting on the same dataDir keeps the
// buckets and objects.
func StartMinIO(dataDir string) (*MinIO, error) {
	bin, err := MinIOBinary()
	if err != nil {
		return nil, err
	}
	// Free ports can be taken between FreePort and the bind: retry.
	for attempt := 0; ; attempt++ {
		m, err := startMinIO(bin, dataDir)
		if err == nil || attempt == 2 || !strings.Contains(err.Error(), "address already in use") {
			return m, err
		}
	}
}

func startMinIO(bin, dataDir string) (*MinIO, error) {
	api, err := FreePort()
	if err != nil {
		return nil, err
	}
	console, err := FreePort()
	if err != nil {
		return nil, err
	}
	for console == api {
		if console, err = FreePort(); err != nil {
			return nil, err
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", api)
	m := &MinIO{ConsoleAddr: fmt.Sprintf("127.0.0.1:%d", console),
		RootUser: MinIORootUser, RootPassword: MinIORootPassword}
	args := []string{"server", "--address", addr, "--console-address", m.ConsoleAddr, dataDir}
	env := append(os.Environ(),
		"MINIO_ROOT_USER="+m.RootUser,
		"MINIO_ROOT_PASSWORD="+m.RootPassword,
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
	)
	p, err := launch("minio", bin, args, env, addr, dataDir)
	if err != nil {
		return nil, err
	}
	m.Proc = p
	if err := m.waitHealthy(60 * time.Second); err != nil {
		p.Kill()
		return nil, fmt.Errorf("procs: minio not ready: %w\n%s", err, p.Log())
	}
	return m, nil
}

// Endpoint returns the S3 endpoint (host:port, plain HTTP).
func (m *MinIO) Endpoint() string { return m.Addr }

// Restart starts MinIO again on the same ports and data directory after it
// has stopped (as when a test takes S3 away for a while). It replaces
// m.Proc, so a method value taken before (t.Cleanup(m.Kill)) still refers
// to the old process: write func() { m.Kill() }.
func (m *MinIO) Restart() error {
	p, err := launch("minio", m.cmd.Path, m.Args, m.cmd.Env, m.Addr, m.DataDir)
	if err != nil {
		return err
	}
	m.Proc = p
	if err := m.waitHealthy(60 * time.Second); err != nil {
		p.Kill()
		return fmt.Errorf("procs: minio not ready after restart: %w\n%s", err, p.Log())
	}
	return nil
}

// waitHealthy polls MinIO's readiness probe, then a signed ListBuckets:
// /minio/health/ready answers 200 a moment before MinIO's IAM is up, while
// signed requests still get "Server not initialized yet".
func (m *MinIO) waitHealthy(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	url := "http://" + m.Addr + "/minio/health/ready"
	httpc := &http.Client{Timeout: 2 * time.Second}
	s3c, err := minio.New(m.Addr, &minio.Options{
		Creds: credentials.NewStaticV4(m.RootUser, m.RootPassword, ""),
	})
	if err != nil {
		return err
	}
	var last error
	for {
		select {
		case err := <-m.done:
			m.done <- err
			return fmt.Errorf("exited: %v", err)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := httpc.Do(req); err != nil {
			last = err
		} else {
			resp.Body.Close()
			last = fmt.Errorf("%s: %s", url, resp.Status)
			if resp.StatusCode == http.StatusOK {
				c, cancel := context.WithTimeout(ctx, 2*time.Second)
				_, last = s3c.ListBuckets(c)
				cancel()
				if last == nil {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for MinIO to serve requests: %v", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
