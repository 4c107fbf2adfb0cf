package engine

import "errors"

// Sentinel errors that callers test with errors.Is.
var (
	// ErrWrongType is returned when an operation meets a key of another type.
	ErrWrongType = errors.New("engine: operation against a key holding the wrong kind of value")
	// ErrNoSuchKey is returned by operations that require an existing key.
	ErrNoSuchKey = errors.New("engine: no such key")
	// ErrReadOnly is returned when a write is attempted in a View.
	ErrReadOnly = errors.New("engine: write in a read-only transaction")
	// ErrNoTable is wrapped by errors about a table that does not exist.
	ErrNoTable = errors.New("no such table")
	// ErrTableExists is wrapped when creating a table whose name is taken.
	ErrTableExists = errors.New("already exists")
	// ErrReplica is returned by every write to a DB opened as a replica.
	ErrReplica = errors.New("engine: write to a read-only replica")
	// ErrLogGap is returned by ApplyLogged for a batch that does not
	// follow the last one applied.
	ErrLogGap = errors.New("engine: commit log gap")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("engine: closed")
)
