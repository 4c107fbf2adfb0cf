package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The "ops" workload: redis-benchmark-style throughput of plain Redis
// commands, pipelined, against both servers over the same key space.

const (
	mgetKeys    = 100 // keys per MGET
	hashFields  = 10  // fields per preloaded hash: f0..f9; HMGET asks for all
	mgetDivisor = 20  // MGET runs n/mgetDivisor requests (each reads 100 keys)
)

// opsTest is one command measured by the ops workload.
type opsTest struct {
	Name string
	// Args is the command; each __rand_int__ becomes a random key number.
	Args []string
	// N is the number of requests to send.
	N int
	// Goal is the minimum sidecar/redis ratio from DESIGN.md (0: none).
	Goal float64
	// Data is the preloaded data the test reads or overwrites.
	Data dataKind
}

// opsTests lists the ops workload's commands. Strings live at
// key:<12 digits> and hashes at hash:<12 digits>, the numbers below
// --keys, so every read hits a preloaded key and every write overwrites
// one with a value of the same size.
func opsTests(cfg *config) []opsTest {
	val := strings.Repeat("x", cfg.valueSize)
	mget := []string{"MGET"}
	for range mgetKeys {
		mget = append(mget, "key:"+randPlaceholder)
	}
	hmget := append([]string{"HMGET", "hash:" + randPlaceholder}, fieldNames()...)
	n := cfg.n
	return []opsTest{
		{Name: "GET", Args: []string{"GET", "key:" + randPlaceholder}, N: n, Goal: 1},
		{Name: "SET", Args: []string{"SET", "key:" + randPlaceholder, val}, N: n, Goal: 1},
		{Name: fmt.Sprintf("MGET (%d keys)", mgetKeys), Args: mget, N: max(1, n/mgetDivisor)},
		{Name: "HSET", Args: []string{"HSET", "hash:" + randPlaceholder, "f1", val}, N: n, Data: hashData},
		{Name: "HGET", Args: []string{"HGET", "hash:" + randPlaceholder, "f1"}, N: n, Goal: 1, Data: hashData},
		{Name: fmt.Sprintf("HMGET (%d fields)", hashFields), Args: hmget, N: n, Data: hashData},
	}
}

// loadResult is what a driver measured for one test.
type loadResult struct {
	Requests int64
	Elapsed  time.Duration
	RPS      float64
	P50, P99 time.Duration
	// Partial is set when the time limit stopped the run before n.
	Partial bool
}

// driver generates load for one test against one server.
type driver interface {
	Describe() string
	Run(ctx context.Context, addr string, t opsTest, n int) (loadResult, error)
}

// opsCell accumulates one test's rounds on one server.
type opsCell struct {
	n     int // requests per round, set by the first round's warm-up
	note  string
	best  float64
	worst float64
	err   error
}

// runOps measures each server in turn and repeats that --rounds times,
// keeping each test's best round. Redis is preloaded and measured, then
// the sidecar, then Redis again, and so on: one server's background work
// (a flush, a compaction) rarely lands in the other's numbers, and a
// burst of load from elsewhere on the machine hits one round, not the
// result.
func runOps(ctx context.Context, e *env) (*Table, error) {
	tests := opsTests(e.cfg)
	srvs := []*server{e.srv.Redis, e.srv.Sidecar}
	cells := make([][]opsCell, len(srvs))
	// preloadErr[s][kind] is why server s has no data of that kind.
	preloadErr := make([][numDataKinds]error, len(srvs))
	preloadRSS := Row{Name: "RSS after ops preload", Unit: Bytes, Redis: math.NaN(), Sidecar: math.NaN()}
	for s := range srvs {
		cells[s] = make([]opsCell, len(tests))
	}

	for round := 1; round <= e.cfg.rounds; round++ {
		for s, srv := range srvs {
			addr := srv.Proc.Addr
			if round == 1 {
				for kind := range dataKind(numDataKinds) {
					t0 := time.Now()
					warning, err := preload(ctx, addr, e.cfg, kind)
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					if err != nil {
						preloadErr[s][kind] = fmt.Errorf("preloading %s: %w", kind, err)
						fmt.Fprintf(e.log, "%-8s %v\n", srv.Label, preloadErr[s][kind])
						continue
					}
					fmt.Fprintf(e.log, "%-8s preloaded %s %s in %s\n", srv.Label,
						groupThousands(int64(e.cfg.keys)), kind.describe(), time.Since(t0).Round(time.Millisecond))
					if warning != "" {
						fmt.Fprintf(e.log, "%-8s warning: %s\n", srv.Label, warning)
					}
				}
				v, err := srv.rss()
				setCell(&preloadRSS, s, v, err)
			}
			for i, t := range tests {
				c := &cells[s][i]
				if c.err != nil || preloadErr[s][t.Data] != nil {
					continue
				}
				res, err := measure(ctx, e, addr, t, c)
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if err != nil {
					fmt.Fprintf(e.log, "%-8s %-18s round %d: error: %v\n", srv.Label, t.Name, round, err)
					c.err = err
					continue
				}
				if c.best == 0 || res.RPS > c.best {
					c.best = res.RPS
				}
				if c.worst == 0 || res.RPS < c.worst {
					c.worst = res.RPS
				}
				fmt.Fprintf(e.log, "%-8s %-18s round %d: %s  p50 %s  p99 %s  (%s requests in %s)\n",
					srv.Label, t.Name, round, OpsPerSec.format(res.RPS), fmtMs(res.P50), fmtMs(res.P99),
					groupThousands(res.Requests), res.Elapsed.Round(time.Millisecond))
			}
		}
	}

	rows := make([]Row, len(tests))
	for i, t := range tests {
		r := Row{Name: t.Name, Unit: OpsPerSec, Redis: math.NaN(), Sidecar: math.NaN(), Goal: t.Goal}
		var notes []string
		for s, srv := range srvs {
			c := cells[s][i]
			err := preloadErr[s][t.Data]
			if err == nil {
				err = c.err
			}
			v := math.NaN()
			if err == nil {
				v = c.best
			}
			setCell(&r, s, v, err)
			var parts []string
			if c.note != "" {
				parts = append(parts, c.note)
			}
			if err == nil && c.worst < 0.8*c.best {
				parts = append(parts, fmt.Sprintf("rounds spread %.0f%%", 100*(1-c.worst/c.best)))
			}
			if len(parts) > 0 {
				notes = append(notes, srv.Label+": "+strings.Join(parts, ", "))
			}
		}
		r.Note = strings.Join(notes, "; ")
		rows[i] = r
	}
	e.memRows = append(e.memRows, preloadRSS)
	title := fmt.Sprintf("ops: ops/s, higher is better; best of %d round(s)", e.cfg.rounds)
	return &Table{Title: title, Rows: rows}, nil
}

// setCell stores a value (or error) in the Redis column for s == 0 and
// the sidecar column otherwise.
func setCell(r *Row, s int, v float64, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
		v = math.NaN()
	}
	if s == 0 {
		r.Redis, r.RedisErr = v, msg
	} else {
		r.Sidecar, r.SidecarErr = v, msg
	}
}

// measure runs one round of test t. In the first round (c.n == 0) a
// warm-up of a twentieth of the requests comes first; it also estimates
// the rate, and if the full n would take longer than --time-limit, n is
// lowered to fit for every round (the note says so when it is less than
// half). Rates stay comparable; only the sample gets smaller.
func measure(ctx context.Context, e *env, addr string, t opsTest, c *opsCell) (loadResult, error) {
	if err := ping(ctx, addr); err != nil {
		return loadResult{}, fmt.Errorf("server not answering PING: %w", err)
	}
	if c.n == 0 {
		warm := min(t.N, max(t.N/20, e.cfg.clients*e.cfg.pipeline*2))
		w, err := e.drv.Run(ctx, addr, t, warm)
		if err != nil {
			return loadResult{}, err
		}
		c.n = t.N
		if limit := e.cfg.timeLimit.Seconds(); w.RPS > 0 && float64(c.n)/w.RPS > 0.9*limit {
			c.n = max(warm, int(w.RPS*0.8*limit))
			if c.n < t.N/2 {
				c.note = "n=" + groupThousands(int64(c.n)) + " (time limit)"
			}
		}
	}
	res, err := e.drv.Run(ctx, addr, t, c.n)
	if err == nil && res.Partial {
		c.note = "stopped at " + groupThousands(res.Requests) + " (time limit)"
	}
	return res, err
}

func fmtMs(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

// benchDriver runs the real redis-benchmark binary once per test with
// --csv and parses its output.
type benchDriver struct {
	bin                     string
	version                 string
	clients, pipeline, keys int
	timeLimit               time.Duration
	verbose                 io.Writer // raw command lines and CSV, or nil
}

func (d *benchDriver) Describe() string {
	return fmt.Sprintf("%s %s (single-threaded, one process per test)", d.bin, d.version)
}

// Run runs redis-benchmark for n requests. It is killed after five times
// the time limit (plus slack), since it retries forever when a server is
// down and has no time bound of its own.
func (d *benchDriver) Run(ctx context.Context, addr string, t opsTest, n int) (loadResult, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return loadResult{}, err
	}
	args := []string{"-h", host, "-p", port,
		"-c", strconv.Itoa(d.clients), "-n", strconv.Itoa(n), "-P", strconv.Itoa(d.pipeline),
		"-r", strconv.Itoa(d.keys), "--csv"}
	args = append(args, t.Args...)
	kill := 5*d.timeLimit + 30*time.Second
	rctx, cancel := context.WithTimeout(ctx, kill)
	defer cancel()
	cmd := exec.CommandContext(rctx, d.bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if d.verbose != nil {
		fmt.Fprintln(d.verbose, "+", describeCmd(d.bin, shortArgs(args)))
	}
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	if d.verbose != nil {
		d.verbose.Write(stdout.Bytes())
	}
	if ctx.Err() != nil {
		return loadResult{}, ctx.Err()
	}
	if rctx.Err() != nil {
		return loadResult{}, fmt.Errorf("redis-benchmark did not finish within %s and was killed (try a lower --n)", kill)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return loadResult{}, fmt.Errorf("redis-benchmark: %w: %s", err, tail(msg, 3))
	}
	rows, err := parseBenchmarkCSV(&stdout)
	if err != nil {
		return loadResult{}, err
	}
	if len(rows) != 1 {
		return loadResult{}, fmt.Errorf("redis-benchmark printed %d results, want 1", len(rows))
	}
	r := rows[0]
	return loadResult{
		Requests: int64(n),
		Elapsed:  elapsed,
		RPS:      r.RPS,
		P50:      msDuration(r.P50Ms),
		P99:      msDuration(r.P99Ms),
	}, nil
}

// shortArgs abbreviates long runs of repeated arguments (MGET's 100 keys)
// for printing.
func shortArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); {
		j := i
		for j < len(args) && args[j] == args[i] {
			j++
		}
		out = append(out, args[i])
		if j-i > 3 {
			out = append(out, fmt.Sprintf("...(x%d)", j-i))
		} else {
			out = append(out, args[i+1:j]...)
		}
		i = j
	}
	return out
}

func msDuration(ms float64) time.Duration {
	if math.IsNaN(ms) {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// benchRow is one result line of redis-benchmark --csv.
type benchRow struct {
	Test  string
	RPS   float64
	AvgMs float64 // NaN when the CSV has no such column
	P50Ms float64
	P99Ms float64
}

// parseBenchmarkCSV reads redis-benchmark --csv output. Redis 6.2 and
// later print a header ("test","rps","avg_latency_ms",...) and one line
// per test; older versions print only "test","rps" lines. Lines that are
// not CSV records (warnings) are skipped.
func parseBenchmarkCSV(r io.Reader) ([]benchRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var csvLines []string
	for _, line := range strings.Split(string(data), "\n") {
		// Progress output ends in \r, not \n: keep what follows the last.
		if i := strings.LastIndexByte(line, '\r'); i >= 0 && i < len(line)-1 {
			line = line[i+1:]
		}
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, `"`) {
			csvLines = append(csvLines, line)
		}
	}
	cr := csv.NewReader(strings.NewReader(strings.Join(csvLines, "\n")))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark CSV: %w", err)
	}
	col := map[string]int{"test": 0, "rps": 1}
	if len(records) > 0 && records[0][0] == "test" {
		col = map[string]int{}
		for i, name := range records[0] {
			col[name] = i
		}
		if _, ok := col["rps"]; !ok {
			return nil, errors.New(`redis-benchmark CSV: header has no "rps" column`)
		}
		records = records[1:]
	}
	field := func(rec []string, name string) (float64, error) {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return math.NaN(), nil
		}
		v, err := strconv.ParseFloat(rec[i], 64)
		if err != nil {
			return 0, fmt.Errorf("redis-benchmark CSV: %s %q: %w", name, rec[i], err)
		}
		return v, nil
	}
	var out []benchRow
	for _, rec := range records {
		row := benchRow{Test: rec[0]}
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"rps", &row.RPS}, {"avg_latency_ms", &row.AvgMs}, {"p50_latency_ms", &row.P50Ms}, {"p99_latency_ms", &row.P99Ms}} {
			if *f.dst, err = field(rec, f.name); err != nil {
				return nil, err
			}
		}
		if math.IsNaN(row.RPS) {
			return nil, fmt.Errorf("redis-benchmark CSV: no rps for %q", row.Test)
		}
		out = append(out, row)
	}
	return out, nil
}
