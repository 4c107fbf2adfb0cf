package engine

import (
	"bytes"
	"errors"
	"log/slog"
)

// reclaimExpiredRows deletes rows past their table's TTL, so they stop
// taking space even if nobody reads them; it runs every
// ActiveExpireInterval. Rows carry no expiry index (it would cost a
// second record per write); instead each run scans a bounded stretch of
// every TTL table's rows, resuming where the last one stopped, so a
// table is swept every rows/TableReclaimBatch runs.
func (db *DB) reclaimExpiredRows() {
	for _, tbl := range db.Tables() {
		if tbl.schema.TTLSeconds == 0 || db.closed.Load() {
			continue
		}
		if _, err := db.reclaimStep(tbl, db.opts.TableReclaimBatch); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrNoTable) {
			db.expireErrs.Log(db.opts.Logger, slog.LevelError, "engine: table row reclaim", err)
		}
	}
}

// reclaimStep scans up to limit rows of t from where the previous step
// stopped (wrapping around at the end) and deletes those past the TTL. It
// returns how many it deleted.
func (db *DB) reclaimStep(t *Table, limit int) (int, error) {
	w, err := db.beginWrite(t, 0)
	if err != nil {
		return 0, err
	}
	defer w.end()
	it, b, now := w.it, w.b, w.now
	var (
		deleted          int
		addRows, addSize int64
		scanned          int
	)
	valid := it.First()
	if t.reclaimFrom != nil {
		valid = it.SeekGE(t.reclaimFrom)
	}
	for ; valid && scanned < limit; valid = it.Next() {
		scanned++
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, err
		}
		if t.liveRow(v, now) != nil {
			continue
		}
		deleted++
		addRows--
		addSize -= int64(len(it.Key()) - rowPrefixLen + len(v))
		if err := b.Delete(it.Key(), nil); err != nil {
			return 0, err
		}
	}
	if err := it.Error(); err != nil {
		return 0, err
	}
	if valid {
		t.reclaimFrom = bytes.Clone(it.Key())
	} else {
		t.reclaimFrom = nil
	}
	if deleted == 0 {
		return 0, nil
	}
	if err := db.commitTableBatch(t, b, addRows, addSize); err != nil {
		return 0, err
	}
	return deleted, nil
}
