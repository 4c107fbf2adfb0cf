package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// ApplyLogged applies batch seq of another DB's commit log (as a
// CommitLog received it), which must be the batch after LogSeq: a
// follower catching up, or a node replaying the log on bootstrap. It
// brings everything the engine keeps beside Pebble in line (counters,
// catalog, table stats, hot tier, WATCH and the change listener). A
// batch out of order fails with ErrLogGap and a malformed one with an
// error; neither changes anything. It must not run alongside local table
// writes (a replica has none; a writer replays before it serves), since
// both would move the tables' hot sequence numbers.
func (db *DB) ApplyLogged(seq uint64, repr []byte) error {
	if db.closed.Load() {
		return ErrClosed
	}
	eff, err := scanLogged(seq, repr, db.tracksKeys())
	if err != nil {
		return err
	}
	if err := db.applyLogged(seq, repr, eff); err != nil {
		return err
	}
	db.callListener(eff.keys, eff.flushed)
	return nil
}

// applyLogged is ApplyLogged's part under the locks.
func (db *DB) applyLogged(seq uint64, repr []byte, eff loggedEffects) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed.Load() {
		return ErrClosed
	}
	db.logMu.Lock()
	defer db.logMu.Unlock()
	if seq != db.logSeq+1 {
		return fmt.Errorf("%w: batch %d after %d", ErrLogGap, seq, db.logSeq)
	}
	b := db.pdb.NewBatch()
	defer b.Close()
	if err := b.SetRepr(bytes.Clone(repr)); err != nil {
		return fmt.Errorf("engine: batch %d: %w", seq, err)
	}
	// Readers of the tables it writes use Pebble alone meanwhile; keyspace
	// readers wait for mu.
	tables := db.tables()
	var writing []*Table
	for _, t := range tables {
		if eff.tables[t.id] || eff.flushed {
			writing = append(writing, t)
			t.beginHotWrite()
		}
	}
	defer func() {
		for _, t := range writing {
			t.hotSeq.Add(1)
		}
	}()
	// An empty tier has nothing to keep in step, and filling it with
	// replayed batches would only slow a restore with rows nobody asked
	// for: reads fill it. No reader can fill meanwhile (mu is held, the
	// tables' numbers are odd).
	if db.hot != nil && !eff.flushed && db.hot.Stats().Entries > 0 {
		db.writeThrough(repr)
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		db.dropHot()
		return fmt.Errorf("engine: apply batch %d: %w", seq, err)
	}
	db.logSeq = seq
	if eff.flushed {
		db.dropHot()
	}
	if err := db.refreshAfterApply(eff, tables); err != nil {
		return err
	}
	db.stats.writes.Add(1)
	db.watches.flagTouched(eff.keys)
	return nil
}

// loggedEffects is what a logged batch changes beside its records.
type loggedEffects struct {
	keys    []touchedKey    // user keys whose metadata it writes, if tracked
	tables  map[uint64]bool // ids of tables whose rows or stats it writes
	stats   map[uint64][]byte
	catalog bool // it writes the catalog
	state   bool // it writes the engine state
	flushed bool // it deletes the whole keyspace (FLUSHALL)
}

// scanLogged checks that repr is a well-formed batch carrying sequence
// number seq and collects its effects, the user keys it changes only if
// keys says someone tracks them.
func scanLogged(seq uint64, repr []byte, keys bool) (loggedEffects, error) {
	eff := loggedEffects{tables: map[uint64]bool{}, stats: map[uint64][]byte{}}
	if _, ok := batchrepr.ReadHeader(repr); !ok {
		return eff, fmt.Errorf("engine: batch %d: header too short", seq)
	}
	var sawSeq bool
	r := batchrepr.Read(repr)
	for {
		kind, k, v, ok, err := r.Next()
		if err != nil {
			return eff, fmt.Errorf("engine: batch %d: %w", seq, err)
		}
		if !ok {
			break
		}
		if len(k) == 0 {
			continue
		}
		switch k[0] {
		case prefixState:
			if bytes.Equal(k, logSeqKey) {
				if kind != pebble.InternalKeyKindSet || len(v) != 8 || binary.BigEndian.Uint64(v) != seq {
					return eff, fmt.Errorf("engine: batch %d: carries a different sequence number", seq)
				}
				sawSeq = true
			} else {
				eff.state = true
			}
		case prefixMeta:
			if kind == pebble.InternalKeyKindRangeDelete {
				eff.flushed = true
			} else if keys && len(k) >= 9 {
				key, _ := userKeyOf(k)
				eff.keys = append(eff.keys, touchedKey{key: string(key)})
			}
		case prefixTable:
			eff.catalog = true
			if kind == pebble.InternalKeyKindRangeDelete {
				eff.flushed = true
			}
		case prefixTableStats:
			if len(k) >= 9 {
				id := binary.BigEndian.Uint64(k[1:])
				eff.tables[id] = true
				if kind == pebble.InternalKeyKindSet {
					eff.stats[id] = v
				}
			}
		case prefixRow:
			if len(k) >= 9 {
				eff.tables[binary.BigEndian.Uint64(k[1:])] = true
			}
		}
	}
	if !sawSeq {
		return eff, fmt.Errorf("engine: batch %d: carries no sequence number", seq)
	}
	return eff, nil
}

// refreshAfterApply reloads what the engine keeps in memory from what a
// logged batch changed. The caller holds mu and logMu.
func (db *DB) refreshAfterApply(eff loggedEffects, before catalog) error {
	if eff.state || eff.flushed {
		if err := db.loadState(); err != nil {
			return err
		}
		db.keys.Store(db.state.keys)
		db.expires.Store(db.state.expires)
	}
	if eff.catalog || eff.flushed {
		next, err := db.readCatalog()
		if err != nil {
			return err
		}
		// Keep the Table of every table that is still the same one, so
		// its readers and hot sequence number carry on.
		for name, t := range next {
			if old := before[name]; old != nil && old.id == t.id {
				old.rows.Store(t.rows.Load())
				old.bytes.Store(t.bytes.Load())
				next[name] = old
			}
		}
		db.setCatalog(next)
		return nil
	}
	for _, t := range before {
		if v, ok := eff.stats[t.id]; ok && len(v) == 16 {
			t.rows.Store(int64(binary.BigEndian.Uint64(v)))
			t.bytes.Store(int64(binary.BigEndian.Uint64(v[8:])))
		}
	}
	return nil
}
