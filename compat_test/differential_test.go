package compat_test

// Differential tests: every script in testdata/diff runs against a fresh
// redis-server and a fresh sidecar, once in RESP2 and once in RESP3, and
// every reply must be the same on both — type, value and error text.
//
// # Script format
//
// One command per line, split like redis-cli splits its input ("double
// quotes" with \xHH, \n, \r, \t, \\ and \" escapes; 'single quotes' with
// \'). Blank lines and lines starting with # are skipped. Unquoted words
// starting with ! at the end of a line are directives for that line;
// quote an argument that really starts with ! ("!x").
//
//	!sort           compare the top-level elements as a multiset
//	!pairs          compare the top-level elements as unordered
//	                field/value pairs: a map, an array of even length, or
//	                an array of two-element arrays (RESP3 HRANDFIELD)
//	!ignore         send the command, compare nothing
//	!type           compare only the reply's shape: types and lengths
//	!kind           compare only the top-level reply type
//	!keys           a map or a flat array of field/value pairs (HELLO,
//	                CONFIG GET): compare the fields as a set and only the
//	                shape of each value
//	!error          both replies must be errors; the texts may differ
//	!range LO HI    both replies are integers in [LO, HI]
//	!contains S     both replies are strings of one type that contain S
//	!scan           the command is SCAN or HSCAN: iterate from its cursor
//	                to 0 on each server and compare the union of the
//	                returned elements (field/value pairs for HSCAN) as sets;
//	                every cursor must be an unsigned integer string
//	!resp2 !resp3   run the line only in that protocol's pass
//
// A line holding only `!sleep MS` pauses both passes for MS milliseconds.
//
// Each pass runs on a fresh redis-server and a fresh sidecar, starting
// with FLUSHALL and, for RESP3, HELLO 3. Set MURR_DIFF_VERBOSE=1 to log every command with both replies.

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// scriptLine is one parsed line of a differential script.
type scriptLine struct {
	num      int
	text     string
	args     []string
	sleep    time.Duration // a !sleep line when args is empty
	sort     bool
	pairs    bool
	ignore   bool
	shape    bool
	kind     bool
	keys     bool
	isErr    bool
	scan     bool
	rng      *[2]int64
	contains []string
	onlyResp int // 0: both passes
}

// parseScript parses a differential script.
func parseScript(name string, src []byte) ([]scriptLine, error) {
	var out []scriptLine
	sc := bufio.NewScanner(strings.NewReader(string(src)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	num := 0
	for sc.Scan() {
		num++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		toks, quoted, err := splitArgs(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, num, err)
		}
		l := scriptLine{num: num, text: text}
		first := len(toks)
		for i, tok := range toks {
			if !quoted[i] && strings.HasPrefix(tok, "!") && len(tok) > 1 {
				first = i
				break
			}
		}
		l.args = toks[:first]
		dirs := toks[first:]
		for i := 0; i < len(dirs); i++ {
			d := dirs[i]
			need := func(n int) ([]string, error) {
				if i+n >= len(dirs) {
					return nil, fmt.Errorf("%s:%d: %s needs %d argument(s)", name, num, d, n)
				}
				a := dirs[i+1 : i+1+n]
				i += n
				return a, nil
			}
			switch d {
			case "!sort":
				l.sort = true
			case "!pairs":
				l.pairs = true
			case "!ignore":
				l.ignore = true
			case "!type":
				l.shape = true
			case "!kind":
				l.kind = true
			case "!keys":
				l.keys = true
			case "!error":
				l.isErr = true
			case "!scan":
				l.scan = true
			case "!resp2":
				l.onlyResp = 2
			case "!resp3":
				l.onlyResp = 3
			case "!range":
				a, err := need(2)
				if err != nil {
					return nil, err
				}
				lo, err1 := strconv.ParseInt(a[0], 10, 64)
				hi, err2 := strconv.ParseInt(a[1], 10, 64)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("%s:%d: bad !range %q", name, num, a)
				}
				l.rng = &[2]int64{lo, hi}
			case "!contains":
				a, err := need(1)
				if err != nil {
					return nil, err
				}
				l.contains = append(l.contains, a[0])
			case "!sleep":
				a, err := need(1)
				if err != nil {
					return nil, err
				}
				ms, err := strconv.Atoi(a[0])
				if err != nil || len(l.args) > 0 {
					return nil, fmt.Errorf("%s:%d: !sleep MS stands on its own line", name, num)
				}
				l.sleep = time.Duration(ms) * time.Millisecond
			default:
				return nil, fmt.Errorf("%s:%d: unknown directive %s", name, num, d)
			}
		}
		if len(l.args) == 0 && l.sleep == 0 {
			return nil, fmt.Errorf("%s:%d: no command", name, num)
		}
		if l.scan && len(l.args) > 0 {
			if cursorIndex(l.args) < 0 {
				return nil, fmt.Errorf("%s:%d: !scan needs SCAN or HSCAN", name, num)
			}
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// cursorIndex is the position of the cursor argument in a SCAN-family
// command, -1 if args is not one.
func cursorIndex(args []string) int {
	switch strings.ToUpper(args[0]) {
	case "SCAN":
		if len(args) >= 2 {
			return 1
		}
	case "HSCAN", "SSCAN", "ZSCAN":
		if len(args) >= 3 {
			return 2
		}
	}
	return -1
}

func TestDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff: %v", err)
	}
	verbose := os.Getenv("MURR_DIFF_VERBOSE") != ""
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := parseScript(filepath.Base(file), src)
			if err != nil {
				t.Fatal(err)
			}
			// Each pass gets its own fresh pair of servers, so that the
			// RESP3 pass does not depend on the RESP2 pass cleaning up.
			for _, proto := range []int{2, 3} {
				t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
					ref := startRedis(t)
					sut := startSidecar(t)
					runScript(t, filepath.Base(file), lines, proto, ref.Addr, sut.Addr, verbose)
				})
			}
		})
	}
}

// runScript runs one pass of a script against both servers.
func runScript(t *testing.T, file string, lines []scriptLine, proto int, refAddr, sutAddr string, verbose bool) {
	open := func(addr string, flush bool) *rawConn {
		c := dialRaw(t, addr)
		c.timeout = 10 * time.Second
		if flush {
			// Both servers are fresh for the first pass; a failing
			// FLUSHALL is reported but does not stop the script.
			if r := c.MustDo(t, "FLUSHALL"); r.String() != "+OK" {
				t.Errorf("%s: FLUSHALL before the script: %s", addr, r)
			}
		}
		if proto == 3 {
			if r := c.MustDo(t, "HELLO", "3"); r.Kind != kindMap {
				t.Fatalf("%s: HELLO 3: %s", addr, r)
			}
		}
		return c
	}
	ref := open(refAddr, true)
	sut := open(sutAddr, true)
	mismatches, ioErrors := 0, 0
	// sutFailed records an I/O error from the sidecar and reconnects, so
	// that one dropped connection does not hide the rest of the script.
	sutFailed := func(where string, rr *reply, err error) {
		mismatches++
		ioErrors++
		t.Errorf("%s\n  redis:   %s\n  sidecar: I/O error: %v", where, rr, err)
		if ioErrors >= 3 {
			t.Fatalf("%s: giving up after %d sidecar I/O errors", file, ioErrors)
		}
		sut.Close()
		sut = open(sutAddr, false)
	}
	for _, l := range lines {
		if l.onlyResp != 0 && l.onlyResp != proto {
			continue
		}
		if len(l.args) == 0 {
			time.Sleep(l.sleep)
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", file, l.num, shorten(l.text))
		if l.scan {
			ok, err := compareScan(t, where, l, ref, sut, verbose)
			if err != nil {
				sutFailed(where, nil, err)
			} else if !ok {
				mismatches++
			}
			continue
		}
		rr, err := ref.Do(l.args...)
		if err != nil {
			t.Fatalf("%s\n  redis: %v", where, err)
		}
		sr, err := sut.Do(l.args...)
		if err != nil {
			sutFailed(where, rr, err)
			continue
		}
		if verbose {
			t.Logf("%s\n  redis:   %s\n  sidecar: %s", where, rr, sr)
		}
		if msg := compareReplies(l, rr, sr); msg != "" {
			mismatches++
			t.Errorf("%s\n  redis:   %s\n  sidecar: %s\n  (%s)", where, rr, sr, msg)
		}
	}
	if mismatches > 0 {
		t.Logf("%s RESP%d: %d mismatching line(s)", file, proto, mismatches)
	}
}

// compareReplies returns "" when a and b agree under l's directives, else
// what differs.
func compareReplies(l scriptLine, a, b *reply) string {
	switch {
	case l.ignore:
		return ""
	case l.shape:
		if a.Shape() != b.Shape() {
			return "shape differs: " + a.Shape() + " vs " + b.Shape()
		}
		return ""
	case l.kind:
		if a.Kind != b.Kind || a.Null != b.Null {
			return "types differ"
		}
		return ""
	case l.keys:
		if canonKeys(a) != canonKeys(b) {
			return "fields or value types differ: " + canonKeys(a) + " vs " + canonKeys(b)
		}
		return ""
	case l.isErr:
		if !a.isError() || !b.isError() {
			return "both must be errors"
		}
		return ""
	case l.rng != nil:
		for _, r := range []*reply{a, b} {
			if r.Kind != kindInt || r.Int < l.rng[0] || r.Int > l.rng[1] {
				return fmt.Sprintf("want an integer in [%d, %d]", l.rng[0], l.rng[1])
			}
		}
		return ""
	case len(l.contains) > 0:
		if a.Kind != b.Kind {
			return "types differ"
		}
		for _, s := range l.contains {
			if !strings.Contains(a.Str, s) || !strings.Contains(b.Str, s) {
				return fmt.Sprintf("want both to contain %q", s)
			}
		}
		return ""
	case l.sort:
		if canonSorted(a) != canonSorted(b) {
			return "differ as multisets"
		}
		return ""
	case l.pairs:
		if canonPairs(a) != canonPairs(b) {
			return "differ as unordered pairs"
		}
		return ""
	}
	if a.String() != b.String() {
		return "differ"
	}
	return ""
}

// canonSorted renders r with its top-level elements sorted.
func canonSorted(r *reply) string {
	if !r.isAggregate() {
		return r.String()
	}
	var parts []string
	for _, e := range r.Elems {
		parts = append(parts, e.String())
	}
	slices.Sort(parts)
	return string(r.Kind) + "{" + strings.Join(parts, " ") + "}"
}

// canonPairs renders r with its top-level elements taken as key/value
// pairs, sorted by pair. Maps and even-length arrays keep their kind
// marker, so a RESP2 array never equals a RESP3 map.
func canonPairs(r *reply) string {
	if !r.isAggregate() {
		return r.String()
	}
	var parts []string
	if r.Kind == kindArray && len(r.Elems) > 0 && !slices.ContainsFunc(r.Elems, func(e *reply) bool {
		return e.Kind != kindArray || len(e.Elems) != 2
	}) {
		for _, e := range r.Elems {
			parts = append(parts, e.Elems[0].String()+"=>"+e.Elems[1].String())
		}
		slices.Sort(parts)
		return "*[{" + strings.Join(parts, ", ") + "}]"
	}
	if len(r.Elems)%2 != 0 {
		return r.String()
	}
	for i := 0; i < len(r.Elems); i += 2 {
		parts = append(parts, r.Elems[i].String()+"=>"+r.Elems[i+1].String())
	}
	slices.Sort(parts)
	return string(r.Kind) + "{" + strings.Join(parts, ", ") + "}"
}

// canonKeys renders a map or a flat pair array as its sorted fields, each
// with the shape of its value.
func canonKeys(r *reply) string {
	if !r.isAggregate() || len(r.Elems)%2 != 0 {
		return r.Shape()
	}
	var parts []string
	for i := 0; i < len(r.Elems); i += 2 {
		parts = append(parts, r.Elems[i].String()+"=>"+r.Elems[i+1].Shape())
	}
	slices.Sort(parts)
	return string(r.Kind) + "{" + strings.Join(parts, ", ") + "}"
}

var cursorRE = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// scanAll runs a SCAN-family command from its cursor to the end and returns
// the set of elements seen (pairs for HSCAN), or the first reply that is
// not a cursor page.
func scanAll(c *rawConn, args []string) (set []string, bad *reply, err error) {
	args = slices.Clone(args)
	idx := cursorIndex(args)
	pairs := strings.EqualFold(args[0], "HSCAN")
	seen := map[string]bool{}
	for iter := 0; ; iter++ {
		if iter > 20000 {
			return nil, nil, fmt.Errorf("more than 20000 pages without reaching cursor 0")
		}
		r, err := c.Do(args...)
		if err != nil {
			return nil, nil, err
		}
		if r.Kind != kindArray || r.Null || len(r.Elems) != 2 || r.Elems[0].Kind != kindBulk ||
			r.Elems[0].Null || r.Elems[1].Kind != kindArray || r.Elems[1].Null {
			return nil, r, nil
		}
		cur := r.Elems[0].Str
		if !cursorRE.MatchString(cur) {
			return nil, r, nil
		}
		if _, err := strconv.ParseUint(cur, 10, 64); err != nil {
			return nil, r, nil
		}
		els := r.Elems[1].Elems
		if pairs && len(els)%2 != 0 {
			return nil, r, nil
		}
		step := 1
		if pairs {
			step = 2
		}
		for i := 0; i < len(els); i += step {
			k := els[i].String()
			if pairs {
				k += "=>" + els[i+1].String()
			}
			seen[k] = true
		}
		if cur == "0" {
			break
		}
		args[idx] = cur
	}
	for k := range seen {
		set = append(set, k)
	}
	slices.Sort(set)
	return set, nil, nil
}

// compareScan handles a !scan line. It reports whether both servers
// agree, or an I/O error from the sidecar.
func compareScan(t *testing.T, where string, l scriptLine, ref, sut *rawConn, verbose bool) (bool, error) {
	t.Helper()
	rs, rbad, err := scanAll(ref, l.args)
	if err != nil {
		t.Fatalf("%s\n  redis: %v", where, err)
	}
	ss, sbad, err := scanAll(sut, l.args)
	if err != nil {
		return false, err
	}
	show := func(set []string, bad *reply) string {
		if bad != nil {
			return "not a cursor page: " + bad.String()
		}
		return "{" + strings.Join(set, " ") + "}"
	}
	if verbose {
		t.Logf("%s\n  redis:   %s\n  sidecar: %s", where, show(rs, rbad), show(ss, sbad))
	}
	switch {
	case rbad != nil && sbad != nil:
		if rbad.String() == sbad.String() {
			return true, nil
		}
	case rbad == nil && sbad == nil:
		if slices.Equal(rs, ss) {
			return true, nil
		}
	}
	t.Errorf("%s\n  redis:   %s\n  sidecar: %s\n  (scan results differ)", where, show(rs, rbad), show(ss, sbad))
	return false, nil
}

func TestDifferentialScriptParser(t *testing.T) {
	src := "# c\n\nSET k \"!v\" !ignore\nPTTL k !range 0 100\n!sleep 5\nKEYS * !sort !resp3\nINFO !contains \"loading:0\"\n"
	lines, err := parseScript("x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 5 {
		t.Fatalf("got %d lines", len(lines))
	}
	if !slices.Equal(lines[0].args, []string{"SET", "k", "!v"}) || !lines[0].ignore {
		t.Errorf("line 0: %+v", lines[0])
	}
	if lines[1].rng == nil || lines[1].rng[1] != 100 {
		t.Errorf("line 1: %+v", lines[1])
	}
	if lines[2].sleep != 5*time.Millisecond || len(lines[2].args) != 0 {
		t.Errorf("line 2: %+v", lines[2])
	}
	if !lines[3].sort || lines[3].onlyResp != 3 {
		t.Errorf("line 3: %+v", lines[3])
	}
	if !slices.Equal(lines[4].contains, []string{"loading:0"}) {
		t.Errorf("line 4: %+v", lines[4])
	}
	for _, bad := range []string{"GET k !bogus\n", "!sleep x\n", "GET k !range 1\n", "GET k !scan\n"} {
		if _, err := parseScript("x", []byte(bad)); err == nil {
			t.Errorf("parseScript(%q): no error", bad)
		}
	}
}

// bothServers runs fn as subtests against a fresh redis-server ("redis")
// and a fresh sidecar ("sidecar"), so one set of assertions checks both.
func bothServers(t *testing.T, fn func(t *testing.T, addr string)) {
	t.Helper()
	ref := startRedis(t)
	sut := startSidecar(t)
	t.Run("redis", func(t *testing.T) { fn(t, ref.Addr) })
	t.Run("sidecar", func(t *testing.T) { fn(t, sut.Addr) })
}

// expectReply fails t unless r renders as want.
func expectReply(t *testing.T, what string, r *reply, want string) {
	t.Helper()
	if got := r.String(); got != want {
		t.Errorf("%s: got %s, want %s", what, got, want)
	}
}

// watchScenario runs the common WATCH pattern on two connections: c1
// watches key (after setup on c1), c2 runs touch, then c1 runs MULTI /
// SET key from-tx / EXEC and the EXEC reply must be want.
func watchScenario(t *testing.T, addr string, setup, touch [][]string, watchKeys []string, want string) {
	t.Helper()
	c1 := dialRaw(t, addr)
	c2 := dialRaw(t, addr)
	expectReply(t, "FLUSHALL", c1.MustDo(t, "FLUSHALL"), "+OK")
	for _, cmd := range setup {
		if r := c1.MustDo(t, cmd...); r.isError() {
			t.Fatalf("setup %q: %s", cmd, r)
		}
	}
	expectReply(t, "WATCH", c1.MustDo(t, append([]string{"WATCH"}, watchKeys...)...), "+OK")
	for _, cmd := range touch {
		if len(cmd) == 2 && cmd[0] == "sleep" {
			ms, _ := strconv.Atoi(cmd[1])
			time.Sleep(time.Duration(ms) * time.Millisecond)
			continue
		}
		if r := c2.MustDo(t, cmd...); r.isError() {
			t.Fatalf("touch %q: %s", cmd, r)
		}
	}
	expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
	expectReply(t, "SET", c1.MustDo(t, "SET", watchKeys[0], "from-tx"), "+QUEUED")
	expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), want)
	got := c1.MustDo(t, "GET", watchKeys[0]).String()
	if want == "*nil" && got == `$"from-tx"` {
		t.Errorf("aborted EXEC still wrote the key")
	}
	if want != "*nil" && got != `$"from-tx"` {
		t.Errorf("after EXEC: GET = %s, want from-tx", got)
	}
}

func TestWatchAbortsExecWhenKeyTouchedByAnotherClient(t *testing.T) {
	cases := []struct {
		name  string
		setup [][]string
		touch [][]string
		keys  []string
		want  string
	}{
		{"set", [][]string{{"SET", "w", "1"}}, [][]string{{"SET", "w", "2"}}, []string{"w"}, "*nil"},
		{"set same value", [][]string{{"SET", "w", "1"}}, [][]string{{"SET", "w", "1"}}, []string{"w"}, "*nil"},
		{"set missing key", nil, [][]string{{"SET", "w", "1"}}, []string{"w"}, "*nil"},
		{"del", [][]string{{"SET", "w", "1"}}, [][]string{{"DEL", "w"}}, []string{"w"}, "*nil"},
		{"unlink", [][]string{{"SET", "w", "1"}}, [][]string{{"UNLINK", "w"}}, []string{"w"}, "*nil"},
		{"expire", [][]string{{"SET", "w", "1"}}, [][]string{{"EXPIRE", "w", "100"}}, []string{"w"}, "*nil"},
		{"persist", [][]string{{"SET", "w", "1", "EX", "100"}}, [][]string{{"PERSIST", "w"}}, []string{"w"}, "*nil"},
		{"incr", [][]string{{"SET", "w", "1"}}, [][]string{{"INCR", "w"}}, []string{"w"}, "*nil"},
		{"append", [][]string{{"SET", "w", "1"}}, [][]string{{"APPEND", "w", "x"}}, []string{"w"}, "*nil"},
		{"hset", [][]string{{"HSET", "h", "f", "1"}}, [][]string{{"HSET", "h", "f", "2"}}, []string{"h"}, "*nil"},
		{"hdel", [][]string{{"HSET", "h", "f", "1", "g", "2"}}, [][]string{{"HDEL", "h", "f"}}, []string{"h"}, "*nil"},
		{"rename source", [][]string{{"SET", "w", "1"}}, [][]string{{"RENAME", "w", "other"}}, []string{"w"}, "*nil"},
		{"rename destination", [][]string{{"SET", "w", "1"}, {"SET", "src", "2"}}, [][]string{{"RENAME", "src", "w"}}, []string{"w"}, "*nil"},
		{"copy destination", [][]string{{"SET", "src", "2"}}, [][]string{{"COPY", "src", "w"}}, []string{"w"}, "*nil"},
		{"one of several keys", [][]string{{"SET", "w", "1"}}, [][]string{{"SET", "b", "2"}}, []string{"w", "a", "b"}, "*nil"},
		{"flushall", [][]string{{"SET", "w", "1"}}, [][]string{{"FLUSHALL"}}, []string{"w"}, "*nil"},
		{"flushdb", [][]string{{"SET", "w", "1"}}, [][]string{{"FLUSHDB"}}, []string{"w"}, "*nil"},
		{"watched key expires", [][]string{{"SET", "w", "1", "PX", "100"}}, [][]string{{"sleep", "300"}}, []string{"w"}, "*nil"},
		{"untouched key", [][]string{{"SET", "w", "1"}}, [][]string{{"SET", "other", "2"}, {"GET", "w"}}, []string{"w"}, `*[+OK]`},
		{"read only", [][]string{{"SET", "w", "1"}}, [][]string{{"GET", "w"}, {"EXISTS", "w"}, {"TTL", "w"}}, []string{"w"}, `*[+OK]`},
		{"del of missing key", nil, [][]string{{"DEL", "w"}}, []string{"w"}, `*[+OK]`},
		{"flushall of empty db", nil, [][]string{{"FLUSHALL"}}, []string{"w"}, `*[+OK]`},
		{"failed setnx", [][]string{{"SET", "w", "1"}}, [][]string{{"SETNX", "w", "2"}}, []string{"w"}, `*[+OK]`},
		{"expire on missing key", nil, [][]string{{"EXPIRE", "w", "100"}}, []string{"w"}, `*[+OK]`},
	}
	bothServers(t, func(t *testing.T, addr string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				watchScenario(t, addr, c.setup, c.touch, c.keys, c.want)
			})
		}
	})
}

func TestWatchFlowsOnOneServer(t *testing.T) {
	bothServers(t, func(t *testing.T, addr string) {
		t.Run("unwatch clears", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "FLUSHALL", c1.MustDo(t, "FLUSHALL"), "+OK")
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "w"), "+OK")
			expectReply(t, "SET", c2.MustDo(t, "SET", "w", "x"), "+OK")
			expectReply(t, "UNWATCH", c1.MustDo(t, "UNWATCH"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "GET", c1.MustDo(t, "GET", "w"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), `*[$"x"]`)
		})
		t.Run("exec clears the watch", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "w"), "+OK")
			expectReply(t, "SET", c2.MustDo(t, "SET", "w", "1"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC aborted", c1.MustDo(t, "EXEC"), "*nil")
			// The aborted EXEC unwatched everything: this one runs.
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*[+PONG]")
		})
		t.Run("discard clears the watch", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "w"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "DISCARD", c1.MustDo(t, "DISCARD"), "+OK")
			expectReply(t, "SET", c2.MustDo(t, "SET", "w", "2"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*[+PONG]")
		})
		t.Run("touched by the same client before MULTI", func(t *testing.T) {
			c1 := dialRaw(t, addr)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "self"), "+OK")
			expectReply(t, "SET", c1.MustDo(t, "SET", "self", "1"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*nil")
		})
		t.Run("touched after MULTI is queued", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "late"), "+OK")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "INCR", c1.MustDo(t, "INCR", "late"), "+QUEUED")
			expectReply(t, "SET", c2.MustDo(t, "SET", "late", "5"), "+OK")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*nil")
			expectReply(t, "GET", c1.MustDo(t, "GET", "late"), `$"5"`)
		})
		t.Run("two watchers, one writer", func(t *testing.T) {
			c1, c2, c3 := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "SET", c1.MustDo(t, "SET", "cnt", "0"), "+OK")
			for _, c := range []*rawConn{c1, c2} {
				expectReply(t, "WATCH", c.MustDo(t, "WATCH", "cnt"), "+OK")
				expectReply(t, "MULTI", c.MustDo(t, "MULTI"), "+OK")
				expectReply(t, "INCR", c.MustDo(t, "INCR", "cnt"), "+QUEUED")
			}
			expectReply(t, "EXEC first", c1.MustDo(t, "EXEC"), "*[:1]")
			expectReply(t, "EXEC second", c2.MustDo(t, "EXEC"), "*nil")
			expectReply(t, "GET", c3.MustDo(t, "GET", "cnt"), `$"1"`)
		})
		t.Run("watch of an already expired key", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "SET", c1.MustDo(t, "SET", "gone", "1", "PX", "50"), "+OK")
			time.Sleep(200 * time.Millisecond)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "gone"), "+OK")
			expectReply(t, "EXISTS", c2.MustDo(t, "EXISTS", "gone"), ":0")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*[+PONG]")
		})
		t.Run("reset clears the watch", func(t *testing.T) {
			c1, c2 := dialRaw(t, addr), dialRaw(t, addr)
			expectReply(t, "WATCH", c1.MustDo(t, "WATCH", "rw"), "+OK")
			expectReply(t, "SET", c2.MustDo(t, "SET", "rw", "1"), "+OK")
			expectReply(t, "RESET", c1.MustDo(t, "RESET"), "+RESET")
			expectReply(t, "MULTI", c1.MustDo(t, "MULTI"), "+OK")
			expectReply(t, "PING", c1.MustDo(t, "PING"), "+QUEUED")
			expectReply(t, "EXEC", c1.MustDo(t, "EXEC"), "*[+PONG]")
		})
	})
}

// TestSelectNonZeroDBIsError checks that the sidecar, which has only
// database 0, answers SELECT of any other database as Redis does when it
// is configured with one database.
func TestSelectNonZeroDBIsError(t *testing.T) {
	ref, err := procs.StartRedis(t.TempDir(), "--databases", "1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Kill() })
	target := ref.Addr
	if sidecarBin != "" {
		target = startSidecar(t).Addr
	}
	rc, sc := dialRaw(t, ref.Addr), dialRaw(t, target)
	for _, args := range [][]string{
		{"SELECT", "0"}, {"SELECT", "1"}, {"SELECT", "15"}, {"SELECT", "16"}, {"SELECT", "-1"},
		{"SELECT", "x"}, {"SELECT"}, {"SELECT", "0", "1"},
	} {
		want := rc.MustDo(t, args...)
		got := sc.MustDo(t, args...)
		if len(args) == 2 && args[1] != "0" && !got.isError() {
			t.Errorf("%q: got %s, want an error", args, got)
		}
		if got.String() != want.String() {
			t.Errorf("%q: got %s, want %s (redis --databases 1)", args, got, want)
		}
	}
	// Still on database 0 after the failed SELECTs.
	expectReply(t, "SET", sc.MustDo(t, "SET", "k", "v"), "+OK")
	sc2 := dialRaw(t, target)
	expectReply(t, "GET from another connection", sc2.MustDo(t, "GET", "k"), `$"v"`)
}

func TestDifferentialCompareDirectives(t *testing.T) {
	parse := func(s string) *reply {
		r, err := readReply(bufio.NewReader(strings.NewReader(s)))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return r
	}
	arrAB, arrBA := parse("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), parse("*2\r\n$1\r\nb\r\n$1\r\na\r\n")
	pairs1 := parse("*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n")
	pairs2 := parse("*4\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n")
	pairs3 := parse("*4\r\n$1\r\ng\r\n$1\r\n1\r\n$1\r\nf\r\n$1\r\n2\r\n")
	map1 := parse("%2\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n")
	nested1 := parse("*2\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$1\r\ng\r\n$1\r\n2\r\n")
	nested2 := parse("*2\r\n*2\r\n$1\r\ng\r\n$1\r\n2\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n")
	cases := []struct {
		l    scriptLine
		a, b *reply
		same bool
	}{
		{scriptLine{}, arrAB, arrAB, true},
		{scriptLine{}, arrAB, arrBA, false},
		{scriptLine{}, parse("$-1\r\n"), parse("_\r\n"), false},
		{scriptLine{}, parse("$-1\r\n"), parse("*-1\r\n"), false},
		{scriptLine{}, parse("+OK\r\n"), parse("$2\r\nOK\r\n"), false},
		{scriptLine{}, parse("-ERR a\r\n"), parse("-ERR b\r\n"), false},
		{scriptLine{sort: true}, arrAB, arrBA, true},
		{scriptLine{sort: true}, arrAB, parse("*2\r\n$1\r\na\r\n$1\r\na\r\n"), false},
		{scriptLine{pairs: true}, pairs1, pairs2, true},
		{scriptLine{pairs: true}, pairs1, pairs3, false},
		{scriptLine{pairs: true}, pairs1, map1, false},
		{scriptLine{pairs: true}, nested1, nested2, true},
		{scriptLine{shape: true}, arrAB, arrBA, true},
		{scriptLine{shape: true}, arrAB, pairs1, false},
		{scriptLine{kind: true}, arrAB, pairs1, true},
		{scriptLine{kind: true}, arrAB, parse("*-1\r\n"), false},
		{scriptLine{keys: true}, pairs1, pairs2, true},
		{scriptLine{keys: true}, pairs1, pairs3, true},
		{scriptLine{keys: true}, pairs1, parse("*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\nh\r\n$1\r\n2\r\n"), false},
		{scriptLine{keys: true}, pairs1, parse("*4\r\n$1\r\nf\r\n:1\r\n$1\r\ng\r\n$1\r\n2\r\n"), false},
		{scriptLine{isErr: true}, parse("-ERR a\r\n"), parse("-ERR b\r\n"), true},
		{scriptLine{isErr: true}, parse("-ERR a\r\n"), parse("+OK\r\n"), false},
		{scriptLine{rng: &[2]int64{1, 5}}, parse(":1\r\n"), parse(":5\r\n"), true},
		{scriptLine{rng: &[2]int64{1, 5}}, parse(":1\r\n"), parse(":6\r\n"), false},
		{scriptLine{contains: []string{"x:1"}}, parse("$5\r\nax:1b\r\n"), parse("$3\r\nx:1\r\n"), true},
		{scriptLine{contains: []string{"x:1"}}, parse("$5\r\nax:1b\r\n"), parse("$3\r\nx:2\r\n"), false},
		{scriptLine{ignore: true}, arrAB, parse("-ERR\r\n"), true},
	}
	for i, c := range cases {
		msg := compareReplies(c.l, c.a, c.b)
		if (msg == "") != c.same {
			t.Errorf("case %d: %s vs %s: compare said %q, want same=%v", i, c.a, c.b, msg, c.same)
		}
	}
}
