package s3sync

import (
	"context"
	"strings"
	"time"
)

// collectGarbage deletes what no kept snapshot needs: older snapshots,
// their files, SSTs nobody references, log segments the oldest kept
// snapshot covers, and the records of epochs before it. Only objects
// older than GCGrace go, so a node still restoring an older snapshot can
// finish. It runs after each snapshot; failures are retried next time.
func (m *Mirror) collectGarbage(w *writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := m.gc(ctx, w.epoch); err != nil {
		m.errs.report(m.opts.Logger, "garbage collection", err)
	}
}

func (m *Mirror) gc(ctx context.Context, current uint64) error {
	v, err := readView(ctx, m.st, &m.records)
	if err != nil {
		return err
	}
	var valid []snapRef
	for _, s := range v.snaps {
		if v.valid(s) {
			valid = append(valid, s)
		}
	}
	if len(valid) == 0 {
		return nil
	}
	old := time.Now().Add(-m.opts.GCGrace)
	keep := map[string]bool{}
	for i, s := range valid {
		if i >= len(valid)-m.opts.KeepSnapshots {
			keep[s.Key] = true
		}
	}
	for _, s := range v.snaps {
		if s.ModTime.After(old) {
			keep[s.Key] = true
		}
	}
	oldest := valid[max(len(valid)-m.opts.KeepSnapshots, 0)]
	needed := map[string]bool{}
	keptFiles := map[string]bool{} // snapfiles/<epoch>-<seq>/ of kept snapshots
	for key := range keep {
		man, err := readManifest(ctx, m.st, key)
		if err != nil {
			return err
		}
		for _, f := range man.Files {
			needed[f.Key] = true
		}
		keptFiles[strings.TrimSuffix(strings.TrimPrefix(key, snapDir), ".json")] = true
	}
	var doomed []string
	collect := func(prefix string, drop func(ObjectInfo) bool) error {
		return m.st.List(ctx, prefix, func(oi ObjectInfo) error {
			if oi.ModTime.Before(old) && drop(oi) {
				doomed = append(doomed, oi.Key)
			}
			return nil
		})
	}
	steps := []struct {
		prefix string
		drop   func(ObjectInfo) bool
	}{
		{snapDir, func(oi ObjectInfo) bool { return !keep[oi.Key] }},
		{snapFilesDir, func(oi ObjectInfo) bool {
			dir, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, snapFilesDir), "/")
			return !keptFiles[dir] && !needed[oi.Key]
		}},
		{sstDir, func(oi ObjectInfo) bool { return !needed[oi.Key] }},
	}
	for _, s := range steps {
		if err := collect(s.prefix, s.drop); err != nil {
			return err
		}
	}
	for i, rec := range v.epochs {
		end := v.end(i)
		segs, err := listSegments(ctx, m.st, rec.Epoch)
		if err != nil {
			return err
		}
		live := 0
		for _, s := range segs {
			// Covered by the oldest kept snapshot, or past the point where
			// a newer writer took over (never part of the history).
			if (s.Last <= oldest.Seq || s.First > end) && s.ModTime.Before(old) {
				doomed = append(doomed, s.Key)
				continue
			}
			live++
		}
		if rec.Epoch < oldest.Epoch && rec.Epoch != current && live == 0 && rec.Started.Before(old) {
			doomed = append(doomed, writerKey(rec.Epoch), heartbeatKey(rec.Epoch))
		}
	}
	for _, key := range doomed {
		if err := m.st.Delete(ctx, key); err != nil {
			return err
		}
	}
	m.gcDeleted.Add(int64(len(doomed)))
	return nil
}
