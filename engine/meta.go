package engine

import (
	"encoding/binary"
	"fmt"
)

// Type is the Redis type of a key.
type Type uint8

// Key types. The numeric values are stored on disk: never renumber.
const (
	TypeNone   Type = 0
	TypeString Type = 1
	TypeHash   Type = 2
)

// String returns the name TYPE replies with.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeHash:
		return "hash"
	}
	return "none"
}

const flagExpire = 1

// meta is the decoded metadata record of a user key.
//
// Encoding: type(1) flags(1) [expireAtMs(8) if flagExpire] then, for a
// string, the value; for a hash, id(8) and field count(8).
type meta struct {
	typ      Type
	expireAt int64 // unix ms; 0 means no expiry
	value    []byte
	hashID   uint64
	hashLen  int64
}

func (m *meta) encode(dst []byte) []byte {
	var flags byte
	if m.expireAt != 0 {
		flags |= flagExpire
	}
	dst = append(dst, byte(m.typ), flags)
	if m.expireAt != 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.expireAt))
	}
	switch m.typ {
	case TypeString:
		dst = append(dst, m.value...)
	case TypeHash:
		dst = binary.BigEndian.AppendUint64(dst, m.hashID)
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.hashLen))
	}
	return dst
}

// decodeMeta decodes b; string values alias b.
func decodeMeta(b []byte) (meta, error) {
	var m meta
	if len(b) < 2 {
		return m, fmt.Errorf("engine: corrupt metadata record (%d bytes)", len(b))
	}
	m.typ = Type(b[0])
	rest := b[2:]
	if b[1]&flagExpire != 0 {
		if len(rest) < 8 {
			return m, fmt.Errorf("engine: corrupt metadata expiry")
		}
		m.expireAt = int64(binary.BigEndian.Uint64(rest))
		rest = rest[8:]
	}
	switch m.typ {
	case TypeString:
		m.value = rest
	case TypeHash:
		if len(rest) != 16 {
			return m, fmt.Errorf("engine: corrupt hash metadata (%d bytes)", len(rest))
		}
		m.hashID = binary.BigEndian.Uint64(rest)
		m.hashLen = int64(binary.BigEndian.Uint64(rest[8:]))
	default:
		return m, fmt.Errorf("engine: unknown key type %d", m.typ)
	}
	return m, nil
}

func (m *meta) expiredAt(nowMs int64) bool { return m.expireAt != 0 && m.expireAt <= nowMs }
