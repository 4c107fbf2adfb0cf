package s3sync

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// writerRecord is the content of writers/<epoch>.json.
type writerRecord struct {
	Epoch uint64 `json:"epoch"`
	// StartSeq is the log position the writer started from: its log
	// holds the batches after it.
	StartSeq uint64    `json:"start_seq"`
	Node     string    `json:"node"`
	Started  time.Time `json:"started"`
}

// snapRef is a snapshot manifest found by listing.
type snapRef struct {
	Epoch, Seq uint64
	Key        string
	ModTime    time.Time
}

// view is what the bucket holds, as far as choosing a state goes: every
// writer epoch and every snapshot. Its history is the chain of epochs: the
// log of epoch i is valid from its StartSeq up to the next epoch's
// StartSeq; batches a replaced writer shipped past that were never part
// of the history and are ignored.
type view struct {
	epochs []writerRecord // by epoch
	snaps  []snapRef      // by seq, then epoch
}

// records caches writer records, which never change once written.
type records struct {
	mu sync.Mutex
	m  map[uint64]writerRecord
}

// readView lists the bucket's epochs and snapshots.
func readView(ctx context.Context, st ObjectStore, cache *records) (view, error) {
	var v view
	var epochs []uint64
	err := st.List(ctx, writersDir, func(oi ObjectInfo) error {
		if e, ok := parseWriterKey(oi.Key); ok {
			epochs = append(epochs, e)
		}
		return nil
	})
	if err != nil {
		return v, fmt.Errorf("s3sync: list writers: %w", err)
	}
	for _, e := range epochs {
		rec, err := cache.get(ctx, st, e)
		if err != nil {
			return v, err
		}
		v.epochs = append(v.epochs, rec)
	}
	err = st.List(ctx, snapDir, func(oi ObjectInfo) error {
		if e, seq, ok := parseSnapKey(oi.Key); ok {
			v.snaps = append(v.snaps, snapRef{Epoch: e, Seq: seq, Key: oi.Key, ModTime: oi.ModTime})
		}
		return nil
	})
	if err != nil {
		return v, fmt.Errorf("s3sync: list snapshots: %w", err)
	}
	slices.SortFunc(v.snaps, func(a, b snapRef) int {
		if a.Seq != b.Seq {
			return cmp.Compare(a.Seq, b.Seq)
		}
		return cmp.Compare(a.Epoch, b.Epoch)
	})
	return v, nil
}

func (c *records) get(ctx context.Context, st ObjectStore, epoch uint64) (writerRecord, error) {
	c.mu.Lock()
	rec, ok := c.m[epoch]
	c.mu.Unlock()
	if ok {
		return rec, nil
	}
	if err := getJSON(ctx, st, writerKey(epoch), &rec); err != nil {
		return rec, err
	}
	if rec.Epoch != epoch {
		return rec, fmt.Errorf("%w: %s holds epoch %d", ErrCorrupt, writerKey(epoch), rec.Epoch)
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[uint64]writerRecord{}
	}
	c.m[epoch] = rec
	c.mu.Unlock()
	return rec, nil
}

// latest returns the newest epoch, or false if no writer ever started.
func (v view) latest() (writerRecord, bool) {
	if len(v.epochs) == 0 {
		return writerRecord{}, false
	}
	return v.epochs[len(v.epochs)-1], true
}

// end returns the last sequence number of epoch i's valid log.
func (v view) end(i int) uint64 {
	if i+1 < len(v.epochs) {
		return v.epochs[i+1].StartSeq
	}
	return math.MaxUint64
}

// epochIndex returns the index of epoch e in v.epochs, or -1.
func (v view) epochIndex(e uint64) int {
	i, ok := slices.BinarySearchFunc(v.epochs, e, func(r writerRecord, e uint64) int { return cmp.Compare(r.Epoch, e) })
	if !ok {
		return -1
	}
	return i
}

// valid reports whether snapshot s is part of the history: taken by a
// writer before it was replaced.
func (v view) valid(s snapRef) bool {
	i := v.epochIndex(s.Epoch)
	return i >= 0 && s.Seq >= v.epochs[i].StartSeq && s.Seq <= v.end(i)
}

// newestSnap returns the valid snapshot with the highest sequence number.
func (v view) newestSnap() (snapRef, bool) {
	for i := len(v.snaps) - 1; i >= 0; i-- {
		if v.valid(v.snaps[i]) {
			return v.snaps[i], true
		}
	}
	return snapRef{}, false
}

// segmentRef is a log segment found by listing.
type segmentRef struct {
	Epoch, First, Last uint64
	Key                string
	Size               int64
	ModTime            time.Time
}

// listSegments lists epoch e's log segments in order.
func listSegments(ctx context.Context, st ObjectStore, e uint64) ([]segmentRef, error) {
	var segs []segmentRef
	err := st.List(ctx, logPrefix(e), func(oi ObjectInfo) error {
		if first, last, ok := parseSegmentKey(e, oi.Key); ok {
			segs = append(segs, segmentRef{Epoch: e, First: first, Last: last, Key: oi.Key, Size: oi.Size, ModTime: oi.ModTime})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("s3sync: list log of epoch %d: %w", e, err)
	}
	return segs, nil
}

// ErrGap is wrapped when the bucket's log does not continue from a
// node's position: the batches after it are gone (collected, or never
// shipped by a writer that died), so only a newer snapshot can move the
// node on.
var ErrGap = errors.New("s3sync: the bucket's log does not continue from here")

// pendingLog returns the segments that carry history on from seq `from`,
// in order, with their total size. It stops at the end of the log; if
// the log does not continue from `from` at all but holds batches after
// it, it returns an error wrapping ErrGap.
func pendingLog(ctx context.Context, st ObjectStore, v view, from uint64) ([]segmentRef, int64, error) {
	var (
		out  []segmentRef
		size int64
		cur  = from
	)
	for i, rec := range v.epochs {
		end := v.end(i)
		if end <= cur {
			continue
		}
		if rec.StartSeq > cur {
			return out, size, fmt.Errorf("%w: at %d, epoch %d starts after %d", ErrGap, from, rec.Epoch, rec.StartSeq)
		}
		segs, err := listSegments(ctx, st, rec.Epoch)
		if err != nil {
			return nil, 0, err
		}
		for _, s := range segs {
			if s.Last <= cur || s.First > end {
				continue
			}
			if s.First > cur+1 {
				return out, size, fmt.Errorf("%w: at %d, epoch %d's log resumes at %d", ErrGap, cur, rec.Epoch, s.First)
			}
			out = append(out, s)
			size += s.Size
			cur = min(s.Last, end)
		}
		if cur < end && i+1 < len(v.epochs) {
			// This epoch's log stops short of where the next writer
			// started: the batches between were never shipped.
			return out, size, fmt.Errorf("%w: at %d, epoch %d's log ends before epoch %d starts at %d",
				ErrGap, cur, rec.Epoch, v.epochs[i+1].Epoch, end)
		}
	}
	return out, size, nil
}

// applyFunc applies one batch; a node's engine.DB.ApplyLogged.
type applyFunc func(seq uint64, batch []byte) error

// applySegments downloads segs and applies their batches after `from` up
// to each epoch's end. It returns the last sequence number applied.
func applySegments(ctx context.Context, st ObjectStore, v view, segs []segmentRef, from uint64, apply applyFunc) (uint64, error) {
	cur := from
	for _, s := range segs {
		end := uint64(math.MaxUint64)
		if i := v.epochIndex(s.Epoch); i >= 0 {
			end = v.end(i)
		}
		data, err := getAll(ctx, st, s.Key)
		if err != nil {
			return cur, err
		}
		err = decodeSegment(data, s.First, s.Last, func(seq uint64, batch []byte) error {
			if seq <= cur || seq > end {
				return nil
			}
			if err := apply(seq, batch); err != nil {
				return fmt.Errorf("s3sync: apply batch %d of %s: %w", seq, s.Key, err)
			}
			cur = seq
			return nil
		})
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}

// getJSON reads the JSON object at key into v; content that does not
// decode is ErrCorrupt.
func getJSON(ctx context.Context, st ObjectStore, key string, v any) error {
	b, err := getAll(ctx, st, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, key, err)
	}
	return nil
}

// getAll reads a whole object.
func getAll(ctx context.Context, st ObjectStore, key string) ([]byte, error) {
	rc, info, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if info.Size > 0 {
		buf.Grow(int(info.Size))
	}
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, fmt.Errorf("s3sync: read %s: %w", key, err)
	}
	return buf.Bytes(), nil
}
