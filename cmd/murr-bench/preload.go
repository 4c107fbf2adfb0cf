package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dataKind is one family of keys that the ops workload preloads: tests
// that read or overwrite them need it, so a server that cannot store one
// kind (a command not implemented yet) still gets the other tests run.
type dataKind int

const (
	stringData dataKind = iota // key:<12 digits> = value
	hashData                   // hash:<12 digits> = {f0: value, ..., f9: value}
	numDataKinds
)

func (k dataKind) String() string {
	if k == hashData {
		return "hashes"
	}
	return "strings"
}

// describe says what one preload writes, for progress lines.
func (k dataKind) describe() string {
	if k == hashData {
		return fmt.Sprintf("hashes of %d fields", hashFields)
	}
	return "strings"
}

// keyName formats key number i as redis-benchmark's __rand_int__ does.
func keyName(prefix string, i int) string {
	return fmt.Sprintf("%s:%0*d", prefix, randDigits, i)
}

func fieldNames() []string {
	f := make([]string, hashFields)
	for i := range f {
		f[i] = "f" + strconv.Itoa(i)
	}
	return f
}

// create returns the command that writes key number i.
func (k dataKind) create(i int, val string) []string {
	if k == hashData {
		args := []string{"HSET", keyName("hash", i)}
		for _, f := range fieldNames() {
			args = append(args, f, val)
		}
		return args
	}
	return []string{"SET", keyName("key", i), val}
}

// check reads key number i back and says what is wrong with it, if anything.
func (k dataKind) check(c *client, i, valueSize int) error {
	want := func(v any) bool { s, ok := v.(string); return ok && len(s) == valueSize }
	if k == hashData {
		args := append([]string{"HMGET", keyName("hash", i)}, fieldNames()...)
		v, err := c.do(10*time.Second, args...)
		if err != nil {
			return fmt.Errorf("HMGET %s: %w", args[1], err)
		}
		vals, _ := v.([]any)
		if len(vals) != hashFields || !allOf(vals, want) {
			return fmt.Errorf("HMGET %s = %#v, want %d values of %d bytes", args[1], v, hashFields, valueSize)
		}
		return nil
	}
	key := keyName("key", i)
	v, err := c.do(10*time.Second, "GET", key)
	if err != nil {
		return fmt.Errorf("GET %s: %w", key, err)
	}
	if !want(v) {
		return fmt.Errorf("GET %s = %#v, want a %d-byte string", key, v, valueSize)
	}
	return nil
}

func allOf(vals []any, ok func(any) bool) bool {
	for _, v := range vals {
		if !ok(v) {
			return false
		}
	}
	return true
}

// preload writes --keys keys of the kind over a few pipelined
// connections, then checks that DBSIZE grew by that much and that a
// sample reads back whole. A server without DBSIZE gets only the sample
// checked, and a warning says so.
func preload(ctx context.Context, addr string, cfg *config, kind dataKind) (warning string, err error) {
	cl, err := dial(ctx, addr)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	before, sizeErr := dbsize(cl)

	const conns, perBatch = 4, 512
	val := strings.Repeat("v", cfg.valueSize)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := dial(ctx, addr)
			if err != nil {
				errs <- err
				return
			}
			defer w.Close()
			cmds := make([][]string, 0, perBatch)
			for lo := c * perBatch; lo < cfg.keys; lo += conns * perBatch {
				if ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				cmds = cmds[:0]
				for i := lo; i < min(lo+perBatch, cfg.keys); i++ {
					cmds = append(cmds, kind.create(i, val))
				}
				replies, err := w.pipeline(30*time.Second, cmds)
				if err != nil {
					errs <- err
					return
				}
				for i, r := range replies {
					if e, ok := r.(respError); ok {
						errs <- fmt.Errorf("%s %s: %w", cmds[i][0], cmds[i][1], e)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return "", err
	}

	rng := rand.New(rand.NewPCG(uint64(kind), 1))
	for range 100 {
		if err := kind.check(cl, rng.IntN(cfg.keys), cfg.valueSize); err != nil {
			return "", err
		}
	}
	if sizeErr != nil {
		return fmt.Sprintf("key count not checked (%v)", sizeErr), nil
	}
	after, err := dbsize(cl)
	if err != nil {
		return "", err
	}
	if after-before != int64(cfg.keys) {
		return "", fmt.Errorf("DBSIZE went from %d to %d after writing %d new keys", before, after, cfg.keys)
	}
	return "", nil
}

func dbsize(c *client) (int64, error) {
	v, err := c.do(30*time.Second, "DBSIZE")
	if err != nil {
		return 0, fmt.Errorf("DBSIZE: %w", err)
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("DBSIZE = %#v, want an integer", v)
	}
	return n, nil
}
