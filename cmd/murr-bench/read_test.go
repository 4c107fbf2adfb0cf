package main

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(lat), func(i, j int) { lat[i], lat[j] = lat[j], lat[i] })
	s := summarize(lat, 100*4000)
	if s.Reads != 100 || s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond ||
		s.Mean != 50500*time.Microsecond || s.BytesPerRead != 4000 || s.Elapsed != 5050*time.Millisecond {
		t.Errorf("got %+v", s)
	}
	one := summarize([]time.Duration{3 * time.Millisecond}, 7)
	if one.P50 != 3*time.Millisecond || one.P99 != 3*time.Millisecond || one.Mean != 3*time.Millisecond || one.BytesPerRead != 7 {
		t.Errorf("one read: %+v", one)
	}
	if empty := summarize(nil, 0); empty.Reads != 0 || empty.P50 != 0 || !math.IsNaN(empty.BytesPerRead) {
		t.Errorf("no reads: %+v", empty)
	}
	if s.note() != "" {
		t.Errorf("note %q", s.note())
	}
	s.Planned, s.Lowered = 2000, true
	if n := s.note(); n != "n=100 (time limit)" {
		t.Errorf("note %q", n)
	}
	s.Stopped = true
	if n := s.note(); n != "stopped at 100 of 2,000 reads (time limit)" {
		t.Errorf("note %q", n)
	}
}

func TestTimeReads(t *testing.T) {
	ctx := context.Background()
	var calls []int
	fixed := func(r int) (time.Duration, int64, error) {
		calls = append(calls, r)
		return time.Duration(r) * time.Microsecond, 10, nil
	}
	warmed := -1
	s, err := timeReads(ctx, fixed, 5, 20, time.Minute, func() { warmed = len(calls) })
	if err != nil {
		t.Fatal(err)
	}
	// Reads 0..4 warm up, 5..24 are measured; the measured latencies are
	// the durations returned, 5..24 µs.
	if len(calls) != 25 || calls[0] != 0 || calls[24] != 24 || warmed != 5 {
		t.Errorf("calls %v, onWarm after %d", calls, warmed)
	}
	if s.Reads != 20 || s.Planned != 20 || s.Lowered || s.Stopped || s.P50 != 14*time.Microsecond ||
		s.P99 != 23*time.Microsecond || s.BytesPerRead != 10 {
		t.Errorf("got %+v", s)
	}

	// A read that takes 2ms, 1000 wanted within 200ms: about 80 measured
	// (at least minTimedReads, unless a busy machine stretches the sleeps
	// past twice the limit, which stops the run).
	slow := func(r int) (time.Duration, int64, error) {
		time.Sleep(2 * time.Millisecond)
		return 2 * time.Millisecond, 1, nil
	}
	s, err = timeReads(ctx, slow, 10, 1000, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Lowered || s.Reads > 100 || s.Planned != 1000 || (s.Reads < minTimedReads && !s.Stopped) {
		t.Errorf("time limit: %+v", s)
	}

	boom := errors.New("boom")
	failing := func(r int) (time.Duration, int64, error) {
		if r == 7 {
			return 0, 0, boom
		}
		return time.Microsecond, 1, nil
	}
	if _, err := timeReads(ctx, failing, 5, 10, time.Minute, nil); !errors.Is(err, boom) || !strings.Contains(err.Error(), "read 7") {
		t.Errorf("error: %v", err)
	}
}

func TestUniformSeq(t *testing.T) {
	const n, reads, per = 1000, 50, 100
	a, b := uniformSeq(n, reads, per, 1), uniformSeq(n, reads, per, 1)
	if !slices.Equal(a.rows, b.rows) || a.reads() != reads || len(a.read(reads-1)) != per {
		t.Fatal("not the same for the same seed, or the wrong shape")
	}
	if slices.Equal(a.rows, uniformSeq(n, reads, per, 2).rows) {
		t.Error("the same for another seed")
	}
	seen := make([]int, n)
	for _, r := range a.rows {
		if r < 0 || r >= n {
			t.Fatalf("row %d out of range", r)
		}
		seen[r]++
	}
	// 5000 draws over 1000 rows: each about 5 times, none near 50.
	if hot := slices.Max(seen); hot > 20 {
		t.Errorf("a row drawn %d times", hot)
	}
}

func TestPermutation(t *testing.T) {
	p := permutation(1000, rand.New(rand.NewPCG(1, 2)))
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != int32(i) {
			t.Fatalf("not a permutation: %d at %d", v, i)
		}
	}
	fixed := 0
	for i, v := range p {
		if v == int32(i) {
			fixed++
		}
	}
	if fixed > 10 {
		t.Errorf("%d fixed points", fixed)
	}
}

func TestZipfSeq(t *testing.T) {
	const n, reads, per = 100_000, 100, 1000
	a, err := zipfSeq(n, reads, per, 1.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := zipfSeq(n, reads, per, 1.1, 3)
	if !slices.Equal(a.rows, b.rows) || a.reads() != reads || a.name != "zipf s=1.1" {
		t.Fatal("not the same for the same seed, or the wrong shape")
	}
	count := map[int32]int{}
	for _, r := range a.rows {
		if r < 0 || r >= n {
			t.Fatalf("row %d out of range", r)
		}
		count[r]++
	}
	type kc struct {
		k int32
		c int
	}
	var top []kc
	for k, c := range count {
		top = append(top, kc{k, c})
	}
	slices.SortFunc(top, func(x, y kc) int { return y.c - x.c })
	// Skewed: the most popular row takes a few percent of 100,000 draws
	// (uniform would be 1), and far fewer distinct rows are read than
	// uniform draws would reach (about 63,000).
	if top[0].c < 1000 || len(count) > 40_000 {
		t.Errorf("not skewed: top row %d times, %d distinct rows", top[0].c, len(count))
	}
	// Spread: the ten hottest rows are not rows 0..9 (nor all low numbers).
	low := 0
	for _, x := range top[:10] {
		if x.k < 1000 {
			low++
		}
	}
	if low > 2 {
		t.Errorf("hot rows are not spread: %v", top[:10])
	}
	// A steeper exponent is more skewed.
	c, _ := zipfSeq(n, reads, per, 2, 3)
	distinct := map[int32]bool{}
	for _, r := range c.rows {
		distinct[r] = true
	}
	if len(distinct) >= len(count) {
		t.Errorf("s=2 reads %d distinct rows, s=1.1 %d", len(distinct), len(count))
	}
	if _, err := zipfSeq(n, 1, 1, 1, 3); err == nil {
		t.Error("s=1 accepted")
	}
}

func TestCheckArrowReply(t *testing.T) {
	d := newDenseRows(100, readCols, 1)
	stream, err := d.ipcStream(10, 20)
	if err != nil {
		t.Fatal(err)
	}
	rows := []int32{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	if err := checkArrowReply(stream, d, rows); err != nil {
		t.Errorf("a right reply: %v", err)
	}
	shifted := []int32{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	if err := checkArrowReply(stream, d, shifted); err == nil {
		t.Error("wrong keys accepted")
	}
	if err := checkArrowReply(stream, d, rows[:9]); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Errorf("wrong row count: %v", err)
	}
	if err := checkArrowReply(stream, newDenseRows(100, readCols, 2), rows); err == nil {
		t.Error("other values accepted")
	}
	if err := checkArrowReply(stream[:len(stream)/2], d, rows); err == nil {
		t.Error("a truncated stream accepted")
	}
}

func TestParseInfoStats(t *testing.T) {
	st := parseInfoStats("# Murr\r\nengine:pebble\r\nhot_hits:90\r\nhot_misses:10\r\nhot_entries:5\r\nhot_bytes:640\r\n" +
		"hot_evictions:2\r\nblock_cache_hits:7\r\nblock_cache_misses:3\r\n")
	if !st.hot || !st.cache || st.hits != 90 || st.misses != 10 || st.entries != 5 || st.bytes != 640 ||
		st.evictions != 2 || st.cacheHits != 7 || st.cacheMisses != 3 {
		t.Errorf("got %+v", st)
	}
	if st := parseInfoStats("# Murr\r\nengine:pebble\r\n"); st.hot || st.cache {
		t.Errorf("absent fields: %+v", st)
	}
	re := &readEnv{runs: []sidecarRun{
		{name: "uniform", complete: true, before: infoStats{hot: true, hits: 10, misses: 10}, after: infoStats{hot: true, hits: 40, misses: 20, entries: 3}},
	}}
	if got := strings.Join(re.statsNotes(), "\n"); !strings.Contains(got, "uniform 0.750 (30 of 40)") {
		t.Errorf("notes: %s", got)
	}
	re.runs[0].before.hot = false
	if got := strings.Join(re.statsNotes(), "\n"); !strings.Contains(got, "hot tier hit ratio: n/a") {
		t.Errorf("notes: %s", got)
	}
}

func TestMinimumIn(t *testing.T) {
	err := errors.New("procs: sidecar not ready: exited: exit status 1\nmurr-sidecar: engine: HotMemory 1048576 below the minimum of 16777216 (16 MiB)\n")
	if n, ok := minimumIn(err); !ok || n != 16777216 {
		t.Errorf("got %d, %v", n, ok)
	}
	if _, ok := minimumIn(errors.New("address already in use")); ok {
		t.Error("found a minimum in an unrelated error")
	}
	if _, ok := minimumIn(nil); ok {
		t.Error("found a minimum in nil")
	}
}

// TestTimedConn checks framing-only parsing and byte counts against a
// real Redis.
func TestTimedConn(t *testing.T) {
	p := startRedis(t)
	ctx := context.Background()
	c, err := dial(ctx, p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := newDenseRows(10, readCols, 1)
	if _, err := runPipelineLoad(ctx, p.Addr, buildPipelineLoad(0, 10, 10, d.appendSET), 1, 0); err != nil {
		t.Fatal(err)
	}
	if err := verifyMGET(c, d, []int32{3, 1, 3}); err != nil {
		t.Fatal(err)
	}
	if err := verifyMGET(c, newDenseRows(10, readCols, 2), []int32{3}); err == nil {
		t.Error("verifyMGET accepts other values")
	}
	tc, err := dialTimed(ctx, p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	seq := &keySeq{per: 3, rows: []int32{3, 1, 3, 0, 9, 12}}
	do := respReader(tc, mgetRequest{}, seq)
	el, n, err := do(0)
	// *3, then three $40 bulk strings.
	if want := int64(4 + 3*(5+40+2)); err != nil || n != want || el <= 0 {
		t.Errorf("MGET: %v, %d bytes (want %d), %v", el, n, want, err)
	}
	// Row 12 does not exist: a null bulk string ($-1) is still framed.
	if _, n, err := do(1); err != nil || n != int64(4+2*(5+40+2)+5) {
		t.Errorf("MGET with a missing key: %d bytes, %v", n, err)
	}
	// HGETALL of a string key is an error reply, reported as an error.
	if _, _, err := respReader(tc, hgetallRequest{cols: readCols}, seq)(0); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("HGETALL of strings: %v", err)
	}
	// The connection is still in step after an error reply.
	if _, _, err := do(0); err != nil {
		t.Errorf("after an error: %v", err)
	}
	// A reply of the wrong shape fails the check.
	if _, _, err := respReader(tc, mgetRequest{}, &keySeq{per: 2, rows: []int32{1, 2}})(0); err != nil {
		t.Errorf("MGET of 2: %v", err)
	}
	if err := (mgetRequest{}).check(3, replyHead{'*', 2}); err == nil {
		t.Error("MGET of 3 keys replied *2: no error")
	}
	if err := (murrReadRequest{}).check(3, replyHead{'*', 3}); err == nil {
		t.Error("MURR.READ replied an array: no error")
	}
}

// TestRunRead runs the read workload on a small load against a real
// sidecar built from this module, after another workload (so the
// servers are restarted fresh first), and checks every cell was measured.
func TestRunRead(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts servers")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip(err)
	}
	cfg, err := parseFlags([]string{"--workloads", "sparse,read", "--rows", "5000", "--reads", "50", "--read-warmup", "10",
		"--write-batch-rows", "2000", "--work-dir", t.TempDir()}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	var out, log strings.Builder
	if err := run(context.Background(), cfg, &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	got := out.String()
	for _, want := range []string{"uniform: MURR.READ vs MGET: p50", "uniform: MURR.READ vs pipelined HGETALL: p99",
		"zipf s=1.1: MURR.READ vs MGET: mean", "zipf s=1.1: MURR.READ vs pipelined HGETALL: received",
		"), uniform: MURR.READ (redis: bare Pebble): p50", "ingest: MURR.WRITE (redis: pipelined SET)",
		"RSS after load: table (redis: blobs)", "RSS after load: table (redis: hashes)", "<= 0.25x", "<= 0.05x", "<= 1.50x", ">= 2.00x", "<= 0.50x",
		"hot tier hit ratio", " ms ", "B/read", "read      5,000 rows"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "error") || strings.Contains(got, "  ! ") || strings.Contains(got, " - ") {
		t.Errorf("output reports errors or missing cells")
	}
	if !strings.Contains(log.String(), "restarting both servers") {
		t.Error("servers not restarted after the sparse workload")
	}
	if t.Failed() {
		t.Logf("output:\n%s\nlog:\n%s", got, log.String())
	}
}
