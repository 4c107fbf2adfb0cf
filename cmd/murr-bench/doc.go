// Command murr-bench measures murr-sidecar against a real Redis on the
// same machine, in the same run, and prints the two side by side.
//
//	go run ./cmd/murr-bench                      # all defaults: the ops workload
//	go run ./cmd/murr-bench --driver=go          # without redis-benchmark installed
//	go run ./cmd/murr-bench --sidecar-bin ./murr-sidecar --fsync no
//	go run ./cmd/murr-bench --workloads=read    # Murr's benchmark, 1M rows
//
// # Basics
//
// It builds ./cmd/murr-sidecar (or takes --sidecar-bin), starts it and a
// redis-server on free ports in a fresh temporary directory, runs each
// workload named by --workloads against both, prints one table per
// workload and a memory table, and stops both servers. The sidecar must
// exit cleanly on SIGTERM; if it does not, the run fails.
//
// A table has one row per test and the columns redis, sidecar and
// sidecar/redis. The ratio reads the same way on every row: above 1
// means the sidecar did more ops/s (better) or used more memory (worse).
// Where DESIGN.md sets a budget for the row ("Performance budgets"), the
// goal column shows it and whether this run met it. A cell that says
// "error" is explained under the table.
//
// # The ops workload
//
// Throughput of single commands the way redis-benchmark measures it:
// --clients connections (50), each with --pipeline requests in flight
// (16), for GET, SET, MGET of 100 keys, HSET, HGET and HMGET of 10
// fields. Before measuring a server it is preloaded with --keys strings
// (key:000000000000 ...) and as many hashes of 10 fields (hash:..., fields
// f0..f9), all values --value-size bytes, and the preload is read back to
// check it. Each request picks its keys uniformly at random in that
// space (redis-benchmark's -r and __rand_int__), so every read hits and
// every write overwrites a value of the same size. MGET sends n/20
// requests, since each reads 100 keys.
//
// Redis is preloaded and measured, then the sidecar, and that is
// repeated --rounds times (3); each cell keeps its best round, and the
// note column flags a cell whose rounds differed by more than 20%. That
// way one server's background work (a flush, a compaction) rarely lands
// in the other's numbers, and a burst of load from elsewhere on the
// machine costs one round rather than the result.
//
// Before its first round each test runs a warm-up of a twentieth of n,
// which also estimates its rate: if the full n would take longer than
// --time-limit (6s), n is lowered to fit, so a slow server shortens its
// own runs instead of the whole program running long. Rates stay
// comparable; only the sample is smaller, and the note says so when n
// drops below half. With the defaults a server takes at most about two
// minutes.
//
// The load comes from the real redis-benchmark binary by default (one
// process per test, --csv parsed), or with --driver=go from a built-in
// generator that speaks RESP over plain TCP and pipelines the same way.
// Either way the same generator, with the same settings, drives both
// servers.
//
// The memory table gives each server's resident set size (VmRSS) after
// its preload and after the whole run.
//
// # The read workload
//
// Murr's public benchmark, the one DESIGN.md's performance budgets are
// stated in. --rows rows (1,000,000; keys "0".."N-1", ten float32
// columns col_0..col_9) are loaded into each server, and one client
// reads --read-keys (1000) keys at a time, sequentially, each read timed
// from the write of its request to the last byte of its reply (time to
// last byte). Replies are parsed for their framing only (bulk lengths,
// array counts), never decoded. A run is --read-warmup (200) reads, not
// measured, then --reads (2000) measured ones; it reports p50, p99 and
// mean latency and the bytes received per read. If the warm-up shows
// the reads would take longer than --read-time-limit (15s), fewer are
// measured (at least 50), and a run still going at twice the limit
// stops; the note column says so.
//
// Redis holds the rows as 40-byte packed little-endian blobs (SET k
// blob), read with one MGET of all the keys, and then, after a
// FLUSHALL, as hashes (HSET k col_0 <4 bytes> ... col_9 <4 bytes>), read
// with one HGETALL per key, all written at once (pipelined).
// --read-hashes=false skips the hashes for a quicker run. The sidecar
// holds a table made with MURR.CREATE and loaded with MURR.WRITE
// (--write-batch-rows rows per Arrow IPC stream), read with
// MURR.READ bench KEYS k1 ... k1000: all columns, one Arrow IPC reply.
// Loads go through the same pipelined loaders as the ingest workload,
// --ingest-pipeline commands per round trip, a million rows encoded at
// a time; their rows/s and each server's RSS after its load are in the
// table (Redis's RSS after the blob load is the memory budget's
// baseline). When another workload ran first, both servers are first
// restarted empty, so the RSS counts only this workload's data.
//
// Every server reads the same key sequences, drawn before anything is
// measured: uniform (with replacement, as in Murr's benchmark), then
// Zipf-skewed with exponent --zipf (1.1; 0 skips it), whose ranks go
// through a random permutation of the rows so that the hot keys are
// spread over the key space. After the warm runs (default --hot-memory)
// the sidecar is restarted on the same data with --hot-memory a tenth
// of the data size (N × (key length + 40) bytes; at least 16 MiB, the
// sidecar's minimum, and if it names a higher minimum when it refuses
// to start, that) and read uniformly again: the cold run. Its redis
// column is a baseline: bare Pebble in this process (the sidecar
// stopped meanwhile), loaded with the same rows as key -> blob, bloom
// filters of 10 bits per key on every level, FormatNewest, 64 MiB
// memtables, flushed and compacted, then reopened with a block cache of
// the same size plus the two memtables' worth the sidecar's engine adds
// to its own (Pebble reserves live memtables out of the cache), and read
// the way the engine reads a table: keys sorted, one iterator, SeekGE
// each, value copied.
//
// Before any read is timed, samples are checked: MGET blobs and HGETALL
// fields against the generated rows, a few MURR.READ replies decoded
// with arrow-go's IPC reader and compared value by value, and the bare
// Pebble reads; a mismatch fails that server's rows with the reason.
// After each load the program waits (up to a minute) for the server's
// CPU use to settle, so a flush or compaction does not land in the reads.
//
// Under the table come the hit ratios of the sidecar's measured reads
// from INFO murr: the hot tier's (hot_hits, hot_misses, with
// hot_evictions, hot_entries and hot_bytes; "n/a" when the sidecar does
// not report them) and Pebble's block cache's. --read-profile FILE
// saves a 10s CPU profile of the sidecar taken while it repeats the
// uniform MURR.READ reads.
//
// The default run (1M rows) takes about two minutes. The budgets are set
// for 10M rows, which takes about five minutes and under 6 GiB of RAM at
// peak (Redis's hashes, the sidecar, and the rows generated here); there
// the slower runs measure fewer than --reads reads within
// --read-time-limit:
//
//	go run ./cmd/murr-bench --workloads=read --rows=10000000
//
// and, quicker, without the hashes:
//
//	go run ./cmd/murr-bench --workloads=read --rows=10000000 --read-hashes=false
//
// # The s3 workload
//
// What the S3 mirror (--s3) costs and gives, against a MinIO that the
// workload starts on 127.0.0.1 (procs.StartMinIO, ~/go/bin/minio). It
// does not use the run's redis-server or sidecar but starts sidecars of
// its own (the same binary and --sidecar-args), so its table has a
// "baseline" column instead of "redis"; each row's name says what the
// baseline is.
//
//	go run ./cmd/murr-bench --workloads=s3                  # 1 GiB restore, about 2-3 minutes
//	go run ./cmd/murr-bench --workloads=s3 --s3-data-mib=64 --s3-lag-time=10s
//
// Restore: a writer with --s3 loads --s3-data-mib MiB of rows (keys and
// ten float32 values, as in Murr's benchmark) with MURR.WRITE of
// --s3-write-batch-rows rows, waits until INFO s3 shows it shipped
// them, and is stopped with SIGTERM, which ships the rest and releases
// its lease. MinIO's raw GET throughput is then measured, --s3-parallel
// (8) at once, for every object under the prefix and for the objects a
// restore needs (the newest snapshot manifest's files and the log after
// it), into memory and into files fsynced one by one. Then a fresh node
// with an empty data directory and the same --s3 is timed from process
// start to its first PONG (it answers LOADING until then); INFO s3 gives
// the bytes it downloaded (s3_restore_bytes) and the phases it went
// through. Its MURR.DESCRIBE row count and a sample of rows must match
// what was loaded, or the workload fails.
//
// Lag: a fresh writer takes --s3-lag-rate rows/s as MURR.WRITE batches
// of --s3-lag-batch rows, sent on a fixed schedule, for --s3-lag-time;
// INFO s3 is sampled every 100ms for s3_lag_seconds (the age of the
// oldest write not yet in the bucket), and the segments and bytes
// shipped are counted. Then single SETs from one client are timed on it
// and on a writer with --s3-sync for --s3-sync-time each.
//
// # Caveats
//
// The load generator runs on the same CPUs as the server. On a 2-core
// machine redis-benchmark takes about one core, leaving one for the
// server: that suits single-threaded Redis and holds back a sidecar
// that could use both. --driver=go defaults to GOMAXPROCS=1 while it
// generates load for the same reason. Other processes on the machine
// skew both columns; the header shows the load average at the start.
// Compare ratios from the same run, not absolute numbers across runs.
//
// Durability differs. Redis runs with persistence off, so its writes
// never reach disk, while the sidecar writes a WAL under its --fsync
// policy (default everysec, passed through from --fsync). SET and HSET
// therefore compare a sidecar doing more work for more safety; the
// header says which policy was in force. --fsync no is the closest
// match to this Redis.
//
// The sidecar's RSS includes its hot tier and caches (--hot-memory,
// 1GiB by default, filled only as data arrives), so it measures what the
// process holds, not the size of the data.
//
// In the read workload the client and the server share the two CPUs,
// and a read of 1000 keys is well under a millisecond for Redis's MGET:
// the client's own cost (a write, a few reads of the socket) is part of
// every number, the same for every server. The cold run is cold in the
// sidecar's caches only: its data files were just written and sit in
// the OS page cache, as the baseline's do.
package main
