package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"time"
)

// The client side of the read workload: one connection, one read at a
// time, each timed from the write of its request to the last byte of its
// reply. Replies are parsed for framing only (a bulk string's length,
// then its body skipped; an array's element count, then its elements),
// never decoded, so the client does the same small amount of work for
// every server; what the replies hold is checked separately, before any
// read is timed.

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// timedConn is a RESP connection that times round trips and counts the
// bytes each reply takes.
type timedConn struct {
	conn net.Conn
	cr   countingReader
	r    *bufio.Reader
}

func dialTimed(ctx context.Context, addr string) (*timedConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &timedConn{conn: conn, cr: countingReader{r: conn}}
	c.r = bufio.NewReaderSize(&c.cr, 256<<10)
	return c, nil
}

func (c *timedConn) Close() error { return c.conn.Close() }

// replyHead is the top of one reply: its type byte and its length (a
// bulk string's bytes, an aggregate's elements, pairs for a map; -1 for
// a null).
type replyHead struct {
	typ byte
	n   int64
}

func (h replyHead) String() string {
	return string(h.typ) + strconv.FormatInt(h.n, 10)
}

// roundTrip writes req, which holds replies commands, and reads that many
// replies. It returns the time from just before the write to the last
// byte of the last reply and the bytes the replies took. check, if not
// nil, is given the head of each reply; an error reply anywhere in a
// reply, or a check that fails, is an error.
func (c *timedConn) roundTrip(req []byte, replies int, check func(replyHead) error) (time.Duration, int64, error) {
	if err := c.conn.SetDeadline(time.Now().Add(roundTripTimeout)); err != nil {
		return 0, 0, err
	}
	before := c.cr.n - int64(c.r.Buffered())
	start := time.Now()
	if _, err := c.conn.Write(req); err != nil {
		return 0, 0, err
	}
	var firstErr error
	for range replies {
		h, errText, err := skipFramed(c.r)
		if err != nil {
			return 0, 0, err
		}
		if firstErr == nil {
			if errText != "" {
				firstErr = fmt.Errorf("server replied with an error: %s", errText)
			} else if check != nil {
				firstErr = check(h)
			}
		}
	}
	elapsed := time.Since(start)
	got := c.cr.n - int64(c.r.Buffered()) - before
	return elapsed, got, firstErr
}

// skipFramed consumes one reply by its framing and returns its head and
// the text of the first error reply inside it, if any.
func skipFramed(r *bufio.Reader) (replyHead, string, error) {
	b, err := r.Peek(1)
	if err != nil {
		return replyHead{}, "", err
	}
	h := replyHead{typ: b[0], n: -1}
	switch h.typ {
	case '$', '=', '!', '*', '~', '>', '%', '|':
		// The length is on the first line; peek at it, then let
		// skipReply consume the whole reply.
		for i := 2; ; i++ {
			line, err := r.Peek(i)
			if err != nil {
				return replyHead{}, "", err
			}
			if line[i-1] == '\n' {
				if h.n, err = parseInt(line[1 : i-2]); err != nil {
					return replyHead{}, "", err
				}
				break
			}
		}
	}
	e, err := skipReply(r)
	return h, e, err
}

// latencySummary is what a series of timed reads measured.
type latencySummary struct {
	Reads          int
	P50, P99, Mean time.Duration
	BytesPerRead   float64
	// Planned is how many reads were to be measured; fewer when the time
	// limit lowered it (Lowered) or stopped the run (Stopped).
	Planned          int
	Lowered, Stopped bool
	Elapsed          time.Duration
}

// summarize computes the summary of latencies lat (in any order; sorted
// in place) of reads that received bytes in all.
func summarize(lat []time.Duration, bytes int64) latencySummary {
	s := latencySummary{Reads: len(lat), BytesPerRead: math.NaN()}
	if len(lat) == 0 {
		return s
	}
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	slices.Sort(lat)
	s.P50 = percentile(lat, 0.50)
	s.P99 = percentile(lat, 0.99)
	s.Mean = total / time.Duration(len(lat))
	s.Elapsed = total
	s.BytesPerRead = float64(bytes) / float64(len(lat))
	return s
}

// note says how the time limit changed the run, or "".
func (s latencySummary) note() string {
	switch {
	case s.Stopped:
		return fmt.Sprintf("stopped at %s of %s reads (time limit)", groupThousands(int64(s.Reads)), groupThousands(int64(s.Planned)))
	case s.Lowered:
		return fmt.Sprintf("n=%s (time limit)", groupThousands(int64(s.Reads)))
	}
	return ""
}

// readFunc performs read r of a key sequence and returns how long it
// took (time to last byte) and the bytes it received.
type readFunc func(r int) (time.Duration, int64, error)

// timeReads runs warm reads (0..warm-1, not measured), then measures
// up to want more (warm..warm+want-1). The warm-up's second half
// estimates the time a read takes: if want reads would take longer than limit, fewer are
// measured (at least minTimedReads, or want if that is less), so a slow
// server shortens its own run; a run still going at twice the limit
// stops there. The warm-up itself stops after limit/2. onWarm, if not
// nil, is called between the warm-up and the measured reads.
func timeReads(ctx context.Context, do readFunc, warm, want int, limit time.Duration, onWarm func()) (latencySummary, error) {
	// The estimate comes from the second half of the warm-up: the first
	// reads of a run are often slower (caches filling).
	start := time.Now()
	var half time.Time
	done, halfDone := 0, 0
	for r := range warm {
		if err := ctx.Err(); err != nil {
			return latencySummary{}, err
		}
		if r == warm/2 {
			half, halfDone = time.Now(), done
		}
		if _, _, err := do(r); err != nil {
			return latencySummary{}, fmt.Errorf("warm-up read %d: %w", r, err)
		}
		done++
		if time.Since(start) > limit/2 {
			break
		}
	}
	if half.IsZero() || done-halfDone == 0 {
		half, halfDone = start, 0
	}
	n := want
	lowered := false
	if done > 0 {
		per := time.Since(half) / time.Duration(done-halfDone)
		if per > 0 && time.Duration(want)*per > limit*9/10 {
			n = max(min(want, minTimedReads), int(limit*8/10/per))
			lowered = n < want
		}
	}
	if onWarm != nil {
		onWarm()
	}
	lat := make([]time.Duration, 0, n)
	var bytes int64
	stopped := false
	start = time.Now()
	for i := range n {
		if err := ctx.Err(); err != nil {
			return latencySummary{}, err
		}
		d, b, err := do(warm + i)
		if err != nil {
			return latencySummary{}, fmt.Errorf("read %d: %w", warm+i, err)
		}
		lat = append(lat, d)
		bytes += b
		if i+1 < n && time.Since(start) > 2*limit {
			stopped = true
			break
		}
	}
	s := summarize(lat, bytes)
	s.Planned, s.Lowered, s.Stopped = want, lowered, stopped
	return s, nil
}

// minTimedReads is the fewest reads the time limit leaves in a run.
const minTimedReads = 50
