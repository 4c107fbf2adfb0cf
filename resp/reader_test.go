package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pieceReader hands out at most n bytes per Read (all when n <= 0), the
// way a slow network splits a request.
type pieceReader struct {
	data []byte
	n    int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := len(p.data)
	if p.n > 0 {
		n = min(n, p.n)
	}
	n = copy(b, p.data[:n])
	p.data = p.data[n:]
	return n, nil
}

// randReader splits its data at random points.
type randReader struct {
	data []byte
	rng  *rand.Rand
}

func (p *randReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.data[:1+p.rng.Intn(min(len(p.data), 64))])
	p.data = p.data[n:]
	return n, nil
}

// result is everything a client can observe from one stream.
type result struct {
	Cmds    [][]string
	Err     error
	Pending int // bytes still buffered when the stream ended without error
}

// parseAll parses a whole stream, stopping at the first error or EOF.
func parseAll(t testing.TB, rd io.Reader, lim Limits, unauth bool) result {
	r := NewReader(rd, lim)
	r.SetAuthenticated(!unauth)
	var res result
	for iter := 0; ; iter++ {
		if iter > 1<<24 {
			t.Fatalf("no progress after %d iterations", iter)
		}
		args, err := r.Next()
		if err != nil {
			res.Err = err
			return res
		}
		if args != nil {
			cmd := make([]string, len(args))
			for i, a := range args {
				cmd[i] = string(a)
			}
			res.Cmds = append(res.Cmds, cmd)
			continue
		}
		if err := r.Fill(); err != nil {
			if err != io.EOF {
				res.Err = err
			} else {
				res.Pending = r.Buffered()
			}
			return res
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func cmds(c ...string) [][]string {
	out := make([][]string, len(c))
	for i, s := range c {
		out[i] = strings.Split(s, " ")
	}
	return out
}

const (
	errMbulk   = "Protocol error: invalid multibulk length"
	errBulk    = "Protocol error: invalid bulk length"
	errQuotes  = "Protocol error: unbalanced quotes in request"
	errInline  = "Protocol error: too big inline request"
	errMcount  = "Protocol error: too big mbulk count string"
	errBcount  = "Protocol error: too big bulk count string"
	errUMbulk  = "Protocol error: unauthenticated multibulk length"
	errUBulk   = "Protocol error: unauthenticated bulk length"
	k64        = 64 << 10
	pingInline = "PING\r\n"
)

// readerTests were each checked against redis-server 7.0.15 over a raw
// socket: same commands executed, same error reply, connection closed.
var readerTests = []struct {
	name    string
	in      string
	want    [][]string
	err     string
	pending bool // the stream ended inside a command
	unauth  bool
	lim     Limits
}{
	{name: "inline", in: "PING\r\n", want: cmds("PING")},
	{name: "multibulk", in: "*1\r\n$4\r\nPING\r\n", want: cmds("PING")},
	{name: "multibulk args", in: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", want: [][]string{{"SET", "k", ""}}},
	{name: "binary bulk", in: "*1\r\n$6\r\n\r\n\x00\r\n\xff\r\n", want: [][]string{{"\r\n\x00\r\n\xff"}}},
	{name: "NUL inside bulk", in: "*1\r\n$4\r\nPI\x00G\r\n" + "*1\r\n$4\r\nPING\r\n", want: [][]string{{"PI\x00G"}, {"PING"}}},
	{name: "pipeline", in: "PING\r\n*1\r\n$4\r\nECHO\r\nGET a\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n", want: cmds("PING", "ECHO", "GET a", "GET b")},

	// Multibulk counts parse like string2ll; <= 0 is an empty command.
	{name: "count LF only", in: "*1\n$4\r\nPING\r\n", err: errMbulk},
	{name: "count empty", in: "*\r\nPING\r\n", err: errMbulk},
	{name: "count plus", in: "*+1\r\n$4\r\nPING\r\n", err: errMbulk},
	{name: "count leading zero", in: "*01\r\n$4\r\nPING\r\n", err: errMbulk},
	{name: "count minus zero", in: "*-0\r\nPING\r\n", err: errMbulk},
	{name: "count leading space", in: "* 1\r\n$4\r\nPING\r\n", err: errMbulk},
	{name: "count trailing space", in: "*1 \r\n$4\r\nPING\r\n", err: errMbulk},
	{name: "count zero", in: "*0\r\nPING\r\n", want: cmds("PING")},
	{name: "count -1", in: "*-1\r\nPING\r\n", want: cmds("PING")},
	{name: "count -5", in: "*-5\r\nPING\r\n", want: cmds("PING")},
	{name: "count int64 min", in: "*-9223372036854775808\r\nPING\r\n", want: cmds("PING")},
	{name: "count below int64", in: "*-9223372036854775809\r\nPING\r\n", err: errMbulk},
	{name: "count INT_MAX", in: "*2147483647\r\n", pending: true},
	{name: "count INT_MAX+1", in: "*2147483648\r\n", err: errMbulk},
	{name: "count int64 max", in: "*9223372036854775807\r\n", err: errMbulk},
	{name: "count above int64", in: "*9223372036854775808\r\n", err: errMbulk},
	{name: "count 21 digits", in: "*000000000000000000001\r\n", err: errMbulk},
	{name: "count limit", in: "*3\r\n", err: errMbulk, lim: Limits{MaxMultibulk: 2}},

	// Bytes Redis skips without looking at them.
	{name: "bulk trailer unchecked", in: "*1\r\n$4\r\nPINGxy$4\r\nPING\r\n", want: cmds("PING", "$4", "PING")},
	{name: "count LF unchecked", in: "*1\rX$4\r\nPING\r\n", want: cmds("PING")},
	{name: "bulk LF unchecked", in: "*1\r\n$4\rXPINGXY", want: cmds("PING")},

	// Bulk headers.
	{name: "expected dollar", in: "*1\r\nx4\r\nPING\r\n", err: "Protocol error: expected '$', got 'x'"},
	{name: "expected dollar LF", in: "*1\r\n\n\r\nPING\r\n", err: "Protocol error: expected '$', got ' '"},
	{name: "expected dollar CR", in: "*1\r\n\r\nPING\r\n", err: "Protocol error: expected '$', got ' '"},
	{name: "expected dollar binary", in: "*1\r\n\xff3\r\n", err: "Protocol error: expected '$', got '\xff'"},
	{name: "bulk -1", in: "*1\r\n$-1\r\n", err: errBulk},
	{name: "bulk empty", in: "*1\r\n$\r\n", err: errBulk},
	{name: "bulk plus", in: "*1\r\n$+4\r\nPING\r\n", err: errBulk},
	{name: "bulk leading zero", in: "*1\r\n$04\r\nPING\r\n", err: errBulk},
	{name: "bulk 512MiB", in: "*1\r\n$536870912\r\n", pending: true},
	{name: "bulk 512MiB+1", in: "*1\r\n$536870913\r\n", err: errBulk},
	{name: "bulk limit", in: "*1\r\n$11\r\n", err: errBulk, lim: Limits{MaxBulkLen: 10}},
	{name: "second bulk bad", in: "*2\r\n$1\r\na\r\n$x\r\n", err: errBulk},

	// strchr stops at NUL: a line with a NUL before its terminator never ends.
	{name: "NUL in inline", in: "PI\x00NG\r\nPING\r\n", pending: true},
	{name: "NUL in count", in: "*1\x00\r\n$4\r\nPING\r\n", pending: true},
	{name: "NUL in bulk header", in: "*1\r\n$4\x00\r\nPING\r\n", pending: true},
	{name: "NUL first", in: "\x00\r\n", pending: true},
	{name: "NUL after command", in: "*1\r\n$4\r\nPING\r\n\x00PING\r\n", want: cmds("PING"), pending: true},

	// Inline lines and sdssplitargs.
	{name: "LF only", in: "PING\n", want: cmds("PING")},
	{name: "CR CR LF", in: "PING\r\r\n", want: cmds("PING")},
	{name: "blank lines", in: "\r\n\r\nPING\r\n", want: cmds("PING")},
	{name: "spaces only", in: "   \t\r\nPING\r\n", want: cmds("PING")},
	{name: "bare LF", in: "\n"},
	{name: "no newline yet", in: "PING", pending: true},
	{name: "dq escapes", in: `ECHO "a\x41\x4g\n\q"` + "\r\n", want: [][]string{{"ECHO", "aAx4g\nq"}}},
	{name: "dq hex case", in: `ECHO "\xfF\x0"` + "\r\n", want: [][]string{{"ECHO", "\xffx0"}}},
	{name: "dq controls", in: `ECHO "\t\b\a\r"` + "\r\n", want: [][]string{{"ECHO", "\t\b\a\r"}}},
	{name: "dq then byte", in: `ECHO "a"b` + "\r\n", err: errQuotes},
	{name: "dq unterminated", in: `ECHO "ab` + "\r\n", err: errQuotes},
	{name: "dq backslash at end", in: `ECHO "\` + "\r\n", err: errQuotes},
	{name: "dq escaped quote", in: `ECHO "\"` + "\r\n", err: errQuotes},
	{name: "dq backslash", in: `ECHO "\\"` + "\r\n", want: [][]string{{"ECHO", `\`}}},
	{name: "dq raw CR", in: "ECHO \"a\rb\"\r\n", want: [][]string{{"ECHO", "a\rb"}}},
	{name: "dq then CR", in: "ECHO \"a\"\r\r\n", want: [][]string{{"ECHO", "a"}}},
	{name: "dq then VT", in: "ECHO \"a\"\vx\r\n", want: [][]string{{"ECHO", "a", "x"}}},
	{name: "dq empty", in: `ECHO ""` + "\r\n", want: [][]string{{"ECHO", ""}}},
	{name: "sq escapes", in: `ECHO 'a\'b\n'` + "\r\n", want: [][]string{{"ECHO", `a'b\n`}}},
	{name: "sq then byte", in: `ECHO 'a'b` + "\r\n", err: errQuotes},
	{name: "sq double backslash", in: `ECHO '\\'` + "\r\n", err: errQuotes},
	{name: "sq empty", in: `ECHO ''` + "\r\n", want: [][]string{{"ECHO", ""}}},
	{name: "sq mid token", in: "ECHO a'b c'\r\n", want: [][]string{{"ECHO", "ab c"}}},
	{name: "dq mid token", in: "ECHO a\"b c\"\r\n", want: [][]string{{"ECHO", "ab c"}}},
	{name: "VT inside token", in: "ECHO a\vb\r\n", want: [][]string{{"ECHO", "a\vb"}}},
	{name: "VT FF skipped before token", in: "\vECHO\fa\r\n", want: [][]string{{"ECHO\fa"}}},
	{name: "CR splits tokens", in: "ECHO a\rb\r\n", want: [][]string{{"ECHO", "a", "b"}}},
	{name: "FF ends line token", in: "ECHO a\f\r\n", want: [][]string{{"ECHO", "a\f"}}},
	{name: "high bytes", in: "ECHO \xff\x80\r\n", want: [][]string{{"ECHO", "\xff\x80"}}},

	// PROTO_INLINE_MAX_SIZE, answered as Redis does when lines arrive in pieces.
	{name: "inline 64KiB waiting", in: strings.Repeat("a", k64), pending: true},
	{name: "inline too big", in: strings.Repeat("a", k64+1), err: errInline},
	{name: "inline 64KiB line", in: "ECHO " + strings.Repeat("a", k64-5) + "\n", want: [][]string{{"ECHO", strings.Repeat("a", k64-5)}}},
	{name: "inline 64KiB+1 line", in: "ECHO " + strings.Repeat("a", k64-4) + "\r\n", err: errInline},
	{name: "inline NUL 64KiB", in: "PI\x00NG\r\n" + strings.Repeat("a", k64-7), pending: true},
	{name: "inline NUL too big", in: "PI\x00NG\r\n" + strings.Repeat("a", k64-6), err: errInline},
	{name: "mbulk count 64KiB", in: "*" + strings.Repeat("1", k64-1), pending: true},
	{name: "mbulk count too big", in: "*" + strings.Repeat("1", k64), err: errMcount},
	{name: "mbulk count 64KiB line", in: "*" + strings.Repeat("1", k64-1) + "\r\n", err: errMbulk},
	{name: "mbulk count 64KiB+1 line", in: "*" + strings.Repeat("1", k64) + "\r\n", err: errMcount},
	{name: "mbulk NUL too big", in: "*1\x00\r\n" + strings.Repeat("a", 100000), err: errMcount},
	{name: "bulk count 64KiB", in: "*1\r\n$" + strings.Repeat("1", k64-1), pending: true},
	{name: "bulk count too big", in: "*1\r\n$" + strings.Repeat("1", k64), err: errBcount},
	{name: "bulk count too big no dollar", in: "*1\r\nX" + strings.Repeat("1", k64), err: errBcount},
	{name: "bulk NUL too big", in: "*1\r\n$1\x00\r\n" + strings.Repeat("a", 100000), err: errBcount},

	// Limits for clients that have not authenticated yet.
	{name: "unauth count 10", in: "*10\r\n$4\r\nPING\r\n", unauth: true, pending: true},
	{name: "unauth count 11", in: "*11\r\n$4\r\nPING\r\n", unauth: true, err: errUMbulk},
	{name: "unauth count INT_MAX+1", in: "*2147483648\r\n", unauth: true, err: errMbulk},
	{name: "unauth count -1", in: "*-1\r\nPING\r\n", unauth: true, want: cmds("PING")},
	{name: "unauth bulk 16384", in: "*1\r\n$16384\r\n", unauth: true, pending: true},
	{name: "unauth bulk 16385", in: "*1\r\n$16385\r\n", unauth: true, err: errUBulk},
	{name: "unauth bulk too big", in: "*1\r\n$536870913\r\n", unauth: true, err: errBulk},
	{name: "unauth bulk -1", in: "*1\r\n$-1\r\n", unauth: true, err: errBulk},
	{name: "unauth inline unlimited", in: "ECHO " + strings.Repeat("a", 20000) + "\r\n", unauth: true, want: [][]string{{"ECHO", strings.Repeat("a", 20000)}}},

	// Client query buffer limit: one incomplete command may not outgrow it.
	{name: "qbuf command fits", in: "*1\r\n$10\r\n0123456789\r\n", want: cmds("0123456789"), lim: Limits{MaxQueryBuffer: 21}},
	{name: "qbuf command too big", in: "*1\r\n$10\r\n0123456789\r\n", err: ErrQueryBufferLimit.Error(), lim: Limits{MaxQueryBuffer: 20}},
	{name: "qbuf pipeline of small", in: strings.Repeat(pingInline, 100), want: cmds(slicesRepeat("PING", 100)...), lim: Limits{MaxQueryBuffer: 10}},
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestReader(t *testing.T) {
	for _, tc := range readerTests {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{0, 1, 2, 3, 7, 4096} {
				res := parseAll(t, &pieceReader{[]byte(tc.in), n}, tc.lim, tc.unauth)
				if !reflect.DeepEqual(res.Cmds, tc.want) {
					t.Fatalf("%d-byte reads: commands %q, want %q", n, trunc(res.Cmds), trunc(tc.want))
				}
				if got := errText(res.Err); got != tc.err {
					t.Fatalf("%d-byte reads: error %q, want %q", n, got, tc.err)
				}
				if tc.err != ErrQueryBufferLimit.Error() && res.Err != nil {
					var pe *ProtocolError
					if !errors.As(res.Err, &pe) {
						t.Fatalf("%d-byte reads: error %T is not a *ProtocolError", n, res.Err)
					}
				}
				if (res.Pending > 0) != tc.pending {
					t.Fatalf("%d-byte reads: %d bytes pending at EOF, want pending=%v", n, res.Pending, tc.pending)
				}
			}
		})
	}
}

// trunc keeps failure messages readable when arguments are 64 KiB long.
func trunc(c [][]string) string {
	s := fmt.Sprintf("%q", c)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func TestReaderErrorIsSticky(t *testing.T) {
	r := NewReader(&pieceReader{[]byte("*x\r\nPING\r\n"), 0}, Limits{})
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	err3 := r.Fill()
	if err1 == nil || err2 != err1 || err3 != err1 {
		t.Fatalf("errors %v, %v, %v: want the same protocol error thrice", err1, err2, err3)
	}
}

// TestReaderArgsStayValid checks the contract that lets a server execute a
// whole pipeline before the next read: results survive later Next calls,
// and appending to an argument cannot clobber the bytes after it.
func TestReaderArgsStayValid(t *testing.T) {
	in := "*2\r\n$3\r\nGET\r\n$1\r\na\r\nSET b \"x\\ty\"\r\n*1\r\n$4\r\nPING\r\n"
	r := NewReader(&pieceReader{[]byte(in), 0}, Limits{})
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	var got [][][]byte
	for {
		args, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if args == nil {
			break
		}
		got = append(got, args)
		_ = append(args, []byte("junk"))
		_ = append(args[0], "junk"...)
	}
	want := [][]string{{"GET", "a"}, {"SET", "b", "x\ty"}, {"PING"}}
	if len(got) != len(want) {
		t.Fatalf("got %d commands, want %d", len(got), len(want))
	}
	for i, args := range got {
		for j, a := range args {
			if string(a) != want[i][j] {
				t.Fatalf("command %d arg %d = %q, want %q", i, j, a, want[i][j])
			}
		}
	}
}

// TestReaderAuthSwitch mirrors a client that sends AUTH and then a big
// command in one pipeline: the limits apply per command, at parse time.
func TestReaderAuthSwitch(t *testing.T) {
	in := "*2\r\n$4\r\nAUTH\r\n$1\r\nx\r\n*11\r\n" + strings.Repeat("$1\r\na\r\n", 11)
	r := NewReader(&pieceReader{[]byte(in), 0}, Limits{})
	r.SetAuthenticated(false)
	if err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	if args, err := r.Next(); err != nil || len(args) != 2 {
		t.Fatalf("AUTH: %q, %v", args, err)
	}
	r.SetAuthenticated(true)
	if args, err := r.Next(); err != nil || len(args) != 11 {
		t.Fatalf("after AUTH: %d args, %v", len(args), err)
	}
}

func TestReaderDataWithEOF(t *testing.T) {
	r := NewReader(iotestDataEOF("PING\r\nPI"), Limits{})
	if err := r.Fill(); err != nil {
		t.Fatalf("Fill: %v, want the data first", err)
	}
	if args, err := r.Next(); err != nil || len(args) != 1 {
		t.Fatalf("Next: %q, %v", args, err)
	}
	if args, err := r.Next(); args != nil || err != nil {
		t.Fatalf("Next: %q, %v, want nothing", args, err)
	}
	if err := r.Fill(); err != io.EOF {
		t.Fatalf("Fill: %v, want EOF", err)
	}
	if r.Buffered() != 2 {
		t.Fatalf("Buffered() = %d, want 2", r.Buffered())
	}
}

// iotestDataEOF returns a reader whose only Read returns data and io.EOF.
func iotestDataEOF(s string) io.Reader { return &dataEOF{[]byte(s)} }

type dataEOF struct{ b []byte }

func (d *dataEOF) Read(p []byte) (int, error) {
	n := copy(p, d.b)
	d.b = d.b[n:]
	return n, io.EOF
}

// allocatedDuring reports the bytes the runtime allocated while fn ran.
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReaderDeclaredSizesCostNothing: counts and lengths are promises a
// client need not keep, so memory must follow the bytes that arrive.
func TestReaderDeclaredSizesCostNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		max  uint64
	}{
		{"huge count", []byte("*2000000000\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"), 64 << 10},
		{"huge bulk", []byte("*1\r\n$500000000\r\nabc"), 64 << 10},
		{"huge bulk with data", append([]byte("*1\r\n$500000000\r\n"), make([]byte, 100<<10)...), 4 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			var res result
			n := allocatedDuring(func() {
				res = parseAll(t, &pieceReader{tc.in, 1000}, Limits{}, false)
			})
			if res.Err != nil || res.Pending == 0 {
				t.Fatalf("got %+v, want a pending command", res)
			}
			if n > tc.max {
				t.Fatalf("allocated %d bytes for %d bytes of input", n, len(tc.in))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestReaderTrickleIsLinear delivers big commands one byte per Read; a
// parser that rescans from the start of the command would take minutes.
func TestReaderTrickleIsLinear(t *testing.T) {
	var in bytes.Buffer
	fmt.Fprintf(&in, "*2\r\n$3\r\nSET\r\n$%d\r\n%s\r\n", 1<<20, bytes.Repeat([]byte("v"), 1<<20))
	fmt.Fprintf(&in, "ECHO %s\r\n", strings.Repeat("i", 60000))
	in.WriteString("*" + "100000\r\n")
	for range 100000 {
		in.WriteString("$1\r\nx\r\n")
	}
	in.WriteString("*" + strings.Repeat("9", k64-1))
	start := time.Now()
	res := parseAll(t, &pieceReader{in.Bytes(), 1}, Limits{}, false)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Cmds) != 3 || len(res.Cmds[0][1]) != 1<<20 || len(res.Cmds[1][1]) != 60000 || len(res.Cmds[2]) != 100000 {
		t.Fatalf("got %d commands", len(res.Cmds))
	}
	if res.Pending != k64 {
		t.Fatalf("pending %d", res.Pending)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestReaderReleasesBigBuffer: one big command must not pin its buffer
// for the life of an idle connection.
func TestReaderReleasesBigBuffer(t *testing.T) {
	in := fmt.Sprintf("*1\r\n$%d\r\n%s\r\nPING\r\n", 8<<20, strings.Repeat("v", 8<<20))
	r := NewReader(&pieceReader{[]byte(in), 64 << 10}, Limits{})
	for got := 0; got < 2; {
		args, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if args != nil {
			got++
			continue
		}
		if err := r.Fill(); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.buf) > 16<<20 {
		t.Fatalf("buffer grew to %d for an 8 MiB command", len(r.buf))
	}
	r.Fill()
	if len(r.buf) > rdShrinkAbove {
		t.Fatalf("buffer still %d bytes after the big command was consumed", len(r.buf))
	}
}

// loopReader serves the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}

func pipeline(n int) []byte {
	var b bytes.Buffer
	for range n {
		b.WriteString("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
	}
	return b.Bytes()
}

func TestReaderSteadyStateAllocs(t *testing.T) {
	r := NewReader(&loopReader{data: pipeline(1000)}, Limits{})
	next := func() {
		for {
			args, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if args != nil {
				return
			}
			if err := r.Fill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 10000 {
		next()
	}
	if n := testing.AllocsPerRun(10000, next); n != 0 {
		t.Fatalf("%v allocations per command", n)
	}
}

func BenchmarkReaderPipeline(b *testing.B) {
	const n = 1000
	data := pipeline(n)
	r := NewReader(&loopReader{data: data}, Limits{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for got := 0; got < n; {
			args, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			if args != nil {
				got++
				continue
			}
			if err := r.Fill(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/cmd")
}

func BenchmarkReaderInline(b *testing.B) {
	const n = 1000
	data := bytes.Repeat([]byte("SET key \"va\\x6cue\"\r\n"), n)
	r := NewReader(&loopReader{data: data}, Limits{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for got := 0; got < n; {
			args, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			if args != nil {
				got++
				continue
			}
			if err := r.Fill(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
