package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The "ingest" workload: rows/s of loading the same rows into each server
// the ways a batch pipeline would, each load timed from its first byte
// sent to its last reply received, on a freshly flushed keyspace.

const (
	ingestCols  = 10      // columns of the ingest rows, as in Murr's benchmark
	ingestTable = "bench" // the sidecar table the ingest loads write
	// ingestSample is how many rows each load's check reads back.
	ingestSample = 200
	// roundTripTimeout bounds one round trip of a load: a hung server
	// fails the load rather than the whole run.
	roundTripTimeout = 5 * time.Minute
)

// pipelineLoad is a load encoded before it is timed: batches of commands,
// each sent in one write and answered in full before the connection
// sends its next batch.
type pipelineLoad struct {
	buf  []byte
	ends []int // batch b is buf[ends[b-1]:ends[b]] (ends[-1] = 0)
	cmds []int // commands in batch b
	lo   []int // batch b writes rows lo[b] .. hi[b]-1
	hi   []int
}

func (l *pipelineLoad) batch(b int) []byte {
	start := 0
	if b > 0 {
		start = l.ends[b-1]
	}
	return l.buf[start:l.ends[b]]
}

// add appends a batch of cmds commands, already appended to l.buf, that
// writes rows [lo, hi).
func (l *pipelineLoad) add(cmds, lo, hi int) {
	l.ends = append(l.ends, len(l.buf))
	l.cmds = append(l.cmds, cmds)
	l.lo = append(l.lo, lo)
	l.hi = append(l.hi, hi)
}

// buildPipelineLoad encodes one command per row for rows [lo, hi), perBatch
// commands to a batch.
func buildPipelineLoad(lo, hi, perBatch int, appendCmd func(dst []byte, i int) []byte) *pipelineLoad {
	l := &pipelineLoad{}
	if hi > lo {
		// Size the buffer from the first command (+10% for longer keys)
		// rather than grow it by copying hundreds of MiB.
		one := len(appendCmd(nil, lo))
		l.buf = make([]byte, 0, one*(hi-lo)+(hi-lo)/10*one/10+64)
	}
	for b := lo; b < hi; b += perBatch {
		e := min(b+perBatch, hi)
		for i := b; i < e; i++ {
			l.buf = appendCmd(l.buf, i)
		}
		l.add(e-b, b, e)
	}
	return l
}

// buildWriteLoad encodes rows [lo, hi) as MURR.WRITE commands into table,
// one Arrow IPC stream of batchRows rows per command, one command per
// batch.
func buildWriteLoad(d *rowData, table string, lo, hi, batchRows int) (*pipelineLoad, error) {
	l := &pipelineLoad{}
	for b := lo; b < hi; b += batchRows {
		e := min(b+batchRows, hi)
		stream, err := d.ipcStream(b, e)
		if err != nil {
			return nil, err
		}
		l.buf = appendArrayLen(l.buf, 3)
		l.buf = appendBulkString(l.buf, "MURR.WRITE")
		l.buf = appendBulkString(l.buf, table)
		l.buf = appendBulk(l.buf, stream)
		l.add(1, b, e)
	}
	return l, nil
}

// ingestResult is what one timed load did.
type ingestResult struct {
	Rows    int64 // rows acknowledged
	Elapsed time.Duration
	// Done lists the row ranges acknowledged, to check them afterwards.
	Done [][2]int
	// Stopped is set when the time limit stopped the load early.
	Stopped bool
}

func (r ingestResult) rate() float64 {
	if r.Elapsed <= 0 {
		return math.NaN()
	}
	return float64(r.Rows) / r.Elapsed.Seconds()
}

// runPipelineLoad sends l to addr over conns connections (batch b goes on
// connection b mod conns) and times it from the first byte sent to the
// last reply read. A connection sends no new batch after limit has
// passed (0: no limit). Any error reply fails the load.
func runPipelineLoad(ctx context.Context, addr string, l *pipelineLoad, conns int, limit time.Duration) (ingestResult, error) {
	conns = max(1, min(conns, len(l.ends)))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	var dialer net.Dialer
	for range conns {
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := dialer.DialContext(dctx, "tcp", addr)
		dcancel()
		if err != nil {
			return ingestResult{}, err
		}
		cs = append(cs, c)
	}
	stopClose := context.AfterFunc(ctx, func() {
		for _, c := range cs {
			c.SetDeadline(time.Now())
		}
	})
	defer stopClose()

	var (
		rows    atomic.Int64
		stopped atomic.Bool
		wg      sync.WaitGroup
		doneB   = make([]bool, len(l.ends))
	)
	start := time.Now()
	for ci, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReaderSize(c, 64<<10)
			for b := ci; b < len(l.ends); b += conns {
				if ctx.Err() != nil {
					return
				}
				if limit > 0 && time.Since(start) > limit {
					stopped.Store(true)
					return
				}
				c.SetDeadline(time.Now().Add(roundTripTimeout))
				if _, err := c.Write(l.batch(b)); err != nil {
					cancel(err)
					return
				}
				var first string
				for range l.cmds[b] {
					e, err := skipReply(r)
					if err != nil {
						cancel(err)
						return
					}
					if first == "" {
						first = e
					}
				}
				if first != "" {
					cancel(fmt.Errorf("server replied with an error: %s", first))
					return
				}
				doneB[b] = true
				rows.Add(int64(l.hi[b] - l.lo[b]))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return ingestResult{}, err
	}
	res := ingestResult{Rows: rows.Load(), Elapsed: elapsed, Stopped: stopped.Load()}
	for b, ok := range doneB {
		if !ok {
			continue
		}
		if n := len(res.Done); n > 0 && res.Done[n-1][1] == l.lo[b] {
			res.Done[n-1][1] = l.hi[b]
		} else {
			res.Done = append(res.Done, [2]int{l.lo[b], l.hi[b]})
		}
	}
	return res, nil
}

// putParquet uploads the Parquet file at path to the sidecar's
// PUT /api/v1/table/{table}/write and times it from the first byte sent
// to the whole answer read. It returns the rows the answer reports.
func putParquet(ctx context.Context, httpAddr, table, path string) (ingestResult, error) {
	if httpAddr == "" {
		return ingestResult{}, errors.New("the sidecar has no HTTP listener")
	}
	f, err := os.Open(path)
	if err != nil {
		return ingestResult{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ingestResult{}, err
	}
	url := "http://" + httpAddr + "/api/v1/table/" + table + "/write"
	ctx, cancel := context.WithTimeout(ctx, roundTripTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, f)
	if err != nil {
		return ingestResult{}, err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "application/vnd.apache.parquet")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ingestResult{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return ingestResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return ingestResult{}, fmt.Errorf("PUT %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	var out struct {
		Rows *int64 `json:"rows"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Rows == nil {
		return ingestResult{}, fmt.Errorf("PUT %s: answer %q has no rows", url, body)
	}
	return ingestResult{Rows: *out.Rows, Elapsed: elapsed}, nil
}

// ingestLoad is one way of loading the rows, measured on one or both
// servers.
type ingestLoad struct {
	name string
	// sidecarOnly loads run only on the sidecar; their Redis column shows
	// redisFrom's Redis result instead.
	sidecarOnly bool
	redisFrom   int
	goal        float64
	// prepare runs untimed before the load, on a flushed server.
	prepare func(c *client) error
	// run times the load.
	run func(ctx context.Context, srv *server) (ingestResult, error)
	// check reads back a sample of the rows the load acknowledged and
	// says what is wrong, given the number of rows stored.
	check func(c *client, res ingestResult) error
	// profile marks the load --sidecar-profile repeats while profiling.
	profile bool
	// rss names the memory-table row of the RSS after the load; rssGoal
	// is its budget (0: none).
	rss     string
	rssGoal float64
}

// runIngest measures each load on Redis, then on the sidecar, each on a
// freshly flushed keyspace, and checks what each stored.
func runIngest(ctx context.Context, e *env) (*Table, error) {
	cfg := e.cfg
	fmt.Fprintf(e.log, "generating %s rows of %d float32 columns ...\n", groupThousands(int64(cfg.rows)), ingestCols)
	d := newDenseRows(cfg.rows, ingestCols, 1)
	srvs := []*server{e.srv.Redis, e.srv.Sidecar}
	rng := rand.New(rand.NewPCG(2, 2))
	limit := cfg.ingestTimeLimit

	checkKeys := func(c *client, res ingestResult) error {
		n, err := dbsize(c)
		if err != nil {
			return err
		}
		if n != res.Rows {
			return fmt.Errorf("DBSIZE is %d after %d rows were acknowledged", n, res.Rows)
		}
		return nil
	}
	createTable := func(c *client) error {
		_, err := c.do(30*time.Second, d.createArgs(ingestTable)...)
		return err
	}
	checkTableLoad := func(c *client, res ingestResult) error {
		info, err := describe(c, ingestTable)
		if err != nil {
			return err
		}
		if info.Rows != res.Rows {
			return fmt.Errorf("MURR.DESCRIBE says %d rows after %d were acknowledged", info.Rows, res.Rows)
		}
		return checkTable(c, ingestTable, d, sampleRows(rng, res.Done, ingestSample))
	}
	allRows := func(res ingestResult) ingestResult {
		if len(res.Done) == 0 && res.Rows == int64(d.n) {
			res.Done = [][2]int{{0, d.n}}
		}
		return res
	}

	// Loads are encoded before they are timed, one at a time to bound
	// memory: building the commands is the client's cost, not the server's.
	var cur *pipelineLoad
	var curName string
	encode := func(name string, build func() (*pipelineLoad, error)) (*pipelineLoad, error) {
		if curName != name {
			cur, curName = nil, ""
			t0 := time.Now()
			l, err := build()
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(e.log, "encoded %s: %s in %d batch(es), %s\n", name, fmtMiB(len(l.buf)), len(l.ends), time.Since(t0).Round(time.Millisecond))
			cur, curName = l, name
		}
		return cur, nil
	}
	pipelined := func(name string, build func() (*pipelineLoad, error)) func(ctx context.Context, srv *server) (ingestResult, error) {
		return func(ctx context.Context, srv *server) (ingestResult, error) {
			l, err := encode(name, build)
			if err != nil {
				return ingestResult{}, err
			}
			return runPipelineLoad(ctx, srv.Proc.Addr, l, cfg.ingestConns, limit)
		}
	}
	parquetPath := filepath.Join(e.srv.tmp, "ingest.parquet")
	defer os.Remove(parquetPath)

	loads := []ingestLoad{
		{
			name: fmt.Sprintf("pipelined SET (%d-byte blob)", 4*ingestCols),
			run: pipelined("SET", func() (*pipelineLoad, error) {
				return buildPipelineLoad(0, d.n, cfg.ingestPipeline, d.appendSET), nil
			}),
			check: func(c *client, res ingestResult) error {
				if err := checkKeys(c, res); err != nil {
					return err
				}
				return checkStrings(c, d, sampleRows(rng, res.Done, ingestSample))
			},
			rss: "RSS after ingest: pipelined SET",
		},
		{
			name: fmt.Sprintf("pipelined HSET (%d fields)", ingestCols),
			run: pipelined("HSET", func() (*pipelineLoad, error) {
				return buildPipelineLoad(0, d.n, cfg.ingestPipeline, d.appendHSET), nil
			}),
			check: func(c *client, res ingestResult) error {
				if err := checkKeys(c, res); err != nil {
					return err
				}
				return checkHashes(c, d, sampleRows(rng, res.Done, ingestSample))
			},
			rss: "RSS after ingest: pipelined HSET",
		},
		{
			name:        "MURR.WRITE (redis: pipelined SET)",
			sidecarOnly: true, redisFrom: 0, goal: 2,
			prepare: createTable,
			run: func(ctx context.Context, srv *server) (ingestResult, error) {
				l, err := encode("MURR.WRITE", func() (*pipelineLoad, error) {
					return buildWriteLoad(d, ingestTable, 0, d.n, cfg.writeBatchRows)
				})
				if err != nil {
					return ingestResult{}, err
				}
				return runPipelineLoad(ctx, srv.Proc.Addr, l, 1, limit)
			},
			check: checkTableLoad,
			rss:   "RSS after ingest: MURR.WRITE (redis: SET)",
			// DESIGN.md: resident memory after loading <= 0.5x Redis's
			// for the blob layout.
			rssGoal: 0.5,
			profile: true,
		},
		{
			name:        "PUT /write Parquet (redis: pipelined SET)",
			sidecarOnly: true, redisFrom: 0,
			prepare: createTable,
			run: func(ctx context.Context, srv *server) (ingestResult, error) {
				if _, err := os.Stat(parquetPath); err != nil {
					t0 := time.Now()
					f, err := os.Create(parquetPath)
					if err != nil {
						return ingestResult{}, err
					}
					err = d.writeParquet(f, parquetRowGroupRows)
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						os.Remove(parquetPath)
						return ingestResult{}, err
					}
					st, _ := os.Stat(parquetPath)
					fmt.Fprintf(e.log, "wrote %s: %s, %s\n", parquetPath, fmtMiB(int(st.Size())), time.Since(t0).Round(time.Millisecond))
				}
				res, err := putParquet(ctx, srv.HTTPAddr, ingestTable, parquetPath)
				return allRows(res), err
			},
			check: checkTableLoad,
			rss:   "RSS after ingest: PUT Parquet (redis: SET)",
		},
	}

	var rows []Row
	var rssRows []Row
	results := make([][2]ingestResult, len(loads))
	errs := make([][2]error, len(loads))
	for li, ld := range loads {
		row := Row{Name: ld.name, Unit: RowsPerSec, Redis: math.NaN(), Sidecar: math.NaN(), Goal: ld.goal}
		rss := Row{Name: ld.rss, Unit: Bytes, Redis: math.NaN(), Sidecar: math.NaN(), Goal: ld.rssGoal}
		var notes []string
		for s, srv := range srvs {
			if ld.sidecarOnly && s == 0 {
				continue
			}
			res, err := measureIngest(ctx, e, srvs, srv, ld)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			results[li][s], errs[li][s] = res, err
			if err != nil {
				fmt.Fprintf(e.log, "%-8s %-42s error: %v\n", srv.Label, ld.name, err)
				setCell(&row, s, 0, err)
				setCell(&rss, s, 0, err)
				continue
			}
			fmt.Fprintf(e.log, "%-8s %-42s %s  (%s rows in %s)\n", srv.Label, ld.name, RowsPerSec.format(res.rate()),
				groupThousands(res.Rows), res.Elapsed.Round(time.Millisecond))
			setCell(&row, s, res.rate(), nil)
			v, rerr := srv.rss()
			setCell(&rss, s, v, rerr)
			note := srv.Label + " " + fmtSeconds(res.Elapsed)
			if res.Stopped {
				note += fmt.Sprintf(" (stopped at %s rows: time limit)", groupThousands(res.Rows))
			}
			notes = append(notes, note)
			if ld.profile && s == 1 && cfg.sidecarProfile != "" {
				if err := profileSidecar(ctx, e, srv, ld, cfg.sidecarProfile); err != nil {
					fmt.Fprintf(e.log, "%-8s CPU profile: %v\n", srv.Label, err)
				}
			}
		}
		if ld.sidecarOnly {
			// The Redis columns are Redis's results of another load.
			from := ld.redisFrom
			if err := errs[from][0]; err != nil {
				setCell(&row, 0, 0, err)
			} else {
				res := results[from][0]
				setCell(&row, 0, res.rate(), nil)
				notes = append([]string{"redis " + fmtSeconds(res.Elapsed)}, notes...)
			}
			rss.Redis, rss.RedisErr = rssRows[from].Redis, rssRows[from].RedisErr
		}
		row.Note = strings.Join(notes, ", ")
		rows = append(rows, row)
		rssRows = append(rssRows, rss)
	}
	e.memRows = append(e.memRows, rssRows...)
	title := fmt.Sprintf("ingest: rows/s, higher is better; %s rows (keys \"0\"..\"%d\", %d float32 columns), each load timed first byte to last reply on a flushed keyspace; pipelined loads: %d commands per round trip over %d connection(s); MURR.WRITE: %s rows per Arrow IPC stream; Parquet: Snappy, %s-row groups",
		groupThousands(int64(d.n)), d.n-1, ingestCols, cfg.ingestPipeline, cfg.ingestConns,
		groupThousands(int64(cfg.writeBatchRows)), groupThousands(parquetRowGroupRows))
	return &Table{Title: wrapTitle(title), Rows: rows}, nil
}

// measureIngest flushes both servers, prepares srv, times the load on it
// and checks what it stored.
func measureIngest(ctx context.Context, e *env, srvs []*server, srv *server, ld ingestLoad) (ingestResult, error) {
	for _, s := range srvs {
		c, err := dial(ctx, s.Proc.Addr)
		if err != nil {
			return ingestResult{}, err
		}
		err = flushAll(c)
		c.Close()
		if err != nil {
			return ingestResult{}, fmt.Errorf("%s: %w", s.Label, err)
		}
	}
	c, err := dial(ctx, srv.Proc.Addr)
	if err != nil {
		return ingestResult{}, err
	}
	defer c.Close()
	if ld.prepare != nil {
		if err := ld.prepare(c); err != nil {
			return ingestResult{}, err
		}
	}
	res, err := ld.run(ctx, srv)
	if err != nil {
		return ingestResult{}, err
	}
	if err := ld.check(c, res); err != nil {
		return ingestResult{}, fmt.Errorf("the load did not store what was sent: %w", err)
	}
	return res, nil
}

// profileSidecar takes a CPU profile of the sidecar while repeating the
// load (flush, prepare, run) until the profile is done, and saves it to
// path.
func profileSidecar(ctx context.Context, e *env, srv *server, ld ingestLoad, path string) error {
	fmt.Fprintf(e.log, "%-8s profiling %ds while repeating %s ...\n", srv.Label, profileSeconds, ld.name)
	loops, err := profileWhile(ctx, srv, path, func(int) error {
		_, err := measureIngest(ctx, e, []*server{srv}, srv, ld)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.log, "%-8s wrote CPU profile %s (%d loads); see go tool pprof -top %s\n", srv.Label, path, loops, path)
	return nil
}

func fmtSeconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func fmtMiB(n int) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// wrapTitle breaks a long title into lines of at most about 100
// characters, indenting the continuation lines.
func wrapTitle(s string) string {
	const width = 100
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(w) > width {
				b.WriteString("\n  ")
				line = 2
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}
