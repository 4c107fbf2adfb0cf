// Package tiering owns the RAM hot tier that sits in front of the Pebble
// cold tier: a byte-budgeted cache of records (table rows, string values,
// hash fields), its admission policy and its counters.
//
// The tier knows nothing of what the records mean; the engine decides
// what is cached and keeps it coherent. What the package promises:
//
//   - Memory stays within Options.MaxBytes, index and admission sketch
//     included, at about 25 bytes per record on top of its key and value.
//     Records and index live outside the Go heap (mmap), so ten million
//     of them cost the garbage collector nothing.
//   - A batch lookup (GetMany) overlaps the memory accesses of its keys:
//     a thousand random rows of a table far larger than the CPU caches
//     cost well under 100 ns each.
//   - Fill (a read-through after a miss) is subject to admission: until
//     the tier has filled once every record is admitted; after that only
//     records missed at least twice within a recent window get in, so a
//     scan of cold keys does not flush the hot set of a skewed workload.
//   - Update (write-through) replaces a resident record. It adds new
//     records only until the tier first fills up: a freshly loaded table
//     is then served from RAM, but once the tier is full writes never
//     push out what reads keep hot.
//   - Eviction is first-in first-out: each of 64 shards writes its
//     records to a ring (a log) of 32 KiB chunks and reuses the oldest
//     chunk when full. A hot record that gets evicted comes back on its
//     next miss, since its frequency clears admission. Records larger
//     than a chunk are not cached.
//
// Not a library cache (fastcache, otter, ristretto) because none does
// all of that: fastcache keeps its index in Go maps at about 40 bytes a
// record and takes a lock per lookup, which measured four times slower
// on 1000-key reads; otter and ristretto hold a Go object per entry.
package tiering
