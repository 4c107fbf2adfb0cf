package localstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/s3sync/localstore"
	"github.com/murr-sidecar/murr-sidecar/s3sync/storetest"
)

func newStore(t *testing.T) *localstore.Store {
	t.Helper()
	s, err := localstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkNoTemp(t, s) })
	return s
}

// checkNoTemp: no call leaves a temporary file behind.
func checkNoTemp(t *testing.T, s *localstore.Store) {
	ents, err := os.ReadDir(filepath.Join(s.Dir(), ".murr-tmp"))
	if err != nil {
		t.Errorf("temp dir: %v", err)
	}
	for _, e := range ents {
		t.Errorf("temporary file left behind: %s", e.Name())
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) s3sync.ObjectStore { return newStore(t) })
}

func TestLayout(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "a/b c/d", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir(), "a", "b c", "d"))
	if err != nil || string(b) != "x" {
		t.Fatalf("object file: %q, %v", b, err)
	}
	if err := s.Delete(ctx, "a/b c/d"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "a")); !os.IsNotExist(err) {
		t.Fatalf("Delete left empty parent directories: %v", err)
	}
}

func TestReservedAndConflictingKeys(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, ".murr-tmp/x", strings.NewReader("x"), 1); err == nil {
		t.Fatal("Put into the reserved temp directory succeeded")
	}
	if err := s.Put(ctx, "dir/obj", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	for _, pia := range []bool{false, true} {
		var err error
		if pia {
			err = s.PutIfAbsent(ctx, "dir", strings.NewReader("x"), 1)
		} else {
			err = s.Put(ctx, "dir", strings.NewReader("x"), 1)
		}
		if err == nil || !strings.Contains(err.Error(), "directory") {
			t.Errorf("Put over a directory of objects (ifAbsent=%v) = %v", pia, err)
		}
	}
}

// TestPutIfAbsentAcrossStores: two Store values on one directory (as two
// processes would be) still let exactly one conditional write win.
func TestPutIfAbsentAcrossStores(t *testing.T) {
	dir := t.TempDir()
	stores := make([]*localstore.Store, 8)
	for i := range stores {
		s, err := localstore.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	for round := range 20 {
		key := fmt.Sprintf("lock-%d", round)
		res := make(chan error, len(stores))
		for i, s := range stores {
			go func() {
				res <- s.PutIfAbsent(context.Background(), key, bytes.NewReader([]byte{byte(i)}), 1)
			}()
		}
		wins := 0
		for range stores {
			if err := <-res; err == nil {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("%s: %d winners", key, wins)
		}
	}
}

func TestStaleTempRemoved(t *testing.T) {
	dir := t.TempDir()
	if _, err := localstore.New(dir); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, ".murr-tmp", "put-old")
	young := filepath.Join(dir, ".murr-tmp", "put-young")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := localstore.New(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young temp file (another writer's) removed: %v", err)
	}
}
