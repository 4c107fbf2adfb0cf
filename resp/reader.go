package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
)

// Limits bound what one client can make the server hold. Zero (or
// negative) fields take the defaults, which are Redis 7.0's.
type Limits struct {
	MaxBulkLen     int64 // longest bulk argument; default 512 MiB (proto-max-bulk-len)
	MaxMultibulk   int64 // most arguments in one command; default INT_MAX as in Redis
	MaxQueryBuffer int64 // most bytes one incomplete command may occupy; default 1 GiB (client-query-buffer-limit)
}

// Redis 7.0 constants (server.h / networking.c).
const (
	defaultMaxBulkLen     = 512 << 20
	defaultMaxMultibulk   = math.MaxInt32
	defaultMaxQueryBuffer = 1 << 30

	protoInlineMaxSize = 64 << 10 // PROTO_INLINE_MAX_SIZE: longest line before its terminator
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
)

// Buffer sizing: start at Redis's PROTO_IOBUF_LEN, never read less than
// rdMinRead at a time, and let a declared bulk length pull the buffer ahead
// of the data by at most rdMaxPrealloc, so a lying client costs little.
const (
	rdInitialBuf  = 16 << 10
	rdMinRead     = 4 << 10
	rdMaxPrealloc = 1 << 20
	rdShrinkAbove = 4 * rdInitialBuf
	rdMaxKeptArgs = 64 << 10
)

// ProtocolError is a client protocol violation. Error returns Redis's
// text without the "ERR " prefix; the server replies "-ERR <text>" and
// closes the connection, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// ErrQueryBufferLimit is returned by Fill when a single incomplete command
// already occupies Limits.MaxQueryBuffer bytes. Redis closes such a client
// without a reply, so the caller should just drop the connection.
var ErrQueryBufferLimit = errors.New("resp: client reached max query buffer length")

var (
	errTooBigInline    = &ProtocolError{"Protocol error: too big inline request"}
	errUnbalanced      = &ProtocolError{"Protocol error: unbalanced quotes in request"}
	errTooBigMbulk     = &ProtocolError{"Protocol error: too big mbulk count string"}
	errInvalidMbulk    = &ProtocolError{"Protocol error: invalid multibulk length"}
	errUnauthMbulk     = &ProtocolError{"Protocol error: unauthenticated multibulk length"}
	errTooBigBulkCount = &ProtocolError{"Protocol error: too big bulk count string"}
	errInvalidBulk     = &ProtocolError{"Protocol error: invalid bulk length"}
	errUnauthBulk      = &ProtocolError{"Protocol error: unauthenticated bulk length"}
)

// errExpectedDollar builds Redis's reply for a bulk header that does not
// start with '$'. addReplyErrorFormat turns CR and LF into spaces so the
// reply stays one line; the byte is otherwise sent raw.
func errExpectedDollar(c byte) error {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{"Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}

// Parse states of the command at Reader.r.
const (
	rdNone   = iota // no byte of the command seen yet
	rdInline        // waiting for the end of an inline line
	rdCount         // waiting for a complete "*<n>" line
	rdBulks         // reading the bulks of a multibulk command
)

// argSpan locates one parsed argument relative to the command start, so it
// survives the buffer being compacted or grown.
type argSpan struct{ off, n int }

// Reader parses client requests exactly as Redis 7.0's processInlineBuffer
// and processMultibulkBuffer do, while bounding memory: buffers grow only
// as data arrives, and a command arriving in pieces is never rescanned.
type Reader struct {
	rd     io.Reader
	lim    Limits
	unauth bool

	buf  []byte
	r, w int   // buf[r:w] is unparsed; r is where the current command starts
	rerr error // read error held back until the bytes read with it are used
	err  error // sticky: the connection is unusable after a protocol error

	// Incremental state, so Next resumes where it stopped.
	state int
	pos   int   // next byte to parse
	scan  int   // where the search for the current line's terminator resumes
	left  int64 // bulks still expected
	bulk  int64 // length of the bulk at pos, or -1 while its header is unread
	spans []argSpan

	args [][]byte // backing store for returned commands, recycled by Fill
}

// NewReader returns a Reader over rd. A new Reader treats its client as
// authenticated; see SetAuthenticated.
func NewReader(rd io.Reader, lim Limits) *Reader {
	if lim.MaxBulkLen <= 0 {
		lim.MaxBulkLen = defaultMaxBulkLen
	}
	if lim.MaxMultibulk <= 0 {
		lim.MaxMultibulk = defaultMaxMultibulk
	}
	if lim.MaxQueryBuffer <= 0 {
		lim.MaxQueryBuffer = defaultMaxQueryBuffer
	}
	// Keep offsets plus the trailing CRLF representable as int.
	lim.MaxBulkLen = min(lim.MaxBulkLen, math.MaxInt/4)
	lim.MaxQueryBuffer = min(lim.MaxQueryBuffer, math.MaxInt/4)
	return &Reader{rd: rd, lim: lim}
}

// SetAuthenticated(false) applies Redis's limits for clients that still
// have to AUTH (at most 10 arguments of at most 16384 bytes), which stop an
// anonymous client from making the server buffer large requests.
func (r *Reader) SetAuthenticated(ok bool) { r.unauth = !ok }

// Buffered reports how many unparsed bytes are buffered.
func (r *Reader) Buffered() int { return r.w - r.r }

// Next returns the next complete command from the data already buffered,
// or (nil, nil) when none is complete yet: the caller then flushes its
// replies and calls Fill. Empty commands ("*0", "*-1", blank inline lines)
// are skipped as Redis skips them. The returned slices point into the
// buffer and stay valid until the next Fill; later Next calls do not
// disturb them, so a caller may keep several commands of one pipeline.
func (r *Reader) Next() ([][]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		if r.state == rdNone {
			if r.r == r.w {
				return nil, nil
			}
			r.pos, r.scan = r.r, r.r
			if r.buf[r.r] == '*' {
				r.state = rdCount
			} else {
				r.state = rdInline
			}
		}
		mark := len(r.args)
		var done bool
		var err error
		if r.state == rdInline {
			done, err = r.parseInline()
		} else {
			done, err = r.parseMultibulk()
		}
		if err != nil {
			r.args = r.args[:mark]
			r.err = err
			return nil, err
		}
		if !done {
			return nil, nil
		}
		r.r, r.state = r.pos, rdNone
		if len(r.args) > mark {
			return r.args[mark:len(r.args):len(r.args)], nil
		}
	}
}

// seek finds the next c at or after scan the way Redis's strchr does: a NUL
// byte hides everything after it, so the line is never complete. It
// returns -1 when c is not (yet) visible, leaving scan where the next
// search may resume so a line trickling in is scanned once.
func (r *Reader) seek(c byte) int {
	seg := r.buf[r.scan:r.w]
	// Header lines are a few bytes: a plain loop beats two IndexByte calls.
	short := min(len(seg), 24)
	for i, b := range seg[:short] {
		if b == c {
			r.scan += i
			return r.scan
		}
		if b == 0 {
			r.scan += i
			return -1
		}
	}
	seg = seg[short:]
	r.scan += short
	i := bytes.IndexByte(seg, c)
	end := i
	if i < 0 {
		end = len(seg)
	}
	if z := bytes.IndexByte(seg[:end], 0); z >= 0 {
		r.scan += z
		return -1
	}
	if i < 0 {
		r.scan = r.w
		return -1
	}
	r.scan += i
	return r.scan
}

// line finds the terminator c of the line starting at start and enforces
// PROTO_INLINE_MAX_SIZE. Redis checks the size only while the terminator
// is missing, so a long line may or may not pass depending on how reads
// split it; we always answer as if it arrived in small pieces, which keeps
// the result independent of TCP segmentation.
func (r *Reader) line(start int, c byte, tooBig error) (int, error) {
	i := r.seek(c)
	if i < 0 {
		if r.w-start > protoInlineMaxSize {
			return -1, tooBig
		}
		return -1, nil
	}
	if i-start > protoInlineMaxSize {
		return -1, tooBig
	}
	return i, nil
}

func (r *Reader) parseInline() (bool, error) {
	nl, err := r.line(r.r, '\n', errTooBigInline)
	if nl < 0 {
		return false, err
	}
	end := nl
	if end > r.r && r.buf[end-1] == '\r' {
		end--
	}
	if !r.splitInline(r.r, end) {
		return false, errUnbalanced
	}
	r.pos = nl + 1
	return true, nil
}

func (r *Reader) parseMultibulk() (bool, error) {
	if r.state == rdCount {
		cr, err := r.line(r.r, '\r', errTooBigMbulk)
		if cr < 0 || cr+2 > r.w { // Redis also waits for the byte after '\r'
			return false, err
		}
		n, ok := string2ll(r.buf[r.r+1 : cr])
		if !ok || n > r.lim.MaxMultibulk {
			return false, errInvalidMbulk
		}
		if r.unauth && n > unauthMaxMultibulk {
			return false, errUnauthMbulk
		}
		r.pos = cr + 2 // the byte after '\r' is skipped unchecked, as in Redis
		r.scan = r.pos
		if n <= 0 {
			return true, nil
		}
		r.state, r.left, r.bulk = rdBulks, n, -1
		r.spans = r.spans[:0]
	}
	for r.left > 0 {
		if r.bulk < 0 {
			start := r.pos
			cr, err := r.line(start, '\r', errTooBigBulkCount)
			if cr < 0 || cr+2 > r.w {
				return false, err
			}
			if r.buf[start] != '$' {
				return false, errExpectedDollar(r.buf[start])
			}
			n, ok := string2ll(r.buf[start+1 : cr])
			if !ok || n < 0 || n > r.lim.MaxBulkLen {
				return false, errInvalidBulk
			}
			if r.unauth && n > unauthMaxBulk {
				return false, errUnauthBulk
			}
			r.pos, r.bulk = cr+2, n
		}
		if int64(r.w-r.pos) < r.bulk+2 {
			return false, nil
		}
		r.spans = append(r.spans, argSpan{r.pos - r.r, int(r.bulk)})
		r.pos += int(r.bulk) + 2 // Redis skips the two bytes after the data unchecked
		r.scan = r.pos
		r.bulk = -1
		r.left--
	}
	for _, s := range r.spans {
		a := r.r + s.off
		r.args = append(r.args, r.buf[a:a+s.n:a+s.n])
	}
	return true, nil
}

// string2ll is Redis's string2ll: optional '-', no '+', no leading zeros,
// no spaces, at most 20 characters, int64 range.
func string2ll(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' || v > math.MaxUint64/10 {
			return 0, false
		}
		d := uint64(c - '0')
		if v*10 > math.MaxUint64-d {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to math.MinInt64, as wanted
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// sdsIsSpace is C's isspace in the C locale; bytes >= 0x80 are not spaces.
func sdsIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func sdsIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func sdsUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// splitInline splits buf[start:end] into r.args the way sdssplitargs does.
// Decoded tokens are never longer than their source and are written left
// to right, so they are decoded in place without allocating. The line holds
// no NUL (seek stops at one), so "end of line" plays the role of C's '\0'.
// It reports false for unbalanced quotes.
func (r *Reader) splitInline(start, end int) bool {
	b := r.buf[:end]
	at := func(i int) byte {
		if i < end {
			return b[i]
		}
		return 0
	}
	i := start
	for {
		for i < end && sdsIsSpace(b[i]) {
			i++
		}
		if i >= end {
			return true
		}
		tok, o := i, i
		inq, insq := false, false
		for done := false; !done; {
			c := at(i)
			switch {
			case inq:
				switch {
				case c == '\\' && at(i+1) == 'x' && sdsIsHex(at(i+2)) && sdsIsHex(at(i+3)):
					b[o] = sdsUnhex(b[i+2])<<4 | sdsUnhex(b[i+3])
					o++
					i += 3
				case c == '\\' && at(i+1) != 0:
					i++
					switch c = b[i]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					b[o] = c
					o++
				case c == '"':
					// A closing quote must be followed by a space or the end.
					if n := at(i + 1); n != 0 && !sdsIsSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					b[o] = c
					o++
				}
			case insq:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					b[o] = '\''
					o++
				case c == '\'':
					if n := at(i + 1); n != 0 && !sdsIsSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					b[o] = c
					o++
				}
			default:
				// Unlike the skip above, only these end a bare token:
				// '\v' and '\f' are part of it, as in Redis.
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					b[o] = c
					o++
				}
			}
			if i < end {
				i++
			}
		}
		r.args = append(r.args, b[tok:o:o])
	}
}

// Fill reads more bytes from the underlying reader, blocking until some
// arrive. Call it only after Next returned (nil, nil): it invalidates the
// commands returned so far and moves the unparsed bytes to the front of
// the buffer. It returns ErrQueryBufferLimit when the incomplete command
// already occupies Limits.MaxQueryBuffer bytes.
func (r *Reader) Fill() error {
	if r.err != nil {
		return r.err
	}
	if err := r.rerr; err != nil {
		r.rerr = nil
		return err
	}
	r.recycle()
	r.compact()
	if int64(r.w) >= r.lim.MaxQueryBuffer {
		r.err = ErrQueryBufferLimit
		return r.err
	}
	r.grow()
	for tries := 0; tries < 100; tries++ {
		n, err := r.rd.Read(r.buf[r.w:])
		r.w += n
		if n > 0 {
			r.rerr = err
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// recycle drops references to returned commands, keeping the storage
// unless one huge command made it large.
func (r *Reader) recycle() {
	clear(r.args)
	if cap(r.args) > rdMaxKeptArgs {
		r.args = nil
	}
	r.args = r.args[:0]
	if r.state == rdNone && cap(r.spans) > rdMaxKeptArgs {
		r.spans = nil
	}
}

// compact moves the incomplete command to the front. Positions inside it
// are shifted; spans are relative and need nothing. An emptied buffer that
// a big command once grew is released, so idle connections stay small.
func (r *Reader) compact() {
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.pos -= r.r
		r.scan -= r.r
		r.r = 0
	}
	if r.w == 0 && len(r.buf) > rdShrinkAbove {
		r.buf = nil
	}
}

// grow makes room for the next read. It grows only a nearly full buffer,
// by doubling, or straight to the end of a declared bulk but never more
// than rdMaxPrealloc past the data actually received.
func (r *Reader) grow() {
	size := len(r.buf)
	if size == 0 {
		r.buf = make([]byte, min(int64(rdInitialBuf), r.lim.MaxQueryBuffer))
		return
	}
	free := size - r.w
	if free >= rdMinRead {
		return
	}
	want := 2 * size
	if r.state == rdBulks && r.bulk >= 0 {
		need := r.pos + int(r.bulk) + 2
		if need <= size && free > 0 {
			return // the rest of this bulk fits; compaction will free the rest
		}
		if need > size {
			want = min(need, max(2*size, size+rdMaxPrealloc))
		}
	}
	want = int(min(int64(want), r.lim.MaxQueryBuffer))
	if want <= size {
		return
	}
	nb := make([]byte, want)
	copy(nb, r.buf[:r.w])
	r.buf = nb
}
