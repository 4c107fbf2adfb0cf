package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// server is one of the two processes under test.
type server struct {
	// Label names the column: "redis", "sidecar", or "redis2" when the
	// sidecar column is a second redis-server.
	Label string
	Proc  *procs.Proc
	// Version is redis_version from INFO server ("" if not reported).
	Version string
	// About describes the process for the header: binary, flags, build.
	About string
	// HTTPAddr is the sidecar's HTTP listener (table API, pprof), "" if
	// it has none.
	HTTPAddr string
}

// servers holds the reference redis-server and the server in the sidecar
// column, both started by startServers in a fresh temporary directory.
type servers struct {
	Redis, Sidecar *server
	// SidecarIsRedis is set when the sidecar column is a second
	// redis-server (--sidecar-is-redis), to validate the program itself.
	SidecarIsRedis bool
	tmp            string
	keep           bool
	// sidecarBin and sidecarArgs start more sidecars like the one under
	// test (the sparse workload measures each table in a fresh one).
	sidecarBin  string
	sidecarArgs []string
}

// startServers builds the sidecar (unless --sidecar-bin names one) and
// starts both servers. On error nothing is left running.
func startServers(ctx context.Context, cfg *config, logw io.Writer) (s *servers, err error) {
	tmp, err := os.MkdirTemp(cfg.workDir, "murr-bench-")
	if err != nil {
		return nil, err
	}
	s = &servers{tmp: tmp, keep: cfg.keep, SidecarIsRedis: cfg.sidecarIsRedis}
	defer func() {
		if err != nil {
			s.stop(io.Discard)
			s = nil
		}
	}()

	redisDir := filepath.Join(tmp, "redis")
	if err := os.Mkdir(redisDir, 0o755); err != nil {
		return s, err
	}
	rp, err := procs.StartRedis(redisDir, strings.Fields(cfg.redisArgs)...)
	if err != nil {
		return s, err
	}
	s.Redis = &server{Label: "redis", Proc: rp}
	s.Redis.About = describeCmd("redis-server", rp.Args)

	if cfg.sidecarIsRedis {
		dir := filepath.Join(tmp, "sidecar-redis")
		if err := os.Mkdir(dir, 0o755); err != nil {
			return s, err
		}
		p, err := procs.StartRedis(dir, strings.Fields(cfg.sidecarArgs)...)
		if err != nil {
			return s, err
		}
		s.Sidecar = &server{Label: "redis2", Proc: p}
		s.Sidecar.About = "a second redis-server (--sidecar-is-redis): " + describeCmd("redis-server", p.Args)
	} else {
		bin := cfg.sidecarBin
		built := false
		if bin == "" {
			binDir := filepath.Join(tmp, "bin")
			if err := os.Mkdir(binDir, 0o755); err != nil {
				return s, err
			}
			fmt.Fprintln(logw, "building ./cmd/murr-sidecar ...")
			if bin, err = procs.BuildSidecar(binDir); err != nil {
				return s, err
			}
			built = true
		}
		dataDir := filepath.Join(tmp, "sidecar-data")
		s.sidecarBin = bin
		s.sidecarArgs = append([]string{"--fsync", cfg.fsync}, strings.Fields(cfg.sidecarArgs)...)
		// The HTTP listener serves the table API (the ingest workload
		// PUTs Parquet to it) and pprof; --sidecar-args may name its own.
		httpPort, err := procs.FreePort()
		if err != nil {
			return s, err
		}
		args := append([]string{"--http-listen", fmt.Sprintf("127.0.0.1:%d", httpPort)}, s.sidecarArgs...)
		p, err := procs.StartSidecar(bin, dataDir, args...)
		if err != nil {
			return s, err
		}
		s.Sidecar = &server{Label: "sidecar", Proc: p, HTTPAddr: lastFlagValue(p.Args, "http-listen")}
		about := describeCmd(bin, p.Args)
		if built {
			about = describeCmd("murr-sidecar", p.Args) + " (built from ./cmd/murr-sidecar"
		} else {
			about += " (prebuilt"
		}
		if bi, err := buildinfo.ReadFile(bin); err == nil {
			about += ", " + bi.GoVersion
		}
		s.Sidecar.About = about + ")"
	}

	for _, srv := range []*server{s.Redis, s.Sidecar} {
		srv.Version = serverVersion(ctx, srv.Proc.Addr)
	}
	return s, nil
}

// lastFlagValue returns the value the last occurrence of --name (or
// -name, either as "--name value" or "--name=value") gives in args, as Go's
// flag package would parse it; "" if there is none.
func lastFlagValue(args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := strings.TrimPrefix(strings.TrimPrefix(args[i], "-"), "-")
		if a == args[i] {
			continue
		}
		if a == name && i+1 < len(args) {
			v = args[i+1]
			i++
		} else if rest, ok := strings.CutPrefix(a, name+"="); ok {
			v = rest
		}
	}
	return v
}

// startScratchSidecar starts another sidecar like the one under test, on
// its own free port and data directory under the run's temporary
// directory, with HTTP off. The caller stops it.
func (s *servers) startScratchSidecar(name string) (*procs.Proc, error) {
	if s.sidecarBin == "" {
		return nil, errors.New("no sidecar binary (the sidecar column is not a murr-sidecar)")
	}
	dir := filepath.Join(s.tmp, name)
	args := append(append([]string{}, s.sidecarArgs...), "--http-listen", "")
	return procs.StartSidecar(s.sidecarBin, dir, args...)
}

// describeCmd renders a command line for the header.
func describeCmd(bin string, args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return bin + " " + strings.Join(q, " ")
}

// serverVersion asks INFO server for redis_version.
func serverVersion(ctx context.Context, addr string) string {
	c, err := dial(ctx, addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	v, err := c.do(5*time.Second, "INFO", "server")
	if err != nil {
		return ""
	}
	info, _ := v.(string)
	return infoField(info, "redis_version")
}

// infoField returns the value of "name:value" in an INFO reply.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// ping checks that the server at addr answers PING within two seconds.
func ping(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := dial(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.do(2*time.Second, "PING")
	return err
}

// rss returns the resident memory of the server in bytes.
func (s *server) rss() (float64, error) {
	n, err := s.Proc.RSS()
	return float64(n), err
}

// stop stops the sidecar with SIGTERM (it must exit 0), then Redis, and
// removes the temporary directory unless --keep was given.
func (s *servers) stop(logw io.Writer) error {
	var errs []error
	if s.Sidecar != nil {
		if err := s.Sidecar.Proc.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("sidecar did not exit cleanly: %w\n%s", err, tail(s.Sidecar.Proc.Log(), 20)))
		}
	}
	if s.Redis != nil {
		if err := s.Redis.Proc.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("redis did not exit cleanly: %w", err))
		}
	}
	if s.keep {
		fmt.Fprintf(logw, "kept %s\n", s.tmp)
	} else if err := os.RemoveAll(s.tmp); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
