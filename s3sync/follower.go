package s3sync

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// follower is the follower role's state: it polls the bucket and applies
// the writer's log.
type follower struct {
	m        *Mirror
	lagBytes atomic.Int64 // listed but not applied yet
	caughtUp atomic.Int64 // unix ms of the start of the last poll that applied everything listed
	polls    atomic.Int64
}

func (m *Mirror) openFollower(ctx context.Context, eo engine.Options) (*engine.DB, error) {
	hasData, interrupted, err := dirHasData(m.opts.Dir)
	if err != nil {
		return nil, err
	}
	state, err := loadLocalState(m.opts.Dir)
	if err != nil {
		return nil, err
	}
	if hasData && !interrupted && (state == nil || state.Role != RoleFollower) {
		// Never throw away what may be a writer's only copy.
		return nil, fmt.Errorf("%w: %s holds data that is not a follower's; give the follower its own data directory",
			ErrHistoryDiffers, m.opts.Dir)
	}
	m.state = state
	for attempt := 0; ; attempt++ {
		v, err := readView(ctx, m.st, &m.records)
		if err != nil {
			return nil, err
		}
		if _, err := m.prepareDir(ctx, v); err != nil {
			return nil, err
		}
		m.setPhase("loading")
		db, err := engine.Open(eo)
		if err != nil {
			return nil, err
		}
		m.setPhase("replaying")
		err = m.catchUp(ctx, v, db)
		if errors.Is(err, ErrGap) && attempt == 0 && m.newerSnapshot(v, db.LogSeq()) {
			// The log moved on past this directory: start over from
			// the newest snapshot.
			m.opts.Logger.Info("s3sync: follower's data is behind the bucket's log; restoring again", keySeq, db.LogSeq(), keyErr, err)
			db.Close()
			if err := emptyDir(m.opts.Dir); err != nil {
				return nil, err
			}
			m.state = nil
			continue
		}
		if err != nil && !errors.Is(err, ErrGap) {
			db.Close()
			return nil, err
		}
		f := &follower{m: m}
		f.caughtUp.Store(time.Now().UnixMilli())
		m.f.Store(f)
		m.setPhase("following")
		m.opts.Logger.Info("s3sync: following", keySeq, db.LogSeq(), "store", m.opts.StoreName)
		m.wg.Add(1)
		go f.pollLoop(db)
		return db, nil
	}
}

// newerSnapshot reports whether the bucket has a snapshot past seq.
func (m *Mirror) newerSnapshot(v view, seq uint64) bool {
	s, ok := v.newestSnap()
	return ok && s.Seq > seq
}

func (f *follower) pollLoop(db *engine.DB) {
	defer f.m.wg.Done()
	for f.m.sleep(f.m.opts.PollInterval) {
		if err := f.poll(db); err != nil {
			if errors.Is(err, engine.ErrClosed) {
				return
			}
			if errors.Is(err, ErrGap) {
				f.m.setPhase("behind the bucket: restart to restore")
				f.m.fatal <- fmt.Errorf("s3sync: follower cannot continue from batch %d (%w); restart it to restore from the newest snapshot", db.LogSeq(), err)
				return
			}
			f.m.errs.report(f.m.opts.Logger, "follow", err)
		}
	}
}

// poll applies what the bucket holds past the follower's position.
func (f *follower) poll(db *engine.DB) error {
	start := time.Now()
	f.polls.Add(1)
	ctx := context.Background()
	v, err := readView(ctx, f.m.st, &f.m.records)
	if err != nil {
		return err
	}
	from := db.LogSeq()
	segs, size, gapErr := pendingLog(ctx, f.m.st, v, from)
	f.lagBytes.Store(size)
	if len(segs) > 0 {
		if _, err := applySegments(ctx, f.m.st, v, segs, from, db.ApplyLogged); err != nil {
			return err
		}
	}
	f.lagBytes.Store(0)
	if gapErr != nil {
		if f.m.newerSnapshot(v, db.LogSeq()) {
			return gapErr
		}
		// The writer restarted with batches it never shipped; its first
		// snapshot will carry them. Wait for it.
		return nil
	}
	f.caughtUp.Store(start.UnixMilli())
	return nil
}
