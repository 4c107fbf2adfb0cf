package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Content types of write bodies.
const (
	contentArrow   = "application/vnd.apache.arrow.stream"
	contentParquet = "application/vnd.apache.parquet"
	contentJSON    = "application/json"
)

// errSpill marks failures of the upload's temporary storage: the server's
// fault, not the input's.
var errSpill = errors.New("temporary upload storage")

// PUT /api/v1/table/{name}/write: upserts the rows of the body, an Arrow
// IPC stream, a Parquet file or JSON columns (by Content-Type), with
// MURR.WRITE's semantics; ?cast=true allows numeric conversions as
// MURR.WRITE's CAST does. Answers {"rows": n}.
func (a *API) write(w http.ResponseWriter, r *http.Request) {
	t, err := a.db.Table(r.PathValue("name"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cast := false
	if v := r.URL.Query().Get("cast"); v != "" {
		if cast, err = strconv.ParseBool(v); err != nil {
			a.fail(w, r, badRequest(fmt.Errorf("cast=%q is not a boolean", v)))
			return
		}
	}
	d, err := columnar.NewDecoder(t.Name(), t.Schema(), cast)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sp := &spill{dir: a.opts.TempDir, limit: a.opts.CommitBytes}
	defer sp.close()

	// Decode everything first: bad input must change nothing.
	if err := a.decodeBody(w, r, t, d, sp); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.Is(err, errSpill) && !errors.As(err, &tooBig) && !errors.Is(err, columnar.ErrTooLarge) {
			var ae *apiError
			if !errors.As(err, &ae) {
				err = badRequest(err)
			}
		}
		a.fail(w, r, err)
		return
	}
	rows := 0
	err = sp.replay(func(u *columnar.Updates) error {
		n, err := a.db.WriteRows(t, u)
		rows += n
		return err
	})
	if err != nil {
		if rows > 0 {
			err = fmt.Errorf("%w (%d of %d rows were stored)", err, rows, sp.count)
		}
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"rows": rows})
}

// decodeBody decodes the body into sp.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, t *engine.Table, d *columnar.Decoder, sp *spill) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		ct = ""
	}
	var u columnar.Updates
	bind := func(s *arrow.Schema) error { return d.Bind(s) }
	record := func(rec arrow.RecordBatch) error {
		if err := d.Record(rec, &u); err != nil {
			return err
		}
		if u.Bytes() < a.opts.CommitBytes {
			return nil
		}
		return spillErr(sp.add(&u))
	}
	switch ct {
	case contentArrow:
		body := http.MaxBytesReader(w, r.Body, a.opts.MaxUploadBytes)
		err = columnar.ReadIPCStream(body, a.opts.MaxBatchBytes, bind, record)
	case contentParquet:
		err = a.decodeParquet(w, r, d.BindParquet, record)
	case contentJSON:
		var rec arrow.RecordBatch
		if rec, err = columnar.DecodeJSONColumns(r.Body, t.Name(), t.Schema(), a.opts.MaxJSONBytes); err == nil {
			defer rec.Release()
			if err = bind(rec.Schema()); err == nil {
				err = record(rec)
			}
		}
	default:
		return &apiError{http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q is not one of %s, %s, %s", r.Header.Get("Content-Type"), contentArrow, contentParquet, contentJSON)}
	}
	if err != nil {
		return err
	}
	return spillErr(sp.add(&u))
}

func spillErr(err error) error {
	if err != nil {
		return fmt.Errorf("%w: %w", errSpill, err)
	}
	return nil
}

// decodeParquet spools the body to a temporary file, since a Parquet
// file's metadata is at its end, and decodes it from there.
func (a *API) decodeParquet(w http.ResponseWriter, r *http.Request, bind func(*arrow.Schema) error, record func(arrow.RecordBatch) error) error {
	f, err := os.CreateTemp(a.opts.TempDir, "murr-parquet-*")
	if err != nil {
		return spillErr(err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, http.MaxBytesReader(w, r.Body, a.opts.MaxUploadBytes)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return spillErr(fmt.Errorf("spool parquet: %w", err))
	}
	return columnar.ReadParquet(f, columnar.ParquetOptions{BatchRows: a.opts.ParquetBatchRows, MaxMemory: a.opts.MaxBatchBytes}, bind, record)
}
