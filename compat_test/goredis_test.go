package compat_test

// Tests with go-redis v9 and its default options, under which the client
// opens every connection with HELLO 3 and so speaks RESP3.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// wrongTypeErr is Redis's reply to a command on a key of another type.
const wrongTypeErr = "WRONGTYPE Operation against a key holding the wrong kind of value"

// notIntegerErr is Redis's reply to INCR and friends on a non-integer.
const notIntegerErr = "ERR value is not an integer or out of range"

// newGoRedis returns a go-redis client with default options for addr,
// closed when t ends.
func newGoRedis(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// testCtx returns a context that ends a little before t's deadline, or
// after two minutes when the test has none.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	if tt, ok := t.(*testing.T); ok {
		if d, ok := tt.Deadline(); ok && d.Add(-5*time.Second).Before(deadline) {
			deadline = d.Add(-5 * time.Second)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// pipelineChunk is how many commands chunkedPipeline sends at a time.
const pipelineChunk = 1000

// chunkedPipeline sends queued commands in pipelines of at most
// pipelineChunk commands, as clients do with big batches. (One pipeline
// of tens of thousands of commands can outlast go-redis's 3s read timeout
// before its first reply on a slow, race-enabled build.)
type chunkedPipeline struct {
	ctx  context.Context
	pipe redis.Pipeliner
	n    int
	err  error
}

func newChunkedPipeline(ctx context.Context, c *redis.Client) *chunkedPipeline {
	return &chunkedPipeline{ctx: ctx, pipe: c.Pipeline()}
}

// P returns the pipeline to queue the next command on; call it once per
// command.
func (cp *chunkedPipeline) P() redis.Pipeliner {
	if cp.n == pipelineChunk {
		cp.flush()
	}
	cp.n++
	return cp.pipe
}

func (cp *chunkedPipeline) flush() {
	if cp.n == 0 {
		return
	}
	if _, err := cp.pipe.Exec(cp.ctx); err != nil && err != redis.Nil && cp.err == nil {
		cp.err = err
	}
	cp.n = 0
}

// Exec sends what is still queued and returns the first error of any
// command other than redis.Nil.
func (cp *chunkedPipeline) Exec() error {
	cp.flush()
	return cp.err
}

// binaryValue is a value holding every byte value, CR LF and NUL among them.
func binaryValue() string {
	b := make([]byte, 0, 260)
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	return string(append(b, "\r\n\x00"...))
}

func TestGoRedisHelloNegotiatesRESP3(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	if err := c.HSet(ctx, "h", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	// Through Do the reply comes back as decoded: a RESP3 map arrives as a
	// Go map, a RESP2 array as a slice.
	got, err := c.Do(ctx, "HGETALL", "h").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[interface{}]interface{}{"f": "v"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("HGETALL over default go-redis = %#v (%T), want RESP3 map %#v", got, got, want)
	}
	hello, err := c.Do(ctx, "HELLO", "3").Result()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := hello.(map[interface{}]interface{})
	if !ok {
		t.Fatalf("HELLO 3 = %#v, want a map", hello)
	}
	if m["proto"] != int64(3) {
		t.Errorf("HELLO 3 proto = %#v, want 3", m["proto"])
	}
	if m["server"] != "redis" {
		t.Errorf("HELLO 3 server = %#v, want \"redis\"", m["server"])
	}
	// A missing key is a RESP3 null, which go-redis reports as redis.Nil.
	if _, err := c.Do(ctx, "GET", "missing").Result(); err != redis.Nil {
		t.Errorf("GET missing via Do: err = %v, want redis.Nil", err)
	}
}

func TestGoRedisStrings(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	if got, err := c.Set(ctx, "s", "hello", 0).Result(); err != nil || got != "OK" {
		t.Fatalf("SET = %q, %v", got, err)
	}
	if got, err := c.Get(ctx, "s").Result(); err != nil || got != "hello" {
		t.Fatalf("GET = %q, %v", got, err)
	}

	// Binary-safe keys and values.
	bin := binaryValue()
	binKey := "k\x00\r\n\xff"
	if err := c.Set(ctx, binKey, bin, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, binKey).Result(); err != nil || got != bin {
		t.Fatalf("GET binary = %q, %v; want %q", got, err, bin)
	}
	if n, err := c.StrLen(ctx, binKey).Result(); err != nil || n != int64(len(bin)) {
		t.Fatalf("STRLEN binary = %d, %v; want %d", n, err, len(bin))
	}
	// The empty string is a value, not a missing key.
	if err := c.Set(ctx, "empty", "", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "empty").Result(); err != nil || got != "" {
		t.Fatalf("GET empty = %q, %v", got, err)
	}

	if ok, err := c.SetNX(ctx, "s", "other", 0).Result(); err != nil || ok {
		t.Fatalf("SETNX existing = %v, %v; want false", ok, err)
	}
	if ok, err := c.SetNX(ctx, "nx", "first", 0).Result(); err != nil || !ok {
		t.Fatalf("SETNX new = %v, %v; want true", ok, err)
	}
	if ok, err := c.SetXX(ctx, "absent", "x", 0).Result(); err != nil || ok {
		t.Fatalf("SET XX absent = %v, %v; want false", ok, err)
	}
	old, err := c.SetArgs(ctx, "s", "world", redis.SetArgs{Get: true}).Result()
	if err != nil || old != "hello" {
		t.Fatalf("SET GET = %q, %v; want old value hello", old, err)
	}
	if _, err := c.SetArgs(ctx, "brand-new", "v", redis.SetArgs{Get: true}).Result(); err != redis.Nil {
		t.Fatalf("SET GET on a new key: err = %v, want redis.Nil", err)
	}

	if err := c.MSet(ctx, "m1", "a", "m2", "b").Err(); err != nil {
		t.Fatal(err)
	}
	vals, err := c.MGet(ctx, "m1", "nope", "m2").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := []interface{}{"a", nil, "b"}; !reflect.DeepEqual(vals, want) {
		t.Fatalf("MGET = %#v, want %#v", vals, want)
	}

	if n, err := c.Incr(ctx, "ctr").Result(); err != nil || n != 1 {
		t.Fatalf("INCR new = %d, %v", n, err)
	}
	if n, err := c.IncrBy(ctx, "ctr", 41).Result(); err != nil || n != 42 {
		t.Fatalf("INCRBY = %d, %v", n, err)
	}
	if n, err := c.DecrBy(ctx, "ctr", 50).Result(); err != nil || n != -8 {
		t.Fatalf("DECRBY = %d, %v", n, err)
	}
	if f, err := c.IncrByFloat(ctx, "fl", 1.5).Result(); err != nil || f != 1.5 {
		t.Fatalf("INCRBYFLOAT = %v, %v", f, err)
	}
	if n, err := c.Append(ctx, "ap", "abc").Result(); err != nil || n != 3 {
		t.Fatalf("APPEND new = %d, %v", n, err)
	}
	if n, err := c.Append(ctx, "ap", "def").Result(); err != nil || n != 6 {
		t.Fatalf("APPEND = %d, %v", n, err)
	}
	if got, err := c.GetRange(ctx, "ap", 1, -2).Result(); err != nil || got != "bcde" {
		t.Fatalf("GETRANGE = %q, %v", got, err)
	}
	if n, err := c.SetRange(ctx, "ap", 8, "X").Result(); err != nil || n != 9 {
		t.Fatalf("SETRANGE past end = %d, %v", n, err)
	}
	if got, err := c.Get(ctx, "ap").Result(); err != nil || got != "abcdef\x00\x00X" {
		t.Fatalf("GET after SETRANGE = %q, %v", got, err)
	}
	if got, err := c.GetSet(ctx, "nx", "second").Result(); err != nil || got != "first" {
		t.Fatalf("GETSET = %q, %v", got, err)
	}
	if got, err := c.GetDel(ctx, "nx").Result(); err != nil || got != "second" {
		t.Fatalf("GETDEL = %q, %v", got, err)
	}
	if n, err := c.Exists(ctx, "nx", "s", "s").Result(); err != nil || n != 2 {
		t.Fatalf("EXISTS nx s s = %d, %v; want 2", n, err)
	}
	if n, err := c.Del(ctx, "s", "m1", "nope").Result(); err != nil || n != 2 {
		t.Fatalf("DEL = %d, %v; want 2", n, err)
	}
	if typ, err := c.Type(ctx, "m2").Result(); err != nil || typ != "string" {
		t.Fatalf("TYPE = %q, %v", typ, err)
	}
	if typ, err := c.Type(ctx, "m1").Result(); err != nil || typ != "none" {
		t.Fatalf("TYPE missing = %q, %v", typ, err)
	}
}

func TestGoRedisHashes(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	bin := binaryValue()
	fields := map[string]interface{}{
		"name":       "ada",
		"age":        "36",
		"bin\x00fld": bin,
		"empty":      "",
	}
	if n, err := c.HSet(ctx, "user:1", fields).Result(); err != nil || n != 4 {
		t.Fatalf("HSET map = %d, %v; want 4 new fields", n, err)
	}
	if n, err := c.HSet(ctx, "user:1", map[string]interface{}{"age": "37", "city": "London"}).Result(); err != nil || n != 1 {
		t.Fatalf("HSET update = %d, %v; want 1 new field", n, err)
	}
	all, err := c.HGetAll(ctx, "user:1").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name": "ada", "age": "37", "bin\x00fld": bin, "empty": "", "city": "London"}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("HGETALL = %q, want %q", all, want)
	}
	if got, err := c.HGet(ctx, "user:1", "bin\x00fld").Result(); err != nil || got != bin {
		t.Fatalf("HGET binary = %q, %v", got, err)
	}
	if _, err := c.HGet(ctx, "user:1", "nope").Result(); err != redis.Nil {
		t.Fatalf("HGET missing field: err = %v, want redis.Nil", err)
	}
	if _, err := c.HGet(ctx, "user:nope", "name").Result(); err != redis.Nil {
		t.Fatalf("HGET missing key: err = %v, want redis.Nil", err)
	}
	vals, err := c.HMGet(ctx, "user:1", "name", "nope", "empty").Result()
	if err != nil {
		t.Fatal(err)
	}
	if w := []interface{}{"ada", nil, ""}; !reflect.DeepEqual(vals, w) {
		t.Fatalf("HMGET = %#v, want %#v", vals, w)
	}
	vals, err = c.HMGet(ctx, "user:nope", "a", "b").Result()
	if err != nil || !reflect.DeepEqual(vals, []interface{}{nil, nil}) {
		t.Fatalf("HMGET missing key = %#v, %v", vals, err)
	}
	if n, err := c.HLen(ctx, "user:1").Result(); err != nil || n != 5 {
		t.Fatalf("HLEN = %d, %v", n, err)
	}
	if ok, err := c.HExists(ctx, "user:1", "city").Result(); err != nil || !ok {
		t.Fatalf("HEXISTS = %v, %v", ok, err)
	}
	keys, err := c.HKeys(ctx, "user:1").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	if w := []string{"age", "bin\x00fld", "city", "empty", "name"}; !reflect.DeepEqual(keys, w) {
		t.Fatalf("HKEYS = %q, want %q", keys, w)
	}
	hv, err := c.HVals(ctx, "user:1").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(hv)
	wantVals := []string{"", "37", "London", "ada", bin}
	sort.Strings(wantVals)
	if w := wantVals; !reflect.DeepEqual(hv, w) {
		t.Fatalf("HVALS = %q, want %q", hv, w)
	}
	if n, err := c.HIncrBy(ctx, "user:1", "age", 3).Result(); err != nil || n != 40 {
		t.Fatalf("HINCRBY = %d, %v", n, err)
	}
	if f, err := c.HIncrByFloat(ctx, "user:1", "score", 0.25).Result(); err != nil || f != 0.25 {
		t.Fatalf("HINCRBYFLOAT = %v, %v", f, err)
	}
	if ok, err := c.HSetNX(ctx, "user:1", "name", "bob").Result(); err != nil || ok {
		t.Fatalf("HSETNX existing = %v, %v", ok, err)
	}
	if n, err := c.HStrLen(ctx, "user:1", "bin\x00fld").Result(); err != nil || n != int64(len(bin)) {
		t.Fatalf("HSTRLEN = %d, %v", n, err)
	}
	if n, err := c.HDel(ctx, "user:1", "name", "nope", "empty").Result(); err != nil || n != 2 {
		t.Fatalf("HDEL = %d, %v; want 2", n, err)
	}
	if typ, err := c.Type(ctx, "user:1").Result(); err != nil || typ != "hash" {
		t.Fatalf("TYPE hash = %q, %v", typ, err)
	}
	// Deleting the last fields deletes the key.
	if err := c.HSet(ctx, "tiny", "only", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.HDel(ctx, "tiny", "only").Result(); err != nil || n != 1 {
		t.Fatalf("HDEL last = %d, %v", n, err)
	}
	if n, err := c.Exists(ctx, "tiny").Result(); err != nil || n != 0 {
		t.Fatalf("EXISTS after deleting the last field = %d, %v; want 0", n, err)
	}
	if m, err := c.HGetAll(ctx, "tiny").Result(); err != nil || len(m) != 0 {
		t.Fatalf("HGETALL missing = %v, %v; want empty", m, err)
	}
}

func TestGoRedisPipelined(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	var (
		set   *redis.StatusCmd
		get   *redis.StringCmd
		miss  *redis.StringCmd
		incr  *redis.IntCmd
		hset  *redis.IntCmd
		hall  *redis.MapStringStringCmd
		mget  *redis.SliceCmd
		count = 500
		gets  []*redis.StringCmd
	)
	cmds, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		set = pipe.Set(ctx, "p:a", "1", 0)
		get = pipe.Get(ctx, "p:a")
		miss = pipe.Get(ctx, "p:missing")
		incr = pipe.Incr(ctx, "p:a")
		hset = pipe.HSet(ctx, "p:h", map[string]interface{}{"x": "1", "y": "2"})
		hall = pipe.HGetAll(ctx, "p:h")
		mget = pipe.MGet(ctx, "p:a", "p:missing")
		for i := 0; i < count; i++ {
			pipe.Set(ctx, fmt.Sprintf("p:k%d", i), i, 0)
		}
		for i := 0; i < count; i++ {
			gets = append(gets, pipe.Get(ctx, fmt.Sprintf("p:k%d", i)))
		}
		return nil
	})
	// A pipeline reports its first failed command: here the GET of a
	// missing key, whose error is redis.Nil.
	if err != redis.Nil {
		t.Fatalf("Pipelined err = %v, want redis.Nil from the missing GET", err)
	}
	if len(cmds) != 7+2*count {
		t.Fatalf("Pipelined ran %d commands, want %d", len(cmds), 7+2*count)
	}
	if set.Val() != "OK" || get.Val() != "1" || incr.Val() != 2 || hset.Val() != 2 {
		t.Fatalf("pipelined results: set %q get %q incr %d hset %d", set.Val(), get.Val(), incr.Val(), hset.Val())
	}
	if miss.Err() != redis.Nil {
		t.Fatalf("pipelined GET missing: %v", miss.Err())
	}
	if w := map[string]string{"x": "1", "y": "2"}; !reflect.DeepEqual(hall.Val(), w) {
		t.Fatalf("pipelined HGETALL = %v", hall.Val())
	}
	if w := []interface{}{"2", nil}; !reflect.DeepEqual(mget.Val(), w) {
		t.Fatalf("pipelined MGET = %#v", mget.Val())
	}
	for i, g := range gets {
		if g.Err() != nil || g.Val() != strconv.Itoa(i) {
			t.Fatalf("pipelined GET p:k%d = %q, %v", i, g.Val(), g.Err())
		}
	}

	// An error reply in the middle does not stop the rest of a pipeline.
	var after *redis.StringCmd
	var bad *redis.IntCmd
	_, err = c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, "p:str", "abc", 0)
		bad = pipe.Incr(ctx, "p:str")
		pipe.HSet(ctx, "p:h2", "f", "v")
		pipe.Get(ctx, "p:h2")
		after = pipe.Get(ctx, "p:str")
		return nil
	})
	if err == nil || err.Error() != notIntegerErr {
		t.Fatalf("pipeline with a failing INCR: err = %v, want %q", err, notIntegerErr)
	}
	if bad.Err() == nil || bad.Err().Error() != notIntegerErr {
		t.Fatalf("INCR of a string in a pipeline: %v", bad.Err())
	}
	if after.Val() != "abc" {
		t.Fatalf("GET after the failed command = %q, %v", after.Val(), after.Err())
	}
}

func TestGoRedisTxPipelined(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	var incr *redis.IntCmd
	var get *redis.StringCmd
	var hall *redis.MapStringStringCmd
	cmds, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, "tx:a", "10", 0)
		incr = pipe.IncrBy(ctx, "tx:a", 5)
		get = pipe.Get(ctx, "tx:a")
		pipe.HSet(ctx, "tx:h", "f", "v")
		hall = pipe.HGetAll(ctx, "tx:h")
		pipe.Expire(ctx, "tx:h", time.Hour)
		return nil
	})
	if err != nil {
		t.Fatalf("TxPipelined: %v", err)
	}
	if len(cmds) != 6 {
		t.Fatalf("TxPipelined returned %d commands, want 6", len(cmds))
	}
	if incr.Val() != 15 || get.Val() != "15" {
		t.Fatalf("TxPipelined INCRBY %d GET %q", incr.Val(), get.Val())
	}
	if w := map[string]string{"f": "v"}; !reflect.DeepEqual(hall.Val(), w) {
		t.Fatalf("TxPipelined HGETALL = %v", hall.Val())
	}
	if ttl, err := c.TTL(ctx, "tx:h").Result(); err != nil || ttl <= 3590*time.Second || ttl > time.Hour {
		t.Fatalf("TTL after transactional EXPIRE = %v, %v", ttl, err)
	}

	// A command failing at run time inside MULTI does not roll the others
	// back, as in Redis.
	var bad *redis.IntCmd
	var set2 *redis.StatusCmd
	_, err = c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, "tx:s", "text", 0)
		bad = pipe.Incr(ctx, "tx:s")
		set2 = pipe.Set(ctx, "tx:b", "ok", 0)
		return nil
	})
	if err == nil || err.Error() != notIntegerErr {
		t.Fatalf("TxPipelined with a failing INCR: err = %v, want %q", err, notIntegerErr)
	}
	if bad.Err() == nil || bad.Err().Error() != notIntegerErr || set2.Val() != "OK" {
		t.Fatalf("in-transaction results: incr %v, set %q", bad.Err(), set2.Val())
	}
	if got, _ := c.Get(ctx, "tx:b").Result(); got != "ok" {
		t.Fatalf("GET tx:b after the transaction = %q", got)
	}
}

func TestGoRedisWatchOptimisticLock(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	const (
		workers = 4
		perW    = 150
		key     = "watch:counter"
	)
	incr := func() (retries int, err error) {
		for {
			err := c.Watch(ctx, func(tx *redis.Tx) error {
				n, err := tx.Get(ctx, key).Int()
				if err != nil && err != redis.Nil {
					return err
				}
				_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
					pipe.Set(ctx, key, n+1, 0)
					return nil
				})
				return err
			}, key)
			if err == nil {
				return retries, nil
			}
			if !errors.Is(err, redis.TxFailedErr) {
				return retries, err
			}
			retries++
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	totalRetries := 0
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perW; i++ {
				r, err := incr()
				mu.Lock()
				totalRetries += r
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, key).Int()
	if err != nil {
		t.Fatal(err)
	}
	if got != workers*perW {
		t.Fatalf("counter = %d after %d WATCHed increments (%d retries), want exactly %d",
			got, workers*perW, totalRetries, workers*perW)
	}
	t.Logf("%d increments, %d transactions aborted by WATCH and retried", got, totalRetries)

	// A write by another client between WATCH and EXEC aborts EXEC.
	other := newGoRedis(t, p.Addr)
	err = c.Watch(ctx, func(tx *redis.Tx) error {
		if err := other.Set(ctx, key, "changed", 0).Err(); err != nil {
			return err
		}
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, key, "mine", 0)
			return nil
		})
		return err
	}, key)
	if !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("EXEC after a concurrent write: err = %v, want redis.TxFailedErr", err)
	}
	if v, _ := c.Get(ctx, key).Result(); v != "changed" {
		t.Fatalf("value after aborted transaction = %q, want \"changed\"", v)
	}
	// Watching a key that does not exist and is then created also aborts.
	err = c.Watch(ctx, func(tx *redis.Tx) error {
		if err := other.HSet(ctx, "watch:new", "f", "v").Err(); err != nil {
			return err
		}
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, "watch:side", "1", 0)
			return nil
		})
		return err
	}, "watch:new")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("EXEC after a watched key was created: err = %v, want redis.TxFailedErr", err)
	}
	if n, _ := c.Exists(ctx, "watch:side").Result(); n != 0 {
		t.Fatal("aborted transaction wrote watch:side")
	}
}

func TestGoRedisScanIterator(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	const nStrings, nHashes = 10000, 300
	want := make(map[string]bool, nStrings+nHashes)
	wantMatch := map[string]bool{}
	wantHashes := map[string]bool{}
	cp := newChunkedPipeline(ctx, c)
	for i := 0; i < nStrings; i++ {
		k := fmt.Sprintf("scan:s:%d", i)
		cp.P().Set(ctx, k, i, 0)
		want[k] = true
		if matchGlob("scan:s:1*7", k) {
			wantMatch[k] = true
		}
	}
	for i := 0; i < nHashes; i++ {
		k := fmt.Sprintf("scan:h:%d", i)
		cp.P().HSet(ctx, k, "f", i)
		want[k] = true
		wantHashes[k] = true
	}
	if err := cp.Exec(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != nStrings+nHashes {
		t.Fatalf("DBSIZE = %d, %v; want %d", n, err, nStrings+nHashes)
	}

	collect := func(it *redis.ScanIterator) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for it.Next(ctx) {
			seen[it.Val()]++
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		return seen
	}
	check := func(name string, seen map[string]int, want map[string]bool) {
		t.Helper()
		dups := 0
		for k, n := range seen {
			if !want[k] {
				t.Errorf("%s returned unexpected key %q", name, k)
			}
			if n > 1 {
				dups++
			}
		}
		missing := 0
		for k := range want {
			if seen[k] == 0 {
				missing++
				if missing <= 5 {
					t.Errorf("%s never returned %q", name, k)
				}
			}
		}
		if missing > 0 {
			t.Errorf("%s missed %d of %d keys", name, missing, len(want))
		}
		if dups > 0 {
			t.Logf("%s returned %d keys more than once (allowed by SCAN's guarantees)", name, dups)
		}
	}

	check("SCAN", collect(c.Scan(ctx, 0, "", 0).Iterator()), want)
	check("SCAN COUNT 1000", collect(c.Scan(ctx, 0, "", 1000).Iterator()), want)
	check("SCAN MATCH scan:s:1*7", collect(c.Scan(ctx, 0, "scan:s:1*7", 100).Iterator()), wantMatch)
	check("SCAN TYPE hash", collect(c.ScanType(ctx, 0, "", 100, "hash").Iterator()), wantHashes)
	check("SCAN MATCH scan:h:* TYPE string", collect(c.ScanType(ctx, 0, "scan:h:*", 100, "string").Iterator()), map[string]bool{})
	check("SCAN MATCH nothing", collect(c.Scan(ctx, 0, "nothing*", 100).Iterator()), map[string]bool{})
	if len(wantMatch) != 111 { // 17, 1x7, 1xx7
		t.Fatalf("test bug: %d keys match scan:s:1*7", len(wantMatch))
	}

	// One SCAN call returns a cursor and a page no larger than is sensible.
	keys, cursor, err := c.Scan(ctx, 0, "", 10).Result()
	if err != nil {
		t.Fatal(err)
	}
	if cursor == 0 || len(keys) == 0 || len(keys) > 100 {
		t.Fatalf("SCAN 0 COUNT 10 gave %d keys and cursor %d", len(keys), cursor)
	}
}

func TestGoRedisExpireAndTTL(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	if err := c.Set(ctx, "e:ex", "v", 100*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if ttl, err := c.TTL(ctx, "e:ex").Result(); err != nil || ttl < 99*time.Second || ttl > 100*time.Second {
		t.Fatalf("TTL after SET EX 100 = %v, %v", ttl, err)
	}
	if pttl, err := c.PTTL(ctx, "e:ex").Result(); err != nil || pttl < 98*time.Second || pttl > 100*time.Second {
		t.Fatalf("PTTL after SET EX 100 = %v, %v", pttl, err)
	}
	if err := c.Set(ctx, "e:none", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if ttl, err := c.TTL(ctx, "e:none").Result(); err != nil || ttl != -1 {
		t.Fatalf("TTL without expiry = %v, %v; want -1", ttl, err)
	}
	if ttl, err := c.TTL(ctx, "e:missing").Result(); err != nil || ttl != -2 {
		t.Fatalf("TTL missing = %v, %v; want -2", ttl, err)
	}
	if ok, err := c.Expire(ctx, "e:missing", time.Minute).Result(); err != nil || ok {
		t.Fatalf("EXPIRE missing = %v, %v; want false", ok, err)
	}
	if ok, err := c.ExpireXX(ctx, "e:none", time.Minute).Result(); err != nil || ok {
		t.Fatalf("EXPIRE XX without ttl = %v, %v; want false", ok, err)
	}
	if ok, err := c.ExpireNX(ctx, "e:none", time.Minute).Result(); err != nil || !ok {
		t.Fatalf("EXPIRE NX = %v, %v; want true", ok, err)
	}
	if ok, err := c.ExpireNX(ctx, "e:none", time.Hour).Result(); err != nil || ok {
		t.Fatalf("EXPIRE NX again = %v, %v; want false", ok, err)
	}
	if ok, err := c.ExpireGT(ctx, "e:none", 30*time.Second).Result(); err != nil || ok {
		t.Fatalf("EXPIRE GT smaller = %v, %v; want false", ok, err)
	}
	if ok, err := c.ExpireLT(ctx, "e:none", 30*time.Second).Result(); err != nil || !ok {
		t.Fatalf("EXPIRE LT smaller = %v, %v; want true", ok, err)
	}
	if ttl, _ := c.TTL(ctx, "e:none").Result(); ttl < 29*time.Second || ttl > 30*time.Second {
		t.Fatalf("TTL after EXPIRE LT 30 = %v", ttl)
	}
	if ok, err := c.Persist(ctx, "e:none").Result(); err != nil || !ok {
		t.Fatalf("PERSIST = %v, %v", ok, err)
	}
	if ttl, _ := c.TTL(ctx, "e:none").Result(); ttl != -1 {
		t.Fatalf("TTL after PERSIST = %v, want -1", ttl)
	}
	at := time.Now().Add(time.Hour).Truncate(time.Second)
	if ok, err := c.ExpireAt(ctx, "e:none", at).Result(); err != nil || !ok {
		t.Fatalf("EXPIREAT = %v, %v", ok, err)
	}
	if et, err := c.ExpireTime(ctx, "e:none").Result(); err != nil || et != time.Duration(at.Unix())*time.Second {
		t.Fatalf("EXPIRETIME = %v, %v; want %d s", et, err, at.Unix())
	}
	// SET without KEEPTTL clears the TTL; with KEEPTTL it keeps it.
	if err := c.SetArgs(ctx, "e:none", "v2", redis.SetArgs{KeepTTL: true}).Err(); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := c.TTL(ctx, "e:none").Result(); ttl < 3590*time.Second {
		t.Fatalf("TTL after SET KEEPTTL = %v", ttl)
	}
	if err := c.Set(ctx, "e:none", "v3", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := c.TTL(ctx, "e:none").Result(); ttl != -1 {
		t.Fatalf("TTL after plain SET = %v, want -1", ttl)
	}

	// Hash TTL and expiry.
	if err := c.HSet(ctx, "e:hash", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.PExpire(ctx, "e:hash", 300*time.Millisecond).Result(); err != nil || !ok {
		t.Fatalf("PEXPIRE hash = %v, %v", ok, err)
	}
	if err := c.Set(ctx, "e:px", "v", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetEx(ctx, "e:gex", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.GetEx(ctx, "e:gex", 300*time.Millisecond).Result(); err != nil || v != "v" {
		t.Fatalf("GETEX = %q, %v", v, err)
	}
	time.Sleep(700 * time.Millisecond)
	for _, k := range []string{"e:hash", "e:px", "e:gex"} {
		if n, err := c.Exists(ctx, k).Result(); err != nil || n != 0 {
			t.Errorf("EXISTS %s after expiry = %d, %v", k, n, err)
		}
		if ttl, err := c.TTL(ctx, k).Result(); err != nil || ttl != -2 {
			t.Errorf("TTL %s after expiry = %v, %v; want -2", k, ttl, err)
		}
	}
	if _, err := c.Get(ctx, "e:px").Result(); err != redis.Nil {
		t.Errorf("GET expired = %v, want redis.Nil", err)
	}
	if m, err := c.HGetAll(ctx, "e:hash").Result(); err != nil || len(m) != 0 {
		t.Errorf("HGETALL expired hash = %v, %v", m, err)
	}
	keys, err := c.Keys(ctx, "e:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	if w := []string{"e:ex", "e:none"}; !reflect.DeepEqual(keys, w) {
		t.Errorf("KEYS e:* = %q, want %q", keys, w)
	}
}

func TestGoRedisErrors(t *testing.T) {
	p := startSidecar(t)
	ctx := testCtx(t)
	c := newGoRedis(t, p.Addr)

	if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
		t.Fatalf("GET missing: err = %v, want redis.Nil", err)
	}
	if _, err := c.GetDel(ctx, "missing").Result(); err != redis.Nil {
		t.Fatalf("GETDEL missing: err = %v, want redis.Nil", err)
	}
	if err := c.HSet(ctx, "h", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "s", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	wrong := []struct {
		name string
		err  error
	}{
		{"GET hash", c.Get(ctx, "h").Err()},
		{"INCR hash", c.Incr(ctx, "h").Err()},
		{"APPEND hash", c.Append(ctx, "h", "x").Err()},
		{"STRLEN hash", c.StrLen(ctx, "h").Err()},
		{"HGET string", c.HGet(ctx, "s", "f").Err()},
		{"HSET string", c.HSet(ctx, "s", "f", "v").Err()},
		{"HGETALL string", c.HGetAll(ctx, "s").Err()},
		{"HLEN string", c.HLen(ctx, "s").Err()},
	}
	for _, w := range wrong {
		if w.err == nil || w.err.Error() != wrongTypeErr {
			t.Errorf("%s: err = %v, want %q", w.name, w.err, wrongTypeErr)
		}
		var re redis.Error
		if !errors.As(w.err, &re) {
			t.Errorf("%s: %T is not a redis.Error", w.name, w.err)
		}
	}
	// MGET answers nil for a key of another type rather than failing.
	if v, err := c.MGet(ctx, "h", "s").Result(); err != nil || !reflect.DeepEqual(v, []interface{}{nil, "x"}) {
		t.Errorf("MGET hash string = %#v, %v", v, err)
	}
	// SET overwrites a key of any type.
	if err := c.Set(ctx, "h", "now a string", 0).Err(); err != nil {
		t.Errorf("SET over a hash: %v", err)
	}
	if err := c.Incr(ctx, "s").Err(); err == nil || err.Error() != notIntegerErr {
		t.Errorf("INCR non-integer: err = %v, want %q", err, notIntegerErr)
	}
	if err := c.Set(ctx, "big", "9223372036854775807", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Incr(ctx, "big").Err(); err == nil || err.Error() != "ERR increment or decrement would overflow" {
		t.Errorf("INCR overflow: err = %v", err)
	}
	if err := c.Do(ctx, "SET", "k").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'set' command" {
		t.Errorf("SET with one argument: err = %v", err)
	}
	if err := c.Do(ctx, "SET", "k", "v", "EX", "notanumber").Err(); err == nil || err.Error() != notIntegerErr {
		t.Errorf("SET EX notanumber: err = %v", err)
	}
	if err := c.Do(ctx, "SET", "k", "v", "EX", "0").Err(); err == nil || err.Error() != "ERR invalid expire time in 'set' command" {
		t.Errorf("SET EX 0: err = %v", err)
	}
	if err := c.Do(ctx, "SET", "k", "v", "NX", "XX").Err(); err == nil || err.Error() != "ERR syntax error" {
		t.Errorf("SET NX XX: err = %v", err)
	}
	if err := c.Do(ctx, "FOO", "bar", "baz").Err(); err == nil ||
		err.Error() != "ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' " {
		t.Errorf("unknown command: err = %q", err)
	}
	if err := c.Do(ctx, "HSET", "h2", "f").Err(); err == nil || err.Error() != "ERR wrong number of arguments for 'hset' command" {
		t.Errorf("HSET odd arguments: err = %v", err)
	}
	// The connection is still usable after all those errors.
	if v, err := c.Get(ctx, "s").Result(); err != nil || v != "x" {
		t.Fatalf("GET after errors = %q, %v", v, err)
	}
}

// matchGlob reports whether s matches the Redis glob pattern, for tests
// that need to know which keys a MATCH selects. It follows Redis's
// stringmatchlen: * ? [set] [^set] [a-z] and \ escapes, byte-wise, with an
// unterminated [ taking the rest of the pattern as its set.
func matchGlob(pattern, s string) bool {
	return globMatch([]byte(pattern), []byte(s))
}

func globMatch(p, s []byte) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			s = s[1:]
			p = p[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) >= 2 && p[0] == '\\' {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if len(p) > 0 && p[0] == ']' {
					break
				} else if len(p) == 0 {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi := p[0], p[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					if s[0] >= lo && s[0] <= hi {
						match = true
					}
					p = p[2:]
				} else if p[0] == s[0] {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			if len(p) > 0 {
				p = p[1:] // the closing ]
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || p[0] != s[0] {
				return false
			}
			s = s[1:]
			p = p[1:]
		}
	}
	return len(s) == 0
}
