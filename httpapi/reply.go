package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// apiError is an error with the HTTP status it answers with.
type apiError struct {
	status int
	err    error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// badRequest marks err as the client's fault.
func badRequest(err error) error { return &apiError{http.StatusBadRequest, err} }

// statusOf picks the status of an error no handler classified.
func statusOf(err error) int {
	var ae *apiError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, columnar.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &ae):
		return ae.status
	case errors.Is(err, engine.ErrNoTable):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrTableExists):
		return http.StatusConflict
	case errors.Is(err, engine.ErrReplica):
		// A follower serves reads only; writes go to the writer.
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// fail answers {"error": msg} with the error's status.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		a.opts.Logger.Error("httpapi: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = fmt.Errorf("body is larger than %d bytes", tooBig.Limit)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the reply failed"}`)
	}
	writeRaw(w, status, "application/json", b)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
}

// readJSONBody reads a JSON body of at most MaxJSONBytes.
func (a *API) readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxJSONBytes))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return b, nil
}
