package tiering

import (
	"encoding/binary"
	"unsafe"
)

// A shard holds a slice of the tier's records in a ring of chunks, the
// log, and finds them through an open-addressing index of 8-byte slots.
//
// A slot is 0 (empty), tombstone (deleted), or a 16-bit tag from the
// key's hash over the record's log position plus one. A record is
// [uvarint key length][uvarint value length][key][value], never split
// across chunks. Writing into a chunk overwrites the records of the
// chunk the ring last put there: positions below low are gone, and their
// slots are stale until an insert reuses them or the index is rebuilt.
type shard struct {
	slots   []uint64
	raw     []byte // slots' memory
	mask    uint64
	used    int    // non-empty slots: live, stale and tombstones
	live    int    // slots of records not known to be gone
	ring    []byte // the log of every shard, chunks interleaved; see chunkAt
	index   uint64 // this shard's place among them
	nChunks uint64 // the shard's chunks
	pos     uint64 // where the next record goes in the log
	low     uint64 // records below this position were overwritten
}

const (
	chunkSize  = 32 << 10 // also the largest record cached
	posBits    = 48
	posMask    = 1<<posBits - 1
	tombstone  = uint64(1) << 63 // a tag with no position
	minSlots   = 1024
	shardBits  = 6
	shardCount = 1 << shardBits
	shardMask  = shardCount - 1
)

func tagOf(h uint64) uint64 { return h >> posBits }

// home is the first slot h probes.
func (s *shard) home(h uint64) uint64 { return (h >> shardBits) & s.mask }

func (s *shard) init(ring []byte, index, nChunks uint64) {
	s.ring, s.index, s.nChunks = ring, index, nChunks
	s.setSlots(minSlots)
}

func (s *shard) free() {
	freeOffHeap(s.raw)
	*s = shard{}
}

// at returns the log from position p to the end of its chunk. Chunk c
// of shard i is the (c*shardCount+i)th chunk of the shared ring, so all
// shards fill the ring's memory from the front together: memory in use
// grows with the data, in whole huge pages.
func (s *shard) at(p uint64) []byte {
	c := (p / chunkSize) % s.nChunks
	off := (c*shardCount+s.index)*chunkSize + p%chunkSize
	return s.ring[off : off+chunkSize-p%chunkSize]
}

func (s *shard) setSlots(n int) {
	freeOffHeap(s.raw)
	s.raw = allocOffHeap(n * 8)
	if n*8 >= 2<<20 {
		adviseHugePages(s.raw)
	}
	s.slots = unsafe.Slice((*uint64)(unsafe.Pointer(&s.raw[0])), n)
	s.mask = uint64(n - 1)
	s.used, s.live = 0, 0
}

// record returns the key and value stored at log position p, which must
// be at or above low.
func (s *shard) record(p uint64) (k, v []byte) {
	b := s.at(p)
	kl, n1 := binary.Uvarint(b)
	vl, n2 := binary.Uvarint(b[n1:])
	b = b[n1+n2:]
	return b[:kl], b[kl : kl+vl]
}

// find returns the slot holding k's live record, or -1.
func (s *shard) find(k []byte, h uint64) int {
	tag := tagOf(h)
	for i := s.home(h); ; i = (i + 1) & s.mask {
		sl := s.slots[i]
		if sl == 0 {
			return -1
		}
		if sl>>posBits == tag && sl&posMask != 0 {
			if p := sl&posMask - 1; p >= s.low {
				if rk, _ := s.record(p); string(rk) == string(k) {
					return int(i)
				}
			}
		}
	}
}

// put writes k's record and points its slot at it, replacing any record
// of k. It reports how many stale slots it reclaimed (evictions seen).
func (s *shard) put(k, v []byte, h uint64) (evicted int) {
	size := uvarintLen(len(k)) + uvarintLen(len(v)) + len(k) + len(v)
	if size > chunkSize {
		return 0
	}
	// Find k's slot, or the first reusable one on its probe sequence.
	tag, target, reuse := tagOf(h), -1, -1
	for i := s.home(h); ; i = (i + 1) & s.mask {
		sl := s.slots[i]
		if sl == 0 {
			if reuse < 0 {
				reuse = int(i)
			}
			break
		}
		p := sl&posMask - 1
		switch {
		case sl&posMask == 0 || p < s.low: // tombstone or stale
			if reuse < 0 {
				reuse = int(i)
			}
		case sl>>posBits == tag:
			if rk, _ := s.record(p); string(rk) == string(k) {
				target = int(i)
			}
		}
		if target >= 0 {
			break
		}
	}
	p := s.append(k, v, size)
	slot := tag<<posBits | (p + 1)
	if target >= 0 {
		s.slots[target] = slot
		return 0
	}
	switch old := s.slots[reuse]; {
	case old == 0:
		s.used++
	case old&posMask != 0: // a stale record's slot
		evicted = 1
		s.live--
	}
	s.slots[reuse] = slot
	s.live++
	if s.used > len(s.slots)*3/4 {
		evicted += s.rebuild()
	}
	return evicted
}

// append writes a record of the given size to the log and returns its
// position.
func (s *shard) append(k, v []byte, size int) uint64 {
	if off := s.pos % chunkSize; off+uint64(size) > chunkSize {
		s.pos += chunkSize - off
	}
	if s.pos%chunkSize == 0 {
		// Entering a chunk drops what the ring held there before.
		if c := s.pos / chunkSize; c >= s.nChunks {
			s.low = (c - s.nChunks + 1) * chunkSize
		}
	}
	p := s.pos
	b := s.at(p)
	n := binary.PutUvarint(b, uint64(len(k)))
	n += binary.PutUvarint(b[n:], uint64(len(v)))
	n += copy(b[n:], k)
	copy(b[n:], v)
	s.pos += uint64(size)
	return p
}

// remove deletes k's record, reporting whether there was one.
func (s *shard) remove(k []byte, h uint64) bool {
	i := s.find(k, h)
	if i < 0 {
		return false
	}
	s.slots[i] = tombstone
	s.live--
	return true
}

// rebuild rehashes the live records into a fresh index at most half
// full, dropping tombstones and stale slots; it returns how many stale
// slots it dropped.
func (s *shard) rebuild() (evicted int) {
	old, oldRaw := s.slots, s.raw
	live := 0
	for _, sl := range old {
		if sl&posMask != 0 && sl&posMask-1 >= s.low {
			live++
		} else if sl&posMask != 0 {
			evicted++
		}
	}
	n := minSlots
	for n < 2*live {
		n *= 2
	}
	s.raw = nil // setSlots must not free the old index yet
	s.setSlots(n)
	for _, sl := range old {
		if sl&posMask == 0 || sl&posMask-1 < s.low {
			continue
		}
		k, _ := s.record(sl&posMask - 1)
		i := s.home(hashKey(k))
		for s.slots[i] != 0 {
			i = (i + 1) & s.mask
		}
		s.slots[i] = sl
		s.used++
		s.live++
	}
	freeOffHeap(oldRaw)
	return evicted
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}
