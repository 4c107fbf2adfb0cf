package compat_test

// Tests with rueidis, which insists on RESP3 (HELLO 3) and, with default
// options, also turns on server-assisted client-side caching with
// CLIENT TRACKING ON OPTIN when it connects.

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

// newRueidis connects a rueidis client to addr with opt (InitAddress is
// filled in) and closes it when t ends.
func newRueidis(t *testing.T, addr string, opt rueidis.ClientOption) rueidis.Client {
	t.Helper()
	opt.InitAddress = []string{addr}
	c, err := rueidis.NewClient(opt)
	if err != nil {
		t.Fatalf("rueidis.NewClient (DisableCache=%v): %v", opt.DisableCache, err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestRueidisDefaultOptions(t *testing.T) {
	p := startSidecar(t)
	c := newRueidis(t, p.Addr, rueidis.ClientOption{})
	rueidisSuite(t, c)
}

// TestRueidisDisableCache is the path for users who never call DoCache and
// turn client-side caching off: no CLIENT TRACKING at connect time, but
// still RESP3.
func TestRueidisDisableCache(t *testing.T) {
	p := startSidecar(t)
	c := newRueidis(t, p.Addr, rueidis.ClientOption{DisableCache: true})
	rueidisSuite(t, c)
}

func rueidisSuite(t *testing.T, c rueidis.Client) {
	ctx := testCtx(t)
	b := c.B()

	// Strings, binary-safe.
	bin := binaryValue()
	if err := c.Do(ctx, b.Set().Key("r:bin\x00").Value(bin).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Do(ctx, b.Get().Key("r:bin\x00").Build()).ToString(); err != nil || got != bin {
		t.Fatalf("GET binary = %q, %v", got, err)
	}
	if _, err := c.Do(ctx, b.Get().Key("r:missing").Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Fatalf("GET missing: err = %v, want a redis nil", err)
	}
	if n, err := c.Do(ctx, b.Incrby().Key("r:ctr").Increment(7).Build()).AsInt64(); err != nil || n != 7 {
		t.Fatalf("INCRBY = %d, %v", n, err)
	}
	if err := c.Do(ctx, b.Set().Key("r:ttl").Value("v").ExSeconds(60).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if ttl, err := c.Do(ctx, b.Ttl().Key("r:ttl").Build()).AsInt64(); err != nil || ttl < 59 || ttl > 60 {
		t.Fatalf("TTL = %d, %v", ttl, err)
	}

	// Hashes: HGETALL must be a RESP3 map.
	if n, err := c.Do(ctx, b.Hset().Key("r:h").FieldValue().FieldValue("a", "1").FieldValue("b", bin).Build()).AsInt64(); err != nil || n != 2 {
		t.Fatalf("HSET = %d, %v", n, err)
	}
	res := c.Do(ctx, b.Hgetall().Key("r:h").Build())
	msg, err := res.ToMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !msg.IsMap() {
		t.Fatalf("HGETALL reply is not a RESP3 map: %v", msg)
	}
	if m, err := res.AsStrMap(); err != nil || !reflect.DeepEqual(m, map[string]string{"a": "1", "b": bin}) {
		t.Fatalf("HGETALL = %q, %v", m, err)
	}
	vals, err := c.Do(ctx, b.Hmget().Key("r:h").Field("a", "zz").Build()).ToArray()
	if err != nil || len(vals) != 2 {
		t.Fatalf("HMGET = %v, %v", vals, err)
	}
	if s, err := vals[0].ToString(); err != nil || s != "1" || !vals[1].IsNil() {
		t.Fatalf("HMGET a zz = %q (%v), second nil=%v", s, err, vals[1].IsNil())
	}
	if err := c.Do(ctx, b.Get().Key("r:h").Build()).Error(); err == nil || err.Error() != wrongTypeErr {
		t.Fatalf("GET hash: err = %v, want %q", err, wrongTypeErr)
	}

	// DoMulti pipelines commands on one connection and keeps their order.
	const n = 200
	cmds := make(rueidis.Commands, 0, 2*n+2)
	for i := 0; i < n; i++ {
		cmds = append(cmds, b.Set().Key(fmt.Sprintf("r:k%d", i)).Value(fmt.Sprint(i*i)).Build())
	}
	cmds = append(cmds, b.Incr().Key("r:bin\x00").Build()) // fails, the rest go on
	for i := 0; i < n; i++ {
		cmds = append(cmds, b.Get().Key(fmt.Sprintf("r:k%d", i)).Build())
	}
	cmds = append(cmds, b.Dbsize().Build())
	results := c.DoMulti(ctx, cmds...)
	if len(results) != len(cmds) {
		t.Fatalf("DoMulti returned %d results for %d commands", len(results), len(cmds))
	}
	for i := 0; i < n; i++ {
		if s, err := results[i].ToString(); err != nil || s != "OK" {
			t.Fatalf("DoMulti SET %d = %q, %v", i, s, err)
		}
		if s, err := results[n+1+i].ToString(); err != nil || s != fmt.Sprint(i*i) {
			t.Fatalf("DoMulti GET %d = %q, %v", i, s, err)
		}
	}
	// rueidis hands back an -ERR reply's text without its "ERR " prefix.
	if err := results[n].Error(); err == nil || err.Error() != strings.TrimPrefix(notIntegerErr, "ERR ") {
		t.Fatalf("DoMulti INCR of binary: err = %v, want %q", err, notIntegerErr)
	}
	if _, ok := rueidis.IsRedisErr(results[n].Error()); !ok {
		t.Fatalf("DoMulti INCR of binary: %T is not a *rueidis.RedisError", results[n].Error())
	}
	// r:bin, r:ctr, r:ttl, r:h and the n keys.
	if size, err := results[2*n+1].AsInt64(); err != nil || size != n+4 {
		t.Fatalf("DoMulti DBSIZE = %d, %v; want %d", size, err, n+4)
	}

	// MULTI/EXEC on a dedicated connection, with WATCH.
	err = c.Dedicated(func(d rueidis.DedicatedClient) error {
		if err := d.Do(ctx, d.B().Watch().Key("r:ctr").Build()).Error(); err != nil {
			return err
		}
		cur, err := d.Do(ctx, d.B().Get().Key("r:ctr").Build()).AsInt64()
		if err != nil {
			return err
		}
		r := d.DoMulti(ctx,
			d.B().Multi().Build(),
			d.B().Set().Key("r:ctr").Value(fmt.Sprint(cur*10)).Build(),
			d.B().Get().Key("r:ctr").Build(),
			d.B().Exec().Build())
		for _, x := range r[:3] {
			if err := x.Error(); err != nil {
				return err
			}
		}
		arr, err := r[3].ToArray()
		if err != nil {
			return err
		}
		if len(arr) != 2 {
			return fmt.Errorf("EXEC returned %d replies, want 2", len(arr))
		}
		if s, err := arr[1].ToString(); err != nil || s != "70" {
			return fmt.Errorf("GET inside MULTI = %q, %v; want 70", s, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// SCAN through rueidis's ScanEntry decoding.
	seen := map[string]bool{}
	var cursor uint64
	for {
		e, err := c.Do(ctx, b.Scan().Cursor(cursor).Match("r:k1*").Count(50).Build()).AsScanEntry()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range e.Elements {
			seen[k] = true
		}
		if cursor = e.Cursor; cursor == 0 {
			break
		}
	}
	var got []string
	for k := range seen {
		got = append(got, k)
	}
	sort.Strings(got)
	var want []string
	for i := 0; i < n; i++ {
		if k := fmt.Sprintf("r:k%d", i); matchGlob("r:k1*", k) {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SCAN MATCH r:k1* = %q, want %q", got, want)
	}

	// A short expiry is honoured.
	if err := c.Do(ctx, b.Set().Key("r:px").Value("v").PxMilliseconds(200).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := c.Do(ctx, b.Get().Key("r:px").Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Fatalf("GET after PX expiry: err = %v, want a redis nil", err)
	}
}
