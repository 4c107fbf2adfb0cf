package engine

import (
	"bytes"
	"testing"
)

// FuzzDecodeMeta feeds arbitrary bytes to the metadata decoder, as a
// corrupt disk could: it must return an error or a record that encodes
// back to the same bytes, never panic.
func FuzzDecodeMeta(f *testing.F) {
	for _, m := range []meta{
		{typ: TypeString, value: []byte("v")},
		{typ: TypeString, expireAt: 1700000000000, value: nil},
		{typ: TypeHash, hashID: 7, hashLen: 3},
		{typ: TypeHash, expireAt: 1, hashID: 1 << 40, hashLen: 1},
	} {
		f.Add(m.encode(nil))
	}
	f.Add([]byte{9, 0})
	f.Add([]byte{1, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err != nil {
			return
		}
		// Unknown flag bits are the only thing decoding drops.
		canonical := append([]byte{b[0], b[1] & flagExpire}, b[2:]...)
		if got := m.encode(nil); !bytes.Equal(got, canonical) && !(m.expireAt == 0 && b[1]&flagExpire != 0) {
			t.Fatalf("decode(%x) = %+v, encodes to %x", b, m, got)
		}
	})
}
