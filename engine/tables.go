package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/cockroachdb/pebble/v2"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// Tables live beside the Redis keyspace, in their own key ranges:
//
//	0x10 name                       catalog entry: table id (8 bytes BE), then the marshaled schema
//	0x11 id                         table stats: rows, bytes (8 bytes BE each)
//	0x12 id key                     one row: [write time ms, 8 bytes BE, if the table has a TTL] row
//
// Table ids are never reused, so dropping a table is one range deletion
// of its rows, however many there are, and a writer that raced the drop
// cannot resurrect them under a new table of the same name.
const (
	prefixTable      byte = 0x10
	prefixTableStats byte = 0x11
	prefixRow        byte = 0x12
	prefixTablesEnd  byte = 0x13
)

// MaxTableNameLen bounds table names, as columnar.MaxNameLen bounds
// column names.
const MaxTableNameLen = columnar.MaxNameLen

// Table is a handle on one table, as the catalog held it when the handle
// was taken. Its schema never changes; if the table is dropped (or the
// keyspace flushed) operations through the handle fail with ErrNoTable.
type Table struct {
	name   string
	id     uint64
	schema *columnar.Schema
	layout *columnar.Layout

	// wmu serialises the table's writers (writes, deletes, reclaim, drop):
	// each reads the rows it replaces before committing.
	wmu sync.Mutex
	// rows and bytes are the committed stats; changed only under wmu.
	rows, bytes atomic.Int64
	// reclaimFrom is where the TTL reclaim loop resumes; under wmu.
	reclaimFrom []byte
	// hotSeq is odd while a commit is being applied to the hot tier; see
	// hot.go and ReadRows. It turns odd only through beginHotWrite.
	hotSeq atomic.Uint64
	// fillGate is held shared by readers putting rows from Pebble into the
	// hot tier, and exclusively to make hotSeq odd: see fillMissed.
	fillGate sync.RWMutex
}

// beginHotWrite makes hotSeq odd before a write to t commits: t's readers
// stop trusting the hot tier, and no reader's fill of rows it read before
// is still running. The write makes it even again once the tier holds it.
func (t *Table) beginHotWrite() {
	t.fillGate.Lock()
	t.hotSeq.Add(1)
	t.fillGate.Unlock()
}

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Schema returns the table's schema. Callers must not modify it.
func (t *Table) Schema() *columnar.Schema { return t.schema }

// Layout returns the row layout of the table's value columns.
func (t *Table) Layout() *columnar.Layout { return t.layout }

// Rows returns the number of stored rows, counting rows past the TTL that
// the background loop has not reclaimed yet.
func (t *Table) Rows() int64 { return t.rows.Load() }

// Bytes returns the stored size of the table's rows: keys and encoded
// rows, before Pebble's compression.
func (t *Table) Bytes() int64 { return t.bytes.Load() }

func (t *Table) ttlMs() int64 { return t.schema.TTLSeconds * 1000 }

// rowPrefixLen is the length of a row record key before the row's key.
const rowPrefixLen = 1 + 8

// rowPrefix is the key prefix of all the table's rows.
func (t *Table) rowPrefix() []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixRow}, t.id)
}

// rowKey appends the record key of the table's row key to dst.
func (t *Table) rowKey(dst, key []byte) []byte {
	dst = append(dst, prefixRow)
	dst = binary.BigEndian.AppendUint64(dst, t.id)
	return append(dst, key...)
}

func (t *Table) statsKey() []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixTableStats}, t.id)
}

func encodeTableStats(rows, bytes int64) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(rows))
	return binary.BigEndian.AppendUint64(b, uint64(bytes))
}

func catalogKey(name string) []byte {
	return append([]byte{prefixTable}, name...)
}

// catalog is the set of tables. Readers load the map without locking;
// changes copy it, under the keyspace's write lock.
type catalog map[string]*Table

func (db *DB) tables() catalog { return *db.catalog.Load() }

func (db *DB) setCatalog(c catalog) { db.catalog.Store(&c) }

// current reports whether t is still the table its name refers to.
func (db *DB) current(t *Table) bool { return db.tables()[t.name] == t }

func noTable(name string) error { return fmt.Errorf("%w '%s'", ErrNoTable, name) }

// ValidTableName reports why name cannot name a table, or nil.
func ValidTableName(name string) error {
	switch {
	case name == "":
		return errors.New("table name is empty")
	case len(name) > MaxTableNameLen:
		return fmt.Errorf("table name is %d bytes, more than %d", len(name), MaxTableNameLen)
	case !utf8.ValidString(name):
		// Names show up in metrics labels and JSON, which need UTF-8.
		return fmt.Errorf("table name %q is not valid UTF-8", name)
	}
	return nil
}

// Table returns the handle of the named table, or an error wrapping
// ErrNoTable.
func (db *DB) Table(name string) (*Table, error) {
	if t := db.tables()[name]; t != nil {
		return t, nil
	}
	return nil, noTable(name)
}

// Tables returns the tables, sorted by name.
func (db *DB) Tables() []*Table {
	c := db.tables()
	ts := make([]*Table, 0, len(c))
	for _, t := range c {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b *Table) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return ts
}

// CreateTable creates a table with schema s (which it Validates and keeps:
// callers must not modify it afterwards). It fails with an error wrapping
// ErrTableExists if the name is taken.
func (db *DB) CreateTable(name string, s *columnar.Schema) (*Table, error) {
	if err := ValidTableName(name); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	layout, err := s.Layout()
	if err != nil {
		return nil, err
	}
	enc, err := s.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var t *Table
	err = db.catalogChange(func(c catalog, st *state, b *pebble.Batch) (catalog, error) {
		if c[name] != nil {
			return nil, fmt.Errorf("table '%s' %w", name, ErrTableExists)
		}
		t = &Table{name: name, id: st.nextTableID, schema: s, layout: layout}
		st.nextTableID++
		v := binary.BigEndian.AppendUint64(nil, t.id)
		if err := b.Set(catalogKey(name), append(v, enc...), nil); err != nil {
			return nil, err
		}
		if err := b.Set(t.statsKey(), encodeTableStats(0, 0), nil); err != nil {
			return nil, err
		}
		next := maps.Clone(c)
		next[name] = t
		return next, nil
	})
	return t, err
}

// DropTable deletes the named table and all its rows, and reports whether
// it existed. The rows go in one range deletion: the cost to the caller
// does not depend on the table's size.
func (db *DB) DropTable(name string) (bool, error) {
	t := db.tables()[name]
	if t == nil {
		return false, nil
	}
	// Wait for the table's writers so none commits after the drop.
	t.wmu.Lock()
	defer t.wmu.Unlock()
	dropped := false
	err := db.catalogChange(func(c catalog, _ *state, b *pebble.Batch) (catalog, error) {
		if c[name] != t {
			return nil, nil // dropped (or flushed) meanwhile
		}
		prefix := t.rowPrefix()
		if err := b.DeleteRange(prefix, prefixSuccessor(prefix), nil); err != nil {
			return nil, err
		}
		if err := b.Delete(t.statsKey(), nil); err != nil {
			return nil, err
		}
		if err := b.Delete(catalogKey(name), nil); err != nil {
			return nil, err
		}
		next := maps.Clone(c)
		delete(next, name)
		dropped = true
		return next, nil
	})
	return dropped, err
}

// catalogChange runs fn to change the catalog: fn gets the current
// catalog, the engine state (whose table id counter it may advance) and a
// batch, and returns the new catalog, or nil for no change. The batch, the
// state and the catalog are committed together.
func (db *DB) catalogChange(fn func(c catalog, st *state, b *pebble.Batch) (catalog, error)) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if db.opts.Replica {
		return ErrReplica
	}
	// The keyspace's write lock serialises catalog changes, FLUSHALL
	// (which empties the catalog) and writes of the state record.
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed.Load() {
		return ErrClosed
	}
	st := db.state
	b := db.pdb.NewBatch()
	defer b.Close()
	next, err := fn(db.tables(), &st, b)
	if err != nil || next == nil {
		return err
	}
	if st != db.state {
		if err := b.Set(stateKey, st.encode(), nil); err != nil {
			return fmt.Errorf("engine: write state: %w", err)
		}
	}
	if err := db.commit(b, db.commitSync()); err != nil {
		return fmt.Errorf("engine: commit catalog change: %w", err)
	}
	db.state = st
	db.setCatalog(next)
	return db.awaitLogged()
}

// commitSync is how a commit that is acknowledged on its own (not as part
// of a pipeline) syncs.
func (db *DB) commitSync() *pebble.WriteOptions {
	if db.opts.Fsync == FsyncAlways {
		return pebble.Sync
	}
	db.unsynced.Store(true)
	return pebble.NoSync
}

// prefixSuccessor returns the smallest key greater than every key with
// the given prefix, which must not be all 0xff bytes.
func prefixSuccessor(prefix []byte) []byte {
	end := slices.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	panic("engine: prefix has no successor")
}

// loadCatalog reads the catalog and the tables' stats at Open.
func (db *DB) loadCatalog() error {
	c, err := db.readCatalog()
	if err != nil {
		return err
	}
	db.setCatalog(c)
	return nil
}

// readCatalog reads the catalog and the tables' stats from Pebble.
func (db *DB) readCatalog() (catalog, error) {
	c := make(catalog)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixTable}, UpperBound: []byte{prefixTableStats}})
	if err != nil {
		return nil, fmt.Errorf("engine: read catalog: %w", err)
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		name := string(it.Key()[1:])
		v := it.Value()
		if len(v) < 8 {
			return nil, fmt.Errorf("engine: corrupt catalog entry of table %q", name)
		}
		s := new(columnar.Schema)
		if err := s.UnmarshalBinary(v[8:]); err != nil {
			return nil, fmt.Errorf("engine: catalog entry of table %q: %w", name, err)
		}
		layout, err := s.Layout()
		if err != nil {
			return nil, fmt.Errorf("engine: catalog entry of table %q: %w", name, err)
		}
		t := &Table{name: name, id: binary.BigEndian.Uint64(v), schema: s, layout: layout}
		sv, closer, err := db.pdb.Get(t.statsKey())
		if err != nil {
			return nil, fmt.Errorf("engine: stats of table %q: %w", name, err)
		}
		if len(sv) != 16 {
			closer.Close()
			return nil, fmt.Errorf("engine: corrupt stats of table %q", name)
		}
		t.rows.Store(int64(binary.BigEndian.Uint64(sv)))
		t.bytes.Store(int64(binary.BigEndian.Uint64(sv[8:])))
		closer.Close()
		c[name] = t
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("engine: read catalog: %w", err)
	}
	return c, nil
}
