package main

import (
	"strings"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsServeWithoutArguments(t *testing.T) {
	c, err := parseConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:6379" || c.HTTPListen != "127.0.0.1:8080" || c.DataDir != "./murr-data" ||
		c.HotMemory != 1<<30 || c.Fsync != engine.FsyncEverySec || c.Role != "writer" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestEnvironmentSetsFlagsAndFlagsWin(t *testing.T) {
	e := env(map[string]string{"MURR_HOT_MEMORY": "512MiB", "MURR_FSYNC": "always", "MURR_LISTEN": "127.0.0.1:1"})
	c, err := parseConfig([]string{"--listen", "127.0.0.1:2"}, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.HotMemory != 512<<20 || c.Fsync != engine.FsyncAlways || c.Listen != "127.0.0.1:2" {
		t.Fatalf("got %+v", c)
	}
}

func TestInvalidFlagsAreAllReported(t *testing.T) {
	_, err := parseConfig([]string{"--fsync", "sometimes", "--hot-memory", "lots", "--role", "boss"}, env(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"--fsync", "--hot-memory", "--role"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1024": 1024, "64KiB": 64 << 10, "512MiB": 512 << 20, "1GiB": 1 << 30, "2gib": 2 << 30,
		"1GB": 1e9, "10mb": 10e6, "3k": 3 << 10, "100b": 100,
	} {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.5GiB", "GiB", "12XB", "99999999999GiB"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) accepted", bad)
		}
	}
}

func TestS3FlagCombinations(t *testing.T) {
	good := [][]string{
		{"--s3", "s3://bucket/prefix", "--s3-endpoint", "127.0.0.1:9000", "--s3-insecure"},
		{"--s3", "s3://bucket", "--role", "follower"},
		{"--s3", "s3://bucket/p", "--s3-sync"},
	}
	for _, args := range good {
		if _, err := parseConfig(args, env(nil)); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
	bad := map[string][]string{
		"--role follower needs --s3": {"--role", "follower"},
		"--s3-sync needs --s3":       {"--s3-sync"},
		"--s3-sync needs --s3 and":   {"--s3", "s3://b", "--role", "follower", "--s3-sync"},
		"--s3:":                      {"--s3", "http://bucket/prefix"},
	}
	for want, args := range bad {
		_, err := parseConfig(args, env(nil))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one mentioning %q", args, err, want)
		}
	}
}
