package resp

import (
	"errors"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Error is a reply error: its text goes to the client as is, code
// included ("ERR syntax error", "WRONGTYPE ...").
type Error string

func (e Error) Error() string { return string(e) }

// Replies shared by many commands; texts are Redis 7.0's.
const (
	ErrSyntax     Error = "ERR syntax error"
	ErrNotInteger Error = "ERR value is not an integer or out of range"
	ErrNotFloat   Error = "ERR value is not a valid float"
	ErrWrongType  Error = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNoSuchKey  Error = "ERR no such key"
	ErrOverflow   Error = "ERR increment or decrement would overflow"
	ErrDBIndex    Error = "ERR DB index is out of range"
	ErrNoAuth     Error = "NOAUTH Authentication required."
	// ErrReadOnlyReplica answers a write sent to a read-only replica.
	ErrReadOnlyReplica Error = "READONLY You can't write against a read only replica."
)

// errorReply maps an error from a handler or the engine to reply text.
func errorReply(err error) string {
	var e Error
	switch {
	case errors.As(err, &e):
		return string(e)
	case errors.Is(err, engine.ErrWrongType):
		return string(ErrWrongType)
	case errors.Is(err, engine.ErrNoSuchKey):
		return string(ErrNoSuchKey)
	case errors.Is(err, engine.ErrReplica):
		// A write that got past the ReadOnly check (or a server that
		// was not told) still meets the engine's refusal.
		return string(ErrReadOnlyReplica)
	}
	return "ERR " + err.Error()
}
