package engine

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// Pebble key layout. The first byte says what a record is; user keys and
// fields follow raw, so everything is binary-safe.
//
//	0x00 name                       engine state (counters, next hash id)
//	0x01 h64(key) key               metadata of a user key
//	0x02 id field-h64 field         one field of the hash with that id
//	0x03 expireAtMs key             expiry index, for active expiry
const (
	prefixState  byte = 0x00
	prefixMeta   byte = 0x01
	prefixField  byte = 0x02
	prefixExpiry byte = 0x03
	prefixEnd    byte = 0x04 // first byte past the keyspace records
)

var stateKey = []byte{prefixState, 's'}

func keyHash(b []byte) uint64 { return xxhash.Sum64(b) }

// metaKey appends the metadata record key of key to dst.
func metaKey(dst, key []byte) []byte {
	dst = append(dst, prefixMeta)
	dst = binary.BigEndian.AppendUint64(dst, keyHash(key))
	return append(dst, key...)
}

// metaKeyAt is the first metadata key at or after hash position h.
func metaKeyAt(h uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixMeta}, h)
}

// userKeyOf extracts the user key and its hash from a metadata record key.
func userKeyOf(mk []byte) (key []byte, h uint64) {
	return mk[9:], binary.BigEndian.Uint64(mk[1:9])
}

// fieldPrefix is the key prefix shared by every field of hash id.
func fieldPrefix(dst []byte, id uint64) []byte {
	dst = append(dst, prefixField)
	return binary.BigEndian.AppendUint64(dst, id)
}

// fieldKey appends the record key of one field of hash id to dst.
func fieldKey(dst []byte, id uint64, field []byte) []byte {
	dst = fieldPrefix(dst, id)
	dst = binary.BigEndian.AppendUint64(dst, keyHash(field))
	return append(dst, field...)
}

// fieldKeyAt is the first field key of hash id at or after field hash h.
func fieldKeyAt(id, h uint64) []byte {
	return binary.BigEndian.AppendUint64(fieldPrefix(nil, id), h)
}

// fieldOf extracts the field name and its hash from a field record key.
func fieldOf(fk []byte) (field []byte, h uint64) {
	return fk[17:], binary.BigEndian.Uint64(fk[9:17])
}

// expiryKey appends the expiry index key of key expiring at ms to dst.
func expiryKey(dst []byte, atMs int64, key []byte) []byte {
	dst = append(dst, prefixExpiry)
	dst = binary.BigEndian.AppendUint64(dst, uint64(atMs))
	return append(dst, key...)
}

// prefixUpper returns the smallest key greater than every key starting with p.
func prefixUpper(p []byte) []byte {
	up := append([]byte(nil), p...)
	for i := len(up) - 1; i >= 0; i-- {
		if up[i] != 0xff {
			up[i]++
			return up[:i+1]
		}
	}
	return nil
}
