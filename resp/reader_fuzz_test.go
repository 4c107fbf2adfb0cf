package resp

import (
	"io"
	"math/rand"
	"reflect"
	"testing"
)

// refParse is a deliberately naive model of networking.c: it looks at the
// whole input at once, rescans freely and allocates per argument, so it
// shares no code or state handling with Reader. view caps how much of a
// command the server may hold (MaxQueryBuffer).
func refParse(in []byte, lim Limits, unauth bool) result {
	var res result
	// strchr: the first c at or after i, unless a NUL (or the end) comes first.
	strchr := func(buf []byte, i int, c byte) int {
		for ; i < len(buf); i++ {
			switch buf[i] {
			case c:
				return i
			case 0:
				return -1
			}
		}
		return -1
	}
	for start := 0; start < len(in); {
		buf := in[:min(len(in), start+int(lim.MaxQueryBuffer))]
		full := len(buf) == start+int(lim.MaxQueryBuffer)
		args, next, err := refCommand(buf, start, lim, unauth, strchr)
		if err != nil {
			res.Err = err
			return res
		}
		if next < 0 {
			if full {
				res.Err = ErrQueryBufferLimit
			} else {
				res.Pending = len(in) - start
			}
			return res
		}
		if len(args) > 0 {
			res.Cmds = append(res.Cmds, args)
		}
		start = next
	}
	return res
}

// refCommand parses the command at start; next < 0 means incomplete.
func refCommand(buf []byte, start int, lim Limits, unauth bool, strchr func([]byte, int, byte) int) (args []string, next int, err error) {
	// line finds a terminator, applying PROTO_INLINE_MAX_SIZE to the
	// bytes before it as Redis does when the line arrives byte by byte.
	line := func(from int, c byte, tooBig error) (int, error) {
		i := strchr(buf, from, c)
		if i < 0 && len(buf)-from > 65536 || i-from > 65536 {
			return -1, tooBig
		}
		return i, nil
	}
	if buf[start] != '*' {
		nl, err := line(start, '\n', errTooBigInline)
		if nl < 0 {
			return nil, -1, err
		}
		end := nl
		if end > start && buf[end-1] == '\r' {
			end--
		}
		args, ok := refSplit(string(buf[start:end]))
		if !ok {
			return nil, -1, errUnbalanced
		}
		return args, nl + 1, nil
	}
	cr, err := line(start, '\r', errTooBigMbulk)
	if cr < 0 || cr+1 >= len(buf) {
		return nil, -1, err
	}
	n, ok := string2llRef(string(buf[start+1 : cr]))
	switch {
	case !ok || n > lim.MaxMultibulk:
		return nil, -1, errInvalidMbulk
	case unauth && n > 10:
		return nil, -1, errUnauthMbulk
	case n <= 0:
		return nil, cr + 2, nil
	}
	pos := cr + 2
	for ; n > 0; n-- {
		cr, err := line(pos, '\r', errTooBigBulkCount)
		if cr < 0 || cr+1 >= len(buf) {
			return nil, -1, err
		}
		if buf[pos] != '$' {
			return nil, -1, errExpectedDollar(buf[pos])
		}
		l, ok := string2llRef(string(buf[pos+1 : cr]))
		switch {
		case !ok || l < 0 || l > lim.MaxBulkLen:
			return nil, -1, errInvalidBulk
		case unauth && l > 16384:
			return nil, -1, errUnauthBulk
		}
		pos = cr + 2
		if int64(len(buf)-pos) < l+2 {
			return nil, -1, nil
		}
		args = append(args, string(buf[pos:pos+int(l)]))
		pos += int(l) + 2
	}
	return args, pos, nil
}

// string2llRef restates string2ll with the standard library.
func string2llRef(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	digits := s
	if len(s) > 0 && s[0] == '-' {
		digits = s[1:]
	}
	if len(s) > 20 || digits == "" || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var v int64
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for _, c := range []byte(digits) {
		d := int64(c - '0')
		if s[0] == '-' {
			if v < (-1<<63+d)/10 {
				return 0, false
			}
			v = v*10 - d
		} else {
			if v > (1<<63-1-d)/10 {
				return 0, false
			}
			v = v*10 + d
		}
	}
	return v, true
}

// refSplit is sdssplitargs written over a string with C's "*p" as peek.
func refSplit(line string) ([]string, bool) {
	peek := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	var out []string
	p := 0
	for {
		for peek(p) != 0 && sdsIsSpace(peek(p)) {
			p++
		}
		if peek(p) == 0 {
			return out, true
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := peek(p)
			if inq {
				if c == '\\' && peek(p+1) == 'x' && sdsIsHex(peek(p+2)) && sdsIsHex(peek(p+3)) {
					cur = append(cur, sdsUnhex(peek(p+2))*16+sdsUnhex(peek(p+3)))
					p += 3
				} else if c == '\\' && peek(p+1) != 0 {
					p++
					e := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}[peek(p)]
					if e == 0 {
						e = peek(p)
					}
					cur = append(cur, e)
				} else if c == '"' {
					if peek(p+1) != 0 && !sdsIsSpace(peek(p+1)) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
					cur = append(cur, c)
				}
			} else if insq {
				if c == '\\' && peek(p+1) == '\'' {
					p++
					cur = append(cur, '\'')
				} else if c == '\'' {
					if peek(p+1) != 0 && !sdsIsSpace(peek(p+1)) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
					cur = append(cur, c)
				}
			} else {
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if peek(p) != 0 {
				p++
			}
		}
		out = append(out, string(cur))
	}
}

func FuzzReader(f *testing.F) {
	for _, tc := range readerTests {
		if len(tc.in) < 1024 {
			f.Add([]byte(tc.in), uint64(0))
		}
	}
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET \"b\\x41\" 'c'\r\n"), uint64(1<<8|7))
	f.Fuzz(func(t *testing.T, in []byte, mode uint64) {
		// mode picks the client's auth state and, sometimes, tiny limits,
		// so that every limit is reachable with short inputs.
		unauth := mode&1 != 0
		var lim Limits
		if mode&2 != 0 {
			lim = Limits{
				MaxBulkLen:     int64(mode >> 8 & 63),
				MaxMultibulk:   int64(mode >> 14 & 15),
				MaxQueryBuffer: int64(1 + mode>>18&255),
			}
		}
		whole := parseAll(t, &pieceReader{in, 0}, lim, unauth)
		norm := lim
		if norm.MaxBulkLen <= 0 {
			norm.MaxBulkLen = defaultMaxBulkLen
		}
		if norm.MaxMultibulk <= 0 {
			norm.MaxMultibulk = defaultMaxMultibulk
		}
		if norm.MaxQueryBuffer <= 0 {
			norm.MaxQueryBuffer = defaultMaxQueryBuffer
		}
		if want := refParse(in, norm, unauth); !reflect.DeepEqual(whole, want) {
			t.Fatalf("input %q mode %#x:\nreader    %+v\nreference %+v", in, mode, whole, want)
		}
		for _, rd := range []io.Reader{
			&pieceReader{in, 1},
			&randReader{in, rand.New(rand.NewSource(int64(mode)))},
		} {
			if got := parseAll(t, rd, lim, unauth); !reflect.DeepEqual(got, whole) {
				t.Fatalf("input %q mode %#x: split delivery (%T)\n%+v\nwhole delivery\n%+v", in, mode, rd, got, whole)
			}
		}
	})
}
