package s3sync_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/s3sync/localstore"
)

// quick are mirror options fast enough for tests.
func quick(st s3sync.ObjectStore, dir string, role s3sync.Role) s3sync.Options {
	return s3sync.Options{
		Store: st, StoreName: "test", Dir: dir, Role: role,
		ShipInterval: 10 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond,
		LeaseTimeout: 200 * time.Millisecond, PollInterval: 20 * time.Millisecond,
		Logger: testLogger,
	}
}

func newStore(t *testing.T) s3sync.ObjectStore {
	st, err := localstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// node is a mirror and its engine.
type node struct {
	m  *s3sync.Mirror
	db *engine.DB
}

func open(t *testing.T, o s3sync.Options) (*node, error) {
	t.Helper()
	m, err := s3sync.New(o)
	if err != nil {
		t.Fatal(err)
	}
	db, err := m.Open(context.Background(), engine.Options{HotMemory: 64 << 20})
	if err != nil {
		return nil, err
	}
	n := &node{m, db}
	t.Cleanup(func() { n.close(t) })
	return n, nil
}

func mustOpen(t *testing.T, o s3sync.Options) *node {
	t.Helper()
	n, err := open(t, o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *node) close(t *testing.T) {
	if n.db == nil {
		return
	}
	if err := n.m.Close(context.Background()); err != nil {
		t.Error(err)
	}
	if err := n.db.Check(); err != nil {
		t.Error(err)
	}
	if err := n.db.Close(); err != nil && !errors.Is(err, engine.ErrClosed) {
		t.Error(err)
	}
	n.db = nil
}

// crash stops n as kill -9 would, leaving its directory as it is.
func (n *node) crash() {
	n.m.Crash()
	n.db.Close()
	n.db = nil
}

func (n *node) set(t *testing.T, k, v string) {
	t.Helper()
	if err := n.db.Update(func(tx *engine.Txn) error { return tx.SetString([]byte(k), []byte(v), 0) }); err != nil {
		t.Fatal(err)
	}
}

func (n *node) get(t *testing.T, k string) string {
	t.Helper()
	var out string
	err := n.db.View(func(tx *engine.Txn) error {
		v, ok, err := tx.GetString([]byte(k))
		if ok {
			out = string(v)
		} else {
			out = "<missing>"
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitShipped waits until everything n committed is in the bucket.
func (n *node) waitShipped(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for n.m.Stats().ShippedSeq < n.db.LogSeq() {
		if time.Now().After(deadline) {
			t.Fatalf("not shipped in 10s: %+v, log at %d", n.m.Stats(), n.db.LogSeq())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFreshNodeRestoresEveryShippedWrite(t *testing.T) {
	st := newStore(t)
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	for i := range 200 {
		a.set(t, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
	}
	if _, err := a.db.CreateTable("features", &columnar.Schema{Key: "id", Columns: []columnar.Column{
		{Name: "score", Type: columnar.Scalar(columnar.KindFloat32)}}}); err != nil {
		t.Fatal(err)
	}
	a.set(t, "k7", "changed")
	a.waitShipped(t)
	a.crash()

	b := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	for i := range 200 {
		want := fmt.Sprintf("v%d", i)
		if i == 7 {
			want = "changed"
		}
		if got := b.get(t, fmt.Sprintf("k%d", i)); got != want {
			t.Fatalf("k%d = %q after restore, want %q", i, got, want)
		}
	}
	if s := b.m.Stats(); s.Epoch != 2 || !s.Ready {
		t.Fatalf("new writer stats %+v, want epoch 2 and ready", s)
	}
	// And it mirrors in turn: a third node gets its writes too.
	b.set(t, "from-b", "yes")
	b.waitShipped(t)
	b.crash()
	c := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	if got := c.get(t, "from-b"); got != "yes" {
		t.Fatalf("from-b = %q on the third node", got)
	}
	if got := c.get(t, "k199"); got != "v199" {
		t.Fatalf("k199 = %q on the third node", got)
	}
}

func TestSecondWriterIsRefusedWhileTheFirstLives(t *testing.T) {
	st := newStore(t)
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	a.set(t, "k", "v")
	_, err := open(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	if !errors.Is(err, s3sync.ErrWriterActive) {
		t.Fatalf("second writer: %v, want ErrWriterActive", err)
	}
	if !strings.Contains(err.Error(), "--role follower") {
		t.Fatalf("error does not say what to do: %v", err)
	}
	// The first one is still mirroring.
	a.set(t, "k2", "v2")
	a.waitShipped(t)
	if !a.m.Stats().Ready {
		t.Fatalf("first writer no longer ready: %+v", a.m.Stats())
	}
}

func TestGracefulStopHandsOverWithoutWaiting(t *testing.T) {
	st := newStore(t)
	o := quick(st, t.TempDir(), s3sync.RoleWriter)
	o.LeaseTimeout = time.Minute
	a := mustOpen(t, o)
	a.set(t, "k", "v")
	a.close(t) // ships what is pending, marks the heartbeat stopped
	start := time.Now()
	o.Dir = t.TempDir()
	b := mustOpen(t, o)
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("takeover after a clean stop waited %v", took)
	}
	if got := b.get(t, "k"); got != "v" {
		t.Fatalf("k = %q", got)
	}
}

func TestWriterRestartResumesItsDirectory(t *testing.T) {
	st := newStore(t)
	dir := t.TempDir()
	a := mustOpen(t, quick(st, dir, s3sync.RoleWriter))
	a.set(t, "k", "v1")
	a.waitShipped(t)
	a.close(t)
	snapsBefore := countKeys(t, st, "sst/")

	a = mustOpen(t, quick(st, dir, s3sync.RoleWriter))
	if got := a.get(t, "k"); got != "v1" {
		t.Fatalf("k = %q after restart", got)
	}
	if s := a.m.Stats(); s.RestoreFiles != 0 {
		t.Fatalf("restart downloaded %d files; it should reuse its directory", s.RestoreFiles)
	}
	eventually(t, "first snapshot of the new epoch", func() bool { return a.m.Stats().Snapshots > 0 })
	// SSTs already in the bucket are not uploaded again: the same ones
	// are referenced, plus at most those of the new flush.
	if after := countKeys(t, st, "sst/"); after > snapsBefore+1 {
		t.Fatalf("sst objects %d → %d: the restart re-uploaded its SSTs", snapsBefore, after)
	}
}

func TestWriterRefusesADirectoryWithAnotherHistory(t *testing.T) {
	st := newStore(t)
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	a.set(t, "k", "v")
	a.close(t)

	// A directory with data that never mirrored to this bucket.
	other := t.TempDir()
	db, err := engine.Open(engine.Options{Dir: other, HotMemory: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *engine.Txn) error { return tx.SetString([]byte("mine"), []byte("x"), 0) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = open(t, quick(st, other, s3sync.RoleWriter))
	if !errors.Is(err, s3sync.ErrHistoryDiffers) {
		t.Fatalf("writer on a foreign directory: %v, want ErrHistoryDiffers", err)
	}
	// And a follower never deletes it.
	_, err = open(t, quick(st, other, s3sync.RoleFollower))
	if !errors.Is(err, s3sync.ErrHistoryDiffers) {
		t.Fatalf("follower on a writer's directory: %v, want ErrHistoryDiffers", err)
	}
}

func TestFollowerAppliesNewWrites(t *testing.T) {
	st := newStore(t)
	w := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	w.set(t, "before", "1")
	w.waitShipped(t)
	f := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleFollower))
	if got := f.get(t, "before"); got != "1" {
		t.Fatalf("follower before = %q", got)
	}
	w.set(t, "after", "2")
	w.set(t, "before", "changed")
	eventually(t, "follower sees new writes", func() bool { return f.get(t, "after") == "2" && f.get(t, "before") == "changed" })
	if err := f.db.Update(func(tx *engine.Txn) error { return tx.SetString([]byte("x"), nil, 0) }); !errors.Is(err, engine.ErrReplica) {
		t.Fatalf("write on a follower: %v, want ErrReplica", err)
	}
	if s := f.m.Stats(); !s.Ready || s.Role != s3sync.RoleFollower || s.LagSeconds > 5 {
		t.Fatalf("follower stats %+v", s)
	}

	// A follower restarted on its own directory resumes from it.
	dir := f.m.Dir()
	f.close(t)
	w.set(t, "while-down", "3")
	f = mustOpen(t, quick(st, dir, s3sync.RoleFollower))
	eventually(t, "restarted follower catches up", func() bool { return f.get(t, "while-down") == "3" })
	if s := f.m.Stats(); s.RestoreFiles != 0 {
		t.Fatalf("restarted follower downloaded %d files", s.RestoreFiles)
	}
}

func TestFollowerFollowsANewWriter(t *testing.T) {
	st := newStore(t)
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	a.set(t, "k", "a")
	a.waitShipped(t)
	f := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleFollower))
	a.crash()
	b := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	b.set(t, "k", "b")
	eventually(t, "follower follows the second writer", func() bool { return f.get(t, "k") == "b" })
}

func TestSyncAcknowledgesOnlyWhatIsInTheBucket(t *testing.T) {
	st := newStore(t)
	o := quick(st, t.TempDir(), s3sync.RoleWriter)
	o.Sync = true
	o.ShipInterval = time.Hour // only the sync path ships
	a := mustOpen(t, o)
	for i := range 20 {
		a.set(t, fmt.Sprintf("k%d", i), "v")
		if s := a.m.Stats(); s.ShippedSeq < a.db.LogSeq() {
			t.Fatalf("write %d acknowledged at %d before the bucket had it (%d)", i, a.db.LogSeq(), s.ShippedSeq)
		}
	}
	a.crash()
	b := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	if got := b.get(t, "k19"); got != "v" {
		t.Fatalf("k19 = %q", got)
	}
}

func TestSnapshotsAndGarbageCollection(t *testing.T) {
	st := newStore(t)
	o := quick(st, t.TempDir(), s3sync.RoleWriter)
	o.SnapshotLogBytes = 4 << 10
	o.GCGrace = time.Millisecond
	o.KeepSnapshots = 1
	a := mustOpen(t, o)
	val := strings.Repeat("x", 512)
	for round := range 5 {
		for i := range 40 {
			a.set(t, fmt.Sprintf("k%d", i), fmt.Sprintf("%d%s", round, val))
		}
		a.waitShipped(t)
		at := a.db.LogSeq()
		eventually(t, "a snapshot per round", func() bool { return a.m.Stats().SnapshotSeq >= at })
	}
	eventually(t, "old snapshots collected", func() bool { return countKeys(t, st, "snap/") <= 2 })
	if a.m.Stats().GCDeleted == 0 {
		t.Fatal("garbage collection deleted nothing")
	}
	a.set(t, "last", "1")
	a.waitShipped(t)
	a.crash()
	b := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	if got := b.get(t, "k39"); got != "4"+val {
		t.Fatalf("k39 = %.8q… after collection and restore", got)
	}
	if got := b.get(t, "last"); got != "1" {
		t.Fatalf("last = %q", got)
	}
}

func countKeys(t *testing.T, st s3sync.ObjectStore, prefix string) int {
	t.Helper()
	n := 0
	if err := st.List(context.Background(), prefix, func(s3sync.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

var testLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func TestRestoredWriterRestartsOnItsDirectory(t *testing.T) {
	st := newStore(t)
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	a.set(t, "k", "v")
	a.close(t)
	dir := t.TempDir()
	b := mustOpen(t, quick(st, dir, s3sync.RoleWriter))
	b.set(t, "k2", "v2")
	b.close(t)
	b = mustOpen(t, quick(st, dir, s3sync.RoleWriter))
	if b.get(t, "k") != "v" || b.get(t, "k2") != "v2" {
		t.Fatalf("after restart: k=%q k2=%q", b.get(t, "k"), b.get(t, "k2"))
	}
	if s := b.m.Stats(); s.Epoch != 3 {
		t.Fatalf("epoch %d after the third start, want 3", s.Epoch)
	}
}

// downStore fails every call while down is set, like an unreachable bucket.
type downStore struct {
	s3sync.ObjectStore
	down atomic.Bool
}

var errDown = errors.New("bucket unreachable")

func (d *downStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if d.down.Load() {
		return errDown
	}
	return d.ObjectStore.Put(ctx, key, r, size)
}

func (d *downStore) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	if d.down.Load() {
		return errDown
	}
	return d.ObjectStore.PutIfAbsent(ctx, key, r, size)
}

func TestOutageShowsLagAndLosesNothing(t *testing.T) {
	st := &downStore{ObjectStore: newStore(t)}
	a := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	a.set(t, "before", "1")
	a.waitShipped(t)
	st.down.Store(true)
	for i := range 50 {
		start := time.Now()
		a.set(t, fmt.Sprintf("k%d", i), "v")
		if took := time.Since(start); took > time.Second {
			t.Fatalf("write during the outage took %v", took)
		}
	}
	time.Sleep(300 * time.Millisecond) // uploads are failing and retried meanwhile
	s := a.m.Stats()
	if s.PendingBatches != 50 || s.LagSeconds < 0.2 || s.PendingBytes == 0 || s.Errors == 0 {
		t.Fatalf("during the outage: %+v, want 50 pending batches, lag ≥ 0.2s, errors", s)
	}
	st.down.Store(false)
	a.waitShipped(t)
	if s := a.m.Stats(); s.PendingBatches != 0 || s.LagSeconds != 0 || s.PendingBytes != 0 {
		t.Fatalf("after the outage: %+v, want no lag", s)
	}
	a.crash()
	b := mustOpen(t, quick(st, t.TempDir(), s3sync.RoleWriter))
	if got := b.get(t, "k49"); got != "v" {
		t.Fatalf("k49 = %q after the outage and a restore", got)
	}
}
