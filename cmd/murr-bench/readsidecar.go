package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// What the read workload watches in the sidecar: its CPU use (to wait
// for a load's flushes and compactions to settle), the hot-tier and
// block-cache counters of INFO murr around each run, and a CPU profile.

// waitQuiet waits (at most a minute) until srv's process has been all but
// idle for a second, so that a flush or compaction started by the load
// does not land in the reads.
func (re *readEnv) waitQuiet(srv *server) {
	t0 := time.Now()
	quiet, err := waitIdle(re.ctx, srv.Proc.Pid(), time.Minute)
	switch {
	case err != nil:
		fmt.Fprintf(re.log, "%-8s CPU use unknown (%v); not waiting\n", srv.Label, err)
	case !quiet:
		fmt.Fprintf(re.log, "%-8s still busy after %s; measuring anyway\n", srv.Label, time.Since(t0).Round(time.Millisecond))
		re.notes = append(re.notes, srv.Label+" was still using CPU a minute after loading; its reads ran alongside that work")
	case time.Since(t0) > 2*time.Second:
		fmt.Fprintf(re.log, "%-8s idle after %s\n", srv.Label, time.Since(t0).Round(time.Millisecond))
	}
}

// waitIdle polls the CPU time of process pid every half second and
// returns true once two polls in a row saw it use under 5% of a CPU, or
// false after max.
func waitIdle(ctx context.Context, pid int, max time.Duration) (bool, error) {
	last, err := procCPU(pid)
	if err != nil {
		return false, err
	}
	const every = 500 * time.Millisecond
	quiet := 0
	for deadline := time.Now().Add(max); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(every):
		}
		cur, err := procCPU(pid)
		if err != nil {
			return false, err
		}
		if cur-last < every/20 {
			quiet++
			if quiet == 2 {
				return true, nil
			}
		} else {
			quiet = 0
		}
		last = cur
	}
	return false, nil
}

// procCPU returns the user plus system CPU time process pid has used,
// from /proc/<pid>/stat (in clock ticks of 1/100 s).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	// Fields 14 and 15 of the file (utime, stime) are f[11] and f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// statsRecorder returns a hook for measureOne that snapshots INFO murr
// before and after each run's measured reads.
func (re *readEnv) statsRecorder(srv *server) func(seq *keySeq, after bool) {
	return func(seq *keySeq, after bool) {
		st, err := sidecarInfo(re.ctx, srv.Proc.Addr)
		if !after {
			re.runs = append(re.runs, sidecarRun{name: seq.name, before: st, err: err})
			return
		}
		r := &re.runs[len(re.runs)-1]
		r.after, r.complete = st, true
		if r.err == nil {
			r.err = err
		}
	}
}

// sidecarInfo reads the hot-tier and block-cache counters from INFO murr.
func sidecarInfo(ctx context.Context, addr string) (infoStats, error) {
	c, err := dial(ctx, addr)
	if err != nil {
		return infoStats{}, err
	}
	defer c.Close()
	v, err := c.do(10*time.Second, "INFO", "murr")
	if err != nil {
		return infoStats{}, fmt.Errorf("INFO murr: %w", err)
	}
	info, _ := v.(string)
	return parseInfoStats(info), nil
}

func parseInfoStats(info string) infoStats {
	var st infoStats
	get := func(name string) (int64, bool) {
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				return n, err == nil
			}
		}
		return 0, false
	}
	var ok1, ok2 bool
	st.hits, ok1 = get("hot_hits")
	st.misses, ok2 = get("hot_misses")
	st.hot = ok1 && ok2
	st.evictions, _ = get("hot_evictions")
	st.entries, _ = get("hot_entries")
	st.bytes, _ = get("hot_bytes")
	st.cacheHits, ok1 = get("block_cache_hits")
	st.cacheMisses, ok2 = get("block_cache_misses")
	st.cache = ok1 && ok2
	return st
}

// hitRatio renders hits/(hits+misses) of a counter pair's growth.
func hitRatio(hits, misses int64) string {
	if hits+misses <= 0 {
		return "no lookups"
	}
	return fmt.Sprintf("%.3f (%s of %s)", float64(hits)/float64(hits+misses), groupThousands(hits), groupThousands(hits+misses))
}

// statsNotes renders what INFO murr said about each sidecar run.
func (re *readEnv) statsNotes() []string {
	var hot, cache []string
	haveHot := false
	for _, r := range re.runs {
		switch {
		case r.err != nil:
			hot = append(hot, r.name+" n/a ("+r.err.Error()+")")
			continue
		case !r.complete:
			continue
		case r.before.hot && r.after.hot:
			haveHot = true
			a, b := r.after, r.before
			hot = append(hot, fmt.Sprintf("%s %s, hot_evictions +%s, then hot_entries %s, hot_bytes %s", r.name,
				hitRatio(a.hits-b.hits, a.misses-b.misses), groupThousands(a.evictions-b.evictions),
				groupThousands(a.entries), fmtMiB(int(a.bytes))))
		default:
			hot = append(hot, r.name+" n/a")
		}
		if r.before.cache && r.after.cache {
			cache = append(cache, r.name+" "+hitRatio(r.after.cacheHits-r.before.cacheHits, r.after.cacheMisses-r.before.cacheMisses))
		}
	}
	var out []string
	if len(re.runs) > 0 {
		if haveHot {
			out = append(out, "hot tier hit ratio of the measured reads (INFO murr hot_hits/hot_misses): "+strings.Join(hot, "; "))
		} else {
			out = append(out, "hot tier hit ratio: n/a (INFO murr has no hot_hits/hot_misses)")
		}
	}
	if len(cache) > 0 {
		out = append(out, "Pebble block cache hit ratio of the measured reads (INFO murr block_cache_hits/misses): "+strings.Join(cache, "; "))
	}
	return out
}

// profile takes a CPU profile of the sidecar while repeating the uniform
// MURR.READ reads, and saves it to --read-profile.
func (re *readEnv) profile(srv *server) error {
	fmt.Fprintf(re.log, "%-8s profiling %ds while repeating the uniform MURR.READ reads ...\n", srv.Label, profileSeconds)
	c, err := dialTimed(re.ctx, srv.Proc.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	seq := re.seqs[0]
	do := respReader(c, murrReadRequest{readTable}, seq)
	reads, err := profileWhile(re.ctx, srv, re.cfg.readProfile, func(r int) error {
		_, _, err := do(r % seq.reads())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(re.log, "%-8s wrote CPU profile %s (%d reads); see go tool pprof -top %s\n", srv.Label,
		re.cfg.readProfile, reads, re.cfg.readProfile)
	return nil
}
