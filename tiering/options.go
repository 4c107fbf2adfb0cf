package tiering

import "fmt"

// MinBytes is the smallest budget a Tier accepts: 64 shards of at
// least one 64 KiB chunk of log each, and their indexes.
const MinBytes = 64 << 20

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

// indexBytesPerEntry is what the index costs per record: an 8-byte
// slot in a table kept between a half and three quarters full, plus
// slots of records overwritten but not yet swept (measured by
// TestBudgetHoldsWithIndex).
const indexBytesPerEntry = 24

// split divides the budget between the log and the sketch, leaving room
// for the index of as many records as the log holds on average.
func (o Options) split() (logBytes int64, sketchWords int) {
	perEntry := int64(o.AvgEntryBytes + entryHeaderBytes + indexBytesPerEntry + sketchBytesPerEntry)
	entries := o.MaxBytes / perEntry
	return entries * int64(o.AvgEntryBytes+entryHeaderBytes), sketchWordsFor(entries)
}

// entryHeaderBytes is a record's framing in the log: two uvarint
// lengths, a byte each for keys and values under 128 bytes.
const entryHeaderBytes = 2
