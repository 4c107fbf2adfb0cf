// Package httpapi serves murr-sidecar's tables over HTTP with the routes
// of Murr's API (DESIGN.md, "HTTP API"), so Murr's clients work: table
// creation from a JSON schema, writes of Arrow IPC streams, Parquet files
// or JSON columns, and fetches answered as Arrow IPC or JSON.
//
// # Basics
//
// Writes go through the same path as MURR.WRITE: columnar.Decoder turns
// each record batch into row updates and engine.DB.WriteRows stores them.
// Bodies are streamed: an Arrow stream is decoded batch by batch as it
// arrives, a Parquet file is spooled to a temporary file (its footer comes
// last) and read row group by row group.
//
// # Caveats
//
//   - An upload is decoded and checked in full before its first row is
//     stored, so bad input changes nothing. Updates beyond
//     Options.CommitBytes wait in a temporary file and are then committed
//     in atomic chunks of that size: a reader may see part of a very large
//     upload while it lands, and a failure of the engine itself (not of the
//     input) may leave a prefix of it stored; the error says how many rows.
//   - Error replies are {"error": msg}: 400 bad input, 404 no such table,
//     409 table exists, 413 body too large, 415 unsupported content type,
//     500 engine failures.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Options configures the API. The zero value of each field takes the
// default documented on it.
type Options struct {
	// MaxUploadBytes bounds a write body (Arrow or Parquet). Default 64 GiB.
	MaxUploadBytes int64
	// MaxJSONBytes bounds JSON bodies (schemas, JSON writes, fetch
	// requests), which are decoded in memory. Default 64 MiB.
	MaxJSONBytes int64
	// CommitBytes is how many bytes of encoded updates an upload may hold
	// in memory, and the size of each atomic commit of a larger one.
	// Default 256 MiB.
	CommitBytes int
	// MaxBatchBytes bounds the Arrow buffers one record batch (or Parquet
	// row group) of an upload may need. Default 512 MiB.
	MaxBatchBytes int64
	// ParquetBatchRows is the number of rows decoded from Parquet at a
	// time. Default 65536.
	ParquetBatchRows int
	// TempDir holds spooled uploads. Default os.TempDir().
	TempDir string
	// Logger receives request failures the client cannot fix. Default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 64 << 30
	}
	if o.MaxJSONBytes == 0 {
		o.MaxJSONBytes = 64 << 20
	}
	if o.CommitBytes == 0 {
		o.CommitBytes = 256 << 20
	}
	if o.MaxBatchBytes == 0 {
		o.MaxBatchBytes = 512 << 20
	}
	if o.ParquetBatchRows == 0 {
		o.ParquetBatchRows = 65536
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	if o.MaxUploadBytes < 0 {
		errs = append(errs, errors.New("httpapi: MaxUploadBytes < 0"))
	}
	if o.MaxJSONBytes < 0 {
		errs = append(errs, errors.New("httpapi: MaxJSONBytes < 0"))
	}
	if o.CommitBytes < 0 {
		errs = append(errs, errors.New("httpapi: CommitBytes < 0"))
	}
	if o.MaxBatchBytes < 0 {
		errs = append(errs, errors.New("httpapi: MaxBatchBytes < 0"))
	}
	if o.ParquetBatchRows < 0 {
		errs = append(errs, errors.New("httpapi: ParquetBatchRows < 0"))
	}
	return errors.Join(errs...)
}

// API serves the table routes.
type API struct {
	db   *engine.DB
	opts Options
}

// New returns the API over db.
func New(db *engine.DB, opts Options) (*API, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &API{db: db, opts: opts.withDefaults()}, nil
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/table", a.listTables)
	mux.HandleFunc("PUT /api/v1/table/{name}", a.createTable)
	mux.HandleFunc("DELETE /api/v1/table/{name}", a.dropTable)
	mux.HandleFunc("GET /api/v1/table/{name}/schema", a.getSchema)
	mux.HandleFunc("PUT /api/v1/table/{name}/write", a.write)
	mux.HandleFunc("POST /api/v1/table/{name}/fetch", a.fetch)
}
