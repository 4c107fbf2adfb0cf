package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// A minimal RESP client: enough to preload data, ask INFO and drive load.
// It writes commands as RESP arrays of bulk strings and understands every
// RESP2 and RESP3 reply type, so a server that answers in an unexpected
// type still gets measured rather than desynchronising the stream.

// respError is an error reply from the server (a "-ERR ..." line).
type respError string

func (e respError) Error() string { return string(e) }

// appendCommand appends args as one RESP array of bulk strings.
func appendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// readLine returns the next CRLF-terminated line without its type byte's
// terminator. The slice is only valid until the next read.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A simple string longer than the buffer: copy it out.
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("resp: malformed line %q", line)
	}
	return line[:len(line)-2], nil
}

// parseInt parses a decimal integer without allocating.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errors.New("resp: empty integer")
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, errors.New("resp: bad integer \"-\"")
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("resp: bad integer %q", b)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// skipReply consumes one reply without keeping its value. It reports an
// error reply through errReply (the message of the first error found
// inside it, aggregates included) and protocol or I/O failures through err.
func skipReply(r *bufio.Reader) (errReply string, err error) {
	line, err := readLine(r)
	if err != nil {
		return "", err
	}
	switch line[0] {
	case '+', ':', ',', '#', '(', '_':
		return "", nil
	case '-':
		return string(line[1:]), nil
	case '$', '=', '!':
		n, err := parseInt(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		if _, err := r.Discard(int(n) + 2); err != nil {
			return "", err
		}
		if line[0] == '!' {
			return "bulk error", nil
		}
		return "", nil
	case '*', '~', '>', '%', '|':
		n, err := parseInt(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		var first string
		for i := int64(0); i < n; i++ {
			e, err := skipReply(r)
			if err != nil {
				return "", err
			}
			if first == "" {
				first = e
			}
		}
		return first, nil
	}
	return "", fmt.Errorf("resp: unknown reply type %q", line[0])
}

// readValue reads one reply as a Go value: string for simple and bulk
// strings, int64, nil, []any for aggregates (maps flattened), and
// respError for error replies.
func readValue(r *bufio.Reader) (any, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	switch line[0] {
	case '+', ',', '(', '#':
		return string(line[1:]), nil
	case '-':
		return respError(line[1:]), nil
	case ':':
		return parseInt(line[1:])
	case '_':
		return nil, nil
	case '$', '=', '!':
		n, err := parseInt(line[1:])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		if line[0] == '!' {
			return respError(buf[:n]), nil
		}
		return string(buf[:n]), nil
	case '*', '~', '>', '%', '|':
		n, err := parseInt(line[1:])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		vals := make([]any, n)
		for i := range vals {
			if vals[i], err = readValue(r); err != nil {
				return nil, err
			}
		}
		return vals, nil
	}
	return nil, fmt.Errorf("resp: unknown reply type %q", line[0])
}

// client is a blocking RESP connection for setup work (preload, INFO).
type client struct {
	conn net.Conn
	r    *bufio.Reader
	wbuf []byte
}

func dial(ctx context.Context, addr string) (*client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

func (c *client) Close() error { return c.conn.Close() }

// do sends one command and returns its reply; an error reply is returned
// as a respError error.
func (c *client) do(timeout time.Duration, args ...string) (any, error) {
	vals, err := c.pipeline(timeout, [][]string{args})
	if err != nil {
		return nil, err
	}
	if e, ok := vals[0].(respError); ok {
		return nil, e
	}
	return vals[0], nil
}

// pipeline sends all commands in one write and reads one reply for each.
func (c *client) pipeline(timeout time.Duration, cmds [][]string) ([]any, error) {
	if err := c.conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	c.wbuf = c.wbuf[:0]
	for _, args := range cmds {
		c.wbuf = appendCommand(c.wbuf, args...)
	}
	if _, err := c.conn.Write(c.wbuf); err != nil {
		return nil, err
	}
	out := make([]any, len(cmds))
	for i := range out {
		v, err := readValue(c.r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
