package tiering

import "fmt"

// MinBytes is the smallest budget a Tier accepts: the cache keeps 512
// buckets of at least one 64 KiB chunk each (32 MiB), and their index
// takes about as much again.
const MinBytes = 64 << 20

// chunkQuantum is the granularity of the entry chunks: the cache rounds
// each of its 512 buckets up to whole 64 KiB chunks.
const chunkQuantum = 512 * 64 << 10

// Options configures a Tier.
type Options struct {
	// MaxBytes is the RAM budget, entries, index and sketch together.
	// Default 1 GiB; at least MinBytes.
	MaxBytes int64
	// AvgEntryBytes is the expected size of one record (key plus value),
	// used to size the index and the admission sketch out of MaxBytes.
	// Default 64, a row of ten float32 columns and its key.
	AvgEntryBytes int
}

// EnsureDefaults returns a copy of o with every zero field set to its default.
func (o Options) EnsureDefaults() Options {
	if o.MaxBytes == 0 {
		o.MaxBytes = 1 << 30
	}
	if o.AvgEntryBytes == 0 {
		o.AvgEntryBytes = 64
	}
	return o
}

// Validate reports what is wrong with o.
func (o Options) Validate() error {
	if o.MaxBytes < MinBytes {
		return fmt.Errorf("tiering: MaxBytes %d below the minimum of %d (64 MiB)", o.MaxBytes, MinBytes)
	}
	if o.AvgEntryBytes < 8 {
		return fmt.Errorf("tiering: AvgEntryBytes %d < 8", o.AvgEntryBytes)
	}
	return nil
}

// indexBytesPerEntry is what the cache's hash index costs per entry: a
// 16-byte slot in a Go map kept at most 7/8 full, which grows by
// doubling, plus entries evicted but not yet swept; about 40 bytes
// measured (TestBudgetHoldsWithIndex).
const indexBytesPerEntry = 40

// split divides the budget between entry chunks and the sketch, leaving
// room for the index of as many entries as the chunks hold on average.
func (o Options) split() (chunkBytes int64, sketchWords int) {
	perEntry := int64(o.AvgEntryBytes + entryHeaderBytes + indexBytesPerEntry + sketchBytesPerEntry)
	entries := o.MaxBytes / perEntry
	chunkBytes = entries * int64(o.AvgEntryBytes+entryHeaderBytes)
	chunkBytes = max(chunkBytes/chunkQuantum, 1) * chunkQuantum
	return chunkBytes, sketchWordsFor(entries)
}

// entryHeaderBytes is the cache's per-entry framing (two 2-byte lengths).
const entryHeaderBytes = 4
