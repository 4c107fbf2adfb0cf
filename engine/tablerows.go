package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// A row record is the row, preceded in tables with a TTL by the time it
// was last written (unix ms, 8 bytes big-endian): a row not written for
// the TTL reads as missing.
const writeTimeLen = 8

// appendRecord appends the stored record of row, written at nowMs.
func (t *Table) appendRecord(dst []byte, nowMs int64, row []byte) []byte {
	if t.schema.TTLSeconds > 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(nowMs))
	}
	return append(dst, row...)
}

// liveRow returns the row of a stored record, or nil if the record is
// past the table's TTL at nowMs. A record too short for its write time is
// returned as a row, which the row codec then reports as corrupt.
func (t *Table) liveRow(rec []byte, nowMs int64) columnar.Row {
	if t.schema.TTLSeconds == 0 || len(rec) < writeTimeLen {
		return rec
	}
	if int64(binary.BigEndian.Uint64(rec))+t.ttlMs() <= nowMs {
		return nil
	}
	return rec[writeTimeLen:]
}

// begin enters a table operation: it keeps Close from closing Pebble
// under it and checks that t is still in the catalog. Call the returned
// function when done.
func (db *DB) begin(t *Table) (func(), error) {
	db.life.RLock()
	if db.closed.Load() {
		db.life.RUnlock()
		return nil, ErrClosed
	}
	if !db.current(t) {
		db.life.RUnlock()
		return nil, noTable(t.name)
	}
	return db.life.RUnlock, nil
}

func (t *Table) newIter(db *DB) (*pebble.Iterator, error) {
	lower := t.rowPrefix()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixSuccessor(lower)})
	if err != nil {
		return nil, fmt.Errorf("engine: table %s: %w", t.name, err)
	}
	return it, nil
}

// tableWrite is one writer's turn on a table: it holds the table's writer
// lock, an iterator to read the rows it replaces and the batch it builds.
type tableWrite struct {
	it   *pebble.Iterator
	b    *pebble.Batch
	now  int64
	fill *hotFill // the committed batch, for end to put in the hot tier
	end  func()
}

// backgroundFill is the batch size from which a write's hot tier fill
// runs after the write has returned (see beginWrite).
const backgroundFill = 1 << 20

// beginWrite starts a tableWrite with a batch of the given initial size
// (0 for the default). Call end when done.
//
// If the write committed (commit), end also fills the hot tier with it.
// For a large batch it returns at once and fills on another goroutine,
// still holding the table's writer lock, the batch and Close off until
// it is done: the caller's reply does not wait for the tier, and the
// table's readers use Pebble meanwhile.
func (db *DB) beginWrite(t *Table, batchSize int) (*tableWrite, error) {
	if db.opts.Replica {
		return nil, ErrReplica
	}
	done, err := db.begin(t)
	if err != nil {
		return nil, err
	}
	t.wmu.Lock()
	it, err := t.newIter(db)
	if err != nil {
		t.wmu.Unlock()
		done()
		return nil, err
	}
	w := &tableWrite{it: it, b: db.pdb.NewBatchWithSize(batchSize), now: nowMs()}
	w.end = func() {
		w.it.Close()
		finish := func() {
			w.b.Close()
			t.wmu.Unlock()
			done()
		}
		switch f := w.fill; {
		case f == nil:
			finish()
		case len(f.repr) < backgroundFill:
			db.fillHot(f)
			finish()
		default:
			go func() {
				db.fillHot(f)
				finish()
			}()
		}
	}
	return w, nil
}

// commit commits the write's batch (commitRows), leaving the hot tier to
// end.
func (w *tableWrite) commit(db *DB, t *Table, addRows, addBytes int64) (err error) {
	w.fill, err = db.commitRows(t, w.b, addRows, addBytes)
	return err
}

// seek positions it at the record of row key k (a full record key) and
// returns its value, or ok=false if there is none.
func seek(it *pebble.Iterator, k []byte) (v []byte, ok bool, err error) {
	if !it.SeekGE(k) || !bytes.Equal(it.Key(), k) {
		return nil, false, it.Error()
	}
	v, err = it.ValueAndErr()
	return v, err == nil, err
}

// cursor looks up the records of keys visited in ascending order with
// one iterator. Near keys are reached by stepping the iterator forward
// (Pebble seeks from scratch in a large batch's data, and in any level a
// seek costs more than a few steps); far ones by seeking. Past the last
// record every lookup is a miss at no cost.
type cursor struct {
	it      *pebble.Iterator
	started bool // it has been positioned: at the least record >= the last key looked up
	done    bool // ... and there is no such record
}

// cursorSteps is how far find steps forward before it seeks.
const cursorSteps = 8

// find returns the value of the record at key k (a full record key,
// greater than the last one looked up), or ok=false if there is none.
func (c *cursor) find(k []byte) (v []byte, ok bool, err error) {
	if c.done {
		return nil, false, nil
	}
	it := c.it
	valid := false
	if c.started {
		valid = it.Valid()
		for range cursorSteps {
			if !valid {
				break
			}
			switch cmp := bytes.Compare(it.Key(), k); {
			case cmp == 0:
				v, err = it.ValueAndErr()
				return v, err == nil, err
			case cmp > 0:
				return nil, false, nil
			}
			valid = it.Next()
		}
	}
	if !c.started || valid {
		c.started = true
		valid = it.SeekGE(k)
	}
	if !valid {
		if err := it.Error(); err != nil {
			return nil, false, err
		}
		c.done = true
		return nil, false, nil
	}
	if !bytes.Equal(it.Key(), k) {
		return nil, false, nil
	}
	v, err = it.ValueAndErr()
	return v, err == nil, err
}

// keyRef is a key in keyOrder's order: its index, and the 8 bytes that
// follow the prefix all the keys share (big-endian, zero-padded), which
// decide most comparisons on their own.
type keyRef struct {
	prefix uint64
	i      int32
}

// keyPrefix returns the 8 bytes of k from off (zero-padded) as a number.
func keyPrefix(k []byte, off int) uint64 {
	k = k[off:]
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// keyOrder returns the indexes 0..n-1 ordered by key(i), stably, so that
// equal keys keep their request order. Visiting rows in key order lets one
// Pebble iterator move forward through the table instead of seeking from
// the top for every key, puts a key's updates next to each other, and
// hands Pebble a batch it need not sort.
//
// The keys are radix-sorted by the 8 bytes after their common prefix;
// keys alike in those (longer keys, duplicates) are then sorted by
// comparison among themselves.
func keyOrder(n int, key func(i int) []byte) []keyRef {
	order := make([]keyRef, n)
	if n == 0 {
		return order
	}
	first := key(0)
	common := len(first)
	for i := 1; i < n && common > 0; i++ {
		k := key(i)
		m := min(common, len(k))
		j := 0
		for j < m && k[j] == first[j] {
			j++
		}
		common = j
	}
	sorted := true
	for i := range order {
		order[i] = keyRef{keyPrefix(key(i), common), int32(i)}
		if i > 0 && sorted && (order[i-1].prefix > order[i].prefix ||
			order[i-1].prefix == order[i].prefix && bytes.Compare(key(i-1), key(i)) > 0) {
			sorted = false
		}
	}
	if sorted {
		return order
	}
	order = radixSort(order)
	// Refs alike in their prefixes are in index order (the radix sort is
	// stable); sort each such run by the whole key, keeping equal keys in
	// index order.
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && order[hi].prefix == order[lo].prefix {
			hi++
		}
		if run := order[lo:hi]; len(run) > 1 {
			slices.SortStableFunc(run, func(a, b keyRef) int { return bytes.Compare(key(int(a.i)), key(int(b.i))) })
		}
		lo = hi
	}
	return order
}

// radixSort sorts refs by prefix, stably: a least-significant-digit radix
// sort by bytes, skipping the bytes in which all prefixes agree. It
// returns the sorted slice, refs or the one other buffer it uses.
func radixSort(refs []keyRef) []keyRef {
	var counts [8][256]int
	for _, r := range refs {
		p := r.prefix
		for d := range 8 {
			counts[d][byte(p>>(8*d))]++
		}
	}
	var tmp []keyRef
	for d := range 8 {
		c := &counts[d]
		if c[byte(refs[0].prefix>>(8*d))] == len(refs) {
			continue // every prefix has the same byte here
		}
		if tmp == nil {
			tmp = make([]keyRef, len(refs))
		}
		pos := 0
		for b := range c {
			pos, c[b] = pos+c[b], pos
		}
		shift := 8 * d
		for _, r := range refs {
			b := byte(r.prefix >> shift)
			tmp[c[b]] = r
			c[b]++
		}
		refs, tmp = tmp, refs
	}
	return refs
}

// WriteRows applies the updates in u to t, in order, as one atomic batch:
// each update's columns replace the stored ones, the others are kept (see
// columnar.Layout.Merge), and a row past the TTL is replaced as if it did
// not exist. It returns the number of updates applied. The write is
// durable per the fsync policy when WriteRows returns.
func (db *DB) WriteRows(t *Table, u *columnar.Updates) (int, error) {
	// The batch: per row a kind byte, two length varints (a byte each,
	// mostly), the record key's prefix, the write time, the key and row.
	w, err := db.beginWrite(t, u.Bytes()+u.Len()*(3+rowPrefixLen+t.recordLen(0))+64)
	if err != nil {
		return 0, err
	}
	defer w.end()
	n := u.Len()
	if n == 0 {
		return 0, nil
	}
	b, now, l := w.b, w.now, t.layout
	cur := cursor{it: w.it}
	order := keyOrder(u.Len(), u.Key)
	var (
		addRows, addBytes int64
		rk, merged, next  []byte
	)
	for i := 0; i < len(order); {
		key, upd := u.At(int(order[i].i))
		rk = t.rowKey(rk[:0], key)
		old, existed, err := cur.find(rk)
		if err != nil {
			return 0, fmt.Errorf("engine: write %s: %w", t.name, err)
		}
		if existed {
			addBytes -= int64(len(key) + len(old))
		} else {
			addRows++
		}
		if merged, err = l.Apply(merged[:0], t.liveRow(old, now), upd); err != nil {
			return 0, fmt.Errorf("row %q: %w", key, err)
		}
		// Later updates of the same key apply on top, in request order.
		for i++; i < len(order); i++ {
			k2, upd2 := u.At(int(order[i].i))
			if !bytes.Equal(k2, key) {
				break
			}
			if next, err = l.Apply(next[:0], merged, upd2); err != nil {
				return 0, fmt.Errorf("row %q: %w", key, err)
			}
			merged, next = next, merged
		}
		rec := b.SetDeferred(len(rk), t.recordLen(len(merged)))
		copy(rec.Key, rk)
		t.appendRecord(rec.Value[:0], now, merged)
		if err := rec.Finish(); err != nil {
			return 0, fmt.Errorf("engine: write %s: %w", t.name, err)
		}
		addBytes += int64(len(key) + t.recordLen(len(merged)))
	}
	// Neither u nor order is used from here on: while the batch commits,
	// the collector may take them if the caller lets go of u too.
	if err := w.commit(db, t, addRows, addBytes); err != nil {
		return 0, err
	}
	return n, db.awaitLogged()
}

func (t *Table) recordLen(rowLen int) int {
	if t.schema.TTLSeconds > 0 {
		return writeTimeLen + rowLen
	}
	return rowLen
}

// commitTableBatch is commitRows followed by the hot tier's fill. The
// caller holds t.wmu and keeps b open until it returns.
func (db *DB) commitTableBatch(t *Table, b *pebble.Batch, addRows, addBytes int64) error {
	f, err := db.commitRows(t, b, addRows, addBytes)
	if f != nil {
		db.fillHot(f)
	}
	return err
}

// commitRows adds t's new stats to b and commits it, unless t was
// dropped or flushed since the caller began (then its rows must not come
// back). The caller holds t.wmu.
//
// With a hot tier, a committed batch leaves t.hotSeq odd, so t's readers
// use Pebble alone, and returns the fill that brings the tier in line
// and makes the number even again: the caller must run it (fillHot)
// before it lets go of t.wmu or b.
func (db *DB) commitRows(t *Table, b *pebble.Batch, addRows, addBytes int64) (*hotFill, error) {
	rows, size := t.rows.Load()+addRows, t.bytes.Load()+addBytes
	if err := b.Set(t.statsKey(), encodeTableStats(rows, size), nil); err != nil {
		return nil, fmt.Errorf("engine: write %s: %w", t.name, err)
	}
	// The shared keyspace lock orders the commit against FLUSHALL, which
	// empties the catalog under the exclusive one.
	db.mu.RLock()
	defer db.mu.RUnlock()
	if !db.current(t) {
		return nil, noTable(t.name)
	}
	var f *hotFill
	if db.hot != nil {
		t.beginHotWrite()
		// A large batch hands its data over to Pebble when it commits
		// (b.Repr is empty after): the slice taken now stays readable,
		// since nothing writes to it any more.
		f = &hotFill{t: t, repr: b.Repr(), newRows: int(max(addRows, 0))}
	}
	if err := db.commit(b, db.commitSync()); err != nil {
		if f != nil {
			db.dropHot()
			t.hotSeq.Add(1)
		}
		return nil, fmt.Errorf("engine: commit %s: %w", t.name, err)
	}
	t.rows.Store(rows)
	t.bytes.Store(size)
	db.stats.writes.Add(1)
	return f, nil
}

// DeleteRows deletes the rows of keys from t in one atomic batch and
// returns how many existed (a row past the TTL counts as missing, as an
// expired key does for DEL; it is deleted all the same).
func (db *DB) DeleteRows(t *Table, keys [][]byte) (int, error) {
	w, err := db.beginWrite(t, 0)
	if err != nil {
		return 0, err
	}
	defer w.end()
	b, now := w.b, w.now
	cur := cursor{it: w.it}
	order := keyOrder(len(keys), func(i int) []byte { return keys[i] })
	var (
		deleted          int
		addRows, addSize int64
		rk               []byte
	)
	for j, ref := range order {
		i := ref.i
		if j > 0 && bytes.Equal(keys[order[j-1].i], keys[i]) {
			continue
		}
		rk = t.rowKey(rk[:0], keys[i])
		v, ok, err := cur.find(rk)
		if err != nil {
			return 0, fmt.Errorf("engine: delete from %s: %w", t.name, err)
		}
		if !ok {
			continue
		}
		if t.liveRow(v, now) != nil {
			deleted++
		}
		addRows--
		addSize -= int64(len(keys[i]) + len(v))
		if err := b.Delete(rk, nil); err != nil {
			return 0, fmt.Errorf("engine: delete from %s: %w", t.name, err)
		}
	}
	if addRows == 0 {
		return 0, nil
	}
	if err := w.commit(db, t, addRows, addSize); err != nil {
		return 0, err
	}
	return deleted, db.awaitLogged()
}
