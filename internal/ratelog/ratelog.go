// Package ratelog keeps a background loop's repeating error from flooding
// the log: a Limiter logs it at most once per Interval and says how many
// it held back meanwhile.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Interval is the least time between two lines of one Limiter.
const Interval = 10 * time.Second

// Limiter rate-limits one kind of error. The zero value is ready; it is
// safe for concurrent use.
type Limiter struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Log logs msg with err at level, unless the Limiter logged less than
// Interval ago; then it only counts it.
func (r *Limiter) Log(l *slog.Logger, level slog.Level, msg string, err error) {
	r.mu.Lock()
	now := time.Now()
	due := now.Sub(r.last) >= Interval
	suppressed := r.suppressed
	if due {
		r.last, r.suppressed = now, 0
	} else {
		r.suppressed++
	}
	r.mu.Unlock()
	if due {
		l.Log(context.Background(), level, msg, "err", err, "suppressed", suppressed)
	}
}
