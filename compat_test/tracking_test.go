package compat_test

// Client-side caching (CLIENT TRACKING): a rueidis client with default
// options caches reads made with DoCache and must see another client's
// write as soon as the server's invalidation arrives.

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

func TestClientTrackingInvalidatesCachedKeys(t *testing.T) {
	for _, target := range []string{"redis", "sidecar"} {
		t.Run(target, func(t *testing.T) {
			var addr string
			if target == "redis" {
				addr = startRedis(t).Addr
			} else {
				addr = startSidecar(t).Addr
			}
			ctx := context.Background()
			cache := newRueidis(t, addr, rueidis.ClientOption{})
			writer := redis.NewClient(&redis.Options{Addr: addr})
			t.Cleanup(func() { writer.Close() })

			if err := writer.Set(ctx, "tk", "v1", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if err := writer.HSet(ctx, "th", "f", "1").Err(); err != nil {
				t.Fatal(err)
			}
			get := func() (string, bool) {
				r := cache.DoCache(ctx, cache.B().Get().Key("tk").Cache(), time.Minute)
				s, err := r.ToString()
				if err != nil {
					t.Fatal(err)
				}
				return s, r.IsCacheHit()
			}
			hget := func() string {
				s, err := cache.DoCache(ctx, cache.B().Hget().Key("th").Field("f").Cache(), time.Minute).ToString()
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			if v, _ := get(); v != "v1" {
				t.Fatalf("first read = %q", v)
			}
			if v, hit := get(); v != "v1" || !hit {
				t.Fatalf("second read = %q, cache hit %v; want a hit", v, hit)
			}
			hget()

			// A write by another client must reach the cache: the
			// invalidation is pushed before the writer's reply returns.
			steps := []struct {
				name  string
				write func() error
				check func() bool
			}{
				{"SET", func() error { return writer.Set(ctx, "tk", "v2", 0).Err() },
					func() bool { v, _ := get(); return v == "v2" }},
				{"HSET", func() error { return writer.HSet(ctx, "th", "f", "2").Err() },
					func() bool { return hget() == "2" }},
				{"EXPIRE", func() error { return writer.PExpire(ctx, "tk", 50*time.Millisecond).Err() },
					func() bool {
						_, err := cache.DoCache(ctx, cache.B().Get().Key("tk").Cache(), time.Minute).ToString()
						return rueidis.IsRedisNil(err)
					}},
				{"FLUSHALL", func() error {
					if err := writer.HSet(ctx, "th", "f", "3").Err(); err != nil {
						return err
					}
					hget()
					return writer.FlushAll(ctx).Err()
				}, func() bool {
					_, err := cache.DoCache(ctx, cache.B().Hget().Key("th").Field("f").Cache(), time.Minute).ToString()
					return rueidis.IsRedisNil(err)
				}},
			}
			for _, st := range steps {
				if err := st.write(); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				deadline := time.Now().Add(3 * time.Second)
				for !st.check() {
					if time.Now().After(deadline) {
						t.Fatalf("after %s the cached value was never invalidated", st.name)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}
