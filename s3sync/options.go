package s3sync

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Role says what a node does with the bucket.
type Role string

const (
	// RoleWriter serves writes and mirrors every committed batch.
	RoleWriter Role = "writer"
	// RoleFollower is read-only and applies what the writer mirrors.
	RoleFollower Role = "follower"
)

// Options configure a Mirror. The zero value of each field takes the
// default documented on it.
type Options struct {
	// Store is the bucket (or directory). Required.
	Store ObjectStore
	// StoreName names the store in messages and INFO, e.g. the --s3 URL.
	StoreName string
	// Dir is the engine's data directory. Required.
	Dir string
	// Role: RoleWriter (default) or RoleFollower.
	Role Role
	// Sync makes a writer acknowledge a write only once the log segment
	// holding it is in the bucket (--s3-sync). Default false.
	Sync bool
	// SyncTimeout bounds how long a write waits for the bucket under
	// Sync before it fails (it stays committed locally). Default 1m.
	SyncTimeout time.Duration
	// NodeName identifies this node in the writer records. Default: the
	// host name.
	NodeName string
	// ShipInterval is the longest a committed batch waits before it is
	// shipped. Default 1s.
	ShipInterval time.Duration
	// SegmentBytes cuts a log segment early once it holds this much.
	// Default 64 MiB.
	SegmentBytes int
	// MaxPendingBytes bounds the batches held in memory while the bucket
	// is unreachable; past it they are dropped and the next snapshot
	// covers them. Default 256 MiB.
	MaxPendingBytes int
	// SnapshotInterval and SnapshotLogBytes say when a writer uploads a
	// new snapshot: after this long, or after this much log, whichever
	// comes first. Defaults 10m and 256 MiB.
	SnapshotInterval time.Duration
	SnapshotLogBytes int64
	// HeartbeatInterval is how often the writer shows it is alive, and
	// checks it has not been replaced. Default 2s.
	HeartbeatInterval time.Duration
	// LeaseTimeout is how long a new writer watches a silent heartbeat
	// before it takes over. At least 2×HeartbeatInterval. Default 8s.
	LeaseTimeout time.Duration
	// PollInterval is how often a follower looks for new log. Default 1s.
	PollInterval time.Duration
	// KeepSnapshots is how many of the newest snapshots garbage
	// collection keeps, with what they need. Default 2.
	KeepSnapshots int
	// GCGrace is how old an object no kept snapshot needs must be before
	// it is deleted, so a node restoring from an older snapshot can
	// finish. Default 15m.
	GCGrace time.Duration
	// Parallelism bounds concurrent transfers of one restore or
	// snapshot. Default 8.
	Parallelism int
	// Logger receives mirror events. Default slog.Default().
	Logger *slog.Logger
}

// EnsureDefaults returns a copy of o with every zero field set to its
// default.
func (o Options) EnsureDefaults() Options {
	if o.Role == "" {
		o.Role = RoleWriter
	}
	if o.SyncTimeout == 0 {
		o.SyncTimeout = time.Minute
	}
	if o.NodeName == "" {
		o.NodeName, _ = os.Hostname()
	}
	if o.ShipInterval == 0 {
		o.ShipInterval = time.Second
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = 64 << 20
	}
	if o.MaxPendingBytes == 0 {
		o.MaxPendingBytes = 256 << 20
	}
	if o.SnapshotInterval == 0 {
		o.SnapshotInterval = 10 * time.Minute
	}
	if o.SnapshotLogBytes == 0 {
		o.SnapshotLogBytes = 256 << 20
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = 2 * time.Second
	}
	if o.LeaseTimeout == 0 {
		o.LeaseTimeout = 4 * o.HeartbeatInterval
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.KeepSnapshots == 0 {
		o.KeepSnapshots = 2
	}
	if o.GCGrace == 0 {
		o.GCGrace = 15 * time.Minute
	}
	if o.Parallelism == 0 {
		o.Parallelism = 8
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("s3sync: "+format, args...)) }
	if o.Store == nil {
		bad("Store is required")
	}
	if o.Dir == "" {
		bad("Dir is required")
	}
	if o.Role != RoleWriter && o.Role != RoleFollower {
		bad("Role %q: want %q or %q", o.Role, RoleWriter, RoleFollower)
	}
	if o.Sync && o.Role == RoleFollower {
		bad("Sync applies to a writer, not a follower")
	}
	for name, d := range map[string]time.Duration{"SyncTimeout": o.SyncTimeout, "ShipInterval": o.ShipInterval,
		"SnapshotInterval": o.SnapshotInterval, "HeartbeatInterval": o.HeartbeatInterval,
		"LeaseTimeout": o.LeaseTimeout, "PollInterval": o.PollInterval, "GCGrace": o.GCGrace} {
		if d < 0 {
			bad("%s %v < 0", name, d)
		}
	}
	if o.LeaseTimeout < 2*o.HeartbeatInterval {
		bad("LeaseTimeout %v below 2×HeartbeatInterval (%v)", o.LeaseTimeout, o.HeartbeatInterval)
	}
	if o.SegmentBytes < 0 || o.MaxPendingBytes < o.SegmentBytes {
		bad("SegmentBytes %d and MaxPendingBytes %d: want 0 < SegmentBytes <= MaxPendingBytes", o.SegmentBytes, o.MaxPendingBytes)
	}
	if o.SnapshotLogBytes < 0 || o.KeepSnapshots < 1 || o.Parallelism < 1 {
		bad("SnapshotLogBytes %d, KeepSnapshots %d, Parallelism %d: want >= 0, >= 1, >= 1", o.SnapshotLogBytes, o.KeepSnapshots, o.Parallelism)
	}
	return errors.Join(errs...)
}
