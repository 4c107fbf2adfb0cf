package s3sync

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/murr-sidecar/murr-sidecar/internal/durable"
)

// The mirror keeps a small file in the data directory beside Pebble's
// (Pebble ignores files it does not know):
const (
	// localStateFile says which history the directory holds and which
	// of its SSTs are in the bucket already.
	localStateFile = "murr-mirror.json"
	// restoringFile exists while a restore is filling the directory; a
	// directory holding it is incomplete and is restored again.
	restoringFile = "murr-restoring"
	// checkpointDir is where a snapshot's checkpoint is made: inside the
	// data directory, so its SSTs can be hard links.
	checkpointDir = "murr-checkpoint.tmp"
)

// localState is the content of localStateFile.
type localState struct {
	// DBID names this directory's own SSTs in the bucket (sst/<dbid>/).
	DBID string `json:"dbid"`
	// Role the directory was last used in.
	Role Role `json:"role"`
	// Epoch is the last writer epoch this directory mirrored as (a
	// writer), or 0.
	Epoch uint64 `json:"epoch"`
	// SSTs maps the directory's SST file names to the bucket objects
	// holding them: files restored from another node's snapshot, and
	// files this node uploaded.
	SSTs map[string]string `json:"ssts"`
}

func newLocalState(role Role) *localState {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return &localState{DBID: hex.EncodeToString(id[:]), Role: role, SSTs: map[string]string{}}
}

// loadLocalState reads dir's state, or returns nil if it has none.
func loadLocalState(dir string) (*localState, error) {
	b, err := os.ReadFile(filepath.Join(dir, localStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("s3sync: read %s: %w", localStateFile, err)
	}
	var s localState
	if err := json.Unmarshal(b, &s); err != nil || s.DBID == "" {
		return nil, fmt.Errorf("s3sync: %s in %s is corrupt (%v); move it away to start over", localStateFile, dir, err)
	}
	if s.SSTs == nil {
		s.SSTs = map[string]string{}
	}
	return &s, nil
}

// save writes s to dir atomically.
func (s *localState) save(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := durable.WriteFile(filepath.Join(dir, localStateFile), b); err != nil {
		return fmt.Errorf("s3sync: %w", err)
	}
	return nil
}

// dirHasData reports whether dir holds a database (anything besides the
// mirror's own files), and whether a restore into it was interrupted.
func dirHasData(dir string) (hasData, interrupted bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("s3sync: read %s: %w", dir, err)
	}
	for _, e := range entries {
		switch e.Name() {
		case restoringFile:
			interrupted = true
		case localStateFile, localStateFile + ".tmp", checkpointDir:
		default:
			hasData = true
		}
	}
	return hasData, interrupted, nil
}

// emptyDir removes everything in dir, keeping dir itself (it may be a
// mount point).
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("s3sync: empty %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("s3sync: empty %s: %w", dir, err)
		}
	}
	return nil
}

// syncDir is durable.SyncDir with the mirror's context on its error.
func syncDir(dir string) error {
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("s3sync: sync %s: %w", dir, err)
	}
	return nil
}
