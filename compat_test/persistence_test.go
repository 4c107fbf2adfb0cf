package compat_test

// Durability of the sidecar across restarts: a clean SIGTERM loses
// nothing under any --fsync policy, and with --fsync always every
// acknowledged write survives kill -9. These tests only make sense for the
// sidecar and skip under MURR_COMPAT_TARGET=redis.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// startDurable starts a sidecar with the given --fsync policy on a fresh
// data directory.
func startDurable(t *testing.T, fsync string) *procs.Proc {
	t.Helper()
	if sidecarBin == "" {
		t.Skip("restart and kill -9 tests need the real sidecar, not MURR_COMPAT_TARGET=redis")
	}
	return startSidecar(t, "--fsync", fsync)
}

// restartDurable starts p's sidecar again on the same address, flags and
// data directory, after p has exited, and stops it when t ends.
func restartDurable(t *testing.T, p *procs.Proc) *procs.Proc {
	t.Helper()
	p2, err := procs.RestartSidecar(sidecarBin, p)
	if err != nil {
		t.Fatalf("restart on %s: %v", p.DataDir, err)
	}
	t.Cleanup(func() {
		if err := p2.Stop(); err != nil && !isExitAfterKill(err) {
			t.Errorf("restarted sidecar exit: %v\n%s", err, p2.Log())
		}
	})
	return p2
}

// stopClean sends SIGTERM and requires exit status 0.
func stopClean(t *testing.T, p *procs.Proc) {
	t.Helper()
	if err := p.Stop(); err != nil {
		t.Fatalf("SIGTERM: sidecar did not exit 0: %v\n%s", err, p.Log())
	}
}

// persistData is a data set written before a restart and checked after.
type persistData struct {
	strings map[string]string
	hashes  map[string]map[string]string
	counter int64
}

func newPersistData(nStrings, nHashes int) persistData {
	d := persistData{strings: map[string]string{}, hashes: map[string]map[string]string{}}
	bin := binaryValue()
	for i := 0; i < nStrings; i++ {
		v := fmt.Sprintf("value-%d", i)
		if i%10 == 0 {
			v = bin + v
		}
		d.strings[fmt.Sprintf("str:%d", i)] = v
	}
	d.strings["str:bin\x00\xff\r\n"] = bin
	d.strings["str:empty"] = ""
	for i := 0; i < nHashes; i++ {
		h := map[string]string{}
		for f := 0; f < 1+i%8; f++ {
			h[fmt.Sprintf("field:%d", f)] = fmt.Sprintf("%d/%d", i, f)
		}
		if i%5 == 0 {
			h["bin\x00field"] = bin
		}
		d.hashes[fmt.Sprintf("hash:%d", i)] = h
	}
	return d
}

func (d persistData) write(t *testing.T, ctx context.Context, c *redis.Client) {
	t.Helper()
	cp := newChunkedPipeline(ctx, c)
	for k, v := range d.strings {
		cp.P().Set(ctx, k, v, 0)
	}
	for k, h := range d.hashes {
		cp.P().HSet(ctx, k, h)
	}
	for i := int64(0); i < d.counter; i++ {
		cp.P().Incr(ctx, "counter")
	}
	if err := cp.Exec(); err != nil {
		t.Fatal(err)
	}
}

func (d persistData) check(t *testing.T, ctx context.Context, c *redis.Client) {
	t.Helper()
	cp := newChunkedPipeline(ctx, c)
	gets := map[string]*redis.StringCmd{}
	for k := range d.strings {
		gets[k] = cp.P().Get(ctx, k)
	}
	halls := map[string]*redis.MapStringStringCmd{}
	for k := range d.hashes {
		halls[k] = cp.P().HGetAll(ctx, k)
	}
	ctr := cp.P().Get(ctx, "counter")
	_ = cp.Exec() // each command's own error is checked below
	bad := 0
	for k, v := range d.strings {
		if got, err := gets[k].Result(); err != nil || got != v {
			if bad++; bad <= 5 {
				t.Errorf("after restart GET %q = %q, %v; want %q", k, abbrev(got), err, abbrev(v))
			}
		}
	}
	for k, h := range d.hashes {
		got, err := halls[k].Result()
		if err != nil || fmt.Sprint(got) != fmt.Sprint(h) {
			if bad++; bad <= 10 {
				t.Errorf("after restart HGETALL %q = %d fields, %v; want %d fields", k, len(got), err, len(h))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d keys wrong after restart", bad, len(d.strings)+len(d.hashes))
	}
	if d.counter > 0 {
		if got, err := ctr.Int64(); err != nil || got != d.counter {
			t.Errorf("after restart counter = %d, %v; want %d", got, err, d.counter)
		}
	}
}

// abbrev shortens a value for an error message.
func abbrev(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%s...(%d bytes)", s[:20], len(s))
	}
	return s
}

func TestPersistenceRestartAfterSIGTERM(t *testing.T) {
	p := startDurable(t, "everysec")
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	d := newPersistData(3000, 500)
	d.counter = 1234
	d.write(t, ctx, c)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	setAt := time.Now()
	must(c.Set(ctx, "ttl:long", "stays", 300*time.Second).Err())
	must(c.HSet(ctx, "ttl:longhash", "f", "v").Err())
	must(c.Expire(ctx, "ttl:longhash", 300*time.Second).Err())
	must(c.Set(ctx, "ttl:short", "goes", 1500*time.Millisecond).Err())
	must(c.HSet(ctx, "ttl:shorthash", "f", "v").Err())
	must(c.PExpire(ctx, "ttl:shorthash", 1500*time.Millisecond).Err())
	must(c.Set(ctx, "ttl:persisted", "v", 100*time.Second).Err())
	must(c.Persist(ctx, "ttl:persisted").Err())
	must(c.Set(ctx, "deleted", "v", 0).Err())
	must(c.Del(ctx, "deleted").Err())
	must(c.HSet(ctx, "hash:shrunk", "a", "1", "b", "2").Err())
	must(c.HDel(ctx, "hash:shrunk", "a").Err())
	wantKeys := int64(len(d.strings)+len(d.hashes)) + 1 /* counter */ + 4 /* ttl:long ttl:longhash ttl:persisted hash:shrunk */

	stopClean(t, p)
	if wait := 1600*time.Millisecond - time.Since(setAt); wait > 0 {
		time.Sleep(wait)
	}
	p2 := restartDurable(t, p)
	c2 := newGoRedis(t, p2.Addr)

	d.check(t, ctx, c2)
	elapsed := time.Since(setAt)
	for _, k := range []string{"ttl:long", "ttl:longhash"} {
		pttl, err := c2.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		// The TTL kept counting down while the server was stopped.
		if max := 300*time.Second - elapsed + 100*time.Millisecond; pttl <= 0 || pttl > max {
			t.Errorf("PTTL %s after restart = %v, want in (0, %v]", k, pttl, max)
		}
		if min := 300*time.Second - elapsed - 5*time.Second; pttl < min {
			t.Errorf("PTTL %s after restart = %v, want at least %v", k, pttl, min)
		}
	}
	if v, err := c2.Get(ctx, "ttl:long").Result(); err != nil || v != "stays" {
		t.Errorf("GET ttl:long = %q, %v", v, err)
	}
	if ttl, err := c2.TTL(ctx, "ttl:persisted").Result(); err != nil || ttl != -1 {
		t.Errorf("TTL of a PERSISTed key after restart = %v, %v; want -1", ttl, err)
	}
	if m, err := c2.HGetAll(ctx, "hash:shrunk").Result(); err != nil || fmt.Sprint(m) != "map[b:2]" {
		t.Errorf("HGETALL hash:shrunk = %v, %v; want map[b:2]", m, err)
	}
	// Expired and deleted keys are gone.
	for _, k := range []string{"ttl:short", "ttl:shorthash", "deleted"} {
		if n, err := c2.Exists(ctx, k).Result(); err != nil || n != 0 {
			t.Errorf("EXISTS %s after restart = %d, %v; want 0", k, n, err)
		}
		if ttl, err := c2.TTL(ctx, k).Result(); err != nil || ttl != -2 {
			t.Errorf("TTL %s after restart = %v, %v; want -2", k, ttl, err)
		}
	}
	if _, err := c2.Get(ctx, "ttl:short").Result(); err != redis.Nil {
		t.Errorf("GET ttl:short after restart: %v, want redis.Nil", err)
	}
	if keys, err := c2.Keys(ctx, "ttl:*").Result(); err != nil || len(keys) != 3 {
		t.Errorf("KEYS ttl:* after restart = %q, %v; want the 3 live ones", keys, err)
	}
	if n, err := c2.DBSize(ctx).Result(); err != nil || n != wantKeys {
		t.Errorf("DBSIZE after restart = %d, %v; want %d", n, err, wantKeys)
	}
	// The restarted server takes writes.
	if err := c2.Set(ctx, "after", "restart", 0).Err(); err != nil {
		t.Errorf("SET after restart: %v", err)
	}
}

func TestPersistenceSIGTERMLosesNothing(t *testing.T) {
	for _, fsync := range []string{"everysec", "no", "always"} {
		t.Run("fsync="+fsync, func(t *testing.T) {
			p := startDurable(t, fsync)
			ctx := testCtx(t)
			c := newGoRedis(t, p.Addr)
			// --fsync always pays one fsync per acknowledged write (or
			// per batch): keep its data set small enough to stay quick.
			d := newPersistData(20000, 5000)
			d.counter = 3000
			if fsync == "always" {
				d = newPersistData(3000, 1000)
				d.counter = 500
			}
			d.write(t, ctx, c)
			// Stop right after the last acknowledgement, well inside
			// one everysec interval.
			stopClean(t, p)
			p2 := restartDurable(t, p)
			d.check(t, ctx, newGoRedis(t, p2.Addr))
		})
	}
}

func TestPersistenceKill9FsyncAlways(t *testing.T) {
	p := startDurable(t, "always")
	ctx := testCtx(t)

	const writers = 4
	type acked struct {
		set, hset int   // number of acknowledged SETs and HSETs: indices 0..n-1
		incr      int64 // last value INCR acknowledged
		err       error // what ended the loop
	}
	results := make([]acked, writers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// No retries: a write counts as acknowledged only when its
			// reply arrived.
			c := redis.NewClient(&redis.Options{Addr: p.Addr, MaxRetries: -1})
			defer c.Close()
			r := &results[w]
			once := false
			defer func() {
				if !once {
					started.Done()
				}
			}()
			for i := 0; ; i++ {
				select {
				case <-stop:
					r.err = fmt.Errorf("stopped after %d rounds without losing the server", i)
					return
				default:
				}
				if err := c.Set(ctx, fmt.Sprintf("k9:%d:s:%d", w, i), fmt.Sprintf("v%d", i), 0).Err(); err != nil {
					r.err = err
					return
				}
				r.set = i + 1
				if err := c.HSet(ctx, fmt.Sprintf("k9:%d:h:%d", w, i%64), fmt.Sprintf("f%d", i), i).Err(); err != nil {
					r.err = err
					return
				}
				r.hset = i + 1
				n, err := c.Incr(ctx, fmt.Sprintf("k9:%d:ctr", w)).Result()
				if err != nil {
					r.err = err
					return
				}
				r.incr = n
				if !once && i == 20 {
					once = true
					started.Done()
				}
			}
		}(w)
	}
	started.Wait()
	time.Sleep(1500 * time.Millisecond)
	p.Kill()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatal("writers did not notice the kill within 30s")
	}
	total := 0
	for w, r := range results {
		t.Logf("writer %d: %d SETs, %d HSETs acknowledged, INCR at %d; ended by: %v", w, r.set, r.hset, r.incr, r.err)
		total += r.set + r.hset + int(r.incr)
		var re redis.Error
		if errors.As(r.err, &re) {
			t.Errorf("writer %d was stopped by an error reply, not by the kill: %v", w, r.err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if total == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	p2 := restartDurable(t, p)
	c := newGoRedis(t, p2.Addr)
	for w, r := range results {
		cp := newChunkedPipeline(ctx, c)
		sets := make([]*redis.StringCmd, r.set)
		for i := range sets {
			sets[i] = cp.P().Get(ctx, fmt.Sprintf("k9:%d:s:%d", w, i))
		}
		hsets := make([]*redis.StringCmd, r.hset)
		for i := range hsets {
			hsets[i] = cp.P().HGet(ctx, fmt.Sprintf("k9:%d:h:%d", w, i%64), fmt.Sprintf("f%d", i))
		}
		ctr := cp.P().Get(ctx, fmt.Sprintf("k9:%d:ctr", w))
		_ = cp.Exec() // each command's own error is checked below
		lost := 0
		for i, g := range sets {
			if v, err := g.Result(); err != nil || v != fmt.Sprintf("v%d", i) {
				if lost++; lost <= 3 {
					t.Errorf("writer %d: acknowledged SET k9:%d:s:%d lost: %q, %v", w, w, i, v, err)
				}
			}
		}
		for i, g := range hsets {
			if v, err := g.Result(); err != nil || v != strconv.Itoa(i) {
				if lost++; lost <= 6 {
					t.Errorf("writer %d: acknowledged HSET field f%d lost: %q, %v", w, i, v, err)
				}
			}
		}
		if lost > 0 {
			t.Errorf("writer %d: %d acknowledged writes lost after kill -9 with --fsync always", w, lost)
		}
		if n, err := ctr.Int64(); r.incr > 0 && (err != nil || n < r.incr) {
			t.Errorf("writer %d: counter after restart = %d, %v; last acknowledged INCR returned %d", w, n, err, r.incr)
		}
	}
}
