// Package columnar holds what murr-sidecar's tables are made of: column
// types, table schemas and the stored row format.
//
// # Basics
//
// A table has a utf8 key column (named by Schema.Key, "key" by default;
// keys are not part of stored rows) and value columns, each with a Type
// from DESIGN.md's list: bool, int8..int64, uint8..uint64, float16,
// float32, float64, utf8, binary, date32, timestamp[s|ms|us|ns], list<T>
// and fixed_size_list<T,N> with T numeric. ParseType reads the names
// MURR.CREATE takes; Type.Arrow and TypeFromArrow map to and from Arrow.
//
// Schema is persisted with MarshalBinary/UnmarshalBinary. A column's index
// (its position in Schema.Columns) is its identity in stored rows and never
// changes; columns added later are appended.
//
// Rows are encoded by a RowBuilder and read through the table's Layout:
// Layout.Value reads one column, Layout.Iter all present ones, and
// Layout.Merge applies a partial-column update (RowBuilder.AppendUpdate) to
// a stored row; Layout.Apply does the same with fast paths for full rows
// and for updates of rows that do not exist.
//
// Ingest: ReadIPCStream (Arrow IPC from a reader, untrusted input),
// ReadIPCBytes (the same over bytes in memory, decoded in place without a
// copy), ReadParquet and DecodeJSONColumns produce Arrow record batches; a
// Decoder checks a batch's schema against the table's (Bind: names, exact
// types, or numeric conversions with CAST) and turns its rows into Updates
// — keys with partial rows, or full rows when a batch carries every column
// — for the engine to store. Decoder.DecodeIPC and DecodeIPCBytes do both
// steps for a whole stream.
//
// Output: a ReadPlan resolves a MURR.READ column list; its Reply writes
// the Arrow IPC stream of the rows straight into a pooled buffer (schema
// message cached per plan, record batch message patched per reply), and
// its JSONReply the HTTP API's JSON form. Type.Scalar and ListElem decode
// single values for the RESP form. ParseJSONSchema and Schema.AppendJSON
// are the HTTP API's JSON schemas.
//
// The row format is documented in rowcodec.go. Its promises:
//
//   - a null takes no bytes beyond the row's presence information, which is
//     a bitmap or a list of present column ids, whichever is smaller;
//   - reading some columns decodes no other value;
//   - fixed-width values are stored as the raw little-endian bytes of an
//     Arrow data buffer, so they copy to and from Arrow without conversion;
//   - reads do not allocate and never panic on corrupt rows: they return an
//     error wrapping ErrCorruptRow, and Value/Iter never read out of bounds.
//
// # Caveats
//
//   - This package knows nothing of the engine: callers store rows,
//     schemas and TTLs themselves. Its only I/O is reading the streams
//     and files it is handed.
//   - Value and Iter check only what they read; use Layout.Check to
//     validate a whole row. Merge checks both of its inputs.
//   - List elements cannot be null, and utf8 values are not checked for
//     valid UTF-8. Timestamps carry no time zone: TypeFromArrow rejects
//     zoned timestamps.
//   - The key column is nullable in ArrowSchema because a MURR.READ reply
//     gives missing keys a null key.
//   - Values returned by Value and Iter alias the row.
package columnar
