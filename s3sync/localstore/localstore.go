// Package localstore is an s3sync.ObjectStore kept in a local directory, for
// unit tests and air-gapped use.
//
// # Basics
//
// The object under key "a/b/c" is the file <dir>/a/b/c, so the directory can
// be read with ordinary tools and copied to a bucket and back. Writes go to a
// temporary file in <dir>/.murr-tmp that is fsynced and then renamed into
// place (Put) or hard-linked into place (PutIfAbsent: link fails if the name
// exists, which makes the check and the write one atomic step, also between
// processes sharing the directory).
//
// # Caveats
//
//   - A key cannot name both an object and a "directory" of other objects:
//     with "a/b" stored, Put("a") fails, and the other way round. S3 allows
//     both; the mirror's bucket layout never needs it.
//   - Keys whose first segment is ".murr-tmp" are reserved and invalid here.
//   - List reads the names under the prefix's directory into memory and sorts
//     them before calling fn.
//   - Temporary files of writers that crashed stay in .murr-tmp until a New
//     on the directory a day later removes them.
//   - The directory must be on a file system with hard links and atomic
//     rename (any local Linux file system; not every network one).
package localstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/durable"
	"github.com/murr-sidecar/murr-sidecar/s3sync"
)

// tmpDir is the reserved directory under the root holding files being
// written; List never shows it.
const tmpDir = ".murr-tmp"

var _ s3sync.ObjectStore = (*Store)(nil)

var errIsDir = errors.New("key names a directory of other objects")

// Store is an s3sync.ObjectStore in a directory.
type Store struct {
	dir string
}

// New returns a store keeping its objects under dir, which is created if
// missing.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localstore: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o755); err != nil {
		return nil, fmt.Errorf("localstore: %w", err)
	}
	removeStaleTemp(filepath.Join(abs, tmpDir))
	return &Store{dir: abs}, nil
}

// staleTemp is the age after which a temporary file is taken to be left
// over by a crashed writer (another process may be writing the young ones).
const staleTemp = 24 * time.Hour

func removeStaleTemp(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(op, key string) (string, error) {
	if err := s3sync.ValidKey(key); err != nil {
		return "", fmt.Errorf("localstore: %s: %w", op, err)
	}
	if key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return "", fmt.Errorf("localstore: %s: %w %q: reserved", op, s3sync.ErrInvalidKey, key)
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put implements s3sync.ObjectStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, "put", key, r, size, false)
}

// PutIfAbsent implements s3sync.ObjectStore.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, "put-if-absent", key, r, size, true)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, size int64, ifAbsent bool) (err error) {
	dst, err := s.path(op, key)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && !errors.Is(err, s3sync.ErrInvalidKey) {
			err = fmt.Errorf("localstore: %s %s: %w", op, key, err)
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	if fi, err := os.Lstat(dst); err == nil {
		if fi.IsDir() {
			return errIsDir
		}
		if ifAbsent {
			return s3sync.ErrExists // cheap early answer; the link below decides
		}
	}
	tmp, err := s.writeTemp(ctx, r, size)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a rename or a failure; harmless either way
	// A concurrent Delete may remove a parent directory between MkdirAll and
	// the rename or link: retry a few times on ENOENT.
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if ifAbsent {
			err = os.Link(tmp, dst)
			if errors.Is(err, fs.ErrExist) {
				if fi, serr := os.Lstat(dst); serr == nil && fi.IsDir() {
					return errIsDir
				}
				return s3sync.ErrExists
			}
		} else {
			err = os.Rename(tmp, dst) // fails if dst is a non-empty directory
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt >= 5 {
			return err
		}
	}
	return durable.SyncDir(filepath.Dir(dst))
}

// writeTemp copies r into a new fsynced file under tmpDir and returns its
// path. It fails if r does not yield exactly size bytes (size >= 0).
func (s *Store) writeTemp(ctx context.Context, r io.Reader, size int64) (path string, err error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	src := r
	if size >= 0 {
		src = io.LimitReader(r, size+1) // one more, to notice a long reader
	}
	n, err := io.Copy(f, ctxReader{ctx, src})
	if err != nil {
		return "", err
	}
	if size >= 0 && n != size {
		return "", fmt.Errorf("reader gave %d bytes, size says %d", n, size)
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// ctxReader fails reads once ctx is done, so a cancelled Put stops early.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Get implements s3sync.ObjectStore.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, s3sync.ObjectInfo, error) {
	p, err := s.path("get", key)
	if err != nil {
		return nil, s3sync.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, s3sync.ObjectInfo{}, fmt.Errorf("localstore: get %s: %w", key, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, s3sync.ObjectInfo{}, fmt.Errorf("localstore: get %s: %w", key, notFound(err))
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = s3sync.ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, s3sync.ObjectInfo{}, fmt.Errorf("localstore: get %s: %w", key, err)
	}
	return f, info(key, fi), nil
}

// Stat implements s3sync.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (s3sync.ObjectInfo, error) {
	p, err := s.path("stat", key)
	if err != nil {
		return s3sync.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return s3sync.ObjectInfo{}, fmt.Errorf("localstore: stat %s: %w", key, err)
	}
	fi, err := os.Lstat(p)
	if err == nil && !fi.Mode().IsRegular() {
		err = s3sync.ErrNotFound
	}
	if err != nil {
		return s3sync.ObjectInfo{}, fmt.Errorf("localstore: stat %s: %w", key, notFound(err))
	}
	return info(key, fi), nil
}

// notFound maps "no such file" and "a parent is a file" to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return s3sync.ErrNotFound
	}
	return err
}

// info builds an ObjectInfo. The ETag is made of the inode, size and mtime:
// every Put writes a new file (new inode), so it changes on every write and
// never while the file is unchanged.
func info(key string, fi fs.FileInfo) s3sync.ObjectInfo {
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return s3sync.ObjectInfo{
		Key:     key,
		Size:    fi.Size(),
		ModTime: fi.ModTime(),
		ETag:    fmt.Sprintf("%x-%x-%x", ino, fi.Size(), fi.ModTime().UnixNano()),
	}
}

// List implements s3sync.ObjectStore.
func (s *Store) List(ctx context.Context, prefix string, fn func(s3sync.ObjectInfo) error) error {
	// Walk the deepest directory the prefix names in full; filter by the
	// plain string prefix; sort, since a walk's order is not byte order
	// ("a/b" is visited before "a.b").
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
		if s3sync.ValidKey(base) != nil {
			return nil // no valid key has this prefix
		}
	}
	root := filepath.Join(s.dir, filepath.FromSlash(base))
	var infos []s3sync.ObjectInfo
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(notFound(err), s3sync.ErrNotFound) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if key == tmpDir {
				return fs.SkipDir
			}
			// Skip directories that cannot hold a match.
			if p != root && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted during the walk
		}
		if err != nil {
			return err
		}
		infos = append(infos, info(key, fi))
		return nil
	})
	if err != nil {
		return fmt.Errorf("localstore: list %q: %w", prefix, err)
	}
	slices.SortFunc(infos, func(a, b s3sync.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	for _, oi := range infos {
		if err := fn(oi); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements s3sync.ObjectStore. It also removes the parent
// directories the deletion left empty, so that their names are free again.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path("delete", key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localstore: delete %s: %w", key, err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(notFound(err), s3sync.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("localstore: delete %s: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a "directory" of other objects, not an object
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localstore: delete %s: %w", key, err)
	}
	for dir := filepath.Dir(p); dir != s.dir && strings.HasPrefix(dir, s.dir); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty (or already gone): stop
			break
		}
	}
	return nil
}
