package main

import (
	"bufio"
	"math"
	"strings"
	"testing"
)

func TestParseBenchmarkCSV(t *testing.T) {
	// What redis-benchmark 7.0 prints with --csv, with a warning line
	// mixed in (it prints that one when CONFIG GET fails).
	out := "WARNING: Could not fetch server CONFIG\n" +
		`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"` + "\n" +
		`"MGET key:__rand_int__ key:__rand_int__","12345.67","1.305","0.328","1.239","1.959","2.983","4.495"` + "\n"
	rows, err := parseBenchmarkCSV(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.Test != "MGET key:__rand_int__ key:__rand_int__" || r.RPS != 12345.67 || r.AvgMs != 1.305 || r.P50Ms != 1.239 || r.P99Ms != 2.983 {
		t.Errorf("got %+v", r)
	}
}

func TestParseBenchmarkCSVOldFormat(t *testing.T) {
	// redis-benchmark before 6.2: no header, test and rps only.
	rows, err := parseBenchmarkCSV(strings.NewReader(`"SET","740740.69"` + "\n" + `"GET","943396.25"` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Test != "SET" || rows[1].RPS != 943396.25 || !math.IsNaN(rows[1].P50Ms) {
		t.Errorf("got %+v", rows)
	}
}

func TestParseBenchmarkCSVErrors(t *testing.T) {
	for name, out := range map[string]string{
		"bad number": `"test","rps"` + "\n" + `"GET","fast"` + "\n",
		"no rps":     `"test","p50_latency_ms"` + "\n" + `"GET","1.0"` + "\n",
	} {
		if rows, err := parseBenchmarkCSV(strings.NewReader(out)); err == nil {
			t.Errorf("%s: got %+v, want an error", name, rows)
		}
	}
	// Only a header (redis-benchmark exits after an error reply): no rows.
	rows, err := parseBenchmarkCSV(strings.NewReader(`"test","rps","avg_latency_ms"` + "\n"))
	if err != nil || len(rows) != 0 {
		t.Errorf("header only: got %+v, %v", rows, err)
	}
}

func TestShortArgs(t *testing.T) {
	got := strings.Join(shortArgs([]string{"-n", "5", "MGET", "k", "k", "k", "k", "k"}), " ")
	if want := "-n 5 MGET k ...(x5)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCompileTemplate(t *testing.T) {
	tmpl := compileTemplate([]string{"MSET", "a:" + randPlaceholder + ":" + randPlaceholder, "v"})
	want := "*3\r\n$4\r\nMSET\r\n$27\r\na:000000000000:000000000000\r\n$1\r\nv\r\n"
	if string(tmpl.buf) != want {
		t.Fatalf("buf = %q, want %q", tmpl.buf, want)
	}
	b := newBatch(tmpl, 3)
	for _, h := range b.holes {
		copy(b.buf[h:], "123456789012")
	}
	got := string(b.buf[:2*b.reqLen])
	one := strings.ReplaceAll(want, "000000000000", "123456789012")
	if got != one+one {
		t.Errorf("two filled requests = %q", got)
	}
	// The filled command parses as RESP with the right lengths.
	r := bufio.NewReader(strings.NewReader(one))
	v, err := readValue(r)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := v.([]any)
	if len(args) != 3 || args[1] != "a:123456789012:123456789012" {
		t.Errorf("parsed %#v", v)
	}
}

func TestKeyNameMatchesRandInt(t *testing.T) {
	if got := keyName("key", 42); got != "key:000000000042" {
		t.Errorf("keyName = %q", got)
	}
}

func TestSkipReply(t *testing.T) {
	in := "+OK\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:1\r\n-ERR inner\r\n%1\r\n+k\r\n_\r\n-ERR top\r\n"
	r := bufio.NewReader(strings.NewReader(in))
	want := []string{"", "", "", "ERR inner", "", "ERR top"}
	for i, w := range want {
		got, err := skipReply(r)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if got != w {
			t.Errorf("reply %d: error %q, want %q", i, got, w)
		}
	}
	if _, err := skipReply(r); err == nil {
		t.Error("read past the end without an error")
	}
}
