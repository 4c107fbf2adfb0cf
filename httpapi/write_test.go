package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// newTestAPI serves an API over a fresh engine whose uploads spill past
// commitBytes.
func newTestAPI(t *testing.T, commitBytes int) (*engine.DB, *httptest.Server) {
	t.Helper()
	db, err := engine.Open(engine.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(db, Options{CommitBytes: commitBytes, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	s := &columnar.Schema{Key: "id", Columns: []columnar.Column{{Name: "v", Type: columnar.Scalar(columnar.KindInt64)}}}
	if _, err := db.CreateTable("t", s); err != nil {
		t.Fatal(err)
	}
	return db, srv
}

// stream builds an Arrow stream of batches of ids [from, to) with v = id*mul;
// a batch listed in nullKeyBatch gets a null key.
func stream(t *testing.T, batches [][2]int, mul int64, nullKeyBatch int) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for bi, rng := range batches {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := rng[0]; i < rng[1]; i++ {
			if bi == nullKeyBatch && i == rng[1]-1 {
				b.Field(0).AppendNull()
			} else {
				b.Field(0).(*array.StringBuilder).Append(fmt.Sprint(i))
			}
			b.Field(1).(*array.Int64Builder).Append(int64(i) * mul)
		}
		rec := b.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func put(t *testing.T, srv *httptest.Server, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/v1/table/t/write", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentArrow)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sum reads v of ids [0, n) and returns their sum and the missing count.
func sum(t *testing.T, db *engine.DB, n int) (total int64, missing int) {
	t.Helper()
	tbl, err := db.Table("t")
	if err != nil {
		t.Fatal(err)
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprint(i))
	}
	err = db.ReadRows(tbl, keys, func(i int, row columnar.Row) error {
		if row == nil {
			missing++
			return nil
		}
		v, ok, err := tbl.Layout().Value(row, 0)
		if err != nil || !ok {
			return fmt.Errorf("row %d: %v %v", i, ok, err)
		}
		sc, err := columnar.Scalar(columnar.KindInt64).Scalar(v)
		total += sc.Int
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total, missing
}

// TestLargeUploadSpillsAndCommitsInChunks pushes an upload past
// CommitBytes so it goes through the temporary file and several commits.
func TestLargeUploadSpillsAndCommitsInChunks(t *testing.T) {
	db, srv := newTestAPI(t, 4<<10)
	body := stream(t, [][2]int{{0, 3000}, {3000, 6000}, {6000, 10000}}, 1, -1)
	status, reply := put(t, srv, body)
	if status != http.StatusOK {
		t.Fatalf("write = %d %s", status, reply)
	}
	var got struct{ Rows int }
	if err := json.Unmarshal([]byte(reply), &got); err != nil || got.Rows != 10000 {
		t.Fatalf("reply %s", reply)
	}
	total, missing := sum(t, db, 10000)
	if missing != 0 || total != 10000*9999/2 {
		t.Fatalf("sum = %d, missing %d", total, missing)
	}
	if tbl, _ := db.Table("t"); tbl.Rows() != 10000 {
		t.Fatalf("rows = %d", tbl.Rows())
	}
}

// TestBadBatchAfterSpillChangesNothing fails an upload in its last batch,
// after earlier batches already went to the temporary file.
func TestBadBatchAfterSpillChangesNothing(t *testing.T) {
	db, srv := newTestAPI(t, 4<<10)
	if status, reply := put(t, srv, stream(t, [][2]int{{0, 5000}}, 1, -1)); status != http.StatusOK {
		t.Fatalf("first write = %d %s", status, reply)
	}
	before, _ := sum(t, db, 5000)
	body := stream(t, [][2]int{{0, 2000}, {2000, 4000}, {4000, 5000}}, 7, 2)
	status, reply := put(t, srv, body)
	if status != http.StatusBadRequest {
		t.Fatalf("write with a null key = %d %s", status, reply)
	}
	if after, _ := sum(t, db, 5000); after != before {
		t.Fatalf("failed upload changed the table: sum %d, was %d", after, before)
	}
}
