package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the parsed command line.
type config struct {
	workloads      []string
	driver         string
	n              int
	clients        int
	pipeline       int
	keys           int
	valueSize      int
	fsync          string
	timeLimit      time.Duration
	rounds         int
	driverProcs    int
	sidecarBin     string
	sidecarArgs    string
	redisArgs      string
	sidecarIsRedis bool
	workDir        string
	keep           bool
	verbose        bool

	// ingest and sparse workloads
	rows            int
	ingestPipeline  int
	ingestConns     int
	writeBatchRows  int
	ingestTimeLimit time.Duration
	sidecarProfile  string

	// read workload
	readKeys      int
	reads         int
	readWarmup    int
	readTimeLimit time.Duration
	zipf          float64
	readHashes    bool
	readProfile   string

	s3 s3Config // the s3 workload (s3bench.go)
}

// workload is one benchmark: it measures both servers and returns a table.
type workload struct {
	name  string
	about string
	run   func(ctx context.Context, e *env) (*Table, error)
}

// workloads lists every workload in the order --workloads=all runs them.
var workloads = []workload{
	{name: "ops", about: "ops/s of GET SET MGET HSET HGET HMGET, pipelined, redis-benchmark style", run: runOps},
	{name: "ingest", about: "rows/s of loading --rows rows: pipelined SET and HSET, MURR.WRITE of Arrow IPC, HTTP PUT of Parquet", run: runIngest},
	{name: "sparse", about: "storage bytes per row of a 100-column table with 2 columns set per row, and with all 100", run: runSparse},
	{name: "read", about: "Murr's benchmark: latency of reading 1000 random keys of --rows rows, MURR.READ vs MGET and pipelined HGETALL, uniform, Zipf and cold", run: runRead},
	{name: "s3", about: "S3 mirror to a local MinIO: restore time and MB/s of a fresh node vs raw GET, mirror lag under steady writes, --s3-sync latency", run: runS3},
}

// env is what a workload gets to work with.
type env struct {
	cfg *config
	srv *servers
	drv driver
	log io.Writer // progress lines
	// memRows collects memory measurements workloads take on the way
	// (e.g. RSS after a preload); they are printed in the memory table.
	memRows []Row
	// ran counts the workloads that ran before this one.
	ran int
}

// hiddenFlags are accepted but left out of -help.
var hiddenFlags = map[string]bool{"sidecar-is-redis": true}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("murr-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var wl string
	fs.StringVar(&wl, "workloads", "ops", "comma-separated workloads to run: "+workloadNames()+", or all")
	fs.StringVar(&cfg.driver, "driver", "redis-benchmark", "load generator for ops: redis-benchmark (the real binary) or go (built in)")
	fs.IntVar(&cfg.n, "n", 1_000_000, "requests per ops test (MGET runs n/"+strconv.Itoa(mgetDivisor)+"); lowered for a server too slow to finish within --time-limit")
	fs.IntVar(&cfg.clients, "clients", 50, "parallel connections")
	fs.IntVar(&cfg.pipeline, "pipeline", 16, "requests in flight per connection")
	fs.IntVar(&cfg.keys, "keys", 100_000, "key space: strings and hashes preloaded, and the range of __rand_int__ (-r)")
	fs.IntVar(&cfg.valueSize, "value-size", 3, "bytes per string value and per hash field value")
	fs.StringVar(&cfg.fsync, "fsync", "everysec", "sidecar --fsync policy: always, everysec or no (Redis runs with persistence off)")
	fs.DurationVar(&cfg.timeLimit, "time-limit", 6*time.Second, "target time of one test on one server in one round; n is lowered to fit, and the go driver stops there")
	fs.IntVar(&cfg.rounds, "rounds", 3, "measure each server this many times, alternating, and keep each test's best round")
	fs.IntVar(&cfg.driverProcs, "driver-procs", 1, "GOMAXPROCS of the go driver while it generates load, 0 to leave it alone (1 matches redis-benchmark, which is single-threaded)")
	fs.StringVar(&cfg.sidecarBin, "sidecar-bin", "", "prebuilt murr-sidecar binary (default: build ./cmd/murr-sidecar)")
	fs.StringVar(&cfg.sidecarArgs, "sidecar-args", "", "extra flags for the sidecar, space-separated")
	fs.StringVar(&cfg.redisArgs, "redis-args", "", "extra options for redis-server, space-separated (e.g. \"--io-threads 2\")")
	fs.BoolVar(&cfg.sidecarIsRedis, "sidecar-is-redis", false, "run a second redis-server in the sidecar column (checks this program)")
	fs.StringVar(&cfg.workDir, "work-dir", os.TempDir(), "where the temporary directory for data and binaries is made")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory")
	fs.BoolVar(&cfg.verbose, "v", false, "print each redis-benchmark command line and its raw CSV")
	fs.IntVar(&cfg.rows, "rows", 1_000_000, "ingest and read: rows loaded into each server (keys \"0\"..\"rows-1\", ten float32 columns); sparse: rows/10 per table, at most "+groupThousands(maxSparseRows))
	fs.IntVar(&cfg.ingestPipeline, "ingest-pipeline", 1000, "ingest: SET or HSET commands per round trip of the pipelined loads")
	fs.IntVar(&cfg.ingestConns, "ingest-conns", 1, "ingest: connections the pipelined SET and HSET loads are spread over")
	fs.IntVar(&cfg.writeBatchRows, "write-batch-rows", 1_000_000, "ingest and read: rows per MURR.WRITE command (one Arrow IPC stream each)")
	fs.DurationVar(&cfg.ingestTimeLimit, "ingest-time-limit", 30*time.Second, "ingest: a load still running after this sends no more round trips, and its rate counts the rows acknowledged")
	fs.IntVar(&cfg.readKeys, "read-keys", 1000, "read: keys per read (one MGET, MURR.READ, or pipeline of HGETALL)")
	fs.IntVar(&cfg.reads, "reads", 2000, "read: reads measured per run; lowered for a server too slow to finish within --read-time-limit")
	fs.IntVar(&cfg.readWarmup, "read-warmup", 200, "read: reads before each run's measured ones, not measured")
	fs.DurationVar(&cfg.readTimeLimit, "read-time-limit", 15*time.Second, "read: target time of one run's measured reads; --reads is lowered to fit, and a run stops at twice this")
	fs.Float64Var(&cfg.zipf, "zipf", 1.1, "read: exponent s (> 1) of the Zipf-skewed run's key popularity; 0 skips that run")
	fs.BoolVar(&cfg.readHashes, "read-hashes", true, "read: also load Redis with hashes and measure pipelined HGETALL (false: blobs and MGET only, for quick runs)")
	fs.StringVar(&cfg.readProfile, "read-profile", "", "read: after the warm runs, repeat the uniform MURR.READ reads for 10s while taking a CPU profile of the sidecar, saved to this file")
	fs.StringVar(&cfg.sidecarProfile, "sidecar-profile", "", "ingest: after the measured MURR.WRITE load, repeat it for 10s while taking a CPU profile of the sidecar (its /debug/pprof/profile), saved to this file")
	registerS3Flags(fs, &cfg.s3)

	visible := flag.NewFlagSet("murr-bench", flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !hiddenFlags[f.Name] {
			visible.Var(f.Value, f.Name, f.Usage)
		}
	})
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/murr-bench [flags]\n\n"+
			"Starts a redis-server and a murr-sidecar side by side and prints what each\n"+
			"workload measured on both. See go doc ./cmd/murr-bench.\n\nFlags:\n")
		visible.SetOutput(stderr)
		visible.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	var errs []error
	for _, name := range strings.Split(wl, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, w := range workloads {
				cfg.workloads = append(cfg.workloads, w.name)
			}
		case findWorkload(name) != nil:
			cfg.workloads = append(cfg.workloads, name)
		default:
			errs = append(errs, fmt.Errorf("--workloads: unknown workload %q (have %s)", name, workloadNames()))
		}
	}
	if cfg.driver != "redis-benchmark" && cfg.driver != "go" {
		errs = append(errs, fmt.Errorf("--driver: %q is neither redis-benchmark nor go", cfg.driver))
	}
	for _, c := range []struct {
		name     string
		v, least int
	}{{"n", cfg.n, 1}, {"clients", cfg.clients, 1}, {"pipeline", cfg.pipeline, 1}, {"keys", cfg.keys, 1}, {"value-size", cfg.valueSize, 0}, {"driver-procs", cfg.driverProcs, 0}, {"rounds", cfg.rounds, 1},
		{"rows", cfg.rows, 1}, {"ingest-pipeline", cfg.ingestPipeline, 1}, {"ingest-conns", cfg.ingestConns, 1}, {"write-batch-rows", cfg.writeBatchRows, 1},
		{"read-keys", cfg.readKeys, 1}, {"reads", cfg.reads, 1}, {"read-warmup", cfg.readWarmup, 0}} {
		if c.v < c.least {
			errs = append(errs, fmt.Errorf("--%s: %d is less than %d", c.name, c.v, c.least))
		}
	}
	if cfg.keys > 999_999_999_999 {
		errs = append(errs, fmt.Errorf("--keys: %d does not fit in %d digits", cfg.keys, randDigits))
	}
	if !slices.Contains([]string{"always", "everysec", "no"}, cfg.fsync) {
		errs = append(errs, fmt.Errorf("--fsync: %q is not always, everysec or no", cfg.fsync))
	}
	if cfg.timeLimit <= 0 {
		errs = append(errs, errors.New("--time-limit must be positive"))
	}
	if cfg.ingestTimeLimit <= 0 {
		errs = append(errs, errors.New("--ingest-time-limit must be positive"))
	}
	if cfg.readTimeLimit <= 0 {
		errs = append(errs, errors.New("--read-time-limit must be positive"))
	}
	if cfg.zipf != 0 && !(cfg.zipf > 1) {
		errs = append(errs, fmt.Errorf("--zipf: %v is not more than 1 (or 0 to skip the Zipf run)", cfg.zipf))
	}
	if slices.Contains(cfg.workloads, "read") {
		if err := checkRows(cfg.rows); err != nil {
			errs = append(errs, fmt.Errorf("--rows: %w", err))
		}
	}
	errs = append(errs, cfg.s3.check()...)
	return cfg, errors.Join(errs...)
}

func workloadNames() string {
	names := make([]string, len(workloads))
	for i, w := range workloads {
		names[i] = w.name
	}
	return strings.Join(names, ", ")
}

func findWorkload(name string) *workload {
	for i := range workloads {
		if workloads[i].name == name {
			return &workloads[i]
		}
	}
	return nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "murr-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "murr-bench:", err)
		stop()
		os.Exit(1)
	}
}

// run starts both servers, runs the workloads and prints the report to
// out; progress goes to logw.
func run(ctx context.Context, cfg *config, out, logw io.Writer) (err error) {
	drv, err := newDriver(cfg, logw)
	if err != nil {
		return err
	}
	loadAvg := loadAverage()
	srv, err := startServers(ctx, cfg, logw)
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.stop(logw); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	e := &env{cfg: cfg, srv: srv, drv: drv, log: logw}
	writeHeader(out, e, loadAvg)

	for _, name := range cfg.workloads {
		w := findWorkload(name)
		fmt.Fprintf(logw, "== %s: %s\n", w.name, w.about)
		t, err := w.run(ctx, e)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		t.SidecarLabel = sidecarLabel(srv)
		if t.Title == "" {
			t.Title = fmt.Sprintf("%s: %s", w.name, w.about)
		}
		fmt.Fprintln(out)
		if err := t.Write(out); err != nil {
			return err
		}
		for _, msg := range t.Errors() {
			fmt.Fprintf(out, "  ! %s\n", msg)
		}
		e.ran++
	}

	mem := &Table{Title: "memory: resident set size (VmRSS), lower is better", SidecarLabel: sidecarLabel(srv)}
	mem.Rows = append(mem.Rows, e.memRows...)
	final := Row{Name: "RSS after run", Unit: Bytes, Redis: math.NaN(), Sidecar: math.NaN()}
	if v, err := srv.Redis.rss(); err != nil {
		final.RedisErr = err.Error()
	} else {
		final.Redis = v
	}
	if v, err := srv.Sidecar.rss(); err != nil {
		final.SidecarErr = err.Error()
	} else {
		final.Sidecar = v
	}
	mem.Rows = append(mem.Rows, final)
	fmt.Fprintln(out)
	if err := mem.Write(out); err != nil {
		return err
	}
	for _, msg := range mem.Errors() {
		fmt.Fprintf(out, "  ! %s\n", msg)
	}
	fmt.Fprintf(out, "\nratio = %s/redis: above 1 means more ops/s or rows/s (better), or more memory or bytes/row (worse).\n", sidecarLabel(srv))
	return nil
}

func sidecarLabel(s *servers) string { return s.Sidecar.Label }

// newDriver picks the load generator and checks it can run.
func newDriver(cfg *config, logw io.Writer) (driver, error) {
	if cfg.driver == "go" {
		return &goDriver{clients: cfg.clients, pipeline: cfg.pipeline, keys: cfg.keys,
			timeLimit: cfg.timeLimit, procs: cfg.driverProcs}, nil
	}
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		return nil, errors.New("redis-benchmark is not installed (apt-get install redis-tools), or use --driver=go")
	}
	d := &benchDriver{bin: bin, clients: cfg.clients, pipeline: cfg.pipeline, keys: cfg.keys, timeLimit: cfg.timeLimit}
	if v, err := exec.Command(bin, "--version").Output(); err == nil {
		d.version = strings.TrimPrefix(strings.TrimSpace(string(v)), "redis-benchmark ")
	}
	if cfg.verbose {
		d.verbose = logw
	}
	return d, nil
}

// writeHeader prints what was measured on what: the machine, versions,
// both servers' command lines, the durability each one gives, and the
// load shape.
func writeHeader(w io.Writer, e *env, loadAvg string) {
	cfg := e.cfg
	fmt.Fprintf(w, "murr-bench  %s  workloads: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), strings.Join(cfg.workloads, ","))
	fmt.Fprintf(w, "machine   %d CPUs%s, %s/%s%s; load average %s at start\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, memTotal(), loadAvg)
	fmt.Fprint(w, "          the load generator shares these CPUs with the server under test, the\n"+
		"          same way for both servers; numbers are only comparable within one run\n")
	fmt.Fprintf(w, "go        %s\n", runtime.Version())
	fmt.Fprintf(w, "redis     %s, version %s\n", e.srv.Redis.About, orUnknown(e.srv.Redis.Version))
	fmt.Fprintf(w, "          persistence off (no RDB snapshots, no AOF): its writes never touch disk\n")
	fmt.Fprintf(w, "%-9s %s, reports redis_version %s\n", sidecarLabel(e.srv), e.srv.Sidecar.About, orUnknown(e.srv.Sidecar.Version))
	if !e.srv.SidecarIsRedis {
		fmt.Fprintf(w, "          %s\n", fsyncMeaning(cfg.fsync))
	}
	fmt.Fprintf(w, "driver    %s\n", e.drv.Describe())
	if slices.Contains(cfg.workloads, "ops") {
		fmt.Fprintf(w, "load      %d clients, pipeline %d, %s keys, %d-byte values, n=%s per test, %d round(s), time limit %s\n",
			cfg.clients, cfg.pipeline, groupThousands(int64(cfg.keys)), cfg.valueSize, groupThousands(int64(cfg.n)), cfg.rounds, cfg.timeLimit)
	}
	if slices.Contains(cfg.workloads, "ingest") {
		fmt.Fprintf(w, "ingest    %s rows, pipeline %d over %d connection(s), MURR.WRITE batches of %s rows, time limit %s per load\n",
			groupThousands(int64(cfg.rows)), cfg.ingestPipeline, cfg.ingestConns, groupThousands(int64(cfg.writeBatchRows)), cfg.ingestTimeLimit)
	}
	if slices.Contains(cfg.workloads, "read") {
		zipf := "no Zipf run"
		if cfg.zipf != 0 {
			zipf = fmt.Sprintf("Zipf s=%v", cfg.zipf)
		}
		layouts := "blobs (MGET) and hashes (pipelined HGETALL)"
		if !cfg.readHashes {
			layouts = "blobs (MGET) only"
		}
		fmt.Fprintf(w, "read      %s rows, %d keys per read, %s reads per run after %d warm-up, time limit %s per run; uniform, %s, cold; redis: %s\n",
			groupThousands(int64(cfg.rows)), cfg.readKeys, groupThousands(int64(cfg.reads)), cfg.readWarmup, cfg.readTimeLimit, zipf, layouts)
	}
	if slices.Contains(cfg.workloads, "sparse") {
		fmt.Fprintf(w, "sparse    %s rows per table, %d float32 columns\n", groupThousands(int64(sparseRows(cfg))), sparseCols)
	}
	writeS3Header(w, cfg)
}

// fsyncMeaning says what the sidecar's --fsync policy costs and keeps,
// next to a Redis that keeps nothing.
func fsyncMeaning(policy string) string {
	switch policy {
	case "always":
		return "--fsync always: each write is acknowledged after its WAL fsync (nothing acknowledged\n" +
			"          is lost), far more work per write than this Redis does"
	case "no":
		return "--fsync no: writes go to the WAL but the OS decides when they reach disk; the\n" +
			"          closest to this Redis, which writes nothing"
	default:
		return "--fsync everysec: writes are acknowledged before fsync and the WAL is fsynced about\n" +
			"          once a second (a crash loses up to ~1s), still more work than this Redis does"
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// loadAverage returns the 1-minute load average ("?" off Linux).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// cpuModel returns " (model name)" from /proc/cpuinfo, or "".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return " (" + strings.TrimSpace(v) + ")"
		}
	}
	return ""
}

// memTotal returns ", N GiB RAM" from /proc/meminfo, or "".
func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
					return fmt.Sprintf(", %.1f GiB RAM", kb/(1<<20))
				}
			}
		}
	}
	return ""
}
