package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// The "read" workload: Murr's public benchmark, as DESIGN.md's
// performance budgets state it. N rows (keys "0".."N-1", ten float32
// columns) are loaded into Redis as 40-byte packed blobs and as hashes,
// and into a sidecar table; then one client reads 1000 keys at a time,
// sequentially, each read timed from the write of its request to the
// last byte of its reply: MGET of the blobs, 1000 HGETALL pipelined in
// one write, and MURR.READ of the table (all columns, one Arrow IPC
// reply). Every server reads the same key sequences: uniform, then
// Zipf-skewed; then the sidecar is restarted with a hot tier of a tenth
// of the data and read uniformly again ("cold"), next to bare Pebble in
// this process reading the same keys with a block cache of the same size.

const (
	readCols  = 10      // columns, as in Murr's benchmark
	readTable = "bench" // the sidecar table
	// readLoadChunk is the rows encoded and sent at a time while loading,
	// so that 10M rows of HSET never sit encoded in memory at once.
	readLoadChunk = 1_000_000
	// readColdFraction is the hot tier (and the bare-Pebble block cache)
	// of the cold run, as a fraction of the data size.
	readColdFraction = 0.1
	// minColdHotMemory is the smallest --hot-memory the cold run passes:
	// the sidecar's minimum at the time of writing (if it refuses it, the
	// run retries with the minimum the sidecar names).
	minColdHotMemory = 16 << 20
	readSeedUniform  = 11
	readSeedZipf     = 12
)

// readCell is one measured run on one server.
type readCell struct {
	s   latencySummary
	err error
	ran bool
}

func (c readCell) value(f func(latencySummary) float64) (float64, error) {
	if c.err != nil {
		return math.NaN(), c.err
	}
	if !c.ran {
		return math.NaN(), nil
	}
	return f(c.s), nil
}

// sidecarRun is what INFO murr said around one measured sidecar run.
type sidecarRun struct {
	name          string
	before, after infoStats
	complete      bool // after was taken
	err           error
}

// infoStats is the sidecar's hot-tier and block-cache counters.
type infoStats struct {
	hot, cache                              bool // the fields were there
	hits, misses, evictions, entries, bytes int64
	cacheHits, cacheMisses                  int64
}

// readEnv carries what the read workload's steps share.
type readEnv struct {
	ctx    context.Context
	e      *env
	cfg    *config
	d      *rowData
	seqs   []*keySeq // uniform, then zipf if --zipf is not 0
	warm   int
	reads  int
	limit  time.Duration
	log    io.Writer
	cells  map[string]*readCell // "<server>/<kind>/<seq>", "cold", "pebble"
	loads  map[string]*readLoad // "blob", "hash" (Redis), "table" (sidecar)
	notes  []string
	runs   []sidecarRun
	origSC []string // the sidecar's own arguments, to restart it as it was
	// coldHot is the --hot-memory of the cold run (and the bare-Pebble
	// block cache): coldBytes, or the sidecar's minimum if that is more.
	coldHot int64
}

func (re *readEnv) cell(key string) *readCell {
	c, ok := re.cells[key]
	if !ok {
		c = &readCell{}
		re.cells[key] = c
	}
	return c
}

// fail marks every cell of keys as failed with err (unless already set).
func (re *readEnv) fail(err error, keys ...string) {
	for _, k := range keys {
		if c := re.cell(k); c.err == nil && !c.ran {
			c.err = err
		}
	}
}

func runRead(ctx context.Context, e *env) (*Table, error) {
	cfg := e.cfg
	if e.srv.SidecarIsRedis || e.srv.sidecarBin == "" {
		return &Table{Rows: []Row{{Name: "read", Unit: Millis, Redis: math.NaN(), Sidecar: math.NaN(),
			SidecarErr: "not measured: the read workload needs a murr-sidecar in the sidecar column (MURR.* commands)"}}}, nil
	}
	if err := checkRows(cfg.rows); err != nil {
		return nil, fmt.Errorf("--rows: %w", err)
	}
	re := &readEnv{ctx: ctx, e: e, cfg: cfg, warm: cfg.readWarmup, reads: cfg.reads, limit: cfg.readTimeLimit,
		log: e.log, cells: map[string]*readCell{}, loads: map[string]*readLoad{}}
	t0 := time.Now()
	fmt.Fprintf(e.log, "generating %s rows of %d float32 columns and the key sequences ...\n", groupThousands(int64(cfg.rows)), readCols)
	re.d = newDenseRows(cfg.rows, readCols, 1)
	total := re.warm + re.reads
	re.seqs = append(re.seqs, uniformSeq(cfg.rows, total, cfg.readKeys, readSeedUniform))
	if cfg.zipf != 0 {
		z, err := zipfSeq(cfg.rows, total, cfg.readKeys, cfg.zipf, readSeedZipf)
		if err != nil {
			return nil, fmt.Errorf("--zipf: %w", err)
		}
		re.seqs = append(re.seqs, z)
	}
	fmt.Fprintf(e.log, "generated in %s\n", time.Since(t0).Round(time.Millisecond))

	// Fresh processes, so that RSS after the loads holds only this
	// workload's data, not what earlier workloads freed.
	if e.ran > 0 {
		if err := re.freshServers(); err != nil {
			return nil, err
		}
	}
	re.origSC = slices.Clone(e.srv.Sidecar.Proc.Args)

	re.redisPhase()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	re.sidecarPhase()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return re.table(), nil
}

// freshServers restarts both servers on empty data.
func (re *readEnv) freshServers() error {
	fmt.Fprintln(re.log, "restarting both servers, empty, so RSS counts only this workload ...")
	for _, srv := range []*server{re.e.srv.Redis, re.e.srv.Sidecar} {
		c, err := dial(re.ctx, srv.Proc.Addr)
		if err != nil {
			return err
		}
		err = flushAll(c)
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", srv.Label, err)
		}
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	p := re.e.srv.Redis.Proc
	if err := p.Stop(); err != nil {
		return fmt.Errorf("redis did not exit cleanly: %w", err)
	}
	// RestartSidecar restarts any server with its arguments, address and
	// directory.
	np, err := procs.RestartSidecar(bin, p)
	if err != nil {
		return err
	}
	re.e.srv.Redis.Proc = np
	return re.restartSidecar(re.e.srv.Sidecar.Proc.Args)
}

// restartSidecar stops the sidecar, which must exit cleanly, and starts
// it again on the same address and data with args.
func (re *readEnv) restartSidecar(args []string) error {
	srv := re.e.srv.Sidecar
	if err := srv.Proc.Stop(); err != nil {
		return fmt.Errorf("sidecar did not exit cleanly: %w\n%s", err, tail(srv.Proc.Log(), 20))
	}
	return re.startSidecar(args)
}

// startSidecar starts the (stopped) sidecar again with args.
func (re *readEnv) startSidecar(args []string) error {
	srv := re.e.srv.Sidecar
	q := *srv.Proc
	q.Args = slices.Clone(args)
	p, err := procs.RestartSidecar(re.e.srv.sidecarBin, &q)
	if err != nil {
		return err
	}
	srv.Proc = p
	return nil
}

// loadChunked sends rows [0, n) to addr readLoadChunk rows (rounded up to
// a multiple of unit) at a time, each chunk encoded by build before it is
// timed, and adds up the timed parts.
func loadChunked(ctx context.Context, addr string, n, unit, conns int, build func(lo, hi int) (*pipelineLoad, error)) (ingestResult, error) {
	chunk := max(unit, (readLoadChunk+unit-1)/unit*unit)
	var total ingestResult
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		l, err := build(lo, hi)
		if err != nil {
			return total, err
		}
		res, err := runPipelineLoad(ctx, addr, l, conns, 0)
		if err != nil {
			return total, err
		}
		total.Rows += res.Rows
		total.Elapsed += res.Elapsed
	}
	total.Done = [][2]int{{0, n}}
	return total, nil
}

// redisPhase loads the blobs into Redis, measures the MGET runs, then
// (unless --read-hashes=false) replaces them with hashes and measures the
// pipelined HGETALL runs.
func (re *readEnv) redisPhase() {
	srv := re.e.srv.Redis
	d, cfg := re.d, re.cfg
	rng := rand.New(rand.NewPCG(7, 7))
	mgetKeys := re.keys("redis", "MGET")
	hgetallKeys := re.keys("redis", "HGETALL")

	c, err := dial(re.ctx, srv.Proc.Addr)
	if err != nil {
		re.fail(err, append(mgetKeys, hgetallKeys...)...)
		re.loads["blob"], re.loads["hash"] = &readLoad{err: err}, &readLoad{err: err}
		return
	}
	defer c.Close()

	load := func(layout, name string, appendCmd func([]byte, int) []byte, check func(res ingestResult) error) error {
		if err := flushAll(c); err != nil {
			return err
		}
		fmt.Fprintf(re.log, "%-8s loading %s rows with pipelined %s ...\n", srv.Label, groupThousands(int64(d.n)), name)
		res, err := loadChunked(re.ctx, srv.Proc.Addr, d.n, 1, cfg.ingestConns, func(lo, hi int) (*pipelineLoad, error) {
			return buildPipelineLoad(lo, hi, cfg.ingestPipeline, appendCmd), nil
		})
		if err != nil {
			return err
		}
		if n, err := dbsize(c); err != nil || n != int64(d.n) {
			return fmt.Errorf("DBSIZE = %d (%v) after loading %d rows", n, err, d.n)
		}
		if err := check(res); err != nil {
			return fmt.Errorf("the load did not store what was sent: %w", err)
		}
		fmt.Fprintf(re.log, "%-8s pipelined %s: %s (%s)\n", srv.Label, name, RowsPerSec.format(res.rate()), fmtSeconds(res.Elapsed))
		re.loads[layout] = loadedOn(srv, res)
		return nil
	}

	err = load("blob", "SET", d.appendSET, func(res ingestResult) error {
		if err := checkStrings(c, d, sampleRows(rng, res.Done, ingestSample)); err != nil {
			return err
		}
		for _, s := range re.seqs {
			if err := verifyMGET(c, d, s.read(0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(re.log, "%-8s blob load: %v\n", srv.Label, err)
		re.loads["blob"] = &readLoad{err: err}
		re.fail(err, mgetKeys...)
	} else {
		re.measureRESP(srv, "MGET", mgetRequest{}, nil)
	}
	if !cfg.readHashes {
		return
	}
	err = load("hash", "HSET", d.appendHSET, func(res ingestResult) error {
		if err := checkHashes(c, d, sampleRows(rng, res.Done, ingestSample)); err != nil {
			return err
		}
		return verifyHGETALL(c, d, re.seqs[0].read(0))
	})
	if err != nil {
		fmt.Fprintf(re.log, "%-8s hash load: %v\n", srv.Label, err)
		re.loads["hash"] = &readLoad{err: err}
		re.fail(err, hgetallKeys...)
		return
	}
	re.measureRESP(srv, "HGETALL", hgetallRequest{cols: d.cols}, nil)
}

// readLoad is one load of the rows: its rate and the server's RSS
// right after it.
type readLoad struct {
	res    ingestResult
	rss    float64
	err    error // the load failed
	rssErr error
}

// loadedOn records a load that res measured on srv, with srv's RSS now.
func loadedOn(srv *server, res ingestResult) *readLoad {
	v, err := srv.rss()
	return &readLoad{res: res, rss: v, rssErr: err}
}

// keys names the cells of one server and kind, one per sequence.
func (re *readEnv) keys(server, kind string) []string {
	var out []string
	for _, s := range re.seqs {
		out = append(out, server+"/"+kind+"/"+s.name)
	}
	return out
}

// request encodes the request of one read and knows its reply's shape.
type request interface {
	encode(dst []byte, rows []int32) []byte
	replies(keys int) int
	check(keys int, h replyHead) error
}

func appendRowKey(dst []byte, i int32) []byte {
	var kb [12]byte
	return appendBulk(dst, strconv.AppendInt(kb[:0], int64(i), 10))
}

// mgetRequest is MGET k1 ... kn: one array of n bulk strings.
type mgetRequest struct{}

func (mgetRequest) encode(dst []byte, rows []int32) []byte {
	dst = appendArrayLen(dst, 1+len(rows))
	dst = appendBulkString(dst, "MGET")
	for _, i := range rows {
		dst = appendRowKey(dst, i)
	}
	return dst
}

func (mgetRequest) replies(int) int { return 1 }

func (mgetRequest) check(keys int, h replyHead) error {
	if h.typ != '*' || h.n != int64(keys) {
		return fmt.Errorf("MGET of %d keys replied %s, want *%d", keys, h, keys)
	}
	return nil
}

// hgetallRequest is n HGETALL k commands in one write: n arrays of
// 2*cols bulk strings.
type hgetallRequest struct{ cols int }

func (hgetallRequest) encode(dst []byte, rows []int32) []byte {
	for _, i := range rows {
		dst = appendArrayLen(dst, 2)
		dst = appendBulkString(dst, "HGETALL")
		dst = appendRowKey(dst, i)
	}
	return dst
}

func (hgetallRequest) replies(keys int) int { return keys }

func (r hgetallRequest) check(_ int, h replyHead) error {
	if (h.typ != '*' || h.n != int64(2*r.cols)) && (h.typ != '%' || h.n != int64(r.cols)) {
		return fmt.Errorf("HGETALL replied %s, want *%d", h, 2*r.cols)
	}
	return nil
}

// murrReadRequest is MURR.READ table KEYS k1 ... kn: one bulk string
// holding an Arrow IPC stream.
type murrReadRequest struct{ table string }

func (r murrReadRequest) encode(dst []byte, rows []int32) []byte {
	dst = appendArrayLen(dst, 3+len(rows))
	dst = appendBulkString(dst, "MURR.READ")
	dst = appendBulkString(dst, r.table)
	dst = appendBulkString(dst, "KEYS")
	for _, i := range rows {
		dst = appendRowKey(dst, i)
	}
	return dst
}

func (murrReadRequest) replies(int) int { return 1 }

func (murrReadRequest) check(keys int, h replyHead) error {
	if h.typ != '$' || h.n <= 0 {
		return fmt.Errorf("MURR.READ of %d keys replied %s, want a bulk string", keys, h)
	}
	return nil
}

// respReader returns a readFunc that times read r of seq over c; the
// request is encoded before the clock starts.
func respReader(c *timedConn, req request, seq *keySeq) readFunc {
	var buf []byte
	replies := req.replies(seq.per)
	check := func(h replyHead) error { return req.check(seq.per, h) }
	return func(r int) (time.Duration, int64, error) {
		buf = req.encode(buf[:0], seq.read(r))
		return c.roundTrip(buf, replies, check)
	}
}

// measureRESP runs every key sequence against srv with req, one fresh
// connection per run, and stores the results under
// "<srv>/<kind>/<seq>". around, if not nil, is called before the
// measured reads of a run (after its warm-up) and after them.
func (re *readEnv) measureRESP(srv *server, kind string, req request, around func(seq *keySeq, after bool)) {
	for _, seq := range re.seqs {
		key := srv.Label + "/" + kind + "/" + seq.name
		s, err := re.measureOne(srv.Proc.Addr, req, seq, around)
		re.record(srv.Label, kind, seq.name, key, s, err)
		if re.ctx.Err() != nil {
			return
		}
	}
}

func (re *readEnv) record(label, kind, seqName, key string, s latencySummary, err error) {
	c := re.cell(key)
	if err != nil {
		fmt.Fprintf(re.log, "%-8s %s, %s: error: %v\n", label, kind, seqName, err)
		c.err = err
		return
	}
	c.s, c.ran = s, true
	fmt.Fprintf(re.log, "%-8s %-9s %-12s p50 %s  p99 %s  mean %s  %s B/read  (%d reads, %s)%s\n", label, kind, seqName,
		fmtLatency(s.P50), fmtLatency(s.P99), fmtLatency(s.Mean), groupThousands(int64(math.Round(s.BytesPerRead))),
		s.Reads, fmtSeconds(s.Elapsed), prefixIf("  ", s.note()))
}

func (re *readEnv) measureOne(addr string, req request, seq *keySeq, around func(seq *keySeq, after bool)) (latencySummary, error) {
	c, err := dialTimed(re.ctx, addr)
	if err != nil {
		return latencySummary{}, err
	}
	defer c.Close()
	var onWarm func()
	if around != nil {
		onWarm = func() { around(seq, false) }
	}
	s, err := timeReads(re.ctx, respReader(c, req, seq), re.warm, re.reads, re.limit, onWarm)
	if err == nil && around != nil {
		around(seq, true)
	}
	return s, err
}

// sidecarPhase loads the table, measures the warm runs, then the cold
// run and the bare-Pebble baseline, and leaves the sidecar running as it
// was started.
func (re *readEnv) sidecarPhase() {
	srv := re.e.srv.Sidecar
	d, cfg := re.d, re.cfg
	murrKeys := re.keys("sidecar", "MURR.READ")
	all := append(slices.Clone(murrKeys), "cold", "pebble")
	failAll := func(err error) {
		re.fail(err, all...)
		re.loads["table"] = &readLoad{err: err}
	}
	c, err := dial(re.ctx, srv.Proc.Addr)
	if err != nil {
		failAll(err)
		return
	}
	err = func() error {
		defer c.Close()
		if err := flushAll(c); err != nil {
			return err
		}
		if _, err := c.do(30*time.Second, d.createArgs(readTable)...); err != nil {
			return fmt.Errorf("MURR.CREATE: %w", err)
		}
		fmt.Fprintf(re.log, "%-8s loading %s rows with MURR.WRITE, %s rows per command ...\n", srv.Label,
			groupThousands(int64(d.n)), groupThousands(int64(cfg.writeBatchRows)))
		res, err := loadChunked(re.ctx, srv.Proc.Addr, d.n, cfg.writeBatchRows, 1, func(lo, hi int) (*pipelineLoad, error) {
			return buildWriteLoad(d, readTable, lo, hi, cfg.writeBatchRows)
		})
		if err != nil {
			return err
		}
		info, err := describe(c, readTable)
		if err != nil {
			return err
		}
		if info.Rows != int64(d.n) {
			return fmt.Errorf("MURR.DESCRIBE says %d rows after loading %d", info.Rows, d.n)
		}
		rng := rand.New(rand.NewPCG(8, 8))
		if err := checkTable(c, readTable, d, sampleRows(rng, res.Done, ingestSample)); err != nil {
			return fmt.Errorf("the load did not store what was sent: %w", err)
		}
		fmt.Fprintf(re.log, "%-8s MURR.WRITE: %s (%s)\n", srv.Label, RowsPerSec.format(res.rate()), fmtSeconds(res.Elapsed))
		re.loads["table"] = loadedOn(srv, res)
		re.waitQuiet(srv)
		for r, s := range re.seqs {
			// Two reads of the first sequence, one of the others.
			for k := range max(1, 2-r) {
				if err := verifyArrowRead(c, readTable, d, s.read(k)); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	if err != nil {
		fmt.Fprintf(re.log, "%-8s table load: %v\n", srv.Label, err)
		failAll(err)
		return
	}

	stats := re.statsRecorder(srv)
	re.measureRESP(srv, "MURR.READ", murrReadRequest{readTable}, stats)
	if re.ctx.Err() != nil {
		return
	}
	if cfg.readProfile != "" {
		if err := re.profile(srv); err != nil {
			fmt.Fprintf(re.log, "%-8s CPU profile: %v\n", srv.Label, err)
		}
	}

	// The cold run: the same data, a hot tier of a tenth of it.
	hot := re.coldBytes()
	fmt.Fprintf(re.log, "%-8s restarting with --hot-memory %d (%s, %.0f%% of %s of keys and values) ...\n", srv.Label, hot,
		fmtMiB(int(hot)), 100*readColdFraction, fmtMiB(int(re.dataBytes())))
	cold := &keySeq{name: "cold", per: re.seqs[0].per, rows: re.seqs[0].rows}
	coldArgs := func(hot int64) []string {
		return append(slices.Clone(re.origSC), "--hot-memory", strconv.FormatInt(hot, 10))
	}
	err = re.restartSidecar(coldArgs(hot))
	if least, ok := minimumIn(err); ok && least > hot {
		// The sidecar wants more than a tenth: give it (and Pebble) its
		// minimum.
		fmt.Fprintf(re.log, "%-8s refuses --hot-memory %d: starting with its minimum, %d (%s)\n", srv.Label, hot, least, fmtMiB(int(least)))
		hot = least
		err = re.startSidecar(coldArgs(hot))
	}
	re.coldHot = hot
	if err == nil {
		re.waitQuiet(srv)
		err = func() error {
			c, err := dial(re.ctx, srv.Proc.Addr)
			if err != nil {
				return err
			}
			defer c.Close()
			return verifyArrowRead(c, readTable, d, cold.read(0))
		}()
	}
	if err != nil {
		re.fail(err, "cold")
		fmt.Fprintf(re.log, "%-8s cold: %v\n", srv.Label, err)
	} else {
		s, err := re.measureOne(srv.Proc.Addr, murrReadRequest{readTable}, cold, stats)
		re.record(srv.Label, "MURR.READ", "cold", "cold", s, err)
	}
	if re.ctx.Err() != nil {
		return
	}

	// Bare Pebble, with the sidecar stopped so they do not share the CPUs.
	if err := srv.Proc.Stop(); err != nil {
		err = fmt.Errorf("sidecar did not exit cleanly: %w\n%s", err, tail(srv.Proc.Log(), 20))
		re.fail(err, "pebble")
		re.notes = append(re.notes, err.Error())
	} else {
		s, err := re.measurePebble(cold, re.coldHot)
		re.record("pebble", "Get", "cold", "pebble", s, err)
	}
	if err := re.startSidecar(re.origSC); err != nil {
		re.notes = append(re.notes, fmt.Sprintf("the sidecar did not start again after the cold run: %v", err))
	}
}

// dataBytes is the size of the keys and values: the data the cold run's
// hot tier holds a tenth of.
func (re *readEnv) dataBytes() int64 {
	return re.d.keyBytes() + int64(re.d.n)*int64(4*re.d.cols)
}

func (re *readEnv) coldBytes() int64 {
	return max(int64(float64(re.dataBytes())*readColdFraction), minColdHotMemory)
}

// minimumRE finds the least --hot-memory in the sidecar's complaint about
// a smaller one ("... below the minimum of 16777216 ...").
var minimumRE = regexp.MustCompile(`(?i)hot.?memory[^\n]*below the minimum of (\d+)`)

// minimumIn returns the minimum an error starting the sidecar names.
func minimumIn(err error) (int64, bool) {
	if err == nil {
		return 0, false
	}
	m := minimumRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil && n > 0
}

// measurePebble loads the rows into a Pebble database in the work
// directory, reopens it with a block cache of cacheBytes (cold) and times
// seq's reads on it.
func (re *readEnv) measurePebble(seq *keySeq, cacheBytes int64) (latencySummary, error) {
	dir := filepath.Join(re.e.srv.tmp, "pebble-baseline")
	defer os.RemoveAll(dir)
	t0 := time.Now()
	fmt.Fprintf(re.log, "%-8s loading %s rows into bare Pebble (%s) ...\n", "pebble", groupThousands(int64(re.d.n)), dir)
	p, err := openPebbleBase(dir, cacheBytes, re.log)
	if err != nil {
		return latencySummary{}, err
	}
	err = p.load(re.ctx, re.d)
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return latencySummary{}, err
	}
	fmt.Fprintf(re.log, "%-8s loaded and compacted in %s; reopening with a %s block cache (+%s memtable headroom)\n", "pebble",
		time.Since(t0).Round(time.Millisecond), fmtMiB(int(cacheBytes)), fmtMiB(pebbleMemTableHeadroom))
	if p, err = openPebbleBase(dir, cacheBytes, re.log); err != nil {
		return latencySummary{}, err
	}
	defer p.Close()
	if err := p.settle(re.ctx); err != nil {
		return latencySummary{}, err
	}
	if err := checkPebbleBase(p, re.d, seq.read(0)); err != nil {
		return latencySummary{}, err
	}
	return timeReads(re.ctx, pebbleReader(p, seq, re.d), re.warm, re.reads, re.limit, nil)
}

// table lays the results out side by side.
func (re *readEnv) table() *Table {
	var rows []Row
	latRows := func(name, redisKey, sideKey string, goal float64, bytes bool) {
		rc, sc := re.cell(redisKey), re.cell(sideKey)
		stats := []struct {
			what string
			unit Unit
			f    func(latencySummary) float64
			goal float64
		}{
			{"p50", Millis, func(s latencySummary) float64 { return ms(s.P50) }, goal},
			{"p99", Millis, func(s latencySummary) float64 { return ms(s.P99) }, 0},
			{"mean", Millis, func(s latencySummary) float64 { return ms(s.Mean) }, 0},
			{"received", BytesPerRead, func(s latencySummary) float64 { return s.BytesPerRead }, 0},
		}
		if !bytes {
			stats = stats[:3]
		}
		for k, st := range stats {
			r := Row{Name: name + ": " + st.what, Unit: st.unit, Goal: st.goal}
			v, err := rc.value(st.f)
			setCell(&r, 0, v, err)
			v, err = sc.value(st.f)
			setCell(&r, 1, v, err)
			if k == 0 {
				var notes []string
				for _, x := range []struct {
					label string
					c     *readCell
				}{{"redis", rc}, {"sidecar", sc}} {
					if x.c.ran {
						if n := x.c.s.note(); n != "" {
							notes = append(notes, x.label+" "+n)
						}
					}
				}
				r.Note = strings.Join(notes, ", ")
			}
			rows = append(rows, r)
		}
	}
	for i, seq := range re.seqs {
		mgetGoal, hgetallGoal := 0.0, 0.0
		if i == 0 {
			// DESIGN.md budgets the uniform reads.
			mgetGoal, hgetallGoal = 0.25, 0.05
		}
		latRows(seq.name+": MURR.READ vs MGET", "redis/MGET/"+seq.name, "sidecar/MURR.READ/"+seq.name, mgetGoal, true)
		if re.cfg.readHashes {
			latRows(seq.name+": MURR.READ vs pipelined HGETALL", "redis/HGETALL/"+seq.name, "sidecar/MURR.READ/"+seq.name, hgetallGoal, true)
		}
	}
	latRows(fmt.Sprintf("cold (--hot-memory %s), uniform: MURR.READ (redis: bare Pebble)", fmtMiB(int(re.coldHot))), "pebble", "cold", 1.5, false)

	var rssRows []Row
	loadRows := func(redis, redisName, what string, rateGoal, rssGoal float64) {
		rate := Row{Name: "ingest: MURR.WRITE (redis: pipelined " + what + ")", Unit: RowsPerSec, Goal: rateGoal,
			Redis: math.NaN(), Sidecar: math.NaN()}
		rss := Row{Name: "RSS after load: table (redis: " + redisName + ")", Unit: Bytes, Goal: rssGoal,
			Redis: math.NaN(), Sidecar: math.NaN()}
		var notes []string
		for s, layout := range []string{redis, "table"} {
			l := re.loads[layout]
			switch {
			case l == nil:
			case l.err != nil:
				setCell(&rate, s, 0, l.err)
				setCell(&rss, s, 0, l.err)
			default:
				setCell(&rate, s, l.res.rate(), nil)
				setCell(&rss, s, l.rss, l.rssErr)
				notes = append(notes, []string{"redis ", "sidecar "}[s]+fmtSeconds(l.res.Elapsed))
			}
		}
		rate.Note = strings.Join(notes, ", ")
		rows = append(rows, rate)
		rssRows = append(rssRows, rss)
	}
	// DESIGN.md: MURR.WRITE >= 2x the rows/s of pipelined SET; RSS after
	// loading <= 0.5x Redis's for the blob layout.
	loadRows("blob", "blobs", "SET", 2, 0.5)
	if re.cfg.readHashes {
		loadRows("hash", "hashes", "HSET", 0, 0)
	}
	rows = append(rows, rssRows...)

	cfg := re.cfg
	hashes := ""
	if cfg.readHashes {
		hashes = fmt.Sprintf(", or %d HGETALL in one write", cfg.readKeys)
	}
	title := fmt.Sprintf("read: time to last byte of a read of %d keys (all %d float32 columns), one client, sequential; "+
		"lower is better; %s rows (keys \"0\"..\"%d\"); %s reads per run after %d warm-up reads, the same keys on every server; "+
		"redis: MGET of %d-byte blobs%s; sidecar: MURR.READ %s KEYS ... (Arrow IPC); "+
		"cold: the sidecar restarted with --hot-memory %s (%.0f%% of the %s of keys and values, or the sidecar's minimum "+
		"if more), and in the redis column bare Pebble in this process with a block cache of that size (plus the same "+
		"%s memtable headroom the sidecar's engine adds); ingest and RSS: the loads these reads ran on",
		cfg.readKeys, readCols, groupThousands(int64(re.d.n)), re.d.n-1, groupThousands(int64(cfg.reads)), cfg.readWarmup,
		4*readCols, hashes, readTable, fmtMiB(int(re.coldHot)), 100*readColdFraction, fmtMiB(int(re.dataBytes())),
		fmtMiB(pebbleMemTableHeadroom))
	t := &Table{Title: wrapTitle(title), Rows: rows}
	t.Notes = append(re.statsNotes(), re.notes...)
	return t
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtLatency(d time.Duration) string { return Millis.format(ms(d)) }

func prefixIf(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
