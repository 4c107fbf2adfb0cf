package compat_test

// A deliberately tiny RESP client for the differential and framing tests.
// It keeps every reply's RESP type (go-redis and friends fold types
// together, which would hide exactly the differences these tests look
// for) and renders replies in one canonical text form that is easy to
// diff.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Reply kinds are the RESP type bytes. A null bulk string is kindBulk with
// Null set, a null array is kindArray with Null set; RESP3's own null is
// kindNull.
const (
	kindSimple    = '+'
	kindError     = '-'
	kindInt       = ':'
	kindBulk      = '$'
	kindArray     = '*'
	kindMap       = '%'
	kindSet       = '~'
	kindDouble    = ','
	kindBool      = '#'
	kindNull      = '_'
	kindVerbatim  = '='
	kindBigNum    = '('
	kindPush      = '>'
	kindAttribute = '|'
	kindBlobError = '!'
)

// reply is one parsed RESP value.
type reply struct {
	Kind  byte
	Str   string   // simple, error, bulk, verbatim (with its "txt:" prefix), double, bignum, bool ("t"/"f")
	Int   int64    // integer
	Null  bool     // $-1 or *-1
	Elems []*reply // array, set, push; map and attribute as key, value, key, value...
	Attr  *reply   // a RESP3 attribute sent before this reply, if any
}

// isError reports whether r is an error reply (simple or blob).
func (r *reply) isError() bool { return r.Kind == kindError || r.Kind == kindBlobError }

// isAggregate reports whether r holds elements.
func (r *reply) isAggregate() bool {
	switch r.Kind {
	case kindArray, kindMap, kindSet, kindPush, kindAttribute:
		return !r.Null
	}
	return false
}

// String renders r canonically on one line: a type marker followed by
// the value, with bulk strings Go-quoted so binary bytes stay visible.
//
//	+OK  -ERR x  :5  $"v"  $nil  *nil  *[$"a" :1]  %{$"k"=>:1}  ~{...}
//	,1.5  #t  _  =txt:"..."  (123  >[...]  !"blob error"
func (r *reply) String() string {
	var b strings.Builder
	r.render(&b, false)
	return b.String()
}

// Shape renders only the types and element counts of r, without values.
func (r *reply) Shape() string {
	var b strings.Builder
	r.render(&b, true)
	return b.String()
}

const maxRenderedString = 512

func quoteTrunc(s string) string {
	if len(s) > maxRenderedString {
		return strconv.Quote(s[:maxRenderedString]) + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

func (r *reply) render(b *strings.Builder, shape bool) {
	if r.Attr != nil {
		r.Attr.render(b, shape)
		b.WriteByte(' ')
	}
	b.WriteByte(r.Kind)
	if r.Null {
		b.WriteString("nil")
		return
	}
	if shape && !r.isAggregate() {
		return
	}
	switch r.Kind {
	case kindSimple, kindError, kindDouble, kindBigNum, kindBool:
		// Line replies are shown as they are unless they hold bytes
		// that would garble the output; those are quoted.
		if strings.IndexFunc(r.Str, func(c rune) bool { return c < 0x20 || c >= 0x7f }) >= 0 {
			b.WriteString(quoteTrunc(r.Str))
		} else {
			b.WriteString(r.Str)
		}
	case kindInt:
		b.WriteString(strconv.FormatInt(r.Int, 10))
	case kindBulk, kindBlobError:
		b.WriteString(quoteTrunc(r.Str))
	case kindVerbatim:
		if len(r.Str) >= 4 && r.Str[3] == ':' {
			b.WriteString(r.Str[:4])
			b.WriteString(quoteTrunc(r.Str[4:]))
		} else {
			b.WriteString(quoteTrunc(r.Str))
		}
	case kindNull:
	case kindArray, kindSet, kindPush:
		open, close := "[", "]"
		if r.Kind == kindSet {
			open, close = "{", "}"
		}
		b.WriteString(open)
		for i, e := range r.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.render(b, shape)
		}
		b.WriteString(close)
	case kindMap, kindAttribute:
		b.WriteByte('{')
		for i := 0; i+1 < len(r.Elems); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			r.Elems[i].render(b, shape)
			b.WriteString("=>")
			r.Elems[i+1].render(b, shape)
		}
		b.WriteByte('}')
	}
}

// errProtocol is returned for a reply that is not valid RESP.
var errProtocol = errors.New("rawclient: malformed reply")

// maxReplyBulk bounds one bulk string read, so a broken server cannot make
// the test allocate without limit.
const maxReplyBulk = 1 << 30

// readReply reads exactly one reply (with any attribute before it) from r.
func readReply(r *bufio.Reader) (*reply, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if len(line) == 0 {
		return nil, fmt.Errorf("%w: empty line", errProtocol)
	}
	kind, rest := line[0], string(line[1:])
	rep := &reply{Kind: kind}
	switch kind {
	case kindSimple, kindError, kindBigNum:
		rep.Str = rest
	case kindDouble:
		rep.Str = rest
	case kindBool:
		if rest != "t" && rest != "f" {
			return nil, fmt.Errorf("%w: boolean %q", errProtocol, rest)
		}
		rep.Str = rest
	case kindNull:
		if rest != "" {
			return nil, fmt.Errorf("%w: null %q", errProtocol, rest)
		}
	case kindInt:
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %q", errProtocol, rest)
		}
		rep.Int = n
	case kindBulk, kindVerbatim, kindBlobError:
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n < -1 || n > maxReplyBulk {
			return nil, fmt.Errorf("%w: bulk length %q", errProtocol, rest)
		}
		if n == -1 {
			if kind != kindBulk {
				return nil, fmt.Errorf("%w: null %c", errProtocol, kind)
			}
			rep.Null = true
			return rep, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return nil, fmt.Errorf("%w: bulk not followed by CRLF", errProtocol)
		}
		rep.Str = string(buf[:n])
	case kindArray, kindSet, kindPush, kindMap, kindAttribute:
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n < -1 || n > 1<<26 {
			return nil, fmt.Errorf("%w: aggregate length %q", errProtocol, rest)
		}
		if n == -1 {
			if kind != kindArray {
				return nil, fmt.Errorf("%w: null %c", errProtocol, kind)
			}
			rep.Null = true
			return rep, nil
		}
		if kind == kindMap || kind == kindAttribute {
			n *= 2
		}
		rep.Elems = make([]*reply, 0, min(n, 1024))
		for range n {
			e, err := readReply(r)
			if err != nil {
				return nil, err
			}
			rep.Elems = append(rep.Elems, e)
		}
		if kind == kindAttribute {
			next, err := readReply(r)
			if err != nil {
				return nil, err
			}
			next.Attr = rep
			return next, nil
		}
	default:
		return nil, fmt.Errorf("%w: type byte %q in line %q", errProtocol, kind, line)
	}
	return rep, nil
}

// readLine reads one CRLF-terminated line without its terminator.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("%w: line too long", errProtocol)
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line %q not CRLF-terminated", errProtocol, line)
	}
	return line[:len(line)-2], nil
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args ...string) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		b.WriteString(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// rawConn is one connection to a server.
type rawConn struct {
	conn    net.Conn
	r       *bufio.Reader
	timeout time.Duration
}

// dialRaw connects to addr; the connection is closed when t ends.
func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	rc := &rawConn{conn: c, r: bufio.NewReaderSize(c, 64<<10), timeout: 30 * time.Second}
	t.Cleanup(func() { c.Close() })
	return rc
}

// Close closes the connection.
func (c *rawConn) Close() error { return c.conn.Close() }

// Send writes one command without reading its reply.
func (c *rawConn) Send(args ...string) error {
	return c.WriteRaw(encodeCommand(args...))
}

// WriteRaw writes bytes as they are.
func (c *rawConn) WriteRaw(b []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.conn.Write(b)
	return err
}

// Read reads one reply.
func (c *rawConn) Read() (*reply, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	return readReply(c.r)
}

// Do sends one command and reads one reply.
func (c *rawConn) Do(args ...string) (*reply, error) {
	if err := c.Send(args...); err != nil {
		return nil, err
	}
	return c.Read()
}

// MustDo is Do that fails t on an I/O or protocol error. Error replies are
// returned like any other reply.
func (c *rawConn) MustDo(t testing.TB, args ...string) *reply {
	t.Helper()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ReadRawUntilQuiet returns every byte that arrives until the server has
// been silent for quiet, or closes the connection (closed is then true),
// or total has passed.
func (c *rawConn) ReadRawUntilQuiet(quiet, total time.Duration) (data []byte, closed bool, err error) {
	var out bytes.Buffer
	// Bytes already buffered by an earlier Read belong to the stream.
	if n := c.r.Buffered(); n > 0 {
		b, _ := c.r.Peek(n)
		out.Write(b)
		c.r.Discard(n)
	}
	deadline := time.Now().Add(total)
	buf := make([]byte, 64<<10)
	for {
		d := time.Now().Add(quiet)
		if d.After(deadline) {
			d = deadline
		}
		c.conn.SetReadDeadline(d)
		n, rerr := c.conn.Read(buf)
		out.Write(buf[:n])
		if rerr != nil {
			var ne net.Error
			if errors.As(rerr, &ne) && ne.Timeout() {
				return out.Bytes(), false, nil
			}
			if errors.Is(rerr, io.EOF) || isConnReset(rerr) {
				return out.Bytes(), true, nil
			}
			return out.Bytes(), false, rerr
		}
		if time.Now().After(deadline) {
			return out.Bytes(), false, nil
		}
	}
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// splitArgs splits a line the way redis-cli and Redis's inline protocol
// do: whitespace separates arguments; "double quotes" understand \xHH,
// \n, \r, \t, \b, \a and \<any>; 'single quotes' understand only \'; a
// closing quote must be followed by whitespace or the end of the line.
// quoted reports, per argument, whether any part of it was quoted.
func splitArgs(line string) (args []string, quoted []bool, err error) {
	i := 0
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' }
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, quoted, nil
		}
		var cur []byte
		inDQ, inSQ, wasQuoted := false, false, false
	token:
		for {
			switch {
			case inDQ:
				if i >= len(line) {
					return nil, nil, errors.New("unbalanced double quotes")
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 4
				case c == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
					i++
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, nil, errors.New("closing quote must be followed by a space")
					}
					i++
					break token
				default:
					cur = append(cur, c)
					i++
				}
			case inSQ:
				if i >= len(line) {
					return nil, nil, errors.New("unbalanced single quotes")
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					cur = append(cur, '\'')
					i += 2
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, nil, errors.New("closing quote must be followed by a space")
					}
					i++
					break token
				default:
					cur = append(cur, c)
					i++
				}
			default:
				if i >= len(line) || isSpace(line[i]) {
					break token
				}
				switch line[i] {
				case '"':
					inDQ, wasQuoted = true, true
				case '\'':
					inSQ, wasQuoted = true, true
				default:
					cur = append(cur, line[i])
				}
				i++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, string(cur))
		quoted = append(quoted, wasQuoted)
	}
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func TestRawClientSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`GET k`, []string{"GET", "k"}},
		{`  SET  "a b"   'c d'  `, []string{"SET", "a b", "c d"}},
		{`SET "\x00\xff\n\"" ''`, []string{"SET", "\x00\xff\n\"", ""}},
		{`SET 'it\'s' "\q"`, []string{"SET", "it's", "q"}},
		{`SET a\b c`, []string{"SET", `a\b`, "c"}},
		{`SET pre"fix x" y`, []string{"SET", "prefix x", "y"}},
	}
	for _, c := range cases {
		got, _, err := splitArgs(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`GET "k`, `GET 'k`, `GET "k"x`} {
		if _, _, err := splitArgs(bad); err == nil {
			t.Errorf("splitArgs(%q): no error", bad)
		}
	}
}

func TestRawClientReadReply(t *testing.T) {
	in := "+OK\r\n-ERR x\r\n:-5\r\n$3\r\na\x00b\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$0\r\n\r\n" +
		"%1\r\n+k\r\n#t\r\n~1\r\n,1.5\r\n_\r\n=7\r\ntxt:abc\r\n(12345678901234567890\r\n" +
		">2\r\n+message\r\n:1\r\n|1\r\n+ttl\r\n:3\r\n+v\r\n!3\r\nbad\r\n"
	want := []string{`+OK`, `-ERR x`, `:-5`, `$"a\x00b"`, `$nil`, `*nil`, `*[:1 $""]`,
		`%{+k=>#t}`, `~{,1.5}`, `_`, `=txt:"abc"`, `(12345678901234567890`, `>[+message :1]`,
		`|{+ttl=>:3} +v`, `!"bad"`}
	r := bufio.NewReader(strings.NewReader(in))
	for _, w := range want {
		rep, err := readReply(r)
		if err != nil {
			t.Fatalf("want %s: %v", w, err)
		}
		if rep.String() != w {
			t.Errorf("got %s, want %s", rep, w)
		}
	}
	if _, err := readReply(r); err != io.EOF {
		t.Errorf("at end: %v", err)
	}
}
