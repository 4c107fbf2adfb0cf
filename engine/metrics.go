package engine

import (
	"sync/atomic"

	"github.com/murr-sidecar/murr-sidecar/tiering"
)

type stats struct {
	writes      atomic.Int64
	expiredKeys atomic.Int64
}

// Metrics is a snapshot of the engine's counters; the program decides how
// to export them (INFO, Prometheus).
type Metrics struct {
	Keys          int64 // keys, including expired ones not reclaimed yet
	Expires       int64 // keys with an expiry
	ExpiredKeys   int64 // keys reclaimed by expiry since start
	Writes        int64 // committed write transactions since start
	DiskBytes     uint64
	MemTableBytes uint64
	CacheBytes    int64
	CacheHits     int64
	CacheMisses   int64
	FsyncPolicy   FsyncPolicy
	// Hot is the hot tier's counters; all zero when HotMemory leaves
	// no room for one.
	Hot tiering.Stats
}

// Metrics returns the current counters. It takes no engine lock, so it
// is safe inside a transaction.
func (db *DB) Metrics() Metrics {
	pm := db.pdb.Metrics()
	return Metrics{
		Keys:          db.keys.Load(),
		Expires:       db.expires.Load(),
		ExpiredKeys:   db.stats.expiredKeys.Load(),
		Writes:        db.stats.writes.Load(),
		DiskBytes:     pm.DiskSpaceUsage(),
		MemTableBytes: pm.MemTable.Size,
		CacheBytes:    pm.BlockCache.Size,
		CacheHits:     pm.BlockCache.Hits,
		CacheMisses:   pm.BlockCache.Misses,
		FsyncPolicy:   db.opts.Fsync,
		Hot:           db.HotStats(),
	}
}

// HotStats returns the hot tier's counters, cheaper than Metrics.
func (db *DB) HotStats() tiering.Stats {
	if db.hot == nil {
		return tiering.Stats{}
	}
	return db.hot.Stats()
}
