// Package s3sync mirrors the sidecar's data to an object store (S3, MinIO, or
// a local directory) and brings a node back from it.
//
// # Basics
//
// A [Mirror] ties one node's engine to a bucket prefix. [Mirror.Open] first
// makes the data directory match the bucket, then opens the engine and
// starts one of two roles:
//
//   - A writer ([RoleWriter]) receives every committed batch through
//     engine.CommitLog and ships them as log segments at least every
//     ShipInterval (one second). It uploads a snapshot (a Pebble checkpoint:
//     its SSTs, shared between snapshots, and its small files) when it
//     starts and then every SnapshotInterval or SnapshotLogBytes of log, and
//     garbage-collects what no kept snapshot needs. With Sync, a write is
//     acknowledged only once its segment is in the bucket.
//   - A follower ([RoleFollower]) opens the engine as a read-only replica,
//     and every PollInterval applies the log the writer shipped since.
//
// An empty data directory is restored from the newest snapshot (downloaded
// in parallel) and the log after it. A writer's non-empty directory is
// reused if it was the last writer of the prefix; a follower's is reused if
// the log continues from it, and restored again otherwise.
//
// The bucket holds immutable objects only (see layout.go), apart from the
// live writer's heartbeat. Every committed batch carries a sequence number
// (engine.DB.LogSeq), so a snapshot says exactly which batches it holds and
// the log after it is replayed from there. Each writer start claims the next
// epoch with a conditional write; a new writer first waits for the previous
// one's heartbeat to stop changing (LeaseTimeout), so two live writers on one
// prefix are refused (ErrWriterActive), and a replaced writer notices the
// newer epoch and stops mirroring (fenced). The history is the chain of
// epochs: each writer's log counts up to where the next one started.
//
// Everything goes through [ObjectStore], a small interface in the style of
// litestream's ReplicaClient: put, conditional put, get, stat, list and
// delete of whole objects addressed by a key relative to the store's prefix.
// Each backend lives in its own package:
//
//   - s3sync/s3store: S3 and S3-compatible servers such as MinIO, via minio-go.
//   - s3sync/localstore: a local directory, for unit tests and air-gapped use.
//
// s3sync/storetest holds a conformance suite that every backend passes; a new
// backend is done when storetest.Run passes against it.
//
// Keys are "/"-separated relative paths checked by [ValidKey]: they are
// portable between the backends, so a bucket can be copied to a directory and
// back.
//
// # Caveats
//
//   - Without Sync, a writer that dies loses the writes of its last
//     ShipInterval (about a second) that were not shipped yet; its local disk
//     still has them, and a restart on the same directory ships them in its
//     first snapshot.
//   - An unreachable bucket never blocks writes (without Sync): batches wait
//     in memory up to MaxPendingBytes, then the next snapshot covers them.
//     But a node starting up waits for the bucket (answering LOADING), since
//     it cannot know what to serve, or whether another writer is live,
//     before it has seen it.
//   - A follower whose position the log no longer reaches (collected, or a
//     writer died with batches it never shipped and a newer snapshot exists)
//     reports it on Done; restarting it restores it from the newest snapshot.
//   - The interface is deliberately whole-object: no ranges, no appends, no
//     multipart handles. Only [ObjectStore.PutIfAbsent] is conditional; it is
//     what keeps two writers on one prefix from corrupting each other, and a
//     backend that cannot make it atomic must not implement the interface.
package s3sync
