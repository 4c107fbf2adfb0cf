package s3sync

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/murr-sidecar/murr-sidecar/internal/ratelog"
)

// slog keys used by the mirror's log lines.
const (
	keyEpoch    = "epoch"
	keySeq      = "seq"
	keySnapshot = "snapshot"
	keyBytes    = "bytes"
	keyFiles    = "files"
	keyTook     = "took"
	keyErr      = "err"
	keyNode     = "node"
)

// errorCounter counts failures of the background loops and logs them at
// most once per ratelog.Interval per kind, so a dead bucket does not flood
// the log.
type errorCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	byKind map[string]*ratelog.Limiter
}

func (c *errorCounter) report(l *slog.Logger, kind string, err error) {
	c.n.Add(1)
	c.mu.Lock()
	lim := c.byKind[kind]
	if lim == nil {
		if c.byKind == nil {
			c.byKind = map[string]*ratelog.Limiter{}
		}
		lim = new(ratelog.Limiter)
		c.byKind[kind] = lim
	}
	c.mu.Unlock()
	lim.Log(l, slog.LevelWarn, "s3sync: "+kind+" failed; retrying", err)
}

func (c *errorCounter) total() int64 { return c.n.Load() }
