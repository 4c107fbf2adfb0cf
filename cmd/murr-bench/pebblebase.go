package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// The bare-Pebble baseline of the cold read run: what Pebble itself,
// in this process with no server, no RESP and no Arrow in the way, takes
// to read the same keys, so the sidecar's cold reads can be judged
// against the storage engine they sit on rather than against Redis.

// pebbleBase is a Pebble database holding row i as key rowKey(i) ->
// row i's packed 40-byte blob.
type pebbleBase struct {
	db    *pebble.DB
	cache *pebble.Cache
	// Reused by read: the request's keys in key order.
	order []int
}

// pebbleMemTableBytes is the memtable size of the baseline, the
// sidecar's engine's default.
const pebbleMemTableBytes = 64 << 20

// pebbleMemTableHeadroom is what the baseline's cache gets on top of the
// block cache it is given. Pebble reserves the memory of live memtables
// out of its cache; the sidecar's engine sizes its cache as the block
// cache plus two memtables for that, and so does the baseline, so that
// both keep the same room for data blocks.
const pebbleMemTableHeadroom = 2 * pebbleMemTableBytes

// pebbleBaseOptions are the options of the baseline: the newest format,
// bloom filters of 10 bits per key on every level, 64 MiB memtables (as
// the sidecar's engine uses) and the given cache.
func pebbleBaseOptions(cache *pebble.Cache, logw io.Writer) *pebble.Options {
	o := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		Cache:              cache,
		MemTableSize:       pebbleMemTableBytes,
		// The load is rebuilt from scratch on every run: no WAL.
		DisableWAL: true,
		Logger:     pebbleLog{logw},
	}
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	o.EnsureDefaults()
	return o
}

// pebbleLog drops Pebble's informational messages and writes its errors
// to w.
type pebbleLog struct{ w io.Writer }

func (l pebbleLog) Infof(string, ...any) {}

func (l pebbleLog) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "pebble   error: "+format+"\n", args...)
}

func (l pebbleLog) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// openPebbleBase opens (or creates) the baseline in dir with a block
// cache of blockCacheBytes (plus pebbleMemTableHeadroom).
func openPebbleBase(dir string, blockCacheBytes int64, logw io.Writer) (*pebbleBase, error) {
	cache := pebble.NewCache(blockCacheBytes + pebbleMemTableHeadroom)
	db, err := pebble.Open(dir, pebbleBaseOptions(cache, logw))
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("pebble: %w", err)
	}
	return &pebbleBase{db: db, cache: cache}, nil
}

func (p *pebbleBase) Close() error {
	err := p.db.Close()
	p.cache.Unref()
	return err
}

// pebbleLoadBatch is the rows per batch of the baseline's load.
const pebbleLoadBatch = 10_000

// load writes every row of d in batches, flushes the memtable and waits
// for compactions to finish, so that reads find the data in SSTs.
func (p *pebbleBase) load(ctx context.Context, d *rowData) error {
	var key, blob []byte
	for lo := 0; lo < d.n; lo += pebbleLoadBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := p.db.NewBatch()
		for i := lo; i < min(lo+pebbleLoadBatch, d.n); i++ {
			key = strconv.AppendInt(key[:0], int64(i), 10)
			blob = d.appendBlob(blob[:0], i)
			if err := b.Set(key, blob, nil); err != nil {
				b.Close()
				return fmt.Errorf("pebble: %w", err)
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("pebble: %w", err)
		}
	}
	if err := p.db.Flush(); err != nil {
		return fmt.Errorf("pebble: flush: %w", err)
	}
	return p.settle(ctx)
}

// settle waits until no flush or compaction has been running for a
// second (at most a minute).
func (p *pebbleBase) settle(ctx context.Context) error {
	quiet := 0
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && quiet < 5; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		m := p.db.Metrics()
		if m.Compact.NumInProgress == 0 && m.Flush.NumInProgress == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

// read reads keys the way the sidecar's engine does: sorted, through one
// iterator, a SeekGE for each, each value copied, into out at its
// position in the request (40 bytes per key; a missing key leaves its
// slot zero). It returns the number of keys found.
func (p *pebbleBase) read(keys [][]byte, out []byte, valueSize int) (int, error) {
	p.order = p.order[:0]
	for i := range keys {
		p.order = append(p.order, i)
	}
	slices.SortFunc(p.order, func(a, b int) int { return bytes.Compare(keys[a], keys[b]) })
	it, err := p.db.NewIter(nil)
	if err != nil {
		return 0, fmt.Errorf("pebble: %w", err)
	}
	found := 0
	for _, i := range p.order {
		k := keys[i]
		if !it.SeekGE(k) || !bytes.Equal(it.Key(), k) {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("pebble: %w", err)
		}
		if len(v) != valueSize {
			it.Close()
			return 0, fmt.Errorf("pebble: key %q has a %d-byte value, want %d", k, len(v), valueSize)
		}
		copy(out[i*valueSize:], v)
		found++
	}
	if err := it.Close(); err != nil {
		return 0, fmt.Errorf("pebble: %w", err)
	}
	return found, nil
}

// pebbleReader returns a readFunc that times read r of seq on p: keys
// are formatted before the clock starts; sorting, seeking and copying
// are timed.
func pebbleReader(p *pebbleBase, seq *keySeq, d *rowData) readFunc {
	valueSize := 4 * d.cols
	keys := make([][]byte, seq.per)
	out := make([]byte, seq.per*valueSize)
	var kbuf []byte
	offs := make([]int, seq.per+1)
	return func(r int) (time.Duration, int64, error) {
		kbuf = kbuf[:0]
		rows := seq.read(r)
		for j, i := range rows {
			kbuf = strconv.AppendInt(kbuf, int64(i), 10)
			offs[j+1] = len(kbuf)
		}
		for j := range rows {
			keys[j] = kbuf[offs[j]:offs[j+1]]
		}
		clear(out)
		start := time.Now()
		found, err := p.read(keys, out, valueSize)
		elapsed := time.Since(start)
		if err != nil {
			return 0, 0, err
		}
		if found != len(rows) {
			return 0, 0, fmt.Errorf("pebble: %d of %d keys found", found, len(rows))
		}
		return elapsed, int64(len(out)), nil
	}
}

// checkPebbleBase checks that reading rows from p gives their blobs.
func checkPebbleBase(p *pebbleBase, d *rowData, rows []int32) error {
	valueSize := 4 * d.cols
	keys := make([][]byte, len(rows))
	for j, i := range rows {
		keys[j] = []byte(rowKey(int(i)))
	}
	out := make([]byte, len(rows)*valueSize)
	if _, err := p.read(keys, out, valueSize); err != nil {
		return err
	}
	var want []byte
	for j, i := range rows {
		want = d.appendBlob(want[:0], int(i))
		if !bytes.Equal(out[j*valueSize:(j+1)*valueSize], want) {
			return fmt.Errorf("pebble: key %q reads %x, want %x", keys[j], out[j*valueSize:(j+1)*valueSize], want)
		}
	}
	return nil
}
