package s3sync

import (
	"log/slog"
	"sync"
	"time"
)

// slog keys used by the mirror's log lines.
const (
	keyEpoch    = "epoch"
	keySeq      = "seq"
	keyKey      = "key"
	keySnapshot = "snapshot"
	keyBytes    = "bytes"
	keyFiles    = "files"
	keyTook     = "took"
	keyErr      = "err"
	keyNode     = "node"
)

// errorCounter counts failures of the background loops and logs them at
// most once per 10 seconds per kind, so a dead bucket does not flood the
// log.
type errorCounter struct {
	mu   sync.Mutex
	last map[string]time.Time
	n    map[string]int64
}

func (c *errorCounter) report(l *slog.Logger, kind string, err error) {
	c.mu.Lock()
	if c.last == nil {
		c.last, c.n = map[string]time.Time{}, map[string]int64{}
	}
	c.n[kind]++
	n := c.n[kind]
	now := time.Now()
	due := now.Sub(c.last[kind]) >= 10*time.Second
	if due {
		c.last[kind] = now
	}
	c.mu.Unlock()
	if due {
		l.Warn("s3sync: "+kind+" failed; retrying", keyErr, err, "failures", n)
	}
}

func (c *errorCounter) total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t int64
	for _, n := range c.n {
		t += n
	}
	return t
}
