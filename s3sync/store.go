package s3sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors every ObjectStore returns, wrapped with context; test them with
// errors.Is.
var (
	// ErrNotFound: the key holds no object.
	ErrNotFound = errors.New("s3sync: object not found")
	// ErrExists: PutIfAbsent found the key already holding an object.
	ErrExists = errors.New("s3sync: object already exists")
	// ErrInvalidKey: the key breaks the rules of ValidKey.
	ErrInvalidKey = errors.New("s3sync: invalid key")
)

// MaxKeySegment is the longest a key's segment (the text between slashes)
// may be, in bytes: the usual limit on a file name.
const MaxKeySegment = 255

// MaxKeyLen is the longest a key may be, in bytes. S3 allows 1024 bytes for
// the whole object name, store prefix included; this leaves room for one.
const MaxKeyLen = 768

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key     string    // relative to the store's prefix, as given to Put
	Size    int64     // bytes
	ModTime time.Time // when the object was last written
	// ETag is an opaque token that is the same for every read of one
	// version of an object and changes when the object is written again.
	// For S3 it is the server's ETag without quotes; other backends make
	// their own. Never compare ETags across backends.
	ETag string
}

// ObjectStore is a flat namespace of immutable-by-convention objects: the
// remote side of the mirror. Keys are relative to the store's prefix (a
// bucket prefix or a directory) and must pass ValidKey; a key that does not
// gives ErrInvalidKey from every method. All methods are safe for concurrent
// use, and every error is wrapped with the operation and the key.
//
// Promises every implementation keeps (s3sync/storetest checks them):
//
//   - Put writes the object atomically: a reader sees the old object, no
//     object, or all of the new one, never a part. size is the exact number
//     of bytes r yields, or -1 if unknown; a reader that yields a different
//     number of bytes, or fails, makes Put fail and leaves the key as it was.
//   - PutIfAbsent is Put that succeeds only if the key holds no object, and
//     otherwise returns an error wrapping ErrExists and changes nothing.
//     The check and the write are one atomic step, also between processes
//     and machines: of many concurrent PutIfAbsent calls on one key, exactly
//     one succeeds. This is the conditional write two writers rely on.
//   - Get returns the object's content and its info; the caller closes the
//     reader. A missing key gives an error wrapping ErrNotFound (from Get
//     itself, not from the first Read).
//   - Stat returns the info of an object, or an error wrapping ErrNotFound.
//   - List calls fn for every object whose key starts with prefix (a plain
//     string prefix, not a directory: "a/b" matches "a/b", "a/bc" and
//     "a/b/c"), in lexicographic byte order of the keys, with no limit on
//     the count. If fn returns an error, List stops and returns that error
//     unwrapped. Objects written or deleted during a List may or may not be
//     seen.
//   - Delete removes the object. Deleting a missing key is not an error.
//   - A cancelled ctx makes a call fail with an error wrapping ctx.Err()
//     soon, and a Put so cancelled leaves the key as it was.
type ObjectStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	Delete(ctx context.Context, key string) error
}

// ValidKey reports whether key may name an object, wrapping ErrInvalidKey if
// not. A key is valid UTF-8 of at most MaxKeyLen bytes, made of one or more
// segments separated by single slashes; a segment is 1 to MaxKeySegment
// bytes, not "." or "..", and holds no NUL or other control character. So
// no leading or trailing slash, no "//", no absolute or escaping paths.
// Spaces, unicode and characters such as "+%?#&=" are fine.
func ValidKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > MaxKeyLen:
		return bad(fmt.Sprintf("longer than %d bytes", MaxKeyLen))
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f {
			return bad("control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return bad("empty segment (leading, trailing or double slash)")
		case seg == "." || seg == "..":
			return bad(`"." or ".." segment`)
		case len(seg) > MaxKeySegment:
			return bad(fmt.Sprintf("segment longer than %d bytes", MaxKeySegment))
		}
	}
	return nil
}
