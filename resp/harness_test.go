package resp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// The command tests talk raw RESP to a real Server over loopback and
// compare replies byte for byte with the ones redis-server 7.0.15 gives.
//
// Most are scripts, one step per line:
//
//	cmd args => reply     exact raw reply, escaped as Python's bytes repr (\r \n \t \xNN \\)
//	cmd args =~ regexp    reply must match (anchored); for time-dependent values
//	cmd args =>! reply    like =>, but skipped against real Redis (a deliberate difference)
//	!sleep 0.1            pause
//	# comment
//
// Arguments split on spaces; "double quotes" group (so "" is the empty
// argument) and accept \xNN \r \n and \ before any other byte.
//
// runScripts also runs each script against the Redis named by
// MURR_TEST_REDIS=host:port, if set (after FLUSHALL), to prove the
// expectations are Redis's.

// testServer is a Server on 127.0.0.1:0 over a fresh engine in t.TempDir().
type testServer struct {
	t    testing.TB
	srv  *Server
	addr string
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerWith(t, engine.Options{}, Options{})
}

// newTestServerWith is newTestServer over an engine opened with eopts (by
// default in a new t.TempDir(), without fsync) serving with opts.
func newTestServerWith(t testing.TB, eopts engine.Options, opts Options) *testServer {
	t.Helper()
	if eopts.Dir == "" {
		eopts.Dir = t.TempDir()
	}
	if eopts.Fsync == "" {
		eopts.Fsync = engine.FsyncNo
	}
	db, err := engine.Open(eopts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startTestServer(t, db, opts, ln)
}

// startTestServer serves db with opts on ln until the test ends, then
// shuts the server down, checks db and closes it.
func startTestServer(t testing.TB, db *engine.DB, opts Options, ln net.Listener) *testServer {
	s, stop := serveTest(t, db, opts, ln)
	t.Cleanup(stop)
	return s
}

// serveTest serves db with opts on ln until stop, which shuts the server
// down, checks db and closes it; calls after the first do nothing.
func serveTest(t testing.TB, db *engine.DB, opts Options, ln net.Listener) (s *testServer, stop func()) {
	srv := NewServer(db, opts)
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	stop = sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-done
		if err := db.Check(); err != nil {
			t.Errorf("engine check: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testServer{t: t, srv: srv, addr: ln.Addr().String()}, stop
}

// conn opens a new client connection to s.
func (s *testServer) conn() *rawConn { return dialRaw(s.t, s.addr) }

// rawConn is one client connection speaking raw RESP.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// do sends one command and returns its raw reply.
func (c *rawConn) do(args ...string) string {
	c.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write([]byte(b.String())); err != nil {
		c.t.Fatalf("%q: write: %v", args, err)
	}
	reply, err := readReply(c.r)
	if err != nil {
		c.t.Fatalf("%q: read: %v", args, err)
	}
	return reply
}

// closed reports whether the server closed c's connection.
func (c *rawConn) closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.r.ReadByte()
	return err == io.EOF || err != nil && !strings.Contains(err.Error(), "timeout")
}

// readReply reads one complete RESP2/RESP3 reply, raw.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, fmt.Errorf("short line %q", line)
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return line, err
		}
		return line + string(buf), nil
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			s, err := readReply(r)
			out += s
			if err != nil {
				return out, err
			}
		}
		return out, nil
	}
	return line, nil
}

// splitArgs splits a command line into arguments.
func splitArgs(line string) ([]string, error) {
	var args []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\\' && i+1 < len(line):
			i++
			switch line[i] {
			case 'x':
				if i+2 >= len(line) {
					return nil, fmt.Errorf("bad escape in %q", line)
				}
				v, err := strconv.ParseUint(line[i+1:i+3], 16, 8)
				if err != nil {
					return nil, err
				}
				cur.WriteByte(byte(v))
				i += 2
			case 'r':
				cur.WriteByte('\r')
			case 'n':
				cur.WriteByte('\n')
			default:
				cur.WriteByte(line[i])
			}
		case c == '"':
			quoted = !quoted
			in = true
		case c == ' ' && !quoted:
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced quotes in %q", line)
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}

// unrepr decodes a reply written as Python's bytes repr.
func unrepr(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("bad escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// scriptStep is one line of a script.
type scriptStep struct {
	line    string
	args    []string
	want    string
	re      *regexp.Regexp
	ourOnly bool
	sleep   time.Duration
}

func parseScript(t testing.TB, script string) []scriptStep {
	t.Helper()
	var steps []scriptStep
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "!sleep "); ok {
			d, err := time.ParseDuration(rest + "s")
			if err != nil {
				t.Fatal(err)
			}
			steps = append(steps, scriptStep{line: line, sleep: d})
			continue
		}
		st := scriptStep{line: line}
		var cmd, want string
		switch {
		case strings.Contains(line, " =>! "):
			cmd, want, _ = strings.Cut(line, " =>! ")
			st.ourOnly = true
		case strings.Contains(line, " => "):
			cmd, want, _ = strings.Cut(line, " => ")
		case strings.Contains(line, " =~ "):
			cmd, want, _ = strings.Cut(line, " =~ ")
			st.re = regexp.MustCompile(`\A(?:` + want + `)\z`)
		default:
			t.Fatalf("bad script line %q", line)
		}
		args, err := splitArgs(cmd)
		if err != nil {
			t.Fatal(err)
		}
		st.args = args
		if st.re == nil {
			if st.want, err = unrepr(want); err != nil {
				t.Fatal(err)
			}
		}
		steps = append(steps, st)
	}
	return steps
}

// runSteps runs steps in order on c; real says c is a real Redis.
func runSteps(t *testing.T, c *rawConn, steps []scriptStep, real bool) {
	t.Helper()
	for _, st := range steps {
		if st.sleep > 0 {
			time.Sleep(st.sleep)
			continue
		}
		if real && st.ourOnly {
			continue
		}
		got := c.do(st.args...)
		if st.re != nil {
			if !st.re.MatchString(got) {
				t.Errorf("%s\n got %q\nwant match of %q", st.line, got, st.re)
			}
			continue
		}
		if got != st.want {
			t.Errorf("%s\n got %q\nwant %q", st.line, got, st.want)
		}
	}
}

// runScript runs a script on c, a connection to our server.
func runScript(t *testing.T, c *rawConn, script string) {
	t.Helper()
	runSteps(t, c, parseScript(t, script), false)
}

// runScripts runs each named script on a fresh server, and on the real
// Redis named by MURR_TEST_REDIS if set.
func runScripts(t *testing.T, scripts map[string]string) {
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			runScript(t, newTestServer(t).conn(), script)
		})
		if addr := os.Getenv("MURR_TEST_REDIS"); addr != "" {
			t.Run(name+"/redis", func(t *testing.T) {
				c := dialRaw(t, addr)
				if got := c.do("FLUSHALL"); got != "+OK\r\n" {
					t.Fatalf("FLUSHALL: %q", got)
				}
				runSteps(t, c, parseScript(t, script), true)
			})
		}
	}
}

// bulkStrings returns the elements of a flat array of bulk strings.
func bulkStrings(t *testing.T, reply string) []string {
	t.Helper()
	lines := strings.Split(reply, "\r\n")
	if !strings.HasPrefix(lines[0], "*") {
		t.Fatalf("not an array: %q", reply)
	}
	n, _ := strconv.Atoi(lines[0][1:])
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, lines[2+2*i])
	}
	return out
}

// bulkBody returns the payload of a bulk or verbatim string reply.
func bulkBody(t *testing.T, reply string) string {
	t.Helper()
	nl := strings.Index(reply, "\r\n")
	if nl < 0 || (reply[0] != '$' && reply[0] != '=') {
		t.Fatalf("not a bulk reply: %q", reply)
	}
	n, _ := strconv.Atoi(reply[1:nl])
	body := reply[nl+2 : nl+2+n]
	if reply[0] == '=' {
		if !strings.HasPrefix(body, "txt:") {
			t.Fatalf("verbatim reply without txt: %q", reply)
		}
		body = body[4:]
	}
	if reply[nl+2+n:] != "\r\n" {
		t.Fatalf("bad bulk framing: %q", reply)
	}
	return body
}
