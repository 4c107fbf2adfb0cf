package compat_test

// Raw-socket framing tests: the same bytes go to redis-server and to the
// sidecar, and everything that comes back — every byte, and whether the
// server closed the connection — must be the same.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawCase is one framing scenario: chunks are written in order with gap
// between them, then the replies are read until the server closes the
// connection or stays quiet.
type rawCase struct {
	name   string
	chunks []string
	gap    time.Duration
}

// rawResult is what one server answered to a rawCase.
type rawResult struct {
	out    []byte
	closed bool
}

func (r rawResult) String() string {
	s := strconv.Quote(string(r.out))
	if len(s) > 2000 {
		s = s[:2000] + fmt.Sprintf("...(%d bytes)", len(r.out))
	}
	if r.closed {
		return s + " then closed"
	}
	return s + " (still open)"
}

// quietPeriod is how long a server must stay silent before we take it that
// no more replies are coming.
const quietPeriod = 500 * time.Millisecond

func runRawCase(t *testing.T, addr string, c rawCase) rawResult {
	t.Helper()
	conn := dialRaw(t, addr)
	for i, ch := range c.chunks {
		if i > 0 && c.gap > 0 {
			time.Sleep(c.gap)
		}
		if err := conn.WriteRaw([]byte(ch)); err != nil {
			// The server may close early, e.g. after a protocol error
			// in an earlier chunk; what it sent is still compared.
			break
		}
	}
	out, closed, err := conn.ReadRawUntilQuiet(quietPeriod, 30*time.Second)
	if err != nil {
		t.Logf("read: %v", err)
	}
	return rawResult{out: out, closed: closed}
}

// protoServers starts one redis-server and one sidecar for a whole test.
func protoServers(t *testing.T) (ref, sut string) {
	t.Helper()
	return startRedis(t).Addr, startSidecar(t).Addr
}

// compareRawCases runs every case against both servers, in parallel.
func compareRawCases(t *testing.T, cases []rawCase) {
	ref, sut := protoServers(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var want, got rawResult
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); want = runRawCase(t, ref, c) }()
			go func() { defer wg.Done(); got = runRawCase(t, sut, c) }()
			wg.Wait()
			if os.Getenv("MURR_DIFF_VERBOSE") != "" {
				t.Logf("%s: redis: %s", c.name, want)
			}
			if !bytes.Equal(want.out, got.out) || want.closed != got.closed {
				t.Errorf("input %q\n  redis:   %s\n  sidecar: %s", shorten(strings.Join(c.chunks, "")), want, got)
			}
		})
	}
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// mb encodes one multibulk command.
func mb(args ...string) string { return string(encodeCommand(args...)) }

func TestProtocolFraming(t *testing.T) {
	var pipeline strings.Builder
	for i := range 200 {
		k := fmt.Sprintf("pl:%d", i%7)
		switch i % 6 {
		case 0:
			pipeline.WriteString(mb("SET", k, strconv.Itoa(i)))
		case 1:
			pipeline.WriteString(mb("GET", k))
		case 2:
			pipeline.WriteString(mb("INCR", k))
		case 3:
			pipeline.WriteString(mb("NOSUCH", k))
		case 4:
			pipeline.WriteString(mb("HGET", k, "f"))
		case 5:
			pipeline.WriteString(mb("GET"))
		}
	}
	split := mb("SET", "split:k", "hello world") + mb("GET", "split:k")
	var bytewise []string
	for i := range len(split) {
		bytewise = append(bytewise, split[i:i+1])
	}
	big := strings.Repeat("a", 70<<10)
	cases := []rawCase{
		// pipelining
		{name: "pipeline answered in order", chunks: []string{pipeline.String()}},
		{name: "pipeline of pings", chunks: []string{strings.Repeat(mb("PING"), 1000)}},
		{name: "pipeline mixing inline and multibulk", chunks: []string{"PING\r\n" + mb("ECHO", "x") + "ECHO y\r\n" + mb("PING")}},

		// inline commands
		{name: "inline ping", chunks: []string{"PING\r\n"}},
		{name: "inline with LF only", chunks: []string{"PING\nPING\n"}},
		{name: "inline lower case", chunks: []string{"ping\r\n"}},
		{name: "inline extra spaces", chunks: []string{"   ECHO    hello   \r\n"}},
		{name: "inline tabs", chunks: []string{"ECHO\thello\r\n"}},
		{name: "inline double quotes", chunks: []string{`SET inl:q "a b c"` + "\r\nGET inl:q\r\n"}},
		{name: "inline escapes", chunks: []string{`ECHO "\x41\x42\n\t\\\"z"` + "\r\n"}},
		{name: "inline single quotes", chunks: []string{`ECHO 'it\'s'` + "\r\n"}},
		{name: "inline empty quoted arg", chunks: []string{`ECHO ""` + "\r\n"}},
		{name: "inline quote in the middle", chunks: []string{`ECHO a"b c"d` + "\r\n"}},
		{name: "inline unbalanced double quote", chunks: []string{`ECHO "abc` + "\r\nPING\r\n"}},
		{name: "inline unbalanced single quote", chunks: []string{`ECHO 'abc` + "\r\nPING\r\n"}},
		{name: "inline closing quote followed by text", chunks: []string{`ECHO "abc"def` + "\r\n"}},
		{name: "inline empty lines are ignored", chunks: []string{"\r\n\r\n\n   \r\nPING\r\n"}},
		{name: "inline unknown command", chunks: []string{"FOO bar baz\r\n"}},
		{name: "inline wrong arity", chunks: []string{"GET\r\n"}},
		{name: "inline CR inside line", chunks: []string{"ECHO a\rb\r\n"}},
		{name: "inline split", chunks: []string{"PI", "NG\r", "\n"}, gap: 50 * time.Millisecond},

		// multibulk headers
		{name: "empty multibulk", chunks: []string{"*0\r\n" + mb("PING")}},
		{name: "negative multibulk", chunks: []string{"*-1\r\n" + mb("PING")}},
		{name: "multibulk -5", chunks: []string{"*-5\r\n" + mb("PING")}},
		{name: "invalid multibulk length", chunks: []string{"*abc\r\n" + mb("PING")}},
		{name: "multibulk length with space", chunks: []string{"* 1\r\n$4\r\nPING\r\n"}},
		{name: "multibulk length plus sign", chunks: []string{"*+1\r\n$4\r\nPING\r\n"}},
		{name: "multibulk length empty", chunks: []string{"*\r\n" + mb("PING")}},
		{name: "multibulk length above int32", chunks: []string{"*2147483648\r\n"}},
		{name: "multibulk length huge", chunks: []string{"*99999999999999999999\r\n"}},
		{name: "multibulk LF only", chunks: []string{"*1\n$4\r\nPING\r\n"}},
		{name: "expected dollar", chunks: []string{"*1\r\nx\r\n"}},
		{name: "expected dollar got colon", chunks: []string{"*2\r\n$3\r\nGET\r\n:1\r\n"}},
		{name: "expected dollar got star", chunks: []string{"*1\r\n*1\r\n"}},

		// bulk lengths
		{name: "bulk length negative", chunks: []string{"*1\r\n$-1\r\n"}},
		{name: "bulk length -5", chunks: []string{"*1\r\n$-5\r\n"}},
		{name: "bulk length non numeric", chunks: []string{"*1\r\n$abc\r\n"}},
		{name: "bulk length empty", chunks: []string{"*1\r\n$\r\n"}},
		{name: "bulk length above 512MB", chunks: []string{"*1\r\n$536870913\r\n"}},
		{name: "bulk length huge", chunks: []string{"*1\r\n$99999999999999999999\r\n"}},
		{name: "bulk zero length", chunks: []string{"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"}},
		{name: "bulk with CRLF inside", chunks: []string{mb("ECHO", "a\r\nb\r\n")}},

		// too big without a newline
		{name: "too big inline request", chunks: []string{big}},
		{name: "too big inline request in pieces", chunks: []string{big[:30<<10], big[30<<10:]}, gap: 20 * time.Millisecond},
		{name: "too big multibulk count", chunks: []string{"*" + strings.Repeat("1", 70<<10)}},
		{name: "too big bulk count", chunks: []string{"*1\r\n$" + strings.Repeat("1", 70<<10)}},

		// commands split across writes
		{name: "split byte by byte", chunks: bytewise, gap: time.Millisecond},
		{name: "split inside header", chunks: []string{"*", "1\r", "\n$", "4\r\nPI", "NG", "\r\n"}, gap: 20 * time.Millisecond},
		{name: "split inside bulk", chunks: []string{"*2\r\n$4\r\nECHO\r\n$10\r\n01234", "56789\r\n"}, gap: 50 * time.Millisecond},

		// QUIT
		{name: "quit", chunks: []string{mb("QUIT")}},
		{name: "quit inline", chunks: []string{"quit\r\n"}},
		{name: "quit then more commands", chunks: []string{mb("QUIT") + mb("PING")}},
		{name: "quit with args", chunks: []string{mb("QUIT", "now")}},
		{name: "commands then quit", chunks: []string{mb("PING") + mb("ECHO", "x") + mb("QUIT")}},

		// protocol error after good commands
		{name: "error mid pipeline", chunks: []string{mb("PING") + "*1\r\nx\r\n" + mb("PING")}},
		{name: "error after partial pipeline", chunks: []string{mb("SET", "mid:k", "1") + "*1\r\n$-7\r\n" + mb("GET", "mid:k")}},
	}
	compareRawCases(t, cases)
}

// TestProtocolErrorClosesConnection checks that after a protocol error
// the server closes the connection (the same check compareRawCases does,
// kept separate so its failure reads plainly).
func TestProtocolErrorClosesConnection(t *testing.T) {
	bothServers(t, func(t *testing.T, addr string) {
		for _, in := range []string{"*1\r\nx\r\n", "*abc\r\n", "*1\r\n$-1\r\n", "ECHO \"abc\r\n"} {
			c := dialRaw(t, addr)
			if err := c.WriteRaw([]byte(in)); err != nil {
				t.Fatal(err)
			}
			out, closed, err := c.ReadRawUntilQuiet(2*time.Second, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(out), "-ERR Protocol error: ") || !closed {
				t.Errorf("%q: got %q closed=%v; want a protocol error and a closed connection", in, out, closed)
			}
		}
	})
}

// TestHugeMultibulkHeaderDoesNotBlockOthers: a client that announces two
// billion arguments and then goes quiet must not stop the server from
// serving everyone else, nor make it allocate for the announced size.
func TestHugeMultibulkHeaderDoesNotBlockOthers(t *testing.T) {
	bothServers(t, func(t *testing.T, addr string) {
		stalled := dialRaw(t, addr)
		if err := stalled.WriteRaw([]byte("*2000000000\r\n")); err != nil {
			t.Fatal(err)
		}
		stalled2 := dialRaw(t, addr)
		if err := stalled2.WriteRaw([]byte("*2000000000\r\n$536870912\r\nabc")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		other := dialRaw(t, addr)
		other.timeout = 3 * time.Second
		start := time.Now()
		for i := range 50 {
			k := fmt.Sprintf("huge:%d", i)
			if r, err := other.Do("SET", k, "v"); err != nil || r.String() != "+OK" {
				t.Fatalf("SET while another client is stalled: %v %v", r, err)
			}
			if r, err := other.Do("GET", k); err != nil || r.String() != `$"v"` {
				t.Fatalf("GET while another client is stalled: %v %v", r, err)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("100 commands took %v while another client was stalled", d)
		}
		// The stalled connections are still waiting, not answered.
		out, closed, err := stalled.ReadRawUntilQuiet(200*time.Millisecond, time.Second)
		if err != nil || len(out) != 0 || closed {
			t.Errorf("stalled client: got %q closed=%v err=%v; want nothing yet", out, closed, err)
		}
	})
}

// TestLargeBulkRoundTrip sends a 10 MB value and reads it back.
func TestLargeBulkRoundTrip(t *testing.T) {
	val := make([]byte, 10<<20)
	for i := range val {
		val[i] = byte(i*31 + i>>8)
	}
	bothServers(t, func(t *testing.T, addr string) {
		c := dialRaw(t, addr)
		expectReply(t, "SET", c.MustDo(t, "SET", "big:10mb", string(val)), "+OK")
		expectReply(t, "STRLEN", c.MustDo(t, "STRLEN", "big:10mb"), ":10485760")
		r := c.MustDo(t, "GET", "big:10mb")
		if r.Kind != kindBulk || r.Str != string(val) {
			t.Errorf("GET returned %d bytes of kind %c, not the value sent", len(r.Str), r.Kind)
		}
		expectReply(t, "HSET", c.MustDo(t, "HSET", "big:h", "f", string(val)), ":1")
		r = c.MustDo(t, "HGET", "big:h", "f")
		if r.Str != string(val) {
			t.Errorf("HGET returned %d bytes, not the value sent", len(r.Str))
		}
		expectReply(t, "GETRANGE", c.MustDo(t, "GETRANGE", "big:10mb", "-3", "-1"), "$"+strconv.Quote(string(val[len(val)-3:])))
		// Sent in small pieces too.
		enc := encodeCommand("SET", "big:pieces", string(val))
		for off := 0; off < len(enc); off += 1 << 16 {
			if err := c.WriteRaw(enc[off:min(off+1<<16, len(enc))]); err != nil {
				t.Fatal(err)
			}
		}
		r, err := c.Read()
		if err != nil || r.String() != "+OK" {
			t.Fatalf("SET in pieces: %v %v", r, err)
		}
		expectReply(t, "STRLEN", c.MustDo(t, "STRLEN", "big:pieces"), ":10485760")
		// Many large values pipelined, read back in order.
		var pipe bytes.Buffer
		for i := range 8 {
			pipe.Write(encodeCommand("SET", fmt.Sprintf("big:p%d", i), string(val[i:i+1<<20])))
			pipe.Write(encodeCommand("GET", fmt.Sprintf("big:p%d", i)))
		}
		if err := c.WriteRaw(pipe.Bytes()); err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			if r, err := c.Read(); err != nil || r.String() != "+OK" {
				t.Fatalf("pipelined SET %d: %v %v", i, r, err)
			}
			if r, err := c.Read(); err != nil || r.Str != string(val[i:i+1<<20]) {
				t.Fatalf("pipelined GET %d: %v", i, err)
			}
		}
	})
}

// TestPipelineLargeInOrder writes 20000 commands in one go and checks that
// exactly as many replies come back, in order.
func TestPipelineLargeInOrder(t *testing.T) {
	bothServers(t, func(t *testing.T, addr string) {
		c := dialRaw(t, addr)
		const n = 20000
		var buf bytes.Buffer
		for i := range n {
			buf.Write(encodeCommand("ECHO", strconv.Itoa(i)))
		}
		done := make(chan error, 1)
		go func() { done <- c.WriteRaw(buf.Bytes()) }()
		for i := range n {
			r, err := c.Read()
			if err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
			if r.Kind != kindBulk || r.Str != strconv.Itoa(i) {
				t.Fatalf("reply %d: got %s", i, r)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestQuitRepliesOKThenCloses checks QUIT's reply and the close after it.
func TestQuitRepliesOKThenCloses(t *testing.T) {
	bothServers(t, func(t *testing.T, addr string) {
		c := dialRaw(t, addr)
		expectReply(t, "PING", c.MustDo(t, "PING"), "+PONG")
		if err := c.WriteRaw(encodeCommand("QUIT")); err != nil {
			t.Fatal(err)
		}
		out, closed, err := c.ReadRawUntilQuiet(2*time.Second, 5*time.Second)
		if err != nil || string(out) != "+OK\r\n" || !closed {
			t.Errorf("QUIT: got %q closed=%v err=%v; want +OK then close", out, closed, err)
		}
		// A QUIT queued in MULTI still quits at once.
		c = dialRaw(t, addr)
		expectReply(t, "MULTI", c.MustDo(t, "MULTI"), "+OK")
		if err := c.WriteRaw(encodeCommand("QUIT")); err != nil {
			t.Fatal(err)
		}
		out, closed, _ = c.ReadRawUntilQuiet(2*time.Second, 5*time.Second)
		if string(out) != "+OK\r\n" || !closed {
			t.Errorf("QUIT in MULTI: got %q closed=%v; want +OK then close", out, closed)
		}
	})
}

// TestResetRestoresConnectionDefaults runs RESET after changing every bit
// of connection state and compares each reply with Redis's.
func TestResetRestoresConnectionDefaults(t *testing.T) {
	ref, sut := protoServers(t)
	steps := [][]string{
		{"HELLO", "3"},
		{"CLIENT", "SETNAME", "before"},
		{"HSET", "reset:h", "f", "v"},
		{"HGETALL", "reset:h"},
		{"WATCH", "reset:w"},
		{"MULTI"},
		{"SET", "reset:w", "1"},
		{"RESET"},
		{"EXEC"},
		{"HGETALL", "reset:h"},
		{"CLIENT", "GETNAME"},
		{"EXISTS", "reset:w"},
		{"GET", "missing"},
		{"RESET"},
		{"PING"},
	}
	rc, sc := dialRaw(t, ref), dialRaw(t, sut)
	for i, s := range steps {
		want := rc.MustDo(t, s...)
		got := sc.MustDo(t, s...)
		if i == 0 {
			continue // HELLO's reply holds server-specific values
		}
		if want.String() != got.String() {
			t.Errorf("%q: redis %s, sidecar %s", s, want, got)
		}
	}
}

// TestHelloReplyFields compares the HELLO reply field by field: the
// fields and the values clients look at (proto, mode, role, modules) must
// be Redis's; server, version and id are the server's own.
func TestHelloReplyFields(t *testing.T) {
	ref, sut := protoServers(t)
	fields := func(r *reply) map[string]string {
		m := map[string]string{}
		if !r.isAggregate() || len(r.Elems)%2 != 0 {
			return nil
		}
		for i := 0; i < len(r.Elems); i += 2 {
			m[r.Elems[i].Str] = r.Elems[i+1].String()
		}
		return m
	}
	for _, args := range [][]string{{"HELLO"}, {"HELLO", "2"}, {"HELLO", "3"}, {"HELLO", "3", "SETNAME", "x"}, {"HELLO", "2", "AUTH", "default", "pw"}} {
		rc, sc := dialRaw(t, ref), dialRaw(t, sut)
		want, got := rc.MustDo(t, args...), sc.MustDo(t, args...)
		if want.Kind != got.Kind {
			t.Errorf("%q: redis %s, sidecar %s", args, want, got)
			continue
		}
		wf, gf := fields(want), fields(got)
		for k, wv := range wf {
			gv, ok := gf[k]
			switch {
			case !ok:
				t.Errorf("%q: sidecar has no field %q", args, k)
			case k == "server" || k == "version":
				if !strings.HasPrefix(gv, "$") {
					t.Errorf("%q: field %q = %s, want a bulk string", args, k, gv)
				}
			case k == "id":
				if !strings.HasPrefix(gv, ":") {
					t.Errorf("%q: field %q = %s, want an integer", args, k, gv)
				}
			case gv != wv:
				t.Errorf("%q: field %q: redis %s, sidecar %s", args, k, wv, gv)
			}
		}
		for k := range gf {
			if _, ok := wf[k]; !ok {
				t.Errorf("%q: sidecar has extra field %q", args, k)
			}
		}
	}
}
