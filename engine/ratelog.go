package engine

import (
	"log/slog"
	"sync"
	"time"
)

// rateLogger logs a background loop's repeating error at most once per
// interval, counting what it held back, so a failing disk does not flood
// the log ten times a second.
type rateLogger struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

const errorLogInterval = 10 * time.Second

func (r *rateLogger) Error(l *slog.Logger, msg string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.last) >= errorLogInterval {
		l.Error(msg, "err", err, "suppressed", r.suppressed)
		r.last, r.suppressed = now, 0
		return
	}
	r.suppressed++
}
