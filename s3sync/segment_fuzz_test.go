package s3sync_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
)

func TestSegmentRoundTrip(t *testing.T) {
	batches := [][]byte{[]byte("one"), {}, bytes.Repeat([]byte{7}, 300)}
	data := s3sync.EncodeSegment(41, batches)
	var got [][]byte
	err := s3sync.DecodeSegment(data, 41, 43, func(seq uint64, b []byte) error {
		if seq != 41+uint64(len(got)) {
			t.Fatalf("batch %d out of order", seq)
		}
		got = append(got, bytes.Clone(b))
		return nil
	})
	if err != nil || len(got) != 3 || !bytes.Equal(got[2], batches[2]) || len(got[1]) != 0 {
		t.Fatalf("decoded %q, %v", got, err)
	}
	for _, bad := range []struct {
		first, last uint64
		data        []byte
	}{
		{41, 44, data},               // claims one more batch
		{40, 43, data},               // starts earlier
		{41, 43, data[:len(data)-1]}, // truncated
		{41, 43, append(bytes.Clone(data[:20]), data[21:]...)},
		{41, 43, nil},
	} {
		if err := s3sync.DecodeSegment(bad.data, bad.first, bad.last, func(uint64, []byte) error { return nil }); !errors.Is(err, s3sync.ErrCorrupt) {
			t.Errorf("segment %d-%d of %d bytes: %v, want ErrCorrupt", bad.first, bad.last, len(bad.data), err)
		}
	}
}

// FuzzDecodeSegment: any bytes either decode into in-order batches that
// encode back to the same segment, or fail with ErrCorrupt; never a panic.
func FuzzDecodeSegment(f *testing.F) {
	seed := s3sync.EncodeSegment(1, [][]byte{[]byte("a"), []byte("bc")})
	f.Add(seed, uint64(1), uint64(2))
	f.Add([]byte("MURRSEG1"), uint64(1), uint64(1))
	f.Fuzz(func(t *testing.T, data []byte, first, last uint64) {
		var batches [][]byte
		err := s3sync.DecodeSegment(data, first, last, func(seq uint64, b []byte) error {
			batches = append(batches, bytes.Clone(b))
			return nil
		})
		if err != nil {
			if !errors.Is(err, s3sync.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again := s3sync.EncodeSegment(first, batches)
		if !bytes.Equal(again, data) {
			t.Fatalf("decoded segment does not encode back to its bytes")
		}
	})
}
