package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/murr-sidecar/murr-sidecar/tiering"
)

// FsyncPolicy says when an acknowledged write reaches stable storage.
type FsyncPolicy string

const (
	// FsyncAlways acknowledges a write only after the WAL holding it is synced.
	FsyncAlways FsyncPolicy = "always"
	// FsyncEverySec syncs the WAL once a second: a power loss costs at most about a second.
	FsyncEverySec FsyncPolicy = "everysec"
	// FsyncNo leaves syncing to the operating system.
	FsyncNo FsyncPolicy = "no"
)

// ParseFsyncPolicy parses the --fsync flag value.
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	switch p := FsyncPolicy(s); p {
	case FsyncAlways, FsyncEverySec, FsyncNo:
		return p, nil
	}
	return "", fmt.Errorf("engine: fsync policy %q: want always, everysec or no", s)
}

// Options configures a DB. The zero value of each field takes the default
// documented on it.
type Options struct {
	// Dir is the Pebble directory. Required.
	Dir string
	// Fsync is the durability policy. Default FsyncEverySec.
	Fsync FsyncPolicy
	// HotMemory is the RAM budget for cached data (--hot-memory), split
	// by split(): an eighth, at least 16 MiB, to Pebble's block cache
	// (index and filter blocks, recently read data blocks), the rest to
	// the hot tier of records, if that leaves it tiering.MinBytes (else
	// there is no hot tier and the block cache takes it all). Memtables
	// come on top. Default 1 GiB.
	HotMemory int64
	// MemTableBytes sizes each Pebble memtable. Default 64 MiB.
	MemTableBytes int64
	// ActiveExpireInterval is how often the background loop reclaims
	// expired keys. Default 100ms (Redis's hz 10).
	ActiveExpireInterval time.Duration
	// ActiveExpireBatch bounds the keys reclaimed per locked step, so the
	// loop never holds the write lock long. Default 512.
	ActiveExpireBatch int
	// TableReclaimBatch bounds the rows of one table that the background
	// loop scans per ActiveExpireInterval for rows past the table's TTL.
	// Default 8192.
	TableReclaimBatch int
	// Logger receives engine events. Default slog.Default().
	Logger *slog.Logger
	// Replica opens the DB as a follower of another's commit log: every
	// write fails with ErrReplica, batches arrive through ApplyLogged,
	// and expiry is left to the writer, whose deletions arrive that way.
	// Default false.
	Replica bool
}

// EnsureDefaults returns a copy of o with every zero field set to its default.
func (o Options) EnsureDefaults() Options {
	if o.Fsync == "" {
		o.Fsync = FsyncEverySec
	}
	if o.HotMemory == 0 {
		o.HotMemory = 1 << 30
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = 64 << 20
	}
	if o.ActiveExpireInterval == 0 {
		o.ActiveExpireInterval = 100 * time.Millisecond
	}
	if o.ActiveExpireBatch == 0 {
		o.ActiveExpireBatch = 512
	}
	if o.TableReclaimBatch == 0 {
		o.TableReclaimBatch = 8192
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("engine: Dir is required"))
	}
	if _, err := ParseFsyncPolicy(string(o.Fsync)); err != nil {
		errs = append(errs, err)
	}
	if o.HotMemory < minBlockCache {
		errs = append(errs, fmt.Errorf("engine: HotMemory %d below the minimum of %d (16 MiB)", o.HotMemory, minBlockCache))
	}
	if o.MemTableBytes < 0 || o.MemTableBytes >= 4<<30 {
		errs = append(errs, fmt.Errorf("engine: MemTableBytes %d out of range [0, 4GiB)", o.MemTableBytes))
	}
	if o.ActiveExpireInterval < 0 {
		errs = append(errs, fmt.Errorf("engine: ActiveExpireInterval %v < 0", o.ActiveExpireInterval))
	}
	if o.ActiveExpireBatch < 0 {
		errs = append(errs, fmt.Errorf("engine: ActiveExpireBatch %d < 0", o.ActiveExpireBatch))
	}
	if o.TableReclaimBatch < 0 {
		errs = append(errs, fmt.Errorf("engine: TableReclaimBatch %d < 0", o.TableReclaimBatch))
	}
	return errors.Join(errs...)
}

// minBlockCache is the least block cache Pebble gets: enough for the
// index and filter blocks of a few GB of data.
const minBlockCache = 16 << 20

// split divides HotMemory between Pebble's block cache and the hot tier
// (0: none).
func (o Options) split() (blockCache, hotTier int64) {
	blockCache = max(o.HotMemory/8, minBlockCache)
	hotTier = o.HotMemory - blockCache
	if hotTier < tiering.MinBytes {
		return o.HotMemory, 0
	}
	return blockCache, hotTier
}
