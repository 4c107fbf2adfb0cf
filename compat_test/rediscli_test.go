package compat_test

// Tests with redis-cli, as an SRE would use it against the sidecar: one-off
// commands, --pipe mass insertion, RESP3 output (-3) and --scan. Where
// redis-cli's exact output is the contract, the same command line is run
// against a reference redis-server and the outputs are compared.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// redisCLI runs redis-cli against addr with args, feeding stdin, and
// returns its standard output. It fails t if redis-cli cannot run or
// exits non-zero.
func redisCLI(t *testing.T, addr string, stdin []byte, args ...string) string {
	t.Helper()
	out, errOut, code := runRedisCLI(t, addr, stdin, args...)
	if code != 0 {
		t.Fatalf("redis-cli %q: exit status %d\nstdout: %q\nstderr: %q", args, code, out, errOut)
	}
	return out
}

// runRedisCLI runs redis-cli and returns its output streams and exit code.
func runRedisCLI(t *testing.T, addr string, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-h", host, "-p", port}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("redis-cli %q: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// cliCase is one redis-cli invocation run against both servers.
type cliCase struct {
	args  []string
	stdin string
	// unordered compares the output's lines as a set, for replies whose
	// element order Redis does not define (HGETALL, KEYS, HKEYS).
	unordered bool
	// want, when set, is the exact output expected from both servers.
	want string
}

func TestRedisCLICommandsMatchRedis(t *testing.T) {
	ref := startRedis(t)
	p := startSidecar(t)

	bin := binaryValue()
	cases := []cliCase{
		{args: []string{"PING"}, want: "PONG\n"},
		{args: []string{"SET", "greeting", "hello world"}, want: "OK\n"},
		{args: []string{"GET", "greeting"}, want: "hello world\n"},
		{args: []string{"--no-raw", "GET", "greeting"}, want: "\"hello world\"\n"},
		{args: []string{"GET", "missing"}, want: "\n"},
		{args: []string{"--no-raw", "GET", "missing"}, want: "(nil)\n"},
		{args: []string{"--no-raw", "INCR", "counter"}, want: "(integer) 1\n"},
		{args: []string{"INCRBY", "counter", "41"}, want: "42\n"},
		{args: []string{"--no-raw", "INCRBYFLOAT", "fl", "2.5"}, want: "\"2.5\"\n"},
		{args: []string{"MSET", "a", "1", "b", "2"}, want: "OK\n"},
		{args: []string{"--no-raw", "MGET", "a", "missing", "b"}, want: "1) \"1\"\n2) (nil)\n3) \"2\"\n"},
		{args: []string{"MGET", "a", "missing", "b"}, want: "1\n\n2\n"},
		{args: []string{"-x", "SET", "bin"}, stdin: bin, want: "OK\n"},
		{args: []string{"GET", "bin"}, want: bin + "\n"},
		{args: []string{"--no-raw", "GET", "bin"}},
		{args: []string{"STRLEN", "bin"}, want: strconv.Itoa(len(bin)) + "\n"},
		{args: []string{"--quoted-input", "SET", `"k\x00\xff"`, `"v\r\n\x00"`}, want: "OK\n"},
		{args: []string{"--no-raw", "--quoted-input", "GET", `"k\x00\xff"`}, want: "\"v\\r\\n\\x00\"\n"},
		{args: []string{"SET", "utf8:ключ", "значение ✓"}, want: "OK\n"},
		{args: []string{"GET", "utf8:ключ"}, want: "значение ✓\n"},
		{args: []string{"--no-raw", "GET", "utf8:ключ"}},
		{args: []string{"--no-raw", "HSET", "h", "f1", "v1", "f2", "", "f3", "v 3"}, want: "(integer) 3\n"},
		{args: []string{"--no-raw", "HGET", "h", "f3"}, want: "\"v 3\"\n"},
		{args: []string{"--no-raw", "HMGET", "h", "f1", "nope", "f2"}, want: "1) \"v1\"\n2) (nil)\n3) \"\"\n"},
		{args: []string{"--no-raw", "HGETALL", "h"}, unordered: true},
		{args: []string{"HGETALL", "h"}, unordered: true},
		{args: []string{"--no-raw", "HGETALL", "nope"}, want: "(empty array)\n"},
		{args: []string{"--no-raw", "HLEN", "h"}, want: "(integer) 3\n"},
		{args: []string{"TYPE", "h"}, want: "hash\n"},
		{args: []string{"--no-raw", "TYPE", "greeting"}, want: "string\n"},
		{args: []string{"--no-raw", "TTL", "greeting"}, want: "(integer) -1\n"},
		{args: []string{"--no-raw", "EXPIRE", "greeting", "100"}, want: "(integer) 1\n"},
		{args: []string{"--no-raw", "TTL", "greeting"}, want: "(integer) 100\n"},
		{args: []string{"--no-raw", "EXISTS", "greeting", "nope", "h"}, want: "(integer) 2\n"},
		{args: []string{"--no-raw", "KEYS", "*"}, unordered: true},
		{args: []string{"--no-raw", "DEL", "a", "b", "nope"}, want: "(integer) 2\n"},
		{args: []string{"--no-raw", "DBSIZE"}},
		// Errors: raw mode prints the text and an empty line, --no-raw
		// prefixes "(error)".
		{args: []string{"GET", "h"}, want: wrongTypeErr + "\n\n"},
		{args: []string{"--no-raw", "GET", "h"}, want: "(error) " + wrongTypeErr + "\n"},
		{args: []string{"--no-raw", "INCR", "greeting"}, want: "(error) " + notIntegerErr + "\n"},
		{args: []string{"--no-raw", "FOO", "bar"}, want: "(error) ERR unknown command 'FOO', with args beginning with: 'bar' \n"},
		{args: []string{"--no-raw", "SET", "x"}, want: "(error) ERR wrong number of arguments for 'set' command\n"},
		// RESP3 output.
		{args: []string{"-3", "--no-raw", "HGETALL", "h"}, unordered: true},
		{args: []string{"-3", "HGETALL", "h"}, unordered: true},
		{args: []string{"-3", "--no-raw", "HGETALL", "nope"}, want: "(empty hash)\n"},
		{args: []string{"-3", "--no-raw", "GET", "nope"}, want: "(nil)\n"},
		{args: []string{"-3", "--no-raw", "HMGET", "h", "f1", "nope"}, want: "1) \"v1\"\n2) (nil)\n"},
		{args: []string{"-3", "--no-raw", "EXISTS", "h"}, want: "(integer) 1\n"},
		{args: []string{"-3", "--no-raw", "GET", "h"}, want: "(error) " + wrongTypeErr + "\n"},
	}
	for _, c := range cases {
		var stdin []byte
		if c.stdin != "" {
			stdin = []byte(c.stdin)
		}
		got := redisCLI(t, p.Addr, stdin, c.args...)
		want := redisCLI(t, ref.Addr, stdin, c.args...)
		if c.unordered {
			got, want = sortedLines(got), sortedLines(want)
		}
		if got != want {
			t.Errorf("redis-cli %q:\nsidecar: %q\nredis:   %q", c.args, got, want)
			continue
		}
		if c.want != "" && got != c.want {
			t.Errorf("redis-cli %q = %q, want %q", c.args, got, c.want)
		}
	}
}

// sortedLines normalises output whose line order is not defined. It drops
// the "N) " or "N# " index that redis-cli puts before each element so that
// lines from differently ordered replies compare equal.
func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = cliIndex.ReplaceAllString(l, "")
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

var cliIndex = regexp.MustCompile(`^\s*\d+[)#] `)

func TestRedisCLIResp3HGETALL(t *testing.T) {
	p := startSidecar(t)
	redisCLI(t, p.Addr, nil, "HSET", "user:7", "name", "ada lovelace", "born", "1815", "empty", "")

	// --no-raw: one "N# "field" => "value"" line per pair, N from 1 up.
	out := redisCLI(t, p.Addr, nil, "-3", "--no-raw", "HGETALL", "user:7")
	line := regexp.MustCompile(`^(\d+)# "([^"]*)" => "([^"]*)"$`)
	got := map[string]string{}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("redis-cli -3 HGETALL line %d = %q, want N# \"field\" => \"value\"\nfull output:\n%s", i+1, l, out)
		}
		if m[1] != strconv.Itoa(i+1) {
			t.Errorf("line %d is numbered %s", i+1, m[1])
		}
		got[m[2]] = m[3]
	}
	want := map[string]string{"name": "ada lovelace", "born": "1815", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("redis-cli -3 HGETALL = %q, want %q", got, want)
	}

	// --json renders the RESP3 map as a JSON object.
	var js map[string]string
	out = redisCLI(t, p.Addr, nil, "-3", "--json", "HGETALL", "user:7")
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("redis-cli -3 --json HGETALL = %q: %v", out, err)
	}
	if !reflect.DeepEqual(js, want) {
		t.Fatalf("redis-cli -3 --json HGETALL = %q, want %q", js, want)
	}
}

func TestRedisCLIPipeMassInsertion(t *testing.T) {
	p := startSidecar(t)
	const nSet, nHash = 60000, 40000

	var buf bytes.Buffer
	writeCmd := func(args ...string) {
		fmt.Fprintf(&buf, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&buf, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	for i := 0; i < nSet; i++ {
		writeCmd("SET", fmt.Sprintf("mass:s:%d", i), fmt.Sprintf("value-%d\x00\r\n", i))
	}
	for i := 0; i < nHash; i++ {
		writeCmd("HSET", fmt.Sprintf("mass:h:%d", i), "id", strconv.Itoa(i), "sq", strconv.Itoa(i*i))
	}
	out := redisCLI(t, p.Addr, buf.Bytes(), "--pipe")
	summary := fmt.Sprintf("errors: 0, replies: %d", nSet+nHash)
	if !strings.Contains(out, summary) {
		t.Fatalf("redis-cli --pipe output %q lacks %q", out, summary)
	}

	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)
	if n, err := c.DBSize(ctx).Result(); err != nil || n != nSet+nHash {
		t.Fatalf("DBSIZE after --pipe = %d, %v; want %d", n, err, nSet+nHash)
	}
	for _, i := range []int{0, 1, 12345, nSet - 1} {
		k := fmt.Sprintf("mass:s:%d", i)
		if v, err := c.Get(ctx, k).Result(); err != nil || v != fmt.Sprintf("value-%d\x00\r\n", i) {
			t.Errorf("GET %s = %q, %v", k, v, err)
		}
	}
	for _, i := range []int{0, 7, 23456, nHash - 1} {
		k := fmt.Sprintf("mass:h:%d", i)
		m, err := c.HGetAll(ctx, k).Result()
		if want := map[string]string{"id": strconv.Itoa(i), "sq": strconv.Itoa(i * i)}; err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("HGETALL %s = %v, %v; want %v", k, m, err, want)
		}
	}
	// Every value, checked with pipelined reads.
	cp := newChunkedPipeline(ctx, c)
	gets := make([]interface{ Val() string }, 0, nSet)
	for i := 0; i < nSet; i++ {
		gets = append(gets, cp.P().Get(ctx, fmt.Sprintf("mass:s:%d", i)))
	}
	hgets := make([]interface{ Val() string }, 0, nHash)
	for i := 0; i < nHash; i++ {
		hgets = append(hgets, cp.P().HGet(ctx, fmt.Sprintf("mass:h:%d", i), "sq"))
	}
	if err := cp.Exec(); err != nil {
		t.Fatal(err)
	}
	for i, g := range gets {
		if g.Val() != fmt.Sprintf("value-%d\x00\r\n", i) {
			t.Fatalf("GET mass:s:%d = %q", i, g.Val())
		}
	}
	for i, g := range hgets {
		if g.Val() != strconv.Itoa(i*i) {
			t.Fatalf("HGET mass:h:%d sq = %q", i, g.Val())
		}
	}

	// A failing command inside --pipe is counted, and the rest still runs.
	buf.Reset()
	writeCmd("SET", "pipe:ok1", "1")
	writeCmd("INCR", "mass:h:1")
	writeCmd("SET", "pipe:ok2", "2")
	out, errOut, code := runRedisCLI(t, p.Addr, buf.Bytes(), "--pipe")
	if !strings.Contains(out, "errors: 1, replies: 3") {
		t.Fatalf("redis-cli --pipe with one WRONGTYPE: output %q lacks \"errors: 1, replies: 3\"", out)
	}
	if code != 1 {
		t.Errorf("redis-cli --pipe with one error exited %d, want 1", code)
	}
	if errOut != wrongTypeErr+"\n" {
		t.Errorf("redis-cli --pipe printed %q on stderr, want the error reply", errOut)
	}
	if v, _ := c.Get(ctx, "pipe:ok2").Result(); v != "2" {
		t.Errorf("GET pipe:ok2 = %q after the failed command", v)
	}
}

func TestRedisCLIScanPattern(t *testing.T) {
	ref := startRedis(t)
	p := startSidecar(t)
	ctx := testCtx(t)

	var all []string
	for i := 0; i < 3000; i++ {
		all = append(all, fmt.Sprintf("user:%d", i), fmt.Sprintf("order:%d", i))
	}
	all = append(all, "user:", "user:*", "user:[x]", "user?", "us\\er:1")
	for _, addr := range []string{ref.Addr, p.Addr} {
		c := newGoRedis(t, addr)
		cp := newChunkedPipeline(ctx, c)
		for i, k := range all {
			if i%2 == 0 {
				cp.P().Set(ctx, k, "v", 0)
			} else {
				cp.P().HSet(ctx, k, "f", "v")
			}
		}
		if err := cp.Exec(); err != nil {
			t.Fatal(err)
		}
	}

	patterns := []string{"user:*", "user:1?", "user:[12]0", "user:\\*", "user:\\[x\\]", "us\\\\er:*", "order:29*9", "*", "nomatch*"}
	for _, pat := range patterns {
		var want []string
		for _, k := range all {
			if matchGlob(pat, k) {
				want = append(want, k)
			}
		}
		sort.Strings(want)
		for _, args := range [][]string{
			{"--scan", "--pattern", pat},
			{"--scan", "--quoted-pattern", strconv.Quote(pat)},
		} {
			got := scanLines(redisCLI(t, p.Addr, nil, args...))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("redis-cli %q on the sidecar: %d keys, want %d (%s)", args, len(got), len(want), diffSample(got, want))
			}
			if refGot := scanLines(redisCLI(t, ref.Addr, nil, args...)); !reflect.DeepEqual(refGot, want) {
				t.Errorf("test bug: redis-cli %q on redis: %d keys, want %d (%s)", args, len(refGot), len(want), diffSample(refGot, want))
			}
		}
	}
	// --scan without a pattern lists every key once or more.
	got := scanLines(redisCLI(t, p.Addr, nil, "--scan"))
	want := append([]string(nil), all...)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redis-cli --scan: %d keys, want %d (%s)", len(got), len(want), diffSample(got, want))
	}
}

// scanLines turns redis-cli --scan output into a sorted, de-duplicated
// list of keys.
func scanLines(out string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !seen[l] {
			seen[l] = true
			keys = append(keys, l)
		}
	}
	sort.Strings(keys)
	return keys
}

// diffSample describes a few differences between two sorted key lists.
func diffSample(got, want []string) string {
	g := map[string]bool{}
	for _, k := range got {
		g[k] = true
	}
	w := map[string]bool{}
	for _, k := range want {
		w[k] = true
	}
	var extra, missing []string
	for _, k := range got {
		if !w[k] && len(extra) < 5 {
			extra = append(extra, k)
		}
	}
	for _, k := range want {
		if !g[k] && len(missing) < 5 {
			missing = append(missing, k)
		}
	}
	return fmt.Sprintf("unexpected %q, missing %q", extra, missing)
}
