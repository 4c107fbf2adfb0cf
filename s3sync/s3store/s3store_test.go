package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/s3sync/s3store"
	"github.com/murr-sidecar/murr-sidecar/s3sync/storetest"
)

// One MinIO for the package's tests, started on first use.
var (
	minioOnce sync.Once
	minioSrv  *procs.MinIO
	minioDir  string
	minioErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if minioSrv != nil {
		minioSrv.Kill()
	}
	if minioDir != "" {
		os.RemoveAll(minioDir)
	}
	os.Exit(code)
}

// startMinIO starts a MinIO server for the test, or fails the test if MinIO
// is not installed (skips it if MURR_SKIP_MINIO=1): these tests must not
// pass without having talked to a real server.
func startMinIO(t *testing.T, shared bool) *procs.MinIO {
	t.Helper()
	start := func(dir string) (*procs.MinIO, error) { return procs.StartMinIO(dir) }
	var m *procs.MinIO
	var err error
	if shared {
		minioOnce.Do(func() {
			minioDir, minioErr = os.MkdirTemp("", "murr-minio-data-")
			if minioErr == nil {
				minioSrv, minioErr = start(minioDir)
			}
		})
		m, err = minioSrv, minioErr
	} else {
		m, err = start(t.TempDir())
		if err == nil {
			t.Cleanup(func() { m.Kill() }) // not m.Kill: Restart replaces m.Proc
		}
	}
	if errors.Is(err, procs.ErrNotInstalled) {
		if os.Getenv("MURR_SKIP_MINIO") == "1" {
			t.Skipf("MURR_SKIP_MINIO=1: %v", err)
		}
		t.Fatalf("%v\nThese tests run against a real MinIO server: install it with\n"+
			"\tgo install github.com/minio/minio@latest\n"+
			"(into $(go env GOPATH)/bin or PATH), or set MURR_SKIP_MINIO=1 to skip them.", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func creds(m *procs.MinIO) *credentials.Credentials {
	return credentials.NewStaticV4(m.RootUser, m.RootPassword, "")
}

var storeSeq atomic.Int64

// newStore returns a store on a fresh prefix of one bucket, so stores see
// nothing of each other's objects.
func newStore(t *testing.T, m *procs.MinIO, bucket string) *s3store.Store {
	t.Helper()
	s, err := s3store.New(s3store.Options{
		Endpoint: m.Endpoint(),
		Bucket:   bucket,
		Prefix:   fmt.Sprintf("conformance/%s/%d", strings.ReplaceAll(t.Name(), "/", "_"), storeSeq.Add(1)),
		Insecure: true,
		Creds:    creds(m),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformanceMinIO(t *testing.T) {
	m := startMinIO(t, true)
	storetest.Run(t, func(t *testing.T) s3sync.ObjectStore { return newStore(t, m, "murr-test") })
}

// TestConformanceMinIONoPrefix runs the suite at a bucket's root, one
// bucket per store.
func TestConformanceMinIONoPrefix(t *testing.T) {
	m := startMinIO(t, true)
	storetest.Run(t, func(t *testing.T) s3sync.ObjectStore {
		s, err := s3store.New(s3store.Options{
			Endpoint: m.Endpoint(),
			Bucket:   fmt.Sprintf("murr-root-%d", storeSeq.Add(1)),
			Insecure: true,
			Creds:    creds(m),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EnsureBucket(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestDefaultCredsFromEnv: with no Creds, the standard chain picks up
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
func TestDefaultCredsFromEnv(t *testing.T) {
	m := startMinIO(t, true)
	t.Setenv("AWS_ACCESS_KEY_ID", m.RootUser)
	t.Setenv("AWS_SECRET_ACCESS_KEY", m.RootPassword)
	o, err := s3store.ParseURL("s3://murr-env/some/prefix/")
	if err != nil {
		t.Fatal(err)
	}
	o.Endpoint, o.Insecure = m.Endpoint(), true
	s, err := s3store.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "k", strings.NewReader("v"), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client().StatObject(t.Context(), "murr-env", "some/prefix/k", minioStatOpts); err != nil {
		t.Fatalf("object not under the prefix: %v", err)
	}
}

// TestServerDownAndBack: with MinIO killed, calls fail (soon, with an
// error, not a hang); after a restart on the same data the same store
// works again and the objects are there.
func TestServerDownAndBack(t *testing.T) {
	m := startMinIO(t, false)
	s := newStore(t, m, "murr-restart")
	if err := s.Put(t.Context(), "before", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	m.Kill()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if err := s.Put(ctx, "during", strings.NewReader("y"), 1); err == nil {
		t.Fatal("Put with MinIO down succeeded")
	}
	if _, err := s.Stat(ctx, "before"); err == nil || errors.Is(err, s3sync.ErrNotFound) {
		t.Fatalf("Stat with MinIO down = %v, want a connection error", err)
	}
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "before"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if err := s.PutIfAbsent(t.Context(), "during", strings.NewReader("y"), 1); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
