package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The built-in Go load generator (--driver=go), for machines without
// redis-benchmark. It behaves like redis-benchmark -P: each of the
// clients keeps one pipeline of up to P commands in flight, writes it in
// one syscall and reads all P replies before sending the next, until n
// requests have been sent or the time limit passes. __rand_int__ in an
// argument is replaced, per occurrence, by a uniformly random number
// below the key count written as 12 digits with leading zeros, exactly
// as redis-benchmark does, so both drivers hit the same keys.

// randPlaceholder is redis-benchmark's placeholder for a random number.
const randPlaceholder = "__rand_int__"

// randDigits is the fixed width redis-benchmark formats random numbers to.
const randDigits = 12

// template is one command encoded as RESP with holes for random numbers.
type template struct {
	buf   []byte // encoded command, holes filled with '0'
	holes []int  // offsets of the randDigits-wide holes in buf
}

// compileTemplate encodes args once; every request made from it has the
// same length, so a batch of k requests is the first k copies.
func compileTemplate(args []string) template {
	var t template
	t.buf = fmt.Appendf(t.buf, "*%d\r\n", len(args))
	zeros := strings.Repeat("0", randDigits)
	for _, a := range args {
		n := strings.Count(a, randPlaceholder)
		t.buf = fmt.Appendf(t.buf, "$%d\r\n", len(a)-n*(len(randPlaceholder)-randDigits))
		for {
			before, after, found := strings.Cut(a, randPlaceholder)
			t.buf = append(t.buf, before...)
			if !found {
				break
			}
			t.holes = append(t.holes, len(t.buf))
			t.buf = append(t.buf, zeros...)
			a = after
		}
		t.buf = append(t.buf, '\r', '\n')
	}
	return t
}

// batch is a connection's reusable buffer of up to P copies of a template.
type batch struct {
	buf    []byte
	holes  []int // all holes, request by request
	perReq int   // holes per request
	reqLen int   // bytes per request
}

func newBatch(t template, p int) *batch {
	b := &batch{perReq: len(t.holes), reqLen: len(t.buf)}
	for i := 0; i < p; i++ {
		base := len(b.buf)
		b.buf = append(b.buf, t.buf...)
		for _, h := range t.holes {
			b.holes = append(b.holes, base+h)
		}
	}
	return b
}

// fill writes fresh random numbers below keys into the first k requests
// and returns their bytes.
func (b *batch) fill(rng *rand.Rand, keys, k int) []byte {
	for _, h := range b.holes[:k*b.perReq] {
		v := rng.IntN(keys)
		for i := h + randDigits - 1; i >= h; i-- {
			b.buf[i] = byte('0' + v%10)
			v /= 10
		}
	}
	return b.buf[:k*b.reqLen]
}

// goDriver is the built-in load generator.
type goDriver struct {
	clients, pipeline, keys int
	timeLimit               time.Duration
	// procs is GOMAXPROCS while generating load (0 leaves it alone): 1
	// matches single-threaded redis-benchmark's share of the CPU.
	procs int
}

func (d *goDriver) Describe() string {
	p := "GOMAXPROCS unchanged"
	if d.procs > 0 {
		p = fmt.Sprintf("GOMAXPROCS=%d while generating load", d.procs)
	}
	return fmt.Sprintf("built-in Go load generator (%s, %s)", runtime.Version(), p)
}

// Run sends n requests made from t to addr and measures them. It stops
// early, with Partial set, when the time limit passes. Any error reply
// aborts the run: a benchmark of errors would be meaningless.
func (d *goDriver) Run(ctx context.Context, addr string, t opsTest, n int) (loadResult, error) {
	if d.procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(d.procs))
	}
	tmpl := compileTemplate(t.Args)
	clients := min(d.clients, max(1, n))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	conns := make([]net.Conn, 0, clients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var dialer net.Dialer
	for range clients {
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := dialer.DialContext(dctx, "tcp", addr)
		dcancel()
		if err != nil {
			return loadResult{}, err
		}
		conns = append(conns, c)
	}
	// Expiring the deadlines unblocks reads and writes when the run is
	// cancelled (an interrupt, or another connection failing).
	stopClose := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetDeadline(time.Now())
		}
	})
	defer stopClose()

	var (
		issued, completed atomic.Int64
		timedOut          atomic.Bool
		wg                sync.WaitGroup
		mu                sync.Mutex
		lat               []time.Duration
	)
	total := int64(n)
	start := time.Now()
	deadline := start.Add(d.timeLimit)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A hung server must not hang the run: give reads a grace
			// period past the time limit.
			c.SetDeadline(deadline.Add(10 * time.Second))
			rng := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i)))
			r := bufio.NewReaderSize(c, 64<<10)
			b := newBatch(tmpl, d.pipeline)
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				if time.Now().After(deadline) {
					timedOut.Store(true)
					return
				}
				k := claim(&issued, total, int64(d.pipeline))
				if k == 0 {
					return
				}
				t0 := time.Now()
				if _, err := c.Write(b.fill(rng, d.keys, int(k))); err != nil {
					cancel(err)
					return
				}
				for range k {
					e, err := skipReply(r)
					if err != nil {
						cancel(err)
						return
					}
					if e != "" {
						cancel(fmt.Errorf("server replied with an error: %s", e))
						return
					}
				}
				mine = append(mine, time.Since(t0))
				completed.Add(k)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	// The cause is a worker's error, or the parent's on interrupt.
	if err := context.Cause(ctx); err != nil {
		return loadResult{}, err
	}
	res := loadResult{
		Requests: completed.Load(),
		Elapsed:  elapsed,
		Partial:  timedOut.Load() && completed.Load() < total,
	}
	if elapsed > 0 {
		res.RPS = float64(res.Requests) / elapsed.Seconds()
	}
	slices.Sort(lat)
	res.P50 = percentile(lat, 0.50)
	res.P99 = percentile(lat, 0.99)
	return res, nil
}

// claim takes up to p of the total requests not yet issued and returns
// how many it got (0 when none are left).
func claim(issued *atomic.Int64, total, p int64) int64 {
	for {
		cur := issued.Load()
		if cur >= total {
			return 0
		}
		k := min(p, total-cur)
		if issued.CompareAndSwap(cur, cur+k) {
			return k
		}
	}
}

// percentile returns the q-quantile of sorted durations (0 if empty).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}
