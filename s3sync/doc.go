// Package s3sync mirrors the sidecar's data to an object store (S3, MinIO, or
// a local directory) and brings a node back from it.
//
// # Basics
//
// Everything the mirror does goes through [ObjectStore], a small interface in
// the style of litestream's ReplicaClient: put, conditional put, get, stat,
// list and delete of whole objects addressed by a key relative to the store's
// prefix. Each backend lives in its own package:
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
// The interface is deliberately whole-object: no ranges, no appends, no
// multipart handles. Large state is split into many immutable objects by the
// caller. Only [ObjectStore.PutIfAbsent] is conditional; it is what keeps two
// writers on one prefix from corrupting each other, and a backend that cannot
// make it atomic must not implement the interface.
package s3sync
