// Package tiering owns the RAM hot tier that sits in front of the Pebble
// cold tier: a byte-budgeted cache of records (table rows, string values,
// hash fields), its admission policy and its counters.
//
// The tier knows nothing of what the records mean; the engine decides
// what is cached and keeps it coherent. What the package promises:
//
//   - Memory stays within Options.MaxBytes, index and admission sketch
//     included, and the Go garbage collector never scans the entries:
//     they live in off-heap chunks and pointer-free maps (fastcache), so
//     ten million entries cost the GC nothing.
//   - Fill (a read-through after a miss) is subject to admission: until
//     the tier has filled once every record is admitted; after that only
//     records missed at least twice within a recent window get in, so a
//     scan of cold keys does not flush the hot set of a skewed workload.
//   - Update (write-through) replaces a resident record. It adds new
//     records only until the tier first fills up: a freshly loaded table
//     is then served from RAM, but once the tier is full writes never
//     push out what reads keep hot.
//   - Eviction is first-in first-out per bucket, in 64 KiB chunks. A hot
//     record that gets evicted comes back on its next miss, since its
//     frequency clears admission.
package tiering
