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
	index   []uint64 // every shard's slots, interleaved; see slot
	nSlots  uint64   // this shard's slots, a power of two
	mask    uint64
	used    int    // non-empty slots: live, stale and tombstones
	live    int    // slots of records not known to be gone
	ring    []byte // the log of every shard, chunks interleaved; see at
	id      uint64 // this shard's place among them
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

func (s *shard) init(ring []byte, index []uint64, id, nChunks uint64) {
	s.ring, s.index, s.id, s.nChunks = ring, index, id, nChunks
	s.nSlots, s.mask = minSlots, minSlots-1
}

// slotBlock is how many consecutive slots of one shard sit together in
// the shared index: a 4 KiB page's worth.
const slotBlockBits = 9

// slot returns slot j of the shard. Like the log, the index of every
// shard lives in one mapping, blocks of shards interleaved, so the pages
// in use are few, dense, and huge where the kernel allows.
func (s *shard) slot(j uint64) *uint64 {
	return &s.index[(j>>slotBlockBits)<<(slotBlockBits+shardBits)|s.id<<slotBlockBits|j&(1<<slotBlockBits-1)]
}

// maxSlots is the most slots the shared index has room for per shard.
func (s *shard) maxSlots() uint64 { return uint64(len(s.index)) / shardCount }

// clearSlots zeroes slots 0..n-1.
func (s *shard) clearSlots(n uint64) {
	for j := uint64(0); j < n; j += 1 << slotBlockBits {
		b := s.slot(j)
		clear(unsafe.Slice(b, min(1<<slotBlockBits, n-j)))
	}
}

// at returns the log from position p to the end of its chunk. Chunk c
// of shard i is the (c*shardCount+i)th chunk of the shared ring, so all
// shards fill the ring's memory from the front together: memory in use
// grows with the data, in whole huge pages.
func (s *shard) at(p uint64) []byte {
	c := (p / chunkSize) % s.nChunks
	off := (c*shardCount+s.id)*chunkSize + p%chunkSize
	return s.ring[off : off+chunkSize-p%chunkSize]
}

// reset empties the shard.
func (s *shard) reset() {
	s.clearSlots(s.nSlots)
	s.nSlots, s.mask = minSlots, minSlots-1
	s.used, s.live, s.pos, s.low = 0, 0, 0, 0
}

// record returns the key and value stored at log position p, which must
// be at or above low.
func (s *shard) record(p uint64) (k, v []byte) { return splitRecord(s.at(p)) }

// splitRecord splits the record at the start of b into key and value.
func splitRecord(b []byte) (k, v []byte) {
	kl, n1 := binary.Uvarint(b)
	vl, n2 := binary.Uvarint(b[n1:])
	b = b[n1+n2:]
	return b[:kl], b[kl : kl+vl]
}

// find returns the slot holding k's live record, or -1.
func (s *shard) find(k []byte, h uint64) int {
	tag := tagOf(h)
	for i := s.home(h); ; i = (i + 1) & s.mask {
		sl := *s.slot(i)
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
// of k. It reports whether k is new, and how many stale slots it
// reclaimed (evictions seen).
// A record too large for a chunk, or one more than the index has room
// for, is not stored.
func (s *shard) put(k, v []byte, h uint64) (added bool, evicted int) {
	size := uvarintLen(len(k)) + uvarintLen(len(v)) + len(k) + len(v)
	if size > chunkSize {
		// Too large to cache; an older, smaller value must not stay.
		s.remove(k, h)
		return false, 0
	}
	for s.nSlots == s.maxSlots() && uint64(s.used) >= s.nSlots*3/4 {
		// The index filled before the log: records are smaller than
		// budgeted. Give up the oldest chunk of the log, as if the ring
		// had come round to it.
		if current := s.pos / chunkSize * chunkSize; s.low < current {
			s.low = (s.low/chunkSize + 1) * chunkSize
		}
		evicted += s.rebuild(0)
	}
	// Find k's slot, or the first reusable one on its probe sequence.
	tag, target, reuse := tagOf(h), -1, -1
	for i := s.home(h); ; i = (i + 1) & s.mask {
		sl := *s.slot(i)
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
		*s.slot(uint64(target)) = slot
		return false, evicted
	}
	switch old := *s.slot(uint64(reuse)); {
	case old == 0:
		s.used++
	case old&posMask != 0: // a stale record's slot
		evicted++
		s.live--
	}
	*s.slot(uint64(reuse)) = slot
	s.live++
	if uint64(s.used) > s.nSlots*3/4 && s.nSlots < s.maxSlots() {
		evicted += s.rebuild(0)
	}
	return true, evicted
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
			s.low = max(s.low, (c-s.nChunks+1)*chunkSize)
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
	*s.slot(uint64(i)) = tombstone
	s.live--
	return true
}

// reserve grows the index, if need be, so that n more records fit
// without a rebuild: one rebuild now instead of one per doubling.
func (s *shard) reserve(n int) (evicted int) {
	if s.nSlots == s.maxSlots() || uint64(s.used+n) <= s.nSlots*3/4 {
		return 0
	}
	return s.rebuild(n)
}

// rebuild rehashes the live records into an index at most half full
// with room for extra more (or as large as the shared index allows),
// dropping tombstones and stale slots; it returns how many stale slots
// it dropped.
func (s *shard) rebuild(extra int) (evicted int) {
	keep := make([]uint64, 0, s.live)
	for j := range s.nSlots {
		switch sl := *s.slot(j); {
		case sl&posMask == 0:
		case sl&posMask-1 >= s.low:
			keep = append(keep, sl)
		default:
			evicted++
		}
	}
	n := uint64(minSlots)
	for n < 2*uint64(len(keep)+extra) && n < s.maxSlots() {
		n *= 2
	}
	s.clearSlots(max(n, s.nSlots))
	s.nSlots, s.mask = n, n-1
	s.used, s.live = 0, 0
	for _, sl := range keep {
		k, _ := s.record(sl&posMask - 1)
		i := s.home(hashKey(k))
		for *s.slot(i) != 0 {
			i = (i + 1) & s.mask
		}
		*s.slot(i) = sl
		s.used++
		s.live++
	}
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
