package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// fetchRequest is the body of a fetch: keys to read and, optionally, the
// columns (all, key column first, when absent or empty).
type fetchRequest struct {
	Keys    []string `json:"keys"`
	Columns []string `json:"columns"`
}

// POST /api/v1/table/{name}/fetch: one row per key in request order, as
// an Arrow IPC stream when Accept names it, else {"columns": {...}}. A
// missing key's row is null in every column, as in MURR.READ.
func (a *API) fetch(w http.ResponseWriter, r *http.Request) {
	t, err := a.db.Table(r.PathValue("name"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body, err := a.readJSONBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req fetchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		a.fail(w, r, badRequest(fmt.Errorf("fetch request: %w", err)))
		return
	}
	if req.Keys == nil {
		a.fail(w, r, badRequest(errors.New(`fetch request: "keys" is required`)))
		return
	}
	plan, err := columnar.NewReadPlan(t.Name(), t.Schema(), req.Columns)
	if err != nil {
		a.fail(w, r, badRequest(err))
		return
	}
	keys := make([][]byte, len(req.Keys))
	for i, k := range req.Keys {
		keys[i] = []byte(k)
	}
	if strings.Contains(r.Header.Get("Accept"), contentArrow) {
		reply := plan.NewReply(len(keys))
		defer reply.Release()
		if err := a.db.ReadRows(t, keys, func(i int, row columnar.Row) error { return reply.Add(keys[i], row) }); err != nil {
			a.fail(w, r, err)
			return
		}
		writeRaw(w, http.StatusOK, contentArrow, reply.Bytes())
		return
	}
	jr := plan.NewJSONReply(len(keys))
	if err := a.db.ReadRows(t, keys, func(i int, row columnar.Row) error { return jr.Add(keys[i], row) }); err != nil {
		a.fail(w, r, err)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", jr.Bytes())
}
