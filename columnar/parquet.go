package columnar

// parquet.go owns reading Parquet files (HTTP PUT .../write with
// application/vnd.apache.parquet) as a stream of Arrow record batches,
// batch by batch, so a large file needs memory for a batch and the pages
// being decoded rather than for the file; bounding what corrupt pages can
// make arrow-go allocate; and turning arrow-go's panics into errors.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ErrBadParquet is wrapped by errors about a malformed Parquet file (HTTP
// 400). A file needing more memory than allowed gives an error wrapping
// ErrTooLarge instead, and a failing source one wrapping the source's.
var ErrBadParquet = errors.New("corrupt parquet file")

// ParquetOptions tunes ReadParquet. The zero value gives the defaults.
type ParquetOptions struct {
	// BatchRows is the number of rows per record batch (the last of the
	// file may have fewer). Default 65536.
	BatchRows int
	// MaxMemory bounds the Arrow and page buffers held at once; a file
	// needing more (huge pages, huge values) fails with ErrTooLarge.
	// Default 512 MiB.
	MaxMemory int64
}

// ReadParquet reads the Parquet file r: onSchema gets the Arrow schema
// first, then onBatch each record batch, valid only during the call. An
// error from a callback stops reading and is returned as is. To decode
// into a table, pass a Decoder's BindParquet and Record (or use
// DecodeParquet).
//
// Columns named like pandas' index columns (__index_level_0__, ...) are
// skipped: pandas writes them for a DataFrame whose index is not a plain
// range, and they are no table's columns.
//
// Time zones: Parquet marks timestamps as either UTC instants
// (isAdjustedToUTC, which pandas writes for tz-aware columns and Spark for
// all) or local times, and pqarrow reads the former as timestamp[unit,
// tz=UTC]. Table columns hold timestamps without a zone, and the natural
// content of one for a UTC instant is that instant; so ReadParquet gives
// UTC timestamps as zone-less ones, and such files load without CAST.
// Other zones (which pyarrow records in the file's Arrow schema) are left
// as they are: the Decoder accepts them only with CAST, which stores the
// UTC instant too. IPC streams get no such treatment: a client sending
// Arrow chose its types.
func ReadParquet(r parquet.ReaderAtSeeker, opts ParquetOptions, onSchema func(*arrow.Schema) error, onBatch func(arrow.RecordBatch) error) error {
	if opts.BatchRows <= 0 {
		opts.BatchRows = 1 << 16
	}
	if opts.MaxMemory <= 0 {
		opts.MaxMemory = 512 << 20
	}
	mem := newMemBudget(opts.MaxMemory)
	src := &watchedSource{ReaderAtSeeker: r}
	fail := func(err error) error {
		switch {
		case src.failure() != nil:
			return fmt.Errorf("reading parquet file: %w", src.failure())
		case mem.exceeded.Load() || errors.Is(err, errOverBudget):
			return errTooLargeFor("parquet file", mem.limit)
		}
		return fmt.Errorf("%w: %w", ErrBadParquet, err)
	}

	props := parquet.NewReaderProperties(mem)
	props.BufferedStreamEnabled = true // read pages as needed, not whole column chunks
	var pf *file.Reader
	if err := recoverPanic(func() (err error) {
		pf, err = file.NewParquetReader(src, file.WithReadProps(props))
		return err
	}); err != nil {
		return fail(err)
	}
	defer func() { _ = recoverPanic(pf.Close) }()

	var rr pqarrow.RecordReader
	var leaves []int
	if err := recoverPanic(func() error {
		if err := checkStoredSchema(pf); err != nil {
			return err
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.BatchRows)}, mem)
		if err != nil {
			return err
		}
		for i := range fr.Manifest.Fields {
			if f := &fr.Manifest.Fields[i]; f.Field != nil && !isPandasIndex(f.Field.Name) {
				leaves = appendLeaves(leaves, f)
			}
		}
		if len(leaves) == 0 {
			return nil
		}
		rr, err = fr.GetRecordReader(context.Background(), leaves, nil)
		return err
	}); err != nil {
		return fail(err)
	}
	if rr == nil { // no columns: let onSchema say what is missing
		return onSchema(arrow.NewSchema(nil, nil))
	}
	defer func() { _ = recoverPanic(func() error { rr.Release(); return nil }) }()

	schema, retype := utcAsNaive(rr.Schema())
	if err := onSchema(schema); err != nil {
		return err
	}
	for {
		var rec arrow.RecordBatch
		err := recoverPanic(func() error {
			if !rr.Next() {
				if err := rr.Err(); err != nil {
					return err
				}
				return io.EOF
			}
			rec = rr.RecordBatch()
			return array.ValidateRecord(rec)
		})
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail(err)
		}
		if retype {
			rec = retypeRecord(rec, schema)
			err = onBatch(rec)
			rec.Release()
		} else {
			err = onBatch(rec)
		}
		if err != nil {
			return err
		}
	}
}

// DecodeParquet reads the Parquet file r (see ReadParquet) and appends
// its rows to u (see Decoder.Record). It is all or nothing: on error u is
// left as it was. It returns the number of rows appended.
func (d *Decoder) DecodeParquet(r parquet.ReaderAtSeeker, opts ParquetOptions, u *Updates) (rows int, err error) {
	start := u.Len()
	err = ReadParquet(r, opts, d.BindParquet, func(rec arrow.RecordBatch) error { return d.Record(rec, u) })
	if err != nil {
		u.Truncate(start)
		return 0, err
	}
	return u.Len() - start, nil
}

// BindParquet is Bind for a schema read from a Parquet file (pass it to
// ReadParquet as onSchema). It also accepts, without CAST, the types
// Parquet stores in place of the column's: a list for a fixed_size_list
// column (each value must have the right length), which is what pqarrow
// reads unless the file carries its Arrow schema, and a timestamp of
// another unit for a timestamp column (values must convert exactly), as
// Parquet has no timestamp[s] and stores it as timestamp[ms].
func (d *Decoder) BindParquet(as *arrow.Schema) error { return d.bind(as, true) }

// parquetArtifact reports whether s is what Parquet holds in place of a
// column of type want.
func parquetArtifact(want Type, s srcType) bool {
	if s.dict || s.zoned {
		return false
	}
	switch want.Kind {
	case KindTimestamp:
		return s.kind == KindTimestamp
	case KindFixedSizeList:
		return s.kind == KindList && s.elem == want.Elem
	}
	return false
}

// checkStoredSchema checks the Arrow schema a Parquet file may carry
// (pyarrow and pqarrow store one) with ReadIPCSchema's defences before
// pqarrow reads it with arrow-go's unguarded IPC reader, which a crafted
// schema makes allocate gigabytes. It decodes the value as pqarrow does.
func checkStoredSchema(pf *file.Reader) error {
	kv := pf.MetaData().KeyValueMetadata()
	if kv == nil {
		return nil
	}
	v := kv.FindValue("ARROW:schema")
	if v == nil {
		return nil
	}
	var decoded []byte
	var err error
	if len(*v)%4 == 0 {
		decoded, err = base64.StdEncoding.DecodeString(*v)
	}
	if len(decoded) == 0 || err != nil {
		if decoded, err = base64.RawStdEncoding.DecodeString(*v); err != nil {
			return nil // pqarrow reports it
		}
	}
	if _, err := ReadIPCSchema(decoded); err != nil {
		return fmt.Errorf("its ARROW:schema: %w", err)
	}
	return nil
}

func isPandasIndex(name string) bool {
	return strings.HasPrefix(name, "__index_level_") && strings.HasSuffix(name, "__")
}

// appendLeaves appends the Parquet column indexes of f's leaves.
func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}

// isUTCZone reports whether an Arrow time zone is UTC itself.
func isUTCZone(tz string) bool {
	switch tz {
	case "UTC", "utc", "Etc/UTC", "Z", "+00:00", "GMT", "Etc/GMT":
		return true
	}
	return false
}

// utcAsNaive returns s with its top-level UTC timestamps made zone-less,
// and whether there were any.
func utcAsNaive(s *arrow.Schema) (*arrow.Schema, bool) {
	var fields []arrow.Field
	for i, f := range s.Fields() {
		if ts, ok := f.Type.(*arrow.TimestampType); ok && isUTCZone(ts.TimeZone) {
			if fields == nil {
				fields = s.Fields()
			}
			fields[i].Type = &arrow.TimestampType{Unit: ts.Unit}
		}
	}
	if fields == nil {
		return s, false
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md), true
}

// retypeRecord returns rec's columns under schema, whose types differ from
// rec's only in timestamps' zones: the buffers are shared. Release the
// result.
func retypeRecord(rec arrow.RecordBatch, schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		col := rec.Column(i)
		if want := schema.Field(i).Type; !arrow.TypeEqual(col.DataType(), want) {
			d := col.Data()
			nd := array.NewData(want, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
			cols[i] = array.MakeFromData(nd)
			nd.Release()
			defer cols[i].Release()
		} else {
			cols[i] = col
		}
	}
	return array.NewRecordBatch(schema, cols, rec.NumRows())
}

// watchedSource remembers the first error of the underlying reader that
// is not an end of file, so a failing disk is not reported as a corrupt
// file.
type watchedSource struct {
	parquet.ReaderAtSeeker
	mu  sync.Mutex
	err error
}

func (s *watchedSource) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.ReaderAtSeeker.ReadAt(p, off)
	if err != nil && err != io.EOF {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return n, err
}

func (s *watchedSource) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Page decompression. arrow-go decodes a page into a buffer of the size
// the page header declares (allocated from the reader's allocator, so
// within MaxMemory), and its gzip, brotli and lz4_raw decoders stop there;
// but its snappy decoder allocates whatever length the snappy block
// declares, and its zstd decoder whatever the frames declare or inflate
// to: a few KB of corrupt file could take gigabytes. arrow-go's intended
// extension point, a codec registered at init, replaces those two with
// decoders bounded by the destination. Only decoding of pages declaring
// more than they hold changes; encoding is delegated unchanged.
func init() {
	for _, c := range []compress.Compression{compress.Codecs.Snappy, compress.Codecs.Zstd} {
		inner, err := compress.GetCodec(c)
		if err != nil {
			continue
		}
		sc, ok := inner.(streamingCodec)
		if !ok {
			continue
		}
		compress.RegisterCodec(c, boundedCodec{streamingCodec: sc, zstd: c == compress.Codecs.Zstd})
	}
}

type streamingCodec interface {
	compress.Codec
	compress.StreamingCodec
}

// boundedCodec decodes into its destination and no further.
type boundedCodec struct {
	streamingCodec
	zstd bool
}

func (b boundedCodec) Decode(dst, src []byte) []byte {
	out, err := b.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // as arrow-go's codecs do; compress.Decode calls DecodeWithError
	}
	return out
}

func (b boundedCodec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if dst == nil { // no declared size to hold it to
		return compress.Decode(b.streamingCodec, dst, src)
	}
	if !b.zstd {
		// A snappy block starts with its decoded length.
		n, k := binary.Uvarint(src)
		if k <= 0 || n > uint64(len(dst)) {
			return nil, fmt.Errorf("snappy block of %d bytes for a page of %d", n, len(dst))
		}
		return compress.Decode(b.streamingCodec, dst, src)
	}
	// The streaming zstd decoder allocates its window: bound it by the
	// page (or zstd's default window, 8 MiB, for small pages).
	w, err := zstdWindow(src)
	if err != nil {
		return nil, fmt.Errorf("zstd page: %w", err)
	}
	if w > uint64(max(2*len(dst), 8<<20)) {
		return nil, fmt.Errorf("zstd window of %d bytes for a page of %d", w, len(dst))
	}
	rc := b.NewReader(bytes.NewReader(src))
	defer rc.Close()
	n, err := io.ReadFull(rc, dst)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	var extra [1]byte
	if k, _ := rc.Read(extra[:]); k != 0 {
		return nil, fmt.Errorf("zstd page decodes to more than its %d bytes", len(dst))
	}
	return dst[:n], nil
}
