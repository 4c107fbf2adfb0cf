package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// openTest opens a DB in a temp dir and checks its invariants when the
// test ends.
func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	db, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func update(t testing.TB, db *DB, fn func(tx *Txn) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func getString(t testing.TB, db *DB, key string) (string, bool) {
	t.Helper()
	var v []byte
	var ok bool
	if err := db.View(func(tx *Txn) (err error) { v, ok, err = tx.GetString([]byte(key)); return }); err != nil {
		t.Fatal(err)
	}
	return string(v), ok
}

func TestStringsAndTypes(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Txn) error {
		if err := tx.SetString([]byte("k"), []byte("v1"), 0); err != nil {
			return err
		}
		// A Txn sees its own writes.
		if v, ok, err := tx.GetString([]byte("k")); err != nil || !ok || string(v) != "v1" {
			return fmt.Errorf("read own write: %q %v %v", v, ok, err)
		}
		_, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("x")})
		return err
	})
	if v, ok := getString(t, db, "k"); !ok || v != "v1" {
		t.Fatalf("GET k = %q, %v", v, ok)
	}
	err := db.View(func(tx *Txn) error { _, _, err := tx.GetString([]byte("h")); return err })
	if !errors.Is(err, ErrWrongType) {
		t.Fatalf("GetString on hash: %v, want ErrWrongType", err)
	}
	// SET over a hash replaces it and drops its fields.
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("h"), []byte("s"), 0) })
	if v, _ := getString(t, db, "h"); v != "s" {
		t.Fatalf("h = %q", v)
	}
	if n := db.Metrics().Keys; n != 2 {
		t.Fatalf("keys = %d, want 2", n)
	}
}

func TestFailedUpdateChangesNothing(t *testing.T) {
	db := openTest(t, Options{})
	boom := errors.New("boom")
	err := db.Update(func(tx *Txn) error {
		if err := tx.SetString([]byte("k"), []byte("v"), 0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, ok := getString(t, db, "k"); ok {
		t.Fatal("write of a failed Update is visible")
	}
	if n := db.Metrics().Keys; n != 0 {
		t.Fatalf("keys = %d after failed update", n)
	}
}

func TestHashLifecycle(t *testing.T) {
	db := openTest(t, Options{})
	const n = 20000
	update(t, db, func(tx *Txn) error {
		pairs := make([][]byte, 0, 2*n)
		for i := 0; i < n; i++ {
			pairs = append(pairs, []byte(fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i)))
		}
		created, err := tx.HSet([]byte("big"), pairs)
		if created != n {
			return fmt.Errorf("created %d, want %d", created, n)
		}
		return err
	})
	update(t, db, func(tx *Txn) error {
		created, err := tx.HSet([]byte("big"), [][]byte{[]byte("f1"), []byte("new"), []byte("extra"), []byte("e")})
		if created != 1 {
			return fmt.Errorf("created %d, want 1", created)
		}
		return err
	})
	db.View(func(tx *Txn) error {
		if l, _ := tx.HLen([]byte("big")); l != n+1 {
			t.Errorf("HLen = %d, want %d", l, n+1)
		}
		if v, ok, _ := tx.HGet([]byte("big"), []byte("f1")); !ok || string(v) != "new" {
			t.Errorf("HGet f1 = %q %v", v, ok)
		}
		vals, _ := tx.HMGet([]byte("big"), [][]byte{[]byte("f2"), []byte("nope")})
		if string(vals[0]) != "2" || vals[1] != nil {
			t.Errorf("HMGet = %q", vals)
		}
		return nil
	})
	// Deleting every field but one, then the last, removes the key.
	update(t, db, func(tx *Txn) error {
		d, err := tx.HDel([]byte("big"), [][]byte{[]byte("f1"), []byte("f1"), []byte("missing")})
		if d != 1 {
			return fmt.Errorf("HDel deleted %d, want 1", d)
		}
		return err
	})
	// Deleting the whole hash is one range deletion; Check (at cleanup)
	// proves no field outlives it.
	update(t, db, func(tx *Txn) error {
		ok, err := tx.Delete([]byte("big"))
		if !ok {
			return errors.New("Delete reported missing")
		}
		return err
	})
	if n := db.Metrics().Keys; n != 0 {
		t.Fatalf("keys = %d after delete", n)
	}
}

func TestExpiryLazyAndActive(t *testing.T) {
	db := openTest(t, Options{ActiveExpireInterval: 10 * time.Millisecond})
	update(t, db, func(tx *Txn) error {
		for i := 0; i < 1500; i++ {
			if err := tx.SetString([]byte(fmt.Sprint("e", i)), []byte("v"), tx.Now()+30); err != nil {
				return err
			}
		}
		_, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("v")})
		if err != nil {
			return err
		}
		_, err = tx.SetExpireAt([]byte("h"), tx.Now()+30)
		return err
	})
	time.Sleep(40 * time.Millisecond)
	if _, ok := getString(t, db, "e1"); ok {
		t.Fatal("expired key still readable")
	}
	deadline := time.Now().Add(5 * time.Second)
	for db.Metrics().Keys != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("active expiry left %d keys", db.Metrics().Keys)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if db.Metrics().ExpiredKeys != 1501 {
		t.Fatalf("expired_keys = %d, want 1501", db.Metrics().ExpiredKeys)
	}
}

func TestSetExpireAtPastDeletes(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Txn) error {
		if err := tx.SetString([]byte("k"), []byte("v"), 0); err != nil {
			return err
		}
		ok, err := tx.SetExpireAt([]byte("k"), tx.Now()-1)
		if !ok {
			return errors.New("SetExpireAt reported missing")
		}
		return err
	})
	if _, ok := getString(t, db, "k"); ok {
		t.Fatal("key with past expiry still there")
	}
}

func TestScanReturnsEveryStableKeyDespiteWrites(t *testing.T) {
	db := openTest(t, Options{})
	const stable = 3000
	update(t, db, func(tx *Txn) error {
		for i := 0; i < stable; i++ {
			if err := tx.SetString([]byte(fmt.Sprint("s", i)), nil, 0); err != nil {
				return err
			}
		}
		return nil
	})
	seen := map[string]bool{}
	var cursor uint64
	for round := 0; ; round++ {
		// Churn other keys between SCAN calls, as concurrent clients would.
		update(t, db, func(tx *Txn) error {
			for i := 0; i < 20; i++ {
				k := []byte(fmt.Sprint("churn", round*20+i))
				if err := tx.SetString(k, nil, 0); err != nil {
					return err
				}
				if _, err := tx.Delete([]byte(fmt.Sprint("churn", round*20+i-30))); err != nil {
					return err
				}
			}
			return nil
		})
		var keys [][]byte
		db.View(func(tx *Txn) (err error) { cursor, keys, err = tx.Scan(cursor, 7, nil, TypeNone); return })
		for _, k := range keys {
			seen[string(k)] = true
		}
		if cursor == 0 {
			break
		}
		if round > 10*stable {
			t.Fatal("scan does not terminate")
		}
	}
	for i := 0; i < stable; i++ {
		if !seen[fmt.Sprint("s", i)] {
			t.Fatalf("key s%d never returned by SCAN", i)
		}
	}
}

func TestRenameAndCopyHash(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Txn) error {
		if _, err := tx.HSet([]byte("a"), [][]byte{[]byte("f"), []byte("1"), []byte("g"), []byte("2")}); err != nil {
			return err
		}
		if _, err := tx.SetExpireAt([]byte("a"), tx.Now()+100000); err != nil {
			return err
		}
		if err := tx.Rename([]byte("a"), []byte("b")); err != nil {
			return err
		}
		ok, err := tx.Copy([]byte("b"), []byte("c"), false)
		if !ok {
			return errors.New("copy refused")
		}
		return err
	})
	db.View(func(tx *Txn) error {
		if ok, _ := tx.Exists([]byte("a")); ok {
			t.Error("renamed source exists")
		}
		for _, k := range []string{"b", "c"} {
			info, ok, _ := tx.Info([]byte(k))
			if !ok || info.Type != TypeHash || info.ExpireAt == 0 {
				t.Errorf("%s: %+v %v", k, info, ok)
			}
			if v, _, _ := tx.HGet([]byte(k), []byte("g")); string(v) != "2" {
				t.Errorf("%s.g = %q", k, v)
			}
		}
		return nil
	})
	// The copy is independent of its source.
	update(t, db, func(tx *Txn) error { _, err := tx.HDel([]byte("b"), [][]byte{[]byte("g")}); return err })
	db.View(func(tx *Txn) error {
		if v, _, _ := tx.HGet([]byte("c"), []byte("g")); string(v) != "2" {
			t.Errorf("copy changed with its source: %q", v)
		}
		return nil
	})
}

func TestFlushAndRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir, Fsync: FsyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Txn) error {
		if err := tx.SetString([]byte("gone"), []byte("x"), 0); err != nil {
			return err
		}
		return tx.Flush()
	})
	update(t, db, func(tx *Txn) error {
		if err := tx.SetString([]byte("kept"), []byte("x"), tx.Now()+3600_000); err != nil {
			return err
		}
		_, err := tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("v")})
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, Options{Dir: dir})
	m := db.Metrics()
	if m.Keys != 2 || m.Expires != 1 {
		t.Fatalf("after restart keys=%d expires=%d, want 2/1", m.Keys, m.Expires)
	}
	if _, ok := getString(t, db, "gone"); ok {
		t.Fatal("flushed key came back")
	}
	// Hash ids keep increasing across restarts: a new hash must not
	// collide with h's fields.
	update(t, db, func(tx *Txn) error { _, err := tx.HSet([]byte("h2"), [][]byte{[]byte("f"), []byte("w")}); return err })
	db.View(func(tx *Txn) error {
		if v, _, _ := tx.HGet([]byte("h"), []byte("f")); string(v) != "v" {
			t.Errorf("h.f = %q", v)
		}
		return nil
	})
}

func TestWatchFlagsWriters(t *testing.T) {
	db := openTest(t, Options{})
	var ws WatchSet
	if err := db.Watch(&ws, []byte("w")); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("other"), nil, 0) })
	if ws.dirty.Load() {
		t.Fatal("write to another key broke the watch")
	}
	// A failed Update must not break it either.
	db.Update(func(tx *Txn) error { tx.SetString([]byte("w"), nil, 0); return errors.New("no") })
	if ws.dirty.Load() {
		t.Fatal("discarded write broke the watch")
	}
	update(t, db, func(tx *Txn) error { return tx.SetString([]byte("w"), nil, 0) })
	if !ws.dirty.Load() {
		t.Fatal("write to the watched key did not break the watch")
	}
	db.Unwatch(&ws)
	if ws.dirty.Load() || ws.Len() != 0 || db.watches.count.Load() != 0 {
		t.Fatal("Unwatch left state behind")
	}
}
