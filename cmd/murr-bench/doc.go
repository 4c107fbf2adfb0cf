// Command murr-bench measures murr-sidecar against a real Redis on the
// same machine, in the same run, and prints the two side by side.
//
//	go run ./cmd/murr-bench                      # all defaults: the ops workload
//	go run ./cmd/murr-bench --driver=go          # without redis-benchmark installed
//	go run ./cmd/murr-bench --sidecar-bin ./murr-sidecar --fsync no
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
package main
