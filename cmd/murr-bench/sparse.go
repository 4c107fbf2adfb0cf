package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// The "sparse" workload: storage per row of a wide float32 table where
// each row sets only a couple of columns, next to the same table with
// every column set, in the sidecar (logical bytes and bytes on disk) and
// in Redis (memory of a hash holding only the fields set).

const (
	sparseCols = 100 // columns of both tables
	sparseSet  = 2   // columns each row of the sparse table sets
	// maxSparseRows bounds the rows per table whatever --rows says.
	maxSparseRows = 200_000
	// sparseBatchRows is the rows per MURR.WRITE (and per pipelined
	// chunk of HSETs) while loading; the loads are not timed.
	sparseBatchRows = 10_000
	sparseTable     = "wide"
)

// sparseRows is the number of rows loaded into each table: --rows/10,
// between 1 and maxSparseRows.
func sparseRows(cfg *config) int { return max(1, min(cfg.rows/10, maxSparseRows)) }

func runSparse(ctx context.Context, e *env) (*Table, error) {
	n := sparseRows(e.cfg)
	kinds := []struct {
		name string
		d    *rowData
	}{
		{fmt.Sprintf("sparse (%d of %d set)", sparseSet, sparseCols), newSparseRows(n, sparseCols, sparseSet, 3)},
		{fmt.Sprintf("dense (%d of %d set)", sparseCols, sparseCols), newDenseRows(n, sparseCols, 4)},
	}
	var rows []Row
	for k, kind := range kinds {
		d := kind.d
		redis, redisErr := redisHashMemory(ctx, e.srv.Redis.Proc.Addr, d)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		logRes(e, e.srv.Redis.Label, kind.name+": used_memory per row", redis, redisErr)
		st, sideErr := sidecarStorage(ctx, e.srv, fmt.Sprintf("sparse-%d", k), d)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		logRes(e, sidecarLabel(e.srv), kind.name+": logical per row", st.logical, sideErr)
		logRes(e, sidecarLabel(e.srv), kind.name+": on disk per row", st.disk, sideErr)

		valueB := float64(d.valueBytes()) / float64(d.n)
		keyB := float64(d.keyBytes()) / float64(d.n)
		raw := fmt.Sprintf("raw: values %s B + key %.1f B = %.1f B", trimFloat(valueB), keyB, valueB+keyB)
		logical := Row{Name: kind.name + ": logical (MURR.DESCRIBE bytes/rows)", Unit: BytesPerRow,
			Redis: math.NaN(), Sidecar: math.NaN(), Note: raw}
		disk := Row{Name: kind.name + ": on disk (SST bytes after flush)", Unit: BytesPerRow,
			Redis: math.NaN(), Sidecar: math.NaN(), Note: "Pebble's Snappy-compressed SSTs"}
		for _, r := range []*Row{&logical, &disk} {
			setCell(r, 0, redis, redisErr)
		}
		setCell(&logical, 1, st.logical, sideErr)
		setCell(&disk, 1, st.disk, sideErr)
		rows = append(rows, logical, disk)
	}
	title := fmt.Sprintf("sparse: storage in bytes/row, lower is better; %s rows per table of %d float32 columns; "+
		"redis: used_memory growth per row of HSET with only the fields a row sets (4-byte values), in RAM; "+
		"%s: a fresh sidecar per table, MURR.DESCRIBE bytes (keys + encoded rows, uncompressed) and the *.sst bytes "+
		"of its data directory after a restart flushed the memtable (compressed)",
		groupThousands(int64(n)), sparseCols, sidecarLabel(e.srv))
	return &Table{Title: wrapTitle(title), Rows: rows}, nil
}

func logRes(e *env, label, what string, v float64, err error) {
	if err != nil {
		fmt.Fprintf(e.log, "%-8s %s: error: %v\n", label, what, err)
		return
	}
	fmt.Fprintf(e.log, "%-8s %s: %s\n", label, what, BytesPerRow.format(v))
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

// redisHashMemory loads d into an empty server as one hash per row
// holding only the fields the row sets, and returns the growth of
// used_memory per row. It checks the load and flushes the server again.
func redisHashMemory(ctx context.Context, addr string, d *rowData) (float64, error) {
	c, err := dial(ctx, addr)
	if err != nil {
		return math.NaN(), err
	}
	defer c.Close()
	if err := flushAll(c); err != nil {
		return math.NaN(), err
	}
	before, err := usedMemory(c)
	if err != nil {
		return math.NaN(), err
	}
	for lo := 0; lo < d.n; lo += sparseBatchRows {
		l := buildPipelineLoad(lo, min(lo+sparseBatchRows, d.n), 1000, d.appendHSET)
		if _, err := runPipelineLoad(ctx, addr, l, 1, 0); err != nil {
			return math.NaN(), err
		}
	}
	after, err := usedMemory(c)
	if err != nil {
		return math.NaN(), err
	}
	if n, err := dbsize(c); err != nil || n != int64(d.n) {
		return math.NaN(), fmt.Errorf("DBSIZE = %d (%v) after writing %d hashes", n, err, d.n)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	if err := checkHashes(c, d, sampleRows(rng, [][2]int{{0, d.n}}, ingestSample)); err != nil {
		return math.NaN(), err
	}
	if err := flushAll(c); err != nil {
		return math.NaN(), err
	}
	return float64(after-before) / float64(d.n), nil
}

// storage is what the sidecar takes to store some rows, per row.
type storage struct {
	logical float64 // MURR.DESCRIBE bytes / rows
	disk    float64 // growth of the SST files / rows
}

// sidecarStorage loads d into a table of a fresh sidecar (its own data
// directory, so nothing else is on its disk), restarts it so that Pebble
// flushes the memtable to an SST on open, and measures.
func sidecarStorage(ctx context.Context, s *servers, name string, d *rowData) (st storage, err error) {
	st = storage{logical: math.NaN(), disk: math.NaN()}
	p, err := s.startScratchSidecar(name)
	if err != nil {
		return st, err
	}
	dir := p.DataDir
	defer func() {
		if p != nil {
			p.Kill()
		}
		os.RemoveAll(dir)
	}()
	c, err := dial(ctx, p.Addr)
	if err != nil {
		return st, err
	}
	defer func() { c.Close() }()
	if _, err := c.do(30*time.Second, d.createArgs(sparseTable)...); err != nil {
		return st, err
	}
	before, err := sstBytes(dir)
	if err != nil {
		return st, err
	}
	for lo := 0; lo < d.n; lo += sparseBatchRows {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		hi := min(lo+sparseBatchRows, d.n)
		stream, err := d.ipcStream(lo, hi)
		if err != nil {
			return st, err
		}
		v, err := c.do(roundTripTimeout, "MURR.WRITE", sparseTable, string(stream))
		if err != nil {
			return st, fmt.Errorf("MURR.WRITE: %w", err)
		}
		if v != int64(hi-lo) {
			return st, fmt.Errorf("MURR.WRITE of %d rows replied %s", hi-lo, brief(v))
		}
	}
	info, err := describe(c, sparseTable)
	if err != nil {
		return st, err
	}
	if info.Rows != int64(d.n) {
		return st, fmt.Errorf("MURR.DESCRIBE says %d rows after writing %d", info.Rows, d.n)
	}
	rng := rand.New(rand.NewPCG(6, 6))
	if err := checkTable(c, sparseTable, d, sampleRows(rng, [][2]int{{0, d.n}}, ingestSample)); err != nil {
		return st, err
	}
	st.logical = float64(info.Bytes) / float64(d.n)

	// Pebble flushes the memtable replayed from the WAL when it opens,
	// and Open waits for that flush: a restart is a flush.
	c.Close()
	if err := p.Stop(); err != nil {
		return st, fmt.Errorf("scratch sidecar did not exit cleanly: %w\n%s", err, tail(p.Log(), 10))
	}
	if p, err = procs.RestartSidecar(s.sidecarBin, p); err != nil {
		return st, err
	}
	after, err := stableSSTBytes(ctx, dir)
	if err != nil {
		return st, err
	}
	if c, err = dial(ctx, p.Addr); err != nil {
		return st, err
	}
	if again, err := describe(c, sparseTable); err != nil || again != info {
		return st, fmt.Errorf("after a restart MURR.DESCRIBE says %+v (%v), before %+v", again, err, info)
	}
	c.Close()
	err = p.Stop()
	p = nil
	if err != nil {
		return st, fmt.Errorf("scratch sidecar did not exit cleanly: %w", err)
	}
	st.disk = float64(after-before) / float64(d.n)
	return st, nil
}

// sstBytes sums the sizes of the *.sst files under dir.
func sstBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed by a compaction while walking
			}
			return err
		}
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".sst") {
			return nil
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// stableSSTBytes returns sstBytes once it reads the same twice in a row
// half a second apart (a compaction may be rewriting files), or after
// ten seconds.
func stableSSTBytes(ctx context.Context, dir string) (int64, error) {
	last, err := sstBytes(dir)
	if err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		cur, err := sstBytes(dir)
		if err != nil {
			return 0, err
		}
		if cur == last {
			return cur, nil
		}
		last = cur
	}
	return last, nil
}
