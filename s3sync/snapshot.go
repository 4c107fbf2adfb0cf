package s3sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// snapManifest is the content of snap/<epoch>-<seq>.json: the files of
// a Pebble checkpoint holding every batch up to Seq.
type snapManifest struct {
	Epoch   uint64     `json:"epoch"`
	Seq     uint64     `json:"seq"`
	DBID    string     `json:"dbid"`
	Created time.Time  `json:"created"`
	Files   []snapFile `json:"files"`
}

type snapFile struct {
	Name string `json:"name"` // file name in the data directory
	Key  string `json:"key"`  // object holding it
	Size int64  `json:"size"`
}

func readManifest(ctx context.Context, st ObjectStore, key string) (snapManifest, error) {
	var m snapManifest
	if err := getJSON(ctx, st, key, &m); err != nil {
		return m, err
	}
	for _, f := range m.Files {
		if f.Name != filepath.Base(f.Name) || strings.HasPrefix(f.Name, ".") || ValidKey(f.Key) != nil || f.Size < 0 {
			return m, fmt.Errorf("%w: %s: bad file entry %q", ErrCorrupt, key, f.Name)
		}
	}
	return m, nil
}

// transfer counts the bytes and files of a restore or snapshot, for
// progress reports.
type transfer struct {
	files, bytes           atomic.Int64
	totalFiles, totalBytes atomic.Int64
}

// download writes the snapshot m into dir, in parallel, and returns the
// SST map of the directory's local state.
func download(ctx context.Context, st ObjectStore, m snapManifest, dir string, par int, t *transfer) (map[string]string, error) {
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	t.totalFiles.Store(int64(len(m.Files)))
	t.totalBytes.Store(total)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for _, f := range m.Files {
		g.Go(func() error { return downloadFile(gctx, st, f, dir, t) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ssts := map[string]string{}
	for _, f := range m.Files {
		if strings.HasSuffix(f.Name, ".sst") {
			ssts[f.Name] = f.Key
		}
	}
	return ssts, syncDir(dir)
}

// downloadFile writes f's object into dir and syncs it.
func downloadFile(ctx context.Context, st ObjectStore, f snapFile, dir string, t *transfer) error {
	rc, _, err := st.Get(ctx, f.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.Create(filepath.Join(dir, f.Name))
	if err != nil {
		return fmt.Errorf("s3sync: restore %s: %w", f.Name, err)
	}
	n, err := io.Copy(out, countingReader{rc, &t.bytes})
	if err == nil && n != f.Size {
		err = fmt.Errorf("%w: %s is %d bytes, the manifest says %d", ErrCorrupt, f.Key, n, f.Size)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("s3sync: restore %s: %w", f.Name, err)
	}
	t.files.Add(1)
	return nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// upload puts the checkpoint in ckpt into the bucket as snapshot
// (epoch, seq): SSTs not in the bucket yet under sst/<dbid>/, the other
// files under snapfiles/, and the manifest last, written only if absent.
// It returns the updated SST map.
func upload(ctx context.Context, st ObjectStore, ckpt string, state *localState, epoch, seq uint64, par int, t *transfer) (map[string]string, error) {
	entries, err := os.ReadDir(ckpt)
	if err != nil {
		return nil, fmt.Errorf("s3sync: snapshot: %w", err)
	}
	m := snapManifest{Epoch: epoch, Seq: seq, DBID: state.DBID, Created: time.Now().UTC()}
	ssts := map[string]string{}
	var todo []snapFile
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("s3sync: snapshot: %w", err)
		}
		f := snapFile{Name: e.Name(), Size: info.Size()}
		if strings.HasSuffix(f.Name, ".sst") {
			key, have := state.SSTs[f.Name]
			if !have {
				key = sstKey(state.DBID, f.Name)
				todo = append(todo, snapFile{Name: f.Name, Key: key, Size: f.Size})
			}
			f.Key = key
			ssts[f.Name] = key
		} else {
			f.Key = snapFileKey(epoch, seq, f.Name)
			todo = append(todo, f)
		}
		m.Files = append(m.Files, f)
	}
	var total int64
	for _, f := range todo {
		total += f.Size
	}
	t.totalFiles.Add(int64(len(todo)))
	t.totalBytes.Add(total)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for _, f := range todo {
		g.Go(func() error {
			in, err := os.Open(filepath.Join(ckpt, f.Name))
			if err != nil {
				return fmt.Errorf("s3sync: snapshot: %w", err)
			}
			defer in.Close()
			if err := st.Put(gctx, f.Key, countingReader{in, &t.bytes}, f.Size); err != nil {
				return err
			}
			t.files.Add(1)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	// A manifest already there (ErrExists) is this same state: the files
	// it names are all uploaded, so ssts holds either way.
	return ssts, st.PutIfAbsent(ctx, snapKey(epoch, seq), bytes.NewReader(b), int64(len(b)))
}
