package compat_test

// Mirroring to S3, against a real MinIO that each test starts for itself:
// a fresh node restores every mirrored write after kill -9, --s3-sync
// loses no acknowledged write, a follower serves reads and catches up, an
// S3 outage neither slows writes nor loses them, a second writer on a
// prefix is refused, and a graceful stop hands the prefix over at once.
// These tests only make sense for the sidecar and skip under
// MURR_COMPAT_TARGET=redis.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// readOnlyErr is Redis's reply to a write on a replica.
const readOnlyErr = "READONLY You can't write against a read only replica."

// s3ReadyTimeout bounds a node's start: waiting out a killed writer's
// lease (~8s) plus restoring a small data set on a race-enabled build.
const s3ReadyTimeout = 60 * time.Second

// s3Env is one test's MinIO and the bucket prefix its nodes share.
type s3Env struct {
	t     *testing.T
	minio *procs.MinIO
	url   string // s3://bucket/prefix
}

// newS3Env starts a MinIO on a temporary directory for t (killed when t
// ends, after t's sidecars) and picks the prefix s3://murr-<name>/<name>.
func newS3Env(t *testing.T, name string) *s3Env {
	t.Helper()
	if sidecarBin == "" {
		t.Skip("S3 mirroring tests need the real sidecar, not MURR_COMPAT_TARGET=redis")
	}
	if _, err := procs.MinIOBinary(); errors.Is(err, procs.ErrNotInstalled) {
		t.Skipf("S3 mirroring tests need MinIO: %v", err)
	}
	m, err := procs.StartMinIO(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Kill() }) // m.Proc changes on Restart
	return &s3Env{t: t, minio: m, url: "s3://murr-" + name + "/" + name}
}

// launch starts a sidecar on dataDir mirroring to the env's prefix, with
// extra flags, and returns without waiting for it to be ready. It is
// stopped with SIGTERM when t ends, unless it exited before.
func (e *s3Env) launch(dataDir string, extra ...string) *procs.Proc {
	e.t.Helper()
	args := append([]string{"--s3", e.url, "--s3-endpoint", e.minio.Endpoint(), "--s3-insecure"}, extra...)
	p, err := procs.LaunchSidecar(sidecarBin, dataDir,
		[]string{"AWS_ACCESS_KEY_ID=" + e.minio.RootUser, "AWS_SECRET_ACCESS_KEY=" + e.minio.RootPassword}, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if exited, _ := p.Wait(0); exited {
			return // the test saw to it
		}
		if err := p.Stop(); err != nil && !isExitAfterKill(err) {
			e.t.Errorf("sidecar exit: %v\n%s", err, p.Log())
		}
	})
	return p
}

// start is launch, then waits until the node answers PING (it answers
// LOADING while it restores).
func (e *s3Env) start(dataDir string, extra ...string) *procs.Proc {
	e.t.Helper()
	p := e.launch(dataDir, extra...)
	if err := p.WaitReady(s3ReadyTimeout); err != nil {
		e.t.Fatalf("sidecar with --s3 %s not ready: %v\n%s", e.url, err, p.Log())
	}
	return p
}

// newS3Writer starts a MinIO and a writer (with extra flags) on a fresh
// data directory for t, and returns them with a go-redis client to the
// writer and t's context.
func newS3Writer(t *testing.T, name string, extra ...string) (*s3Env, *procs.Proc, *redis.Client, context.Context) {
	t.Helper()
	e := newS3Env(t, name)
	w := e.start(t.TempDir(), extra...)
	return e, w, newGoRedis(t, w.Addr), testCtx(t)
}

// freeHTTPAddr returns a free 127.0.0.1 address for --http-listen.
func freeHTTPAddr(t *testing.T) string {
	t.Helper()
	port, err := procs.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// s3Info returns INFO's "s3" section as field → value.
func s3Info(t *testing.T, ctx context.Context, c *redis.Client) map[string]string {
	t.Helper()
	return infoSection(t, ctx, c, "s3")
}

func infoSection(t *testing.T, ctx context.Context, c *redis.Client, section string) map[string]string {
	t.Helper()
	s, err := c.Info(ctx, section).Result()
	if err != nil {
		t.Fatalf("INFO %s: %v", section, err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			out[k] = v
		}
	}
	return out
}

// infoNum parses a numeric INFO field, failing t if it is missing.
func infoNum(t *testing.T, info map[string]string, field string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(info[field], 64)
	if err != nil {
		t.Fatalf("INFO s3 %s = %q: %v (section %v)", field, info[field], err, info)
	}
	return v
}

// waitS3Shipped waits until INFO s3 says every committed write is in the
// bucket (s3_pending_batches:0), and returns that INFO s3 and how long the
// wait took.
func waitS3Shipped(t *testing.T, ctx context.Context, c *redis.Client, timeout time.Duration) (map[string]string, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		info := s3Info(t, ctx, c)
		if info["s3_pending_batches"] == "0" {
			return info, time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("s3_pending_batches still %s after %v: %v", info["s3_pending_batches"], timeout, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scoreRows returns n table rows keyed prefix0..prefixN-1 for
// scoreNameRecord, with a null score every 7th row and a null name every
// 5th.
func scoreRows(prefix string, n int) (keys []string, scores []float32, names []string) {
	for i := range n {
		keys = append(keys, fmt.Sprintf("%s%d", prefix, i))
		score, name := float32(i)*0.25-100, fmt.Sprintf("name-%d-é", i)
		if i%7 == 0 {
			score = float32(math.NaN())
		}
		if i%5 == 0 {
			name = ""
		}
		scores, names = append(scores, score), append(names, name)
	}
	return keys, scores, names
}

// murrReadRaw returns MURR.READ's reply for keys, as bytes to compare.
func murrReadRaw(t *testing.T, ctx context.Context, c *redis.Client, table string, keys []string) string {
	t.Helper()
	v, err := c.Do(ctx, append([]any{"murr.read", table, "KEYS"}, anys(keys)...)...).Text()
	if err != nil {
		t.Fatalf("MURR.READ %s (%d keys): %v", table, len(keys), err)
	}
	return v
}

func TestS3FreshNodeRestoresEveryWriteAfterKill9(t *testing.T) {
	e, w, c, ctx := newS3Writer(t, "restore-kill9")

	d := newPersistData(2000, 300)
	d.counter = 250
	d.write(t, ctx, c)
	const ttl = time.Hour
	var ttlKeys []string
	pipe := c.Pipeline()
	for i := range 50 {
		k := fmt.Sprintf("ttl:str:%d", i)
		pipe.Set(ctx, k, "expiring-"+k, ttl)
		ttlKeys = append(ttlKeys, k)
		k = fmt.Sprintf("hash:%d", i)
		pipe.Expire(ctx, k, ttl)
		ttlKeys = append(ttlKeys, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	setAt := time.Now()
	createScoreTable(t, ctx, c, "scores", "TTL", 3600)
	keys, scores, names := scoreRows("row:", 3000)
	writeScores(t, ctx, c, "scores", scoreNameRecord(keys, scores, names))
	// Rows written twice keep the last values; a deleted row stays gone.
	writeScores(t, ctx, c, "scores", scoreNameRecord(keys[:10], []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil))
	if n, err := c.Do(ctx, "murr.del", "scores", "row:11").Int(); err != nil || n != 1 {
		t.Fatalf("MURR.DEL = %d, %v", n, err)
	}
	table := murrReadRaw(t, ctx, c, "scores", keys)
	dbsize, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}

	// kill -9 as soon as INFO says everything is in the bucket.
	before, took := waitS3Shipped(t, ctx, c, 30*time.Second)
	w.Kill()
	t.Logf("INFO s3 said everything was shipped %v after the last write; killed then: %v", took.Round(time.Millisecond), before)

	// The new node waits out the killed writer's lease, restores, and
	// meanwhile answers LOADING and is not ready.
	httpAddr := freeHTTPAddr(t)
	launched := time.Now()
	n := e.launch(t.TempDir(), "--http-listen", httpAddr)
	var sawLoading, sawNotReady bool
	for {
		r, err := rawPing(n.Addr)
		if err == nil && r.Kind == kindSimple && r.Str == "PONG" {
			break
		}
		if err == nil && r.isError() {
			if !strings.HasPrefix(r.Str, "LOADING ") {
				t.Fatalf("PING while restoring = -%s, want -LOADING ...", r.Str)
			}
			sawLoading = true
			if code := httpStatus(httpAddr + "/readyz"); code == http.StatusServiceUnavailable {
				sawNotReady = true
			} else if code != 0 {
				// The node may have become ready between PING and GET.
				if r, err := rawPing(n.Addr); err != nil || r.isError() {
					t.Errorf("/readyz = %d while PING answers LOADING", code)
				}
			}
		}
		if exited, err := n.Wait(0); exited {
			t.Fatalf("fresh node exited: %v\n%s", err, n.Log())
		}
		if time.Since(launched) > s3ReadyTimeout {
			t.Fatalf("fresh node not ready after %v\n%s", s3ReadyTimeout, n.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("fresh node ready %v after start", time.Since(launched).Round(time.Millisecond))
	if !sawLoading || !sawNotReady {
		t.Errorf("while the killed writer's lease ran out: saw PING LOADING %v, /readyz 503 %v; want both", sawLoading, sawNotReady)
	}
	if code := httpStatus(httpAddr + "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after PONG = %d, want 200", code)
	}

	c2 := newGoRedis(t, n.Addr)
	d.check(t, ctx, c2)
	if got := murrReadRaw(t, ctx, c2, "scores", keys); got != table {
		t.Errorf("MURR.READ of %d rows differs on the fresh node", len(keys))
	}
	desc, err := c2.Do(ctx, "murr.describe", "scores").Result()
	if m, ok := desc.(map[any]any); err != nil || !ok || m["ttl"] != int64(3600) || m["rows"] != int64(len(keys)-1) {
		t.Errorf("MURR.DESCRIBE scores on the fresh node = %v, %v; want ttl 3600, %d rows", desc, err, len(keys)-1)
	}
	for _, k := range ttlKeys {
		pttl, err := c2.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := ttl-time.Since(setAt)-5*time.Second, ttl; pttl < lo || pttl > hi {
			t.Errorf("PTTL %s on the fresh node = %v, want in [%v, %v]", k, pttl, lo, hi)
		}
	}
	if v, err := c2.Get(ctx, "ttl:str:7").Result(); err != nil || v != "expiring-ttl:str:7" {
		t.Errorf("GET ttl:str:7 = %q, %v", v, err)
	}
	if got, err := c2.DBSize(ctx).Result(); err != nil || got != dbsize {
		t.Errorf("DBSIZE on the fresh node = %d, %v; want %d", got, err, dbsize)
	}
	after := s3Info(t, ctx, c2)
	if e1, e2 := infoNum(t, before, "s3_epoch"), infoNum(t, after, "s3_epoch"); e2 <= e1 {
		t.Errorf("s3_epoch of the fresh writer = %v, want above the killed writer's %v", e2, e1)
	}
	if after["s3_role"] != "writer" || after["s3_ready"] != "1" {
		t.Errorf("INFO s3 of the fresh node: %v", after)
	}
}

// rawPing sends PING on a new connection and returns the reply.
func rawPing(addr string) (*reply, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	c := &rawConn{conn: conn, r: bufio.NewReader(conn), timeout: 2 * time.Second}
	return c.Do("PING")
}

// httpStatus returns the status of GET http://url, or 0 if the request
// failed.
func httpStatus(url string) int {
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get("http://" + url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestS3SyncModeLosesNoAcknowledgedWrite(t *testing.T) {
	e, w, _, ctx := newS3Writer(t, "sync-kill9", "--s3-sync")

	const total, group, killAfter = 3000, 10, 200
	value := func(i int) string { return fmt.Sprintf("v%d-%s", i, strings.Repeat("x", i%50)) }
	// No retries: a write counts as acknowledged only when its OK came.
	c := redis.NewClient(&redis.Options{Addr: w.Addr, MaxRetries: -1})
	defer c.Close()
	var acks atomic.Int64
	killed := make(chan time.Time, 1)
	go func() {
		deadline := time.Now().Add(60 * time.Second)
		for acks.Load() < killAfter && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		w.Kill()
		killed <- time.Now()
	}()
	acked := make([]bool, total)
	var loopErr error
	sent := 0
	for sent < total && loopErr == nil {
		pipe := c.Pipeline()
		cmds := make([]*redis.StatusCmd, group)
		for j := range cmds {
			cmds[j] = pipe.Set(ctx, fmt.Sprintf("sync:%d", sent+j), value(sent+j), 0)
		}
		_, loopErr = pipe.Exec(ctx)
		for j, cmd := range cmds {
			if cmd.Err() == nil && cmd.Val() == "OK" {
				acked[sent+j] = true
				acks.Add(1)
			}
		}
		sent += group
	}
	<-killed
	t.Logf("%d of %d SETs sent, %d acknowledged before kill -9; the loop ended with: %v", sent, total, acks.Load(), loopErr)
	if loopErr == nil {
		t.Fatalf("all %d writes were acknowledged before the kill: none was in flight", total)
	}
	var re redis.Error
	if errors.As(loopErr, &re) {
		t.Fatalf("the writes were stopped by an error reply, not by the kill: %v", loopErr)
	}
	if acks.Load() < killAfter {
		t.Fatalf("only %d writes acknowledged, want at least %d", acks.Load(), killAfter)
	}

	n := e.start(t.TempDir())
	c2 := newGoRedis(t, n.Addr)
	cp := newChunkedPipeline(ctx, c2)
	gets := make([]*redis.StringCmd, sent)
	for i := range gets {
		gets[i] = cp.P().Get(ctx, fmt.Sprintf("sync:%d", i))
	}
	_ = cp.Exec() // each command's own error is checked below
	lost, extra := 0, 0
	for i, g := range gets {
		v, err := g.Result()
		switch {
		case acked[i] && (err != nil || v != value(i)):
			if lost++; lost <= 5 {
				t.Errorf("acknowledged SET sync:%d lost on the fresh node: %q, %v", i, abbrev(v), err)
			}
		case !acked[i] && err == nil:
			extra++
			if v != value(i) {
				t.Errorf("unacknowledged SET sync:%d restored with a wrong value %q", i, abbrev(v))
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes lost with --s3-sync after kill -9", lost, acks.Load())
	}
	t.Logf("%d writes in flight at the kill were in the bucket too", extra)
}

func TestS3FollowerServesReadsAndCatchesUp(t *testing.T) {
	e, _, c, ctx := newS3Writer(t, "follower")

	d := newPersistData(500, 100)
	d.write(t, ctx, c)
	createScoreTable(t, ctx, c, "scores")
	keys, scores, names := scoreRows("row:", 300)
	writeScores(t, ctx, c, "scores", scoreNameRecord(keys, scores, names))
	waitS3Shipped(t, ctx, c, 30*time.Second)

	httpAddr := freeHTTPAddr(t)
	f := e.start(t.TempDir(), "--role", "follower", "--http-listen", httpAddr)
	cf := newGoRedis(t, f.Addr)

	// What the writer had shipped is there as soon as the follower is up.
	d.check(t, ctx, cf)
	if got, want := murrReadRaw(t, ctx, cf, "scores", keys), murrReadRaw(t, ctx, c, "scores", keys); got != want {
		t.Errorf("MURR.READ of %d rows differs on the follower", len(keys))
	}

	// New writes, an overwrite and deletions reach it within seconds.
	wrote := time.Now()
	if err := c.Set(ctx, "new:str", "fresh\x00value", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.HSet(ctx, "new:hash", "a", "1", "b", "2").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "str:1", "overwritten", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Del(ctx, "str:2").Err(); err != nil {
		t.Fatal(err)
	}
	newKeys, newScores, newNames := scoreRows("new:", 50)
	writeScores(t, ctx, c, "scores", scoreNameRecord(newKeys, newScores, newNames))
	if err := c.Do(ctx, "murr.del", "scores", "row:3").Err(); err != nil {
		t.Fatal(err)
	}
	allKeys := append(append([]string{}, keys...), newKeys...)
	wantTable := murrReadRaw(t, ctx, c, "scores", allKeys)
	caughtUp := func() bool {
		v, err := cf.Get(ctx, "new:str").Result()
		if err != nil || v != "fresh\x00value" {
			return false
		}
		if h, err := cf.HGetAll(ctx, "new:hash").Result(); err != nil || fmt.Sprint(h) != "map[a:1 b:2]" {
			return false
		}
		if v, err := cf.Get(ctx, "str:1").Result(); err != nil || v != "overwritten" {
			return false
		}
		if n, err := cf.Exists(ctx, "str:2").Result(); err != nil || n != 0 {
			return false
		}
		return murrReadRaw(t, ctx, cf, "scores", allKeys) == wantTable
	}
	const catchUpLimit = 10 * time.Second
	for !caughtUp() {
		if time.Since(wrote) > catchUpLimit {
			t.Fatalf("follower did not show the writer's new writes within %v: INFO s3 %v", catchUpLimit, s3Info(t, ctx, cf))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("follower caught up %v after the writes", time.Since(wrote).Round(time.Millisecond))

	// Writes are refused as on a Redis replica, and nothing changes.
	for _, args := range [][]any{
		{"set", "k", "v"},
		{"hset", "new:hash", "c", "3"},
		{"del", "new:str"},
		{"expire", "new:str", 10},
		{"incr", "counter"},
	} {
		if err := cf.Do(ctx, args...).Err(); err == nil || err.Error() != readOnlyErr {
			t.Errorf("%v on the follower: %v, want %q", args, err, readOnlyErr)
		}
	}
	rec := scoreNameRecord([]string{"row:0"}, []float32{42}, nil)
	defer rec.Release()
	if err := cf.Do(ctx, "murr.write", "scores", ipcStream(t, rec)).Err(); err == nil || err.Error() != readOnlyErr {
		t.Errorf("MURR.WRITE on the follower: %v, want %q", err, readOnlyErr)
	}
	if v, err := cf.Get(ctx, "new:str").Result(); err != nil || v != "fresh\x00value" {
		t.Errorf("GET new:str after refused writes = %q, %v", v, err)
	}
	if ttl, err := cf.TTL(ctx, "new:str").Result(); err != nil || ttl != -1 {
		t.Errorf("TTL new:str after a refused EXPIRE = %v, %v; want -1", ttl, err)
	}

	if got := infoSection(t, ctx, cf, "replication")["role"]; got != "slave" {
		t.Errorf("INFO replication role on the follower = %q, want slave", got)
	}
	if out := redisCLI(t, f.Addr, nil, "INFO", "replication"); !strings.Contains(out, "role:slave") {
		t.Errorf("redis-cli INFO replication on the follower:\n%s\nwant role:slave", out)
	}
	info := s3Info(t, ctx, cf)
	if info["s3_role"] != "follower" || info["s3_ready"] != "1" {
		t.Errorf("INFO s3 on the follower: %v", info)
	}
	if lag := infoNum(t, info, "s3_lag_seconds"); lag < 0 || lag > 5 {
		t.Errorf("s3_lag_seconds on a caught-up follower = %v, want within [0, 5]", lag)
	}
	if code := httpStatus(httpAddr + "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz on the follower = %d, want 200", code)
	}
}

func TestS3MinIOOutageLosesNothing(t *testing.T) {
	e, w, c, ctx := newS3Writer(t, "outage")
	// d is every write made from here on, checked on a fresh node at the end.
	d := persistData{strings: map[string]string{"before": "outage"}, hashes: map[string]map[string]string{"outage:hash": {}}}
	if err := c.Set(ctx, "before", "outage", 0).Err(); err != nil {
		t.Fatal(err)
	}
	waitS3Shipped(t, ctx, c, 30*time.Second)
	errsBefore := infoNum(t, s3Info(t, ctx, c), "s3_errors")

	if err := e.minio.Stop(); err != nil {
		t.Logf("MinIO stopped: %v", err)
	}
	outage := time.Now()
	maxLatency := time.Duration(0)
	timed := func(what string, f func() error) {
		t.Helper()
		start := time.Now()
		if err := f(); err != nil {
			t.Fatalf("%s with MinIO down: %v", what, err)
		}
		took := time.Since(start)
		maxLatency = max(maxLatency, took)
		if took >= time.Second {
			t.Errorf("%s with MinIO down took %v, want under 1s", what, took)
		}
	}

	// A write the shipper has picked up but cannot upload still counts
	// as pending, and its age as lag.
	timed("SET outage:first", func() error { return c.Set(ctx, "outage:first", "1", 0).Err() })
	d.strings["outage:first"] = "1"
	time.Sleep(2500 * time.Millisecond)
	info := s3Info(t, ctx, c)
	if p, lag := infoNum(t, info, "s3_pending_batches"), infoNum(t, info, "s3_lag_seconds"); p < 1 || lag < 2 {
		t.Errorf("2.5s after one write with MinIO down: s3_pending_batches %v, s3_lag_seconds %v; want >= 1 and >= 2 (the write is not in the bucket)\nINFO s3: %v", p, lag, info)
	}

	// Writes keep being served at normal speed.
	n := 0
	for time.Since(outage) < 6*time.Second {
		k := fmt.Sprintf("outage:%d", n)
		timed("SET "+k, func() error { return c.Set(ctx, k, "v"+k, 0).Err() })
		timed("HSET", func() error { return c.HSet(ctx, "outage:hash", k, n).Err() })
		d.strings[k], d.hashes["outage:hash"][k] = "v"+k, strconv.Itoa(n)
		n++
		time.Sleep(5 * time.Millisecond)
	}
	info1 := s3Info(t, ctx, c)
	time.Sleep(time.Second)
	timed("SET outage:last", func() error { return c.Set(ctx, "outage:last", "1", 0).Err() })
	d.strings["outage:last"] = "1"
	info2 := s3Info(t, ctx, c)
	t.Logf("%d SET+HSET pairs with MinIO down, slowest %v; INFO s3 then: %v", n, maxLatency, info2)
	if p := infoNum(t, info2, "s3_pending_batches"); p < 1 {
		t.Errorf("s3_pending_batches with MinIO down = %v, want > 0", p)
	}
	if l1, l2 := infoNum(t, info1, "s3_lag_seconds"), infoNum(t, info2, "s3_lag_seconds"); l2 < l1+0.5 || l2 < 3 {
		t.Errorf("s3_lag_seconds with MinIO down went %v → %v over 1s; want it growing (and past 3s)", l1, l2)
	}
	if e := infoNum(t, info2, "s3_errors"); e <= errsBefore {
		t.Errorf("s3_errors with MinIO down = %v, want above %v", e, errsBefore)
	}

	if err := e.minio.Restart(); err != nil {
		t.Fatal(err)
	}
	info, took := waitS3Shipped(t, ctx, c, 30*time.Second)
	w.Kill()
	t.Logf("everything shipped %v after MinIO came back; killed then: %v", took.Round(time.Millisecond), info)
	if info["s3_ready"] != "1" || info["s3_phase"] != "mirroring" {
		t.Errorf("INFO s3 after the outage: %v", info)
	}

	// Every write made while MinIO was down is on a fresh node.
	f := e.start(t.TempDir())
	d.check(t, ctx, newGoRedis(t, f.Addr))
}

func TestS3SecondWriterIsRefused(t *testing.T) {
	e, _, c, ctx := newS3Writer(t, "second-writer")
	if err := c.Set(ctx, "k:0", "v0", 0).Err(); err != nil {
		t.Fatal(err)
	}
	epoch := s3Info(t, ctx, c)["s3_epoch"]

	second := e.launch(t.TempDir())
	launched := time.Now()
	// The first writer keeps serving writes while the second watches
	// its heartbeat.
	i := 1
	var exitErr error
	for {
		if err := c.Set(ctx, fmt.Sprintf("k:%d", i), fmt.Sprintf("v%d", i), 0).Err(); err != nil {
			t.Fatalf("SET on the first writer while a second one starts: %v", err)
		}
		i++
		exited, err := second.Wait(200 * time.Millisecond)
		if exited {
			exitErr = err
			break
		}
		if time.Since(launched) > 30*time.Second {
			t.Fatalf("a second writer on the same prefix still runs after 30s\n%s", second.Log())
		}
	}
	t.Logf("second writer exited %v after start: %v", time.Since(launched).Round(time.Millisecond), exitErr)
	var ee *exec.ExitError
	if !errors.As(exitErr, &ee) || ee.ExitCode() <= 0 {
		t.Errorf("second writer's exit: %v, want a non-zero exit status", exitErr)
	}
	if log := second.Log(); !strings.Contains(log, "another writer is mirroring to this prefix") {
		t.Errorf("second writer's log does not say why it exited:\n%s", log)
	}

	// A heartbeat later, the first writer still owns the prefix and
	// ships its writes.
	time.Sleep(2500 * time.Millisecond)
	if err := c.Set(ctx, "k:after", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	info, _ := waitS3Shipped(t, ctx, c, 30*time.Second)
	if info["s3_ready"] != "1" || info["s3_phase"] != "mirroring" || info["s3_epoch"] != epoch {
		t.Errorf("INFO s3 of the first writer after the second was refused: %v; want ready, mirroring, epoch %s", info, epoch)
	}
	for j := range i {
		if v, err := c.Get(ctx, fmt.Sprintf("k:%d", j)).Result(); err != nil || v != fmt.Sprintf("v%d", j) {
			t.Errorf("GET k:%d on the first writer = %q, %v", j, v, err)
		}
	}
}

func TestS3GracefulStopHandsOverAtOnce(t *testing.T) {
	e, w, c, ctx := newS3Writer(t, "graceful")
	d := newPersistData(1500, 300)
	d.counter = 100
	d.write(t, ctx, c)
	createScoreTable(t, ctx, c, "scores")
	keys, scores, names := scoreRows("row:", 500)
	writeScores(t, ctx, c, "scores", scoreNameRecord(keys, scores, names))
	table := murrReadRaw(t, ctx, c, "scores", keys)
	epoch := infoNum(t, s3Info(t, ctx, c), "s3_epoch")

	// SIGTERM right after the last write: the writer ships what is
	// pending and marks its heartbeat stopped.
	if err := w.Stop(); err != nil {
		t.Fatalf("SIGTERM: writer did not exit 0: %v\n%s", err, w.Log())
	}
	start := time.Now()
	n := e.start(t.TempDir())
	took := time.Since(start)
	t.Logf("next writer ready %v after start", took.Round(time.Millisecond))
	if took >= 6*time.Second {
		t.Errorf("next writer took %v to be ready after a graceful stop, want well under the 8s lease (< 6s)\n%s", took, n.Log())
	}
	c2 := newGoRedis(t, n.Addr)
	d.check(t, ctx, c2)
	if got := murrReadRaw(t, ctx, c2, "scores", keys); got != table {
		t.Errorf("MURR.READ of %d rows differs on the next writer", len(keys))
	}
	if e2 := infoNum(t, s3Info(t, ctx, c2), "s3_epoch"); e2 <= epoch {
		t.Errorf("s3_epoch of the next writer = %v, want above %v", e2, epoch)
	}
}
