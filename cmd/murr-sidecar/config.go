package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/murr-sidecar/murr-sidecar/s3sync/s3store"
)

// config is everything the command line and environment decide.
type config struct {
	Listen     string
	UnixSocket string
	HTTPListen string
	DataDir    string
	HotMemory  int64
	Fsync      engine.FsyncPolicy
	S3         string
	S3Endpoint string
	S3Insecure bool
	S3Sync     bool
	Role       string
	LogLevel   string
}

// parseConfig reads flags, each defaulting to MURR_<NAME> from the
// environment when set (flags win), and validates the result once,
// reporting every problem together.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("murr-sidecar", flag.ContinueOnError)
	var c config
	var hot, fsync string
	str := func(p *string, name, def, usage string) {
		if v := getenv(envName(name)); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage)
	}
	boolean := func(p *bool, name string, usage string) {
		def, _ := strconv.ParseBool(getenv(envName(name)))
		fs.BoolVar(p, name, def, usage)
	}
	str(&c.Listen, "listen", "127.0.0.1:6379", "RESP TCP address; empty disables")
	str(&c.UnixSocket, "unix-socket", "", "also serve RESP on this unix socket path")
	str(&c.HTTPListen, "http-listen", "127.0.0.1:8080", "HTTP address for /healthz, /readyz, /metrics; empty disables")
	str(&c.DataDir, "data-dir", "./murr-data", "Pebble data directory")
	str(&hot, "hot-memory", "1GiB", "RAM budget of the hot tier (B, KiB, MiB, GiB)")
	str(&fsync, "fsync", "everysec", "always (ack after WAL fsync), everysec, or no")
	str(&c.S3, "s3", "", "s3://bucket/prefix to mirror to / bootstrap from")
	str(&c.S3Endpoint, "s3-endpoint", "", "host:port of an S3-compatible server (default AWS)")
	boolean(&c.S3Insecure, "s3-insecure", "plain HTTP to the S3 endpoint")
	boolean(&c.S3Sync, "s3-sync", "acknowledge a write only once it is in the bucket")
	str(&c.Role, "role", "writer", "writer, or follower (read-only, follows the bucket)")
	str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var errs []error
	var err error
	if c.HotMemory, err = parseBytes(hot); err != nil {
		errs = append(errs, fmt.Errorf("--hot-memory: %w", err))
	}
	if c.Fsync, err = engine.ParseFsyncPolicy(fsync); err != nil {
		errs = append(errs, fmt.Errorf("--fsync: %w", err))
	}
	if c.Listen == "" && c.UnixSocket == "" {
		errs = append(errs, errors.New("--listen and --unix-socket are both empty: nothing to serve"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is required"))
	}
	if c.Role != "writer" && c.Role != "follower" {
		errs = append(errs, fmt.Errorf("--role %q: want writer or follower", c.Role))
	}
	if c.S3 == "" && c.Role == "follower" {
		errs = append(errs, errors.New("--role follower needs --s3: a follower follows a bucket"))
	}
	if c.S3Sync && (c.S3 == "" || c.Role == "follower") {
		errs = append(errs, errors.New("--s3-sync needs --s3 and --role writer"))
	}
	if c.S3 != "" {
		if _, err := s3store.ParseURL(c.S3); err != nil {
			errs = append(errs, fmt.Errorf("--s3: %w", err))
		}
	}
	return c, errors.Join(errs...)
}

func envName(flagName string) string {
	return "MURR_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseBytes parses sizes like 1073741824, 512MiB, 1GiB, 64KB.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
	}
	lower := strings.ToLower(t)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q (want e.g. 512MiB or 1GiB)", s)
	}
	return n * mult, nil
}
