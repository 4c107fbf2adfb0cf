package httpapi

import (
	"fmt"
	"net/http"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// GET /api/v1/table: {"<name>": <schema>, ...}.
func (a *API) listTables(w http.ResponseWriter, _ *http.Request) {
	b := []byte{'{'}
	for i, t := range a.db.Tables() {
		if i > 0 {
			b = append(b, ',')
		}
		b = columnar.AppendJSONString(b, t.Name())
		b = append(b, ':')
		b = t.Schema().AppendJSON(b)
	}
	writeRaw(w, http.StatusOK, "application/json", append(b, '}'))
}

// PUT /api/v1/table/{name} with a JSON schema: 201, or 409 if it exists.
func (a *API) createTable(w http.ResponseWriter, r *http.Request) {
	body, err := a.readJSONBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s, err := columnar.ParseJSONSchema(body)
	if err != nil {
		a.fail(w, r, badRequest(fmt.Errorf("schema: %w", err)))
		return
	}
	if err := s.Validate(); err != nil {
		a.fail(w, r, badRequest(fmt.Errorf("schema: %w", err)))
		return
	}
	name := r.PathValue("name")
	if err := engine.ValidTableName(name); err != nil {
		a.fail(w, r, badRequest(err))
		return
	}
	if _, err := a.db.CreateTable(name, s); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"table": name})
}

// DELETE /api/v1/table/{name}: 204, or 404 if there is no such table.
func (a *API) dropTable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ok, err := a.db.DropTable(name)
	switch {
	case err != nil:
		a.fail(w, r, err)
	case !ok:
		a.fail(w, r, fmt.Errorf("%w '%s'", engine.ErrNoTable, name))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// GET /api/v1/table/{name}/schema: the table's JSON schema.
func (a *API) getSchema(w http.ResponseWriter, r *http.Request) {
	t, err := a.db.Table(r.PathValue("name"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", t.Schema().AppendJSON(nil))
}
