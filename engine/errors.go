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
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("engine: closed")
)
