package engine

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// recordedLog keeps every batch a writer commits.
type recordedLog struct {
	mu      sync.Mutex
	seqs    []uint64
	batches [][]byte
}

func (l *recordedLog) Committed(seq uint64, repr []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seqs = append(l.seqs, seq)
	l.batches = append(l.batches, bytes.Clone(repr))
}

func (l *recordedLog) AwaitDurable(uint64) error { return nil }

// applyAfter applies to db every recorded batch after seq from.
func (l *recordedLog) applyAfter(t *testing.T, db *DB, from uint64) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, seq := range l.seqs {
		if seq <= from {
			continue
		}
		if err := db.ApplyLogged(seq, l.batches[i]); err != nil {
			t.Fatalf("apply %d: %v", seq, err)
		}
	}
}

// dump renders every Pebble record of db, for comparing two DBs.
func dump(t *testing.T, db *DB) string {
	t.Helper()
	it, err := db.pdb.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var b bytes.Buffer
	for valid := it.First(); valid; valid = it.Next() {
		fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
	}
	return b.String()
}

// writeEverything runs one of each kind of write against db.
func writeEverything(t *testing.T, db *DB, round int) *Table {
	t.Helper()
	k := func(s string) []byte { return fmt.Appendf(nil, "%s%d", s, round) }
	update(t, db, func(tx *Txn) error { return tx.SetString(k("s"), []byte("v"), 0) })
	update(t, db, func(tx *Txn) error { return tx.SetString(k("ttl"), []byte("v"), nowMs()+3_600_000) })
	update(t, db, func(tx *Txn) error {
		_, err := tx.HSet(k("h"), [][]byte{[]byte("f1"), []byte("a"), []byte("f2"), []byte("b")})
		return err
	})
	update(t, db, func(tx *Txn) error { _, err := tx.HDel(k("h"), [][]byte{[]byte("f1")}); return err })
	update(t, db, func(tx *Txn) error { return tx.SetString(k("gone"), []byte("v"), 0) })
	update(t, db, func(tx *Txn) error { _, err := tx.Delete(k("gone")); return err })
	tbl, err := db.CreateTable(fmt.Sprintf("t%d", round), testSchema(0))
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, db, tbl, "a", cell{0: float32(1), 1: "x"}, "b", cell{0: float32(2)}, "c", cell{1: "z"})
	writeRows(t, db, tbl, "a", cell{1: "y"})
	if _, err := db.DeleteRows(tbl, [][]byte{[]byte("c")}); err != nil {
		t.Fatal(err)
	}
	dropped, err := db.CreateTable(fmt.Sprintf("drop%d", round), testSchema(60))
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, db, dropped, "a", cell{0: float32(1)})
	if _, err := db.DropTable(dropped.Name()); err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestCommitLogReplayRebuildsTheSameDB(t *testing.T) {
	var log recordedLog
	w := openTest(t, Options{})
	w.SetCommitLog(&log)
	r := openTest(t, Options{Replica: true})

	tbl := writeEverything(t, w, 1)
	log.applyAfter(t, r, 0)
	if n := r.HotStats().Entries; n != 0 {
		t.Fatalf("replaying into an empty hot tier filled it with %d records; reads fill it", n)
	}
	if got, want := dump(t, r), dump(t, w); got != want {
		t.Fatalf("replica differs from writer:\n%s\nwant\n%s", got, want)
	}
	if r.LogSeq() != w.LogSeq() || w.LogSeq() != uint64(len(log.seqs)) {
		t.Fatalf("log seqs: replica %d, writer %d, batches %d", r.LogSeq(), w.LogSeq(), len(log.seqs))
	}
	rt, err := r.Table(tbl.Name())
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, readRows(t, r, rt, "a", "b", "c"), "1/y", "2/-", "missing")
	if rt.Rows() != tbl.Rows() || rt.Bytes() != tbl.Bytes() {
		t.Fatalf("replica stats %d rows/%d B, writer %d/%d", rt.Rows(), rt.Bytes(), tbl.Rows(), tbl.Bytes())
	}

	// What the replica's readers have cached follows later batches.
	if v, _ := getString(t, r, "s1"); v != "v" {
		t.Fatalf("replica s1 = %q", v)
	}
	update(t, w, func(tx *Txn) error { return tx.SetString([]byte("s1"), []byte("v2"), 0) })
	writeRows(t, w, tbl, "b", cell{0: float32(5)})
	log.applyAfter(t, r, r.LogSeq())
	if v, _ := getString(t, r, "s1"); v != "v2" {
		t.Fatalf("replica s1 after apply = %q, want v2", v)
	}
	expectRows(t, readRows(t, r, rt, "b"), "5/-")

	// FLUSHALL empties the replica's catalog and keyspace too.
	update(t, w, func(tx *Txn) error { return tx.Flush() })
	log.applyAfter(t, r, r.LogSeq())
	if len(r.Tables()) != 0 {
		t.Fatalf("replica tables after FLUSHALL: %d", len(r.Tables()))
	}
	if _, ok := getString(t, r, "s1"); ok {
		t.Fatal("replica s1 survived FLUSHALL")
	}
	if got, want := dump(t, r), dump(t, w); got != want {
		t.Fatalf("replica differs from writer after FLUSHALL:\n%s\nwant\n%s", got, want)
	}
}

func TestCheckpointThenLogRestoresTheWriter(t *testing.T) {
	var log recordedLog
	w := openTest(t, Options{})
	w.SetCommitLog(&log)
	writeEverything(t, w, 1)
	dir := filepath.Join(t.TempDir(), "ckpt")
	at, err := w.Checkpoint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if at != w.LogSeq() {
		t.Fatalf("checkpoint at %d, writer at %d", at, w.LogSeq())
	}
	writeEverything(t, w, 2)

	r := openTest(t, Options{Dir: dir, Replica: true})
	if r.LogSeq() != at {
		t.Fatalf("checkpoint opens at %d, want %d", r.LogSeq(), at)
	}
	log.applyAfter(t, r, at)
	if got, want := dump(t, r), dump(t, w); got != want {
		t.Fatalf("restored DB differs from writer:\n%s\nwant\n%s", got, want)
	}
}

func TestApplyLoggedRefusesGapsAndGarbage(t *testing.T) {
	var log recordedLog
	w := openTest(t, Options{})
	w.SetCommitLog(&log)
	update(t, w, func(tx *Txn) error { return tx.SetString([]byte("a"), []byte("1"), 0) })
	update(t, w, func(tx *Txn) error { return tx.SetString([]byte("b"), []byte("2"), 0) })
	r := openTest(t, Options{Replica: true})
	before := dump(t, r)

	if err := r.ApplyLogged(2, log.batches[1]); !errors.Is(err, ErrLogGap) {
		t.Fatalf("batch 2 first: %v, want ErrLogGap", err)
	}
	if err := r.ApplyLogged(1, log.batches[1]); err == nil {
		t.Fatal("batch carrying seq 2 applied as 1")
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, log.batches[0][:len(log.batches[0])-3], append(bytes.Clone(log.batches[0][:12]), 0xff, 0xff)} {
		if err := r.ApplyLogged(1, bad); err == nil {
			t.Fatalf("garbage batch %x applied", bad)
		}
	}
	if r.LogSeq() != 0 || dump(t, r) != before {
		t.Fatalf("refused batches changed the replica (seq %d)", r.LogSeq())
	}
	log.applyAfter(t, r, 0)
	if v, _ := getString(t, r, "b"); v != "2" {
		t.Fatalf("b = %q after the good batches", v)
	}
}

func TestReplicaRefusesWrites(t *testing.T) {
	var log recordedLog
	w := openTest(t, Options{})
	w.SetCommitLog(&log)
	tbl, err := w.CreateTable("t", testSchema(0))
	if err != nil {
		t.Fatal(err)
	}
	r := openTest(t, Options{Replica: true, ActiveExpireInterval: time.Millisecond})
	log.applyAfter(t, r, 0)
	rt, err := r.Table(tbl.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Update(func(tx *Txn) error { return tx.SetString([]byte("k"), nil, 0) }); !errors.Is(err, ErrReplica) {
		t.Fatalf("Update on a replica: %v", err)
	}
	if _, err := r.CreateTable("u", testSchema(0)); !errors.Is(err, ErrReplica) {
		t.Fatalf("CreateTable on a replica: %v", err)
	}
	if _, err := r.DropTable("t"); !errors.Is(err, ErrReplica) {
		t.Fatalf("DropTable on a replica: %v", err)
	}
	if _, err := r.DeleteRows(rt, [][]byte{[]byte("a")}); !errors.Is(err, ErrReplica) {
		t.Fatalf("DeleteRows on a replica: %v", err)
	}
	if r.LogSeq() != w.LogSeq() {
		t.Fatalf("replica moved to %d on its own (writer %d)", r.LogSeq(), w.LogSeq())
	}
}

func TestCommitLogGetsLargeBatchesWhole(t *testing.T) {
	var log recordedLog
	// A batch over half the memtable is handed to Pebble on commit.
	w := openTest(t, Options{MemTableBytes: 1 << 20})
	w.SetCommitLog(&log)
	tbl, err := w.CreateTable("t", testSchema(0))
	if err != nil {
		t.Fatal(err)
	}
	var rows []any
	for i := range 20000 {
		rows = append(rows, fmt.Sprintf("key-%06d", i), cell{0: float32(i), 1: "a fairly long name to fill the batch"})
	}
	writeRows(t, w, tbl, rows...)
	if n := len(log.batches[len(log.batches)-1]); n < 1<<20 {
		t.Fatalf("the large batch reached the log as %d bytes", n)
	}
	r := openTest(t, Options{Replica: true})
	log.applyAfter(t, r, 0)
	rt, err := r.Table("t")
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, readRows(t, r, rt, "key-019999"), "19999/a fairly long name to fill the batch")
}

// BenchmarkApplyLogged100k is a follower (or a restore) applying a
// 100,000-row table write, with and without a hot tier to keep in step.
func BenchmarkApplyLogged100k(b *testing.B) {
	for _, hot := range []int64{16 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("hot=%dMiB", hot>>20), func(b *testing.B) {
			var log recordedLog
			w := openTest(b, Options{HotMemory: 64 << 20})
			w.SetCommitLog(&log)
			tbl, err := w.CreateTable("t", testSchema(0))
			if err != nil {
				b.Fatal(err)
			}
			var rows []any
			for i := range 100000 {
				rows = append(rows, fmt.Sprintf("key-%07d", i), cell{0: float32(i), 1: "name"})
			}
			writeRows(b, w, tbl, rows...)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				r := openTest(b, Options{HotMemory: hot, Replica: true})
				b.StartTimer()
				for i, seq := range log.seqs {
					if err := r.ApplyLogged(seq, log.batches[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.SetBytes(int64(len(log.batches[len(log.batches)-1])))
		})
	}
}

func TestApplyLoggedTellsTheChangeListener(t *testing.T) {
	var log recordedLog
	w := openTest(t, Options{})
	w.SetCommitLog(&log)
	update(t, w, func(tx *Txn) error { return tx.SetString([]byte("a"), []byte("1"), 0) })
	update(t, w, func(tx *Txn) error { return tx.Flush() })
	r := openTest(t, Options{Replica: true})
	var got []string
	r.SetChangeListener(func(keys [][]byte, flushed bool) {
		// Called outside the engine's locks: reading back must not block.
		if err := r.View(func(*Txn) error { return nil }); err != nil {
			t.Error(err)
		}
		got = append(got, fmt.Sprintf("%q %v", keys, flushed))
	})
	log.applyAfter(t, r, 0)
	if fmt.Sprint(got) != `[["a"] false [] true]` {
		t.Fatalf("listener calls %v", got)
	}
}
