package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Every committed batch gets the next log sequence number, written into
// the batch itself (logSeqKey) so the number Pebble holds always names
// exactly the batches applied. A mirror (package s3sync) receives each
// batch in that order through a CommitLog, ships it, and uses the number
// to say where a checkpoint stands in the log; a follower applies shipped
// batches with ApplyLogged and resumes from LogSeq after a restart.

// logSeqKey holds the sequence number of the last committed batch.
var logSeqKey = []byte{prefixState, 'q'}

// CommitLog receives every committed batch, in commit order.
type CommitLog interface {
	// Committed is called once per committed batch with its sequence
	// number and its Pebble representation, which is only valid during
	// the call. Calls are serialised and run while writers wait, so it
	// must be quick: copy and return.
	Committed(seq uint64, repr []byte)
	// AwaitDurable blocks until every batch up to seq is as durable as
	// the log promises to make it before a write is acknowledged (for
	// example: in the bucket), or returns why it cannot be.
	AwaitDurable(seq uint64) error
}

// SetCommitLog installs l (nil removes it). Batches committed before it
// is installed are not given to it: a mirror starts from a checkpoint
// taken after installing it.
func (db *DB) SetCommitLog(l CommitLog) {
	db.logMu.Lock()
	defer db.logMu.Unlock()
	db.commitLog = l
}

// LogSeq returns the sequence number of the last committed batch.
func (db *DB) LogSeq() uint64 {
	db.logMu.Lock()
	defer db.logMu.Unlock()
	return db.logSeq
}

// commit commits b as the next batch of the log.
func (db *DB) commit(b *pebble.Batch, o *pebble.WriteOptions) error {
	db.logMu.Lock()
	defer db.logMu.Unlock()
	seq := db.logSeq + 1
	if err := b.Set(logSeqKey, binary.BigEndian.AppendUint64(nil, seq), nil); err != nil {
		return err
	}
	// Taken before the commit: a batch too large for the memtable is
	// handed to Pebble whole and emptied. Pebble keeps its bytes as they
	// are, so the slice stays valid.
	repr := b.Repr()
	if err := b.Commit(o); err != nil {
		return err
	}
	db.logSeq = seq
	if db.commitLog != nil {
		db.commitLog.Committed(seq, repr)
	}
	return nil
}

// awaitLogged waits until the commit log holds every batch committed so
// far as durably as it promises; without a log it returns at once.
func (db *DB) awaitLogged() error {
	db.logMu.Lock()
	l, seq := db.commitLog, db.logSeq
	db.logMu.Unlock()
	if l == nil {
		return nil
	}
	if err := l.AwaitDurable(seq); err != nil {
		return fmt.Errorf("engine: commit log: %w", err)
	}
	return nil
}

func (db *DB) loadLogSeq() error {
	v, closer, err := db.pdb.Get(logSeqKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("engine: read log sequence: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return fmt.Errorf("engine: corrupt log sequence record (%d bytes)", len(v))
	}
	db.logSeq = binary.BigEndian.Uint64(v)
	return nil
}

// Checkpoint writes a consistent copy of the database into dir, which
// must not exist, and returns the sequence number of the last batch it
// holds. It flushes the memtables first, so the copy is mostly SSTs,
// which are hard-linked: it is cheap. Writers wait while the copy is
// made so the number is exact; at, if not nil, is called with it then,
// before any later batch can commit.
func (db *DB) Checkpoint(dir string, at func(seq uint64)) (uint64, error) {
	db.life.RLock()
	defer db.life.RUnlock()
	if db.closed.Load() {
		return 0, ErrClosed
	}
	if err := db.pdb.Flush(); err != nil {
		return 0, fmt.Errorf("engine: checkpoint flush: %w", err)
	}
	db.logMu.Lock()
	defer db.logMu.Unlock()
	if err := db.pdb.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return 0, fmt.Errorf("engine: checkpoint %s: %w", dir, err)
	}
	if at != nil {
		at(db.logSeq)
	}
	return db.logSeq, nil
}
