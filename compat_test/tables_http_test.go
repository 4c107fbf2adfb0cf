package compat_test

// Black-box tests of the HTTP table API (DESIGN.md, "HTTP API"): a real
// sidecar with --http-listen, driven with net/http, Arrow IPC streams and
// Parquet files written with arrow-go, and the same tables checked over
// RESP with go-redis. Every check compares what the server returns with a
// model of what the test wrote.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// Content types of the HTTP API.
const (
	ctArrowStream = "application/vnd.apache.arrow.stream"
	ctParquet     = "application/vnd.apache.parquet"
	ctJSON        = "application/json"
)

// itemsSchemaJSON is the Murr JSON schema of the test table. Its value
// columns are deliberately not in alphabetical order, so that a server
// keeping them in a Go map would be caught.
const itemsSchemaJSON = `{"key": "id", "columns": {
	"id": {"dtype": "utf8", "nullable": false},
	"score": {"dtype": "float32"},
	"emb": {"dtype": "fixed_size_list<float32,4>"},
	"tags": {"dtype": "list<int32>"},
	"name": {"dtype": "utf8"}},
	"ttl_seconds": 0}`

// itemsColumns are the table's columns in schema order, key first, with
// the dtypes the server must report.
var itemsColumns = []struct{ name, dtype string }{
	{"id", "utf8"},
	{"score", "float32"},
	{"emb", "fixed_size_list<float32,4>"},
	{"tags", "list<int32>"},
	{"name", "utf8"},
}

// itemRow is one row of the test table as the model holds it and as the
// tests decode it from replies. nil is null; Tags distinguishes an empty
// list ([]int32{}) from null (nil).
type itemRow struct {
	ID    *string
	Score *float32
	Emb   []float32
	Tags  []int32
	Name  *string
}

func (r itemRow) String() string {
	s := func(p *string) string {
		if p == nil {
			return "null"
		}
		return strconv.Quote(*p)
	}
	score := "null"
	if r.Score != nil {
		score = strconv.FormatFloat(float64(*r.Score), 'g', -1, 32)
	}
	list := func(isNil bool, v any) string {
		if isNil {
			return "null"
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("{id=%s score=%s emb=%s tags=%s name=%s}", s(r.ID), score,
		list(r.Emb == nil, r.Emb), list(r.Tags == nil, r.Tags), s(r.Name))
}

func ptr[T any](v T) *T { return &v }

// itemsModel is what the table should hold: key → row.
type itemsModel map[string]itemRow

// want returns the rows a fetch of keys must give: a missing key's row is
// null in every column, the key column included.
func (m itemsModel) want(keys []string) []itemRow {
	out := make([]itemRow, len(keys))
	for i, k := range keys {
		out[i] = m[k] // zero itemRow (all null) if missing
	}
	return out
}

// put stores a row, replacing only the columns listed (the others keep
// their values, or are null for a new key).
func (m itemsModel) put(r itemRow, columns ...string) {
	cur, ok := m[*r.ID]
	if !ok {
		cur = itemRow{ID: ptr(*r.ID)}
	}
	for _, c := range columns {
		switch c {
		case "score":
			cur.Score = r.Score
		case "emb":
			cur.Emb = r.Emb
		case "tags":
			cur.Tags = r.Tags
		case "name":
			cur.Name = r.Name
		}
	}
	m[*r.ID] = cur
}

// genItem is row i of the generated data, with nulls in every value
// column at different rates (in emb only if embNulls), empty lists and
// non-ASCII text.
func genItem(rng *rand.Rand, key string, i int, embNulls bool) itemRow {
	r := itemRow{ID: ptr(key)}
	if i%7 != 3 {
		r.Score = ptr(float32(i)*0.5 + rng.Float32())
	}
	if i%11 != 5 || !embNulls {
		r.Emb = []float32{rng.Float32(), -rng.Float32(), float32(i), 1e-3 * float32(i%97)}
	}
	if i%13 != 0 {
		r.Tags = make([]int32, i%5) // sometimes empty
		for j := range r.Tags {
			r.Tags[j] = int32(rng.IntN(1<<31)) - 1<<30
		}
	}
	if i%3 != 0 {
		r.Name = ptr(fmt.Sprintf("näme-%d-✓", i))
	}
	return r
}

// Arrow types of the table's columns, as a client sends them.
var itemsArrowTypes = map[string]arrow.DataType{
	"id":    arrow.BinaryTypes.String,
	"score": arrow.PrimitiveTypes.Float32,
	"emb":   arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32),
	"tags":  arrow.ListOf(arrow.PrimitiveTypes.Int32),
	"name":  arrow.BinaryTypes.String,
}

// itemsRecord builds a record of rows with the given columns (id first).
func itemsRecord(rows []itemRow, columns ...string) arrow.RecordBatch {
	return itemsRecordAs(rows, false, columns...)
}

// itemsRecordAs is itemsRecord, with emb sent as list<float32> if
// embAsList.
func itemsRecordAs(rows []itemRow, embAsList bool, columns ...string) arrow.RecordBatch {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		fields[i] = arrow.Field{Name: c, Type: itemsArrowTypes[c], Nullable: c != "id"}
		if c == "emb" && embAsList {
			fields[i].Type = arrow.ListOf(arrow.PrimitiveTypes.Float32)
		}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for i, c := range columns {
			fb := b.Field(i)
			switch c {
			case "id":
				if r.ID == nil {
					fb.AppendNull()
				} else {
					fb.(*array.StringBuilder).Append(*r.ID)
				}
			case "name":
				if r.Name == nil {
					fb.AppendNull()
				} else {
					fb.(*array.StringBuilder).Append(*r.Name)
				}
			case "score":
				if r.Score == nil {
					fb.AppendNull()
				} else {
					fb.(*array.Float32Builder).Append(*r.Score)
				}
			case "emb":
				lb := fb.(array.ListLikeBuilder)
				if r.Emb == nil {
					lb.AppendNull()
				} else {
					lb.Append(true)
					lb.ValueBuilder().(*array.Float32Builder).AppendValues(r.Emb, nil)
				}
			case "tags":
				lb := fb.(*array.ListBuilder)
				if r.Tags == nil {
					lb.AppendNull()
				} else {
					lb.Append(true)
					lb.ValueBuilder().(*array.Int32Builder).AppendValues(r.Tags, nil)
				}
			}
		}
	}
	return b.NewRecordBatch()
}

// arrowStream serialises records of one schema as an Arrow IPC stream.
func arrowStream(t testing.TB, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()))
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parquetFile writes a Snappy-compressed Parquet file with one row group
// per record, with the Arrow schema stored in the file (as pyarrow does)
// or not (as Spark does). (One record per row group, rather than one
// record split by the writer: arrow-go v18.8.0's writer ignores the slice
// offset of a fixed_size_list and writes the first row group's values
// again in every later one.)
func parquetFile(t testing.TB, storeSchema bool, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(1<<30), parquet.WithCompression(compress.Codecs.Snappy))
	var aopts []pqarrow.WriterOption
	if storeSchema {
		aopts = append(aopts, pqarrow.WithStoreSchema())
	}
	w, err := pqarrow.NewFileWriter(recs[0].Schema(), &buf, props, pqarrow.NewArrowWriterProperties(aopts...))
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// itemsParquet writes rows with the given columns as a Parquet file in
// row groups of rowGroup rows, emb as list<float32> if embAsList.
func itemsParquet(t testing.TB, rows []itemRow, rowGroup int, storeSchema, embAsList bool, columns ...string) []byte {
	t.Helper()
	var recs []arrow.RecordBatch
	for off := 0; off < len(rows); off += rowGroup {
		rec := itemsRecordAs(rows[off:min(off+rowGroup, len(rows))], embAsList, columns...)
		defer rec.Release()
		recs = append(recs, rec)
	}
	return parquetFile(t, storeSchema, recs...)
}

// parquetRowGroups counts the row groups of a Parquet file.
func parquetRowGroups(t testing.TB, b []byte) int {
	t.Helper()
	r, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return r.NumRowGroups()
}

// httpAPI is a client of one sidecar's HTTP API.
type httpAPI struct {
	base string
	c    *http.Client
}

// httpReply is a response with its body read.
type httpReply struct {
	status int
	ctype  string
	body   []byte
}

func (r httpReply) String() string {
	b := r.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d (%s) %q", r.status, r.ctype, b)
}

// startHTTPSidecar starts a sidecar serving HTTP on a free port and waits
// until GET /health answers.
func startHTTPSidecar(t *testing.T) (*procs.Proc, *httpAPI) {
	t.Helper()
	if sidecarBin == "" {
		t.Skip("the HTTP table API is murr-sidecar's own")
	}
	port, err := procs.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// StartSidecar passes --http-listen "" first; a later flag wins.
	p := startSidecar(t, "--http-listen", addr)
	a := &httpAPI{base: "http://" + addr, c: &http.Client{Timeout: time.Minute}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := a.c.Get(a.base + "/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HTTP API on %s never answered: %v\n%s", addr, err, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p, a
}

// do sends a request; header is pairs of name, value.
func (a *httpAPI) do(t testing.TB, method, path string, body []byte, header ...string) httpReply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return httpReply{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: b}
}

// expectStatus fails t unless r has the status.
func expectStatus(t testing.TB, what string, r httpReply, status int) bool {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: got %s, want status %d", what, r, status)
		return false
	}
	return true
}

// expectAPIError checks an error reply: the status, a JSON body
// {"error": msg} with a non-empty msg containing each of mentions.
func expectAPIError(t testing.TB, what string, r httpReply, status int, mentions ...string) {
	t.Helper()
	if !expectStatus(t, what, r, status) {
		return
	}
	if !strings.HasPrefix(r.ctype, ctJSON) {
		t.Errorf("%s: Content-Type %q, want %s", what, r.ctype, ctJSON)
	}
	var e map[string]any
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Errorf("%s: error body %q is not JSON: %v", what, r.body, err)
		return
	}
	msg, ok := e["error"].(string)
	if !ok || msg == "" {
		t.Errorf(`%s: error body %q has no non-empty "error" string`, what, r.body)
		return
	}
	for _, m := range mentions {
		if !strings.Contains(msg, m) {
			t.Errorf("%s: error %q does not mention %q", what, msg, m)
		}
	}
}

// expectRowsWritten checks a write's reply {"rows": n}.
func expectRowsWritten(t testing.TB, what string, r httpReply, n int) bool {
	t.Helper()
	if !expectStatus(t, what, r, http.StatusOK) {
		return false
	}
	var got struct {
		Rows *int `json:"rows"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || got.Rows == nil {
		t.Errorf(`%s: body %q is not {"rows": n} (%v)`, what, r.body, err)
		return false
	}
	if *got.Rows != n {
		t.Errorf("%s: rows = %d, want %d", what, *got.Rows, n)
		return false
	}
	return true
}

func (a *httpAPI) write(t testing.TB, table, contentType string, body []byte, query string) httpReply {
	t.Helper()
	path := "/api/v1/table/" + table + "/write"
	if query != "" {
		path += "?" + query
	}
	h := []string{}
	if contentType != "" {
		h = append(h, "Content-Type", contentType)
	}
	return a.do(t, http.MethodPut, path, body, h...)
}

func fetchBody(t testing.TB, keys, columns []string) []byte {
	t.Helper()
	req := map[string][]string{"keys": keys}
	if columns != nil {
		req["columns"] = columns
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fetchArrow fetches keys as an Arrow IPC stream and decodes the rows.
func (a *httpAPI) fetchArrow(t testing.TB, table string, keys []string) []itemRow {
	t.Helper()
	r := a.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", fetchBody(t, keys, nil),
		"Content-Type", ctJSON, "Accept", ctArrowStream)
	if r.status != http.StatusOK {
		t.Fatalf("fetch (Arrow) of %d keys: %s", len(keys), r)
	}
	if r.ctype != ctArrowStream {
		t.Errorf("fetch (Arrow): Content-Type %q, want %s", r.ctype, ctArrowStream)
	}
	return itemRowsFromIPC(t, r.body, len(keys))
}

// itemRowsFromIPC decodes a reply stream that must hold the schema of the
// whole table and exactly one batch of n rows.
func itemRowsFromIPC(t testing.TB, b []byte, n int) []itemRow {
	t.Helper()
	rd, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode Arrow reply: %v", err)
	}
	defer rd.Release()
	var rows []itemRow
	batches := 0
	for rd.Next() {
		batches++
		rows = append(rows, itemRowsFromRecord(t, rd.RecordBatch())...)
	}
	if err := rd.Err(); err != nil {
		t.Fatalf("decode Arrow reply: %v", err)
	}
	if batches != 1 || len(rows) != n {
		t.Fatalf("Arrow reply holds %d batches and %d rows, want 1 batch of %d rows", batches, len(rows), n)
	}
	return rows
}

// itemRowsFromRecord checks rec's schema is the table's, in column order
// with its exact types, and returns its rows.
func itemRowsFromRecord(t testing.TB, rec arrow.RecordBatch) []itemRow {
	t.Helper()
	fields := rec.Schema().Fields()
	if len(fields) != len(itemsColumns) {
		t.Fatalf("reply schema %s, want columns %v", rec.Schema(), itemsColumns)
	}
	for i, c := range itemsColumns {
		if fields[i].Name != c.name || !arrow.TypeEqual(fields[i].Type, itemsArrowTypes[c.name]) {
			t.Fatalf("reply column %d is %s %s, want %s %s (schema %s)", i, fields[i].Name, fields[i].Type, c.name, itemsArrowTypes[c.name], rec.Schema())
		}
	}
	ids := rec.Column(0).(*array.String)
	scores := rec.Column(1).(*array.Float32)
	embs := rec.Column(2).(*array.FixedSizeList)
	embVals := embs.ListValues().(*array.Float32)
	tags := rec.Column(3).(*array.List)
	tagVals := tags.ListValues().(*array.Int32)
	names := rec.Column(4).(*array.String)
	rows := make([]itemRow, rec.NumRows())
	for i := range rows {
		r := &rows[i]
		if ids.IsValid(i) {
			r.ID = ptr(ids.Value(i))
		}
		if scores.IsValid(i) {
			r.Score = ptr(scores.Value(i))
		}
		if embs.IsValid(i) {
			s, e := embs.ValueOffsets(i)
			r.Emb = slices.Clone(embVals.Float32Values()[s:e])
		}
		if tags.IsValid(i) {
			s, e := tags.ValueOffsets(i)
			r.Tags = append([]int32{}, tagVals.Int32Values()[s:e]...)
		}
		if names.IsValid(i) {
			r.Name = ptr(names.Value(i))
		}
	}
	return rows
}

// fetchJSON fetches keys without Accept and decodes the JSON columns,
// checking they come in schema order.
func (a *httpAPI) fetchJSON(t testing.TB, table string, keys []string) []itemRow {
	t.Helper()
	r := a.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", fetchBody(t, keys, nil), "Content-Type", ctJSON)
	if r.status != http.StatusOK {
		t.Fatalf("fetch (JSON) of %d keys: %s", len(keys), r)
	}
	if !strings.HasPrefix(r.ctype, ctJSON) {
		t.Errorf("fetch (JSON): Content-Type %q, want %s", r.ctype, ctJSON)
	}
	var doc struct {
		Columns json.RawMessage `json:"columns"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.Columns == nil {
		t.Fatalf(`fetch (JSON): body is not {"columns": {...}}: %v: %.300q`, err, r.body)
	}
	var want []string
	for _, c := range itemsColumns {
		want = append(want, c.name)
	}
	if got := jsonObjectKeys(t, doc.Columns); !slices.Equal(got, want) {
		t.Fatalf("fetch (JSON): columns %q, want %q in that order", got, want)
	}
	var cols struct {
		ID    []*string        `json:"id"`
		Score []*json.Number   `json:"score"`
		Emb   []*[]json.Number `json:"emb"`
		Tags  []*[]int32       `json:"tags"`
		Name  []*string        `json:"name"`
	}
	d := json.NewDecoder(bytes.NewReader(doc.Columns))
	d.UseNumber()
	if err := d.Decode(&cols); err != nil {
		t.Fatalf("fetch (JSON): columns: %v: %.300q", err, doc.Columns)
	}
	for name, n := range map[string]int{"id": len(cols.ID), "score": len(cols.Score), "emb": len(cols.Emb), "tags": len(cols.Tags), "name": len(cols.Name)} {
		if n != len(keys) {
			t.Fatalf("fetch (JSON): column %s has %d values, want %d", name, n, len(keys))
		}
	}
	f32 := func(n json.Number) float32 {
		f, err := strconv.ParseFloat(string(n), 32)
		if err != nil {
			t.Fatalf("fetch (JSON): %q is not a float32: %v", n, err)
		}
		return float32(f)
	}
	rows := make([]itemRow, len(keys))
	for i := range rows {
		r := &rows[i]
		r.ID, r.Name = cols.ID[i], cols.Name[i]
		if n := cols.Score[i]; n != nil {
			r.Score = ptr(f32(*n))
		}
		if l := cols.Emb[i]; l != nil {
			r.Emb = []float32{}
			for _, n := range *l {
				r.Emb = append(r.Emb, f32(n))
			}
		}
		if l := cols.Tags[i]; l != nil {
			r.Tags = *l
		}
	}
	return rows
}

// jsonObjectKeys returns the member names of a JSON object, in order.
func jsonObjectKeys(t testing.TB, b []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%.200q is not a JSON object", b)
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// expectItemRows compares rows fetched for keys with the model, reporting
// the first few differences.
func expectItemRows(t testing.TB, what string, keys []string, got []itemRow, m itemsModel) bool {
	t.Helper()
	want := m.want(keys)
	bad := 0
	for i := range keys {
		if !reflect.DeepEqual(got[i], want[i]) {
			if bad < 5 {
				t.Errorf("%s: row %d (key %q):\n got %v\nwant %v", what, i, keys[i], got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d rows differ", what, bad, len(keys))
	}
	return bad == 0
}

// checkSchemaJSON checks a table's JSON schema as the API returns it.
func checkSchemaJSON(t testing.TB, what string, b []byte) {
	t.Helper()
	var s struct {
		Key     string          `json:"key"`
		Columns json.RawMessage `json:"columns"`
		TTL     *int64          `json:"ttl_seconds"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: schema %q: %v", what, b, err)
	}
	if s.Key != "id" || s.TTL == nil || *s.TTL != 0 {
		t.Errorf(`%s: schema %s, want key "id" and ttl_seconds 0`, what, b)
	}
	var names []string
	for _, c := range itemsColumns {
		names = append(names, c.name)
	}
	if got := jsonObjectKeys(t, s.Columns); !slices.Equal(got, names) {
		t.Errorf("%s: columns %q, want %q in that order", what, got, names)
	}
	var cols map[string]json.RawMessage
	if err := json.Unmarshal(s.Columns, &cols); err != nil {
		t.Fatal(err)
	}
	for _, c := range itemsColumns {
		var col struct {
			Dtype string `json:"dtype"`
		}
		if err := json.Unmarshal(cols[c.name], &col); err != nil || col.Dtype != c.dtype {
			t.Errorf("%s: column %s is %s, want dtype %q", what, c.name, cols[c.name], c.dtype)
		}
	}
}

// fetchKeys picks n keys to fetch: mostly existing ones at random, some
// missing, and repeats of earlier picks.
func fetchKeys(rng *rand.Rand, existing []string, n int) []string {
	keys := make([]string, 0, n)
	for len(keys) < n {
		switch x := rng.IntN(10); {
		case x == 0:
			keys = append(keys, fmt.Sprintf("missing:%d", rng.IntN(1000)))
		case x == 1 && len(keys) > 0:
			keys = append(keys, keys[rng.IntN(len(keys))])
		default:
			keys = append(keys, existing[rng.IntN(len(existing))])
		}
	}
	return keys
}

func TestHTTPTableAPI(t *testing.T) {
	p, api := startHTTPSidecar(t)
	rng := rand.New(rand.NewPCG(7, 42))
	m := itemsModel{}
	const table = "items"
	var allKeys []string // every key written, for random fetches

	// checkUnchanged fetches keys and compares them with the model: after
	// a failed request, nothing it carried may have been stored.
	checkUnchanged := func(t *testing.T, what string, keys []string) {
		t.Helper()
		expectItemRows(t, what+": data after the failed request", keys, api.fetchArrow(t, table, keys), m)
	}

	if !t.Run("Health", func(t *testing.T) {
		r := api.do(t, http.MethodGet, "/health", nil)
		if expectStatus(t, "GET /health", r, http.StatusOK) && strings.TrimSpace(string(r.body)) != "OK" {
			t.Errorf("GET /health body %q, want OK", r.body)
		}
	}) {
		t.FailNow()
	}

	if !t.Run("CreateTable", func(t *testing.T) {
		r := api.do(t, http.MethodPut, "/api/v1/table/"+table, []byte(itemsSchemaJSON), "Content-Type", ctJSON)
		if !expectStatus(t, "PUT table", r, http.StatusCreated) {
			t.FailNow()
		}
		r = api.do(t, http.MethodPut, "/api/v1/table/"+table, []byte(itemsSchemaJSON), "Content-Type", ctJSON)
		expectAPIError(t, "PUT of an existing table", r, http.StatusConflict)
		r = api.do(t, http.MethodPut, "/api/v1/table/badtype", []byte(`{"key": "id", "columns": {"x": {"dtype": "float128"}}}`), "Content-Type", ctJSON)
		expectAPIError(t, "PUT table with an unknown dtype", r, http.StatusBadRequest, "float128")
		r = api.do(t, http.MethodPut, "/api/v1/table/badjson", []byte(`{"key": "id", "columns": `), "Content-Type", ctJSON)
		expectAPIError(t, "PUT table with truncated JSON", r, http.StatusBadRequest)
		r = api.do(t, http.MethodGet, "/api/v1/table/badtype/schema", nil)
		expectAPIError(t, "schema of a table whose creation failed", r, http.StatusNotFound)
	}) {
		t.FailNow()
	}

	t.Run("SchemaAndList", func(t *testing.T) {
		r := api.do(t, http.MethodGet, "/api/v1/table/"+table+"/schema", nil)
		if expectStatus(t, "GET schema", r, http.StatusOK) {
			checkSchemaJSON(t, "GET schema", r.body)
		}
		r = api.do(t, http.MethodGet, "/api/v1/table", nil)
		if !expectStatus(t, "GET /api/v1/table", r, http.StatusOK) {
			return
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &all); err != nil {
			t.Fatalf("GET /api/v1/table: %q: %v", r.body, err)
		}
		if len(all) != 1 || all[table] == nil {
			t.Fatalf("GET /api/v1/table = %s, want just %q", r.body, table)
		}
		checkSchemaJSON(t, "GET /api/v1/table", all[table])
		r = api.do(t, http.MethodGet, "/api/v1/table/nosuch/schema", nil)
		expectAPIError(t, "schema of an unknown table", r, http.StatusNotFound, "nosuch")
	})

	if !t.Run("WriteParquet", func(t *testing.T) {
		const n, rowGroup = 30000, 4096
		rows := make([]itemRow, n)
		for i := range rows {
			// arrow-go cannot write a null fixed_size_list to Parquet:
			// null embs go through Parquet in ParquetWithoutArrowSchema.
			rows[i] = genItem(rng, fmt.Sprintf("item:%d", i), i, false)
		}
		pq := itemsParquet(t, rows, rowGroup, true, false, "id", "score", "emb", "tags", "name")
		if g := parquetRowGroups(t, pq); g < 2 {
			t.Fatalf("test file has %d row groups, want several", g)
		}
		r := api.write(t, table, ctParquet, pq, "")
		if !expectRowsWritten(t, "PUT Parquet", r, n) {
			t.FailNow()
		}
		for _, row := range rows {
			m.put(row, "score", "emb", "tags", "name")
			allKeys = append(allKeys, *row.ID)
		}
	}) {
		t.FailNow()
	}

	t.Run("FetchArrowAndJSON", func(t *testing.T) {
		keys := fetchKeys(rng, allKeys, 400)
		// The first and last rows of the file, and both ends of a row group.
		keys = append(keys, "item:0", "item:29999", "item:4095", "item:4096", "missing:x", "item:0")
		expectItemRows(t, "fetch (Arrow)", keys, api.fetchArrow(t, table, keys), m)
		expectItemRows(t, "fetch (JSON)", keys, api.fetchJSON(t, table, keys), m)
	})

	t.Run("FetchProjection", func(t *testing.T) {
		keys := []string{"item:1", "missing", "item:2", "item:1"}
		r := api.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch",
			fetchBody(t, keys, []string{"name", "id", "score"}), "Content-Type", ctJSON)
		if !expectStatus(t, "fetch with columns", r, http.StatusOK) {
			return
		}
		var doc struct {
			Columns json.RawMessage `json:"columns"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("%q: %v", r.body, err)
		}
		if got := jsonObjectKeys(t, doc.Columns); !slices.Equal(got, []string{"name", "id", "score"}) {
			t.Errorf("fetch with columns [name id score]: columns %q", got)
		}
		var cols map[string][]any
		if err := json.Unmarshal(doc.Columns, &cols); err != nil {
			t.Fatal(err)
		}
		wantIDs := []any{"item:1", nil, "item:2", "item:1"}
		if !reflect.DeepEqual(cols["id"], wantIDs) {
			t.Errorf("fetch with columns: id = %v, want %v", cols["id"], wantIDs)
		}
		// item:1 has a name (1%3 != 0) and a score (1%7 != 3).
		if s, _ := cols["name"][0].(string); s != *m["item:1"].Name {
			t.Errorf("fetch with columns: name[0] = %v, want %q", cols["name"][0], *m["item:1"].Name)
		}
		if cols["score"][1] != nil || cols["name"][1] != nil {
			t.Errorf("fetch with columns: missing key's row = %v %v, want nulls", cols["score"][1], cols["name"][1])
		}
	})

	t.Run("WriteArrowPartialColumns", func(t *testing.T) {
		// Three batches updating score and tags of existing rows (emb
		// and name must keep their values) and adding new rows.
		var recs []arrow.RecordBatch
		var keys []string
		total := 0
		for b := range 3 {
			var rows []itemRow
			for j := range 400 {
				i := 1000 + b*400 + j
				key := fmt.Sprintf("item:%d", i)
				if j%5 == 0 {
					key = fmt.Sprintf("arrow-new:%d", i)
				}
				r := itemRow{ID: ptr(key)}
				if j%9 != 0 {
					r.Score = ptr(-float32(i) - 0.25)
				}
				if j%4 != 1 {
					r.Tags = []int32{int32(i), int32(-b)}
				}
				rows = append(rows, r)
				keys = append(keys, key)
			}
			recs = append(recs, itemsRecord(rows, "id", "score", "tags"))
			total += len(rows)
			defer recs[b].Release()
			for _, r := range rows {
				m.put(r, "score", "tags")
			}
		}
		r := api.write(t, table, ctArrowStream, arrowStream(t, recs...), "")
		if !expectRowsWritten(t, "PUT Arrow stream", r, total) {
			return
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "arrow-new:") {
				allKeys = append(allKeys, k)
			}
		}
		// Then emb and name only, nulling some stored values.
		var rows []itemRow
		for i := 3000; i < 3020; i++ {
			r := itemRow{ID: ptr(fmt.Sprintf("item:%d", i))}
			if i%2 == 1 {
				r.Emb = []float32{float32(i), 0, -1, 0.5}
			}
			if i%3 == 1 {
				r.Name = ptr(fmt.Sprint("renamed ", i))
			}
			rows = append(rows, r)
			keys = append(keys, *r.ID)
			m.put(r, "emb", "name")
		}
		rec := itemsRecord(rows, "id", "emb", "name")
		defer rec.Release()
		r = api.write(t, table, ctArrowStream, arrowStream(t, rec), "")
		if !expectRowsWritten(t, "PUT Arrow stream of emb and name", r, len(rows)) {
			return
		}
		probe := append(slices.Clone(keys), "item:999", "item:2200", "missing:1")
		expectItemRows(t, "fetch after the Arrow write", probe, api.fetchArrow(t, table, probe), m)
		expectItemRows(t, "fetch (JSON) after the Arrow write", probe, api.fetchJSON(t, table, probe), m)
	})

	t.Run("WriteJSON", func(t *testing.T) {
		body := `{"columns": {"id": ["item:5", "json:ключ", "json:2"], "score": [0.1, null, -3.5], "name": ["ñ", "x\"y", null]}}`
		r := api.write(t, table, ctJSON, []byte(body), "")
		if !expectRowsWritten(t, "PUT JSON", r, 3) {
			return
		}
		m.put(itemRow{ID: ptr("item:5"), Score: ptr(float32(0.1)), Name: ptr("ñ")}, "score", "name")
		m.put(itemRow{ID: ptr("json:ключ"), Name: ptr(`x"y`)}, "score", "name")
		m.put(itemRow{ID: ptr("json:2"), Score: ptr(float32(-3.5))}, "score", "name")
		allKeys = append(allKeys, "json:ключ", "json:2")
		keys := []string{"json:2", "item:5", "json:ключ", "item:6"}
		expectItemRows(t, "fetch after the JSON write", keys, api.fetchArrow(t, table, keys), m)
		expectItemRows(t, "fetch (JSON) after the JSON write", keys, api.fetchJSON(t, table, keys), m)
	})

	t.Run("Cast", func(t *testing.T) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.BinaryTypes.String},
			{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		}, nil))
		defer b.Release()
		var keys []string
		var vals []float64
		for i := range 10 {
			keys = append(keys, fmt.Sprintf("item:%d", 10+i))
			vals = append(vals, 0.1*float64(i)+1e6)
		}
		b.Field(0).(*array.StringBuilder).AppendValues(keys, nil)
		b.Field(1).(*array.Float64Builder).AppendValues(vals, nil)
		rec := b.NewRecordBatch()
		defer rec.Release()
		stream := arrowStream(t, rec)

		r := api.write(t, table, ctArrowStream, stream, "")
		expectAPIError(t, "float64 into float32 without cast", r, http.StatusBadRequest, "score", "float64")
		checkUnchanged(t, "float64 without cast", keys)
		r = api.write(t, table, ctArrowStream, stream, "cast=false")
		expectAPIError(t, "float64 into float32 with cast=false", r, http.StatusBadRequest, "score")
		r = api.write(t, table, ctArrowStream, stream, "cast=maybe")
		expectAPIError(t, "cast=maybe", r, http.StatusBadRequest)
		checkUnchanged(t, "cast=maybe", keys)

		r = api.write(t, table, ctArrowStream, stream, "cast=true")
		if !expectRowsWritten(t, "float64 into float32 with cast=true", r, len(keys)) {
			return
		}
		for i, k := range keys {
			m.put(itemRow{ID: ptr(k), Score: ptr(float32(vals[i]))}, "score")
		}
		expectItemRows(t, "fetch after the cast write", keys, api.fetchArrow(t, table, keys), m)
	})

	t.Run("BadRequestsChangeNothing", func(t *testing.T) {
		// Every bad request below tries to change these rows.
		var probe []string
		var changed []itemRow
		for i := 100; i < 150; i++ {
			k := fmt.Sprintf("item:%d", i)
			probe = append(probe, k)
			changed = append(changed, itemRow{ID: ptr(k), Score: ptr(float32(-7)), Name: ptr("changed")})
		}
		good := itemsRecord(changed, "id", "score", "name")
		defer good.Release()
		goodStream := arrowStream(t, good)
		before := api.fetchArrow(t, table, probe)
		if !expectItemRows(t, "probe rows before the bad requests", probe, before, m) {
			t.FailNow()
		}

		r := api.write(t, "nosuch", ctArrowStream, goodStream, "")
		expectAPIError(t, "write to an unknown table", r, http.StatusNotFound, "nosuch")
		r = api.do(t, http.MethodPost, "/api/v1/table/nosuch/fetch", fetchBody(t, probe, nil), "Content-Type", ctJSON)
		expectAPIError(t, "fetch from an unknown table", r, http.StatusNotFound, "nosuch")

		// A column the table does not have.
		{
			b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.BinaryTypes.String},
				{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
				{Name: "bogus", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
			}, nil))
			for _, k := range probe {
				b.Field(0).(*array.StringBuilder).Append(k)
				b.Field(1).(*array.Float32Builder).Append(-7)
				b.Field(2).(*array.Float32Builder).Append(1)
			}
			rec := b.NewRecordBatch()
			b.Release()
			r := api.write(t, table, ctArrowStream, arrowStream(t, rec), "")
			rec.Release()
			expectAPIError(t, "write of an unknown column", r, http.StatusBadRequest, "bogus")
			checkUnchanged(t, "unknown column", probe)
		}

		// A column of the wrong type: name as int32.
		{
			b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.BinaryTypes.String},
				{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
				{Name: "name", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
			}, nil))
			for i, k := range probe {
				b.Field(0).(*array.StringBuilder).Append(k)
				b.Field(1).(*array.Float32Builder).Append(-7)
				b.Field(2).(*array.Int32Builder).Append(int32(i))
			}
			rec := b.NewRecordBatch()
			b.Release()
			stream := arrowStream(t, rec)
			rec.Release()
			r := api.write(t, table, ctArrowStream, stream, "")
			expectAPIError(t, "write of a column of the wrong type", r, http.StatusBadRequest, "name", "int32")
			checkUnchanged(t, "wrong type", probe)
			r = api.write(t, table, ctArrowStream, stream, "cast=true")
			expectAPIError(t, "write of int32 into utf8 with cast", r, http.StatusBadRequest, "name")
			checkUnchanged(t, "wrong type with cast", probe)
		}

		// A valid first batch, then a batch with a null key: the write is
		// all or nothing, so the first batch must not be stored either.
		{
			nullKey := append(slices.Clone(changed[:10]), itemRow{Score: ptr(float32(1))})
			b2 := itemsRecord(nullKey, "id", "score", "name")
			// itemsRecord declares id non-nullable; send it nullable, as
			// a careless client would.
			fields := slices.Clone(b2.Schema().Fields())
			fields[0].Nullable = true
			b2n := array.NewRecordBatch(arrow.NewSchema(fields, nil), b2.Columns(), b2.NumRows())
			b2.Release()
			goodN := array.NewRecordBatch(arrow.NewSchema(fields, nil), good.Columns(), good.NumRows())
			r := api.write(t, table, ctArrowStream, arrowStream(t, goodN, b2n), "")
			goodN.Release()
			b2n.Release()
			expectAPIError(t, "write with a null key in the second batch", r, http.StatusBadRequest, "null")
			checkUnchanged(t, "null key in the second batch", probe)
		}

		// Corrupt Arrow: garbage, and a valid stream cut short inside its
		// second batch.
		r = api.write(t, table, ctArrowStream, []byte("this is not an Arrow IPC stream at all, not even close"), "")
		expectAPIError(t, "write of garbage as Arrow", r, http.StatusBadRequest)
		{
			stream := arrowStream(t, good, good)
			cut := stream[:len(stream)-64]
			r = api.write(t, table, ctArrowStream, cut, "")
			expectAPIError(t, "write of a truncated Arrow stream", r, http.StatusBadRequest)
			checkUnchanged(t, "truncated Arrow stream", probe)
		}

		// Corrupt Parquet: garbage with the magic, a truncated file, and a
		// valid file whose last row group has a null key.
		r = api.write(t, table, ctParquet, []byte("PAR1 definitely not parquet data here PAR1"), "")
		expectAPIError(t, "write of garbage as Parquet", r, http.StatusBadRequest)
		{
			rows := slices.Clone(changed)
			pq := itemsParquet(t, rows, 16, true, false, "id", "score", "name")
			r = api.write(t, table, ctParquet, pq[:len(pq)/2], "")
			expectAPIError(t, "write of a truncated Parquet file", r, http.StatusBadRequest)
			checkUnchanged(t, "truncated Parquet file", probe)
			r = api.write(t, table, ctArrowStream, pq, "")
			expectAPIError(t, "write of Parquet labelled as Arrow", r, http.StatusBadRequest)
			checkUnchanged(t, "Parquet labelled as Arrow", probe)

			rows = append(rows, itemRow{Score: ptr(float32(3))})
			fields := []arrow.Field{
				{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
				{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
			}
			var recs []arrow.RecordBatch
			for off := 0; off < len(rows); off += 16 {
				rec := itemsRecord(rows[off:min(off+16, len(rows))], "id", "score")
				recN := array.NewRecordBatch(arrow.NewSchema(fields, nil), rec.Columns(), rec.NumRows())
				rec.Release()
				defer recN.Release()
				recs = append(recs, recN)
			}
			pq = parquetFile(t, true, recs...)
			if g := parquetRowGroups(t, pq); g < 3 {
				t.Fatalf("test file has %d row groups, want several", g)
			}
			r = api.write(t, table, ctParquet, pq, "")
			expectAPIError(t, "write of Parquet with a null key in its last row group", r, http.StatusBadRequest, "null")
			checkUnchanged(t, "Parquet with a null key in its last row group", probe)
		}

		// Content types the API does not take.
		r = api.write(t, table, "text/csv", []byte("id,score\nitem:100,1\n"), "")
		expectAPIError(t, "write as text/csv", r, http.StatusUnsupportedMediaType)
		r = api.write(t, table, "", goodStream, "")
		expectAPIError(t, "write without Content-Type", r, http.StatusUnsupportedMediaType)
		checkUnchanged(t, "unsupported Content-Type", probe)

		// Bad JSON writes.
		r = api.write(t, table, ctJSON, []byte(`{"columns": {"id": ["item:100", "item:101"], "score": [1.5]}}`), "")
		expectAPIError(t, "JSON write with columns of different lengths", r, http.StatusBadRequest)
		r = api.write(t, table, ctJSON, []byte(`{"columns": {"id": ["item:100"], "score": ["high"]}}`), "")
		expectAPIError(t, "JSON write of a string into float32", r, http.StatusBadRequest, "score")
		r = api.write(t, table, ctJSON, []byte(`{"columns": {"id": ["item:100"], "nope": [1]}}`), "")
		expectAPIError(t, "JSON write of an unknown column", r, http.StatusBadRequest, "nope")
		r = api.write(t, table, ctJSON, []byte(`{"columns": {"id": ["item:100"], "score": [1`), "")
		expectAPIError(t, "truncated JSON write", r, http.StatusBadRequest)
		checkUnchanged(t, "bad JSON writes", probe)

		// Bad fetches.
		r = api.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", fetchBody(t, probe, []string{"id", "bogus"}),
			"Content-Type", ctJSON, "Accept", ctArrowStream)
		expectAPIError(t, "fetch of an unknown column (Arrow)", r, http.StatusBadRequest, "bogus")
		r = api.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", fetchBody(t, probe, []string{"bogus"}), "Content-Type", ctJSON)
		expectAPIError(t, "fetch of an unknown column (JSON)", r, http.StatusBadRequest, "bogus")
		r = api.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", []byte(`{"keys": [`), "Content-Type", ctJSON)
		expectAPIError(t, "fetch with a truncated body", r, http.StatusBadRequest)

		checkUnchanged(t, "all bad requests", probe)
	})

	t.Run("VisibleOverRESP", func(t *testing.T) {
		ctx := testCtx(t)
		c := newGoRedis(t, p.Addr)
		desc, err := c.Do(ctx, "MURR.DESCRIBE", table).Result()
		if err != nil {
			t.Fatalf("MURR.DESCRIBE %s: %v", table, err)
		}
		fields := map[string]any{}
		switch d := desc.(type) {
		case map[any]any:
			for k, v := range d {
				fields[fmt.Sprint(k)] = v
			}
		case []any:
			for i := 0; i+1 < len(d); i += 2 {
				fields[fmt.Sprint(d[i])] = d[i+1]
			}
		default:
			t.Fatalf("MURR.DESCRIBE reply %T %v", desc, desc)
		}
		if rows, ok := fields["rows"].(int64); !ok || rows != int64(len(m)) {
			t.Errorf("MURR.DESCRIBE rows = %v, want %d (reply %v)", fields["rows"], len(m), fields)
		}
		if fields["key"] != "id" {
			t.Errorf("MURR.DESCRIBE key = %v, want id", fields["key"])
		}
		keys := fetchKeys(rng, allKeys, 100)
		v, err := c.Do(ctx, append([]any{"MURR.READ", table, "KEYS"}, anySlice(keys)...)...).Text()
		if err != nil {
			t.Fatalf("MURR.READ: %v", err)
		}
		expectItemRows(t, "MURR.READ of rows written over HTTP", keys, itemRowsFromIPC(t, []byte(v), len(keys)), m)

		// And the other way: a table created over RESP is listed over HTTP.
		if err := c.Do(ctx, "MURR.CREATE", "fromresp", "KEY", "k", "COLUMNS", "b", "int64", "a", "utf8").Err(); err != nil {
			t.Fatalf("MURR.CREATE: %v", err)
		}
		r := api.do(t, http.MethodGet, "/api/v1/table/fromresp/schema", nil)
		if expectStatus(t, "schema of a table created over RESP", r, http.StatusOK) {
			var s struct {
				Key     string          `json:"key"`
				Columns json.RawMessage `json:"columns"`
			}
			if err := json.Unmarshal(r.body, &s); err != nil {
				t.Fatalf("%q: %v", r.body, err)
			}
			if got := jsonObjectKeys(t, s.Columns); s.Key != "k" || !slices.Equal(got, []string{"k", "b", "a"}) {
				t.Errorf("schema of fromresp = %s, want key k and columns k, b, a", r.body)
			}
		}
		r = api.do(t, http.MethodDelete, "/api/v1/table/fromresp", nil)
		expectStatus(t, "DELETE fromresp", r, http.StatusNoContent)
		if n, err := c.Do(ctx, "MURR.DROP", "fromresp").Int(); err != nil || n != 0 {
			t.Errorf("MURR.DROP after DELETE over HTTP = %d, %v; want 0", n, err)
		}
	})

	t.Run("ParquetWithoutArrowSchema", func(t *testing.T) {
		// Spark and other writers store no Arrow schema and no
		// fixed-size lists: emb is a plain list in the file (with null
		// rows), which the API must take for a fixed_size_list column
		// (values of the right length), as columnar.BindParquet does.
		const name = "spark"
		r := api.do(t, http.MethodPut, "/api/v1/table/"+name, []byte(itemsSchemaJSON), "Content-Type", ctJSON)
		if !expectStatus(t, "PUT table", r, http.StatusCreated) {
			return
		}
		defer api.do(t, http.MethodDelete, "/api/v1/table/"+name, nil)
		var rows []itemRow
		var keys []string
		sm := itemsModel{}
		for i := range 3000 {
			row := genItem(rng, fmt.Sprintf("s:%d", i), i, true)
			rows = append(rows, row)
			keys = append(keys, *row.ID)
			sm.put(row, "score", "emb", "tags", "name")
		}
		pq := itemsParquet(t, rows, 1000, false, true, "id", "score", "emb", "tags", "name")
		r = api.write(t, name, ctParquet, pq, "")
		if !expectRowsWritten(t, "PUT Parquet without an Arrow schema", r, len(rows)) {
			return
		}
		keys = append(keys[:200], "missing", "s:2999")
		expectItemRows(t, "fetch after Parquet without an Arrow schema", keys, api.fetchArrow(t, name, keys), sm)
	})

	t.Run("Delete", func(t *testing.T) {
		r := api.do(t, http.MethodDelete, "/api/v1/table/"+table, nil)
		if !expectStatus(t, "DELETE table", r, http.StatusNoContent) {
			return
		}
		r = api.do(t, http.MethodDelete, "/api/v1/table/"+table, nil)
		expectAPIError(t, "DELETE of a deleted table", r, http.StatusNotFound, table)
		r = api.do(t, http.MethodGet, "/api/v1/table/"+table+"/schema", nil)
		expectAPIError(t, "schema of a deleted table", r, http.StatusNotFound)
		r = api.do(t, http.MethodPost, "/api/v1/table/"+table+"/fetch", fetchBody(t, []string{"item:1"}, nil), "Content-Type", ctJSON)
		expectAPIError(t, "fetch from a deleted table", r, http.StatusNotFound)
		r = api.do(t, http.MethodGet, "/api/v1/table", nil)
		if expectStatus(t, "GET /api/v1/table", r, http.StatusOK) && strings.TrimSpace(string(r.body)) != "{}" {
			t.Errorf("GET /api/v1/table after DELETE = %s, want {}", r.body)
		}
		ctx := testCtx(t)
		c := newGoRedis(t, p.Addr)
		if err := c.Do(ctx, "MURR.DESCRIBE", table).Err(); err == nil || err.Error() != "ERR no such table '"+table+"'" {
			t.Errorf("MURR.DESCRIBE after DELETE: %v, want ERR no such table '%s'", err, table)
		}
		// Re-created, the table is empty: no row of the old one survives.
		r = api.do(t, http.MethodPut, "/api/v1/table/"+table, []byte(itemsSchemaJSON), "Content-Type", ctJSON)
		if expectStatus(t, "PUT table again", r, http.StatusCreated) {
			keys := []string{"item:0", "item:1", "arrow-new:1000"}
			expectItemRows(t, "fetch from the re-created table", keys, api.fetchArrow(t, table, keys), itemsModel{})
		}
	})
}

// anySlice converts strings to go-redis arguments.
func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
