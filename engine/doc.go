// Package engine owns the Redis keyspace on Pebble: strings and hashes with
// per-key expiry, SCAN/KEYS, key counts, WATCH bookkeeping and the single
// write path whose durability follows the --fsync policy.
//
// # Basics
//
// All access goes through a Txn handed out by DB.View (shared, read-only)
// or DB.Update (exclusive, read-write). A Txn sees its own writes, and an
// Update commits as one Pebble batch: either everything it did is visible
// to the next command or nothing is. Commands therefore get Redis's
// atomicity per command, and MULTI/EXEC runs its whole queue in one
// Update.
//
// Every user key has one metadata record (type, expiry, and the value of
// a string or the id and size of a hash). Hash fields live under the
// hash's id, so dropping a hash of any size is one range deletion.
// Metadata records are ordered by a 64-bit hash of the key, which makes
// the SCAN cursor a plain integer that survives concurrent writes: every
// key present for a whole iteration is returned at least once.
//
// # Caveats
//
// Expired keys read as missing at once but are removed by a background
// loop, so DBSize may count them for up to one expiry interval, as Redis
// does. Values returned by Txn methods are copies owned by the caller.
package engine
