// Package storetest is the conformance suite for s3sync.ObjectStore: every
// promise in the interface's documentation, checked against a real backend.
//
// A backend's tests call Run with a function that returns a new, empty
// store each time (a fresh directory, or a fresh prefix in a bucket):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) s3sync.ObjectStore { ... })
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/s3sync"
)

// Run runs every conformance test against stores made by newStore, each as
// a subtest. newStore must return a new, empty store on every call, and may
// register cleanups on the t it is given.
func Run(t *testing.T, newStore func(t *testing.T) s3sync.ObjectStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s s3sync.ObjectStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"UnknownSize", testUnknownSize},
		{"FailedPutLeavesKeyAlone", testFailedPut},
		{"NotFound", testNotFound},
		{"PutIfAbsent", testPutIfAbsent},
		{"ConcurrentPutIfAbsent", testConcurrentPutIfAbsent},
		{"List", testList},
		{"ListPagination", testListPagination},
		{"ListStops", testListStops},
		{"Delete", testDelete},
		{"Keys", testKeys},
		{"InvalidKeys", testInvalidKeys},
		{"Cancelled", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
	t.Run("Isolation", func(t *testing.T) {
		a, b := newStore(t), newStore(t)
		put(t, a, "k", []byte("a"))
		if keys := listKeys(t, b, ""); len(keys) != 0 {
			t.Fatalf("a new store lists %q written to another", keys)
		}
	})
}

func ctx(t *testing.T) context.Context { return t.Context() }

func put(t *testing.T, s s3sync.ObjectStore, key string, data []byte) {
	t.Helper()
	if err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// get reads key and checks that the info Get returns matches Stat's.
func get(t *testing.T, s s3sync.ObjectStore, key string) ([]byte, s3sync.ObjectInfo) {
	t.Helper()
	rc, oi, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	if oi.Key != key || oi.Size != int64(len(data)) || oi.ETag == "" || oi.ModTime.IsZero() {
		t.Fatalf("Get(%q) info = %+v for %d bytes", key, oi, len(data))
	}
	st, err := s.Stat(ctx(t), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if st.Key != oi.Key || st.Size != oi.Size || st.ETag != oi.ETag || !st.ModTime.Equal(oi.ModTime) {
		t.Fatalf("Stat(%q) = %+v, Get said %+v", key, st, oi)
	}
	return data, oi
}

func mustContain(t *testing.T, s s3sync.ObjectStore, key string, want []byte) s3sync.ObjectInfo {
	t.Helper()
	got, oi := get(t, s, key)
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes %.20q..., want %d bytes %.20q...", key, len(got), got, len(want), want)
	}
	return oi
}

func listInfos(t *testing.T, s s3sync.ObjectStore, prefix string) []s3sync.ObjectInfo {
	t.Helper()
	var infos []s3sync.ObjectInfo
	if err := s.List(ctx(t), prefix, func(oi s3sync.ObjectInfo) error {
		infos = append(infos, oi)
		return nil
	}); err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return infos
}

func listKeys(t *testing.T, s s3sync.ObjectStore, prefix string) []string {
	t.Helper()
	var keys []string
	for _, oi := range listInfos(t, s, prefix) {
		keys = append(keys, oi.Key)
	}
	return keys
}

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// parallel runs fn(i) for i in [0, n) on up to 16 goroutines.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// testRoundTrip: empty, small and multi-MB objects come back byte-exact
// with a plausible info.
func testRoundTrip(t *testing.T, s s3sync.ObjectStore) {
	before := time.Now().Add(-time.Minute)
	for _, tc := range []struct {
		key  string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("hello, object")},
		{"dir/big", randBytes(5<<20+123, 1)},
	} {
		put(t, s, tc.key, tc.data)
		oi := mustContain(t, s, tc.key, tc.data)
		if oi.ModTime.Before(before) || oi.ModTime.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s: ModTime %v, not about now", tc.key, oi.ModTime)
		}
	}
}

// testOverwrite: Put replaces an object and gives it a new ETag.
func testOverwrite(t *testing.T, s s3sync.ObjectStore) {
	put(t, s, "k", []byte("one"))
	first := mustContain(t, s, "k", []byte("one"))
	put(t, s, "k", []byte("second"))
	second := mustContain(t, s, "k", []byte("second"))
	if first.ETag == second.ETag {
		t.Errorf("ETag %q did not change on overwrite", first.ETag)
	}
	again := mustContain(t, s, "k", []byte("second"))
	if again.ETag != second.ETag {
		t.Errorf("ETag changed between reads: %q, %q", second.ETag, again.ETag)
	}
}

// testUnknownSize: size -1 means "read to EOF", for Put and PutIfAbsent.
func testUnknownSize(t *testing.T, s s3sync.ObjectStore) {
	data := randBytes(300<<10, 2)
	if err := s.Put(ctx(t), "put", io.MultiReader(bytes.NewReader(data)), -1); err != nil {
		t.Fatalf("Put size -1: %v", err)
	}
	mustContain(t, s, "put", data)
	if err := s.PutIfAbsent(ctx(t), "pia", io.MultiReader(bytes.NewReader(data)), -1); err != nil {
		t.Fatalf("PutIfAbsent size -1: %v", err)
	}
	mustContain(t, s, "pia", data)
	err := s.PutIfAbsent(ctx(t), "pia", strings.NewReader("other"), -1)
	if !errors.Is(err, s3sync.ErrExists) {
		t.Fatalf("second PutIfAbsent size -1 = %v, want ErrExists", err)
	}
	mustContain(t, s, "pia", data)
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("storetest: reader fails on purpose")
	}
	n := min(len(p), f.n)
	clear(p[:n])
	f.n -= n
	return n, nil
}

// testFailedPut: a short, long or failing reader makes Put fail and leaves
// the key as it was (absent, or holding the old object).
func testFailedPut(t *testing.T, s s3sync.ObjectStore) {
	put(t, s, "old", []byte("old content"))
	for name, mk := range map[string]func() (io.Reader, int64){
		"short":   func() (io.Reader, int64) { return strings.NewReader("12345"), 10 },
		"long":    func() (io.Reader, int64) { return strings.NewReader("1234567890abc"), 10 },
		"failing": func() (io.Reader, int64) { return &failingReader{n: 100 << 10}, 1 << 20 },
	} {
		for _, pia := range []bool{false, true} {
			r, size := mk()
			key, op, err := "old", "Put", error(nil)
			if pia {
				r, size = mk()
				key, op = "new-"+name, "PutIfAbsent"
				err = s.PutIfAbsent(ctx(t), key, r, size)
			} else {
				err = s.Put(ctx(t), key, r, size)
			}
			if err == nil {
				t.Errorf("%s(%s) with a %s reader succeeded", op, key, name)
			}
		}
		mustContain(t, s, "old", []byte("old content"))
		if _, err := s.Stat(ctx(t), "new-"+name); !errors.Is(err, s3sync.ErrNotFound) {
			t.Errorf("after a failed PutIfAbsent with a %s reader: Stat = %v, want ErrNotFound", name, err)
		}
	}
}

// testNotFound: Get and Stat of a missing key wrap ErrNotFound, also for a
// key that is only a prefix of stored keys.
func testNotFound(t *testing.T, s s3sync.ObjectStore) {
	put(t, s, "dir/file", []byte("x"))
	for _, key := range []string{"missing", "dir", "dir/fil", "dir/file/below", "missing/deep/key"} {
		if rc, _, err := s.Get(ctx(t), key); !errors.Is(err, s3sync.ErrNotFound) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, s3sync.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
		}
	}
}

// testPutIfAbsent: the second conditional write, or one after a Put, gets
// ErrExists and changes nothing; after a Delete it succeeds again.
func testPutIfAbsent(t *testing.T, s s3sync.ObjectStore) {
	if err := s.PutIfAbsent(ctx(t), "lock", strings.NewReader("first"), 5); err != nil {
		t.Fatalf("first PutIfAbsent: %v", err)
	}
	before := mustContain(t, s, "lock", []byte("first"))
	err := s.PutIfAbsent(ctx(t), "lock", strings.NewReader("second!"), 7)
	if !errors.Is(err, s3sync.ErrExists) {
		t.Fatalf("second PutIfAbsent = %v, want ErrExists", err)
	}
	after := mustContain(t, s, "lock", []byte("first"))
	if before.ETag != after.ETag {
		t.Errorf("a refused PutIfAbsent changed the ETag: %q → %q", before.ETag, after.ETag)
	}

	put(t, s, "plain", []byte("put"))
	if err := s.PutIfAbsent(ctx(t), "plain", strings.NewReader("pia"), 3); !errors.Is(err, s3sync.ErrExists) {
		t.Fatalf("PutIfAbsent over Put = %v, want ErrExists", err)
	}
	mustContain(t, s, "plain", []byte("put"))

	if err := s.Delete(ctx(t), "lock"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIfAbsent(ctx(t), "lock", strings.NewReader("third"), 5); err != nil {
		t.Fatalf("PutIfAbsent after Delete: %v", err)
	}
	mustContain(t, s, "lock", []byte("third"))
}

// testConcurrentPutIfAbsent: of 8 concurrent conditional writes to one key,
// exactly one wins, the others get ErrExists, and the key holds the
// winner's content. Repeated on several keys to give races a chance.
func testConcurrentPutIfAbsent(t *testing.T, s s3sync.ObjectStore) {
	const writers = 8
	for round := range 5 {
		key := fmt.Sprintf("race/%d", round)
		errs := make([]error, writers)
		bodies := make([][]byte, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range writers {
			bodies[i] = randBytes(64<<10+i, uint64(round*writers+i+10))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.PutIfAbsent(ctx(t), key, bytes.NewReader(bodies[i]), int64(len(bodies[i])))
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("%s: writers %d and %d both won", key, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, s3sync.ErrExists):
				t.Fatalf("%s: writer %d: %v, want nil or ErrExists", key, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("%s: no writer won", key)
		}
		mustContain(t, s, key, bodies[winner])
	}
}

// testList: byte order (not walk or insertion order), plain-string prefix
// filtering, and correct infos.
func testList(t *testing.T, s s3sync.ObjectStore) {
	keys := []string{"a", "a.b", "a/b", "a/b/c", "a/bc", "a0", "ab", "b", "a-", "a/b.c",
		"A", "z/z/z", "a b", "é", "e", "a/b/c/d/e"}
	// S3 and file systems differ on "a" being both an object and a prefix of
	// others; the suite needs no key that is also a "directory".
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "a" || k == "a/b" || k == "a/b/c" })
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for i, k := range keys {
		put(t, s, k, bytes.Repeat([]byte{'x'}, i))
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)

	all := listInfos(t, s, "")
	var got []string
	for _, oi := range all {
		got = append(got, oi.Key)
		st, err := s.Stat(ctx(t), oi.Key)
		if err != nil {
			t.Fatal(err)
		}
		if oi.Size != st.Size || oi.ETag != st.ETag || oi.ModTime.Unix() != st.ModTime.Unix() {
			t.Errorf("List info %+v, Stat %+v", oi, st)
		}
	}
	if !slices.Equal(got, sorted) {
		t.Fatalf("List(\"\") = %q\nwant %q", got, sorted)
	}
	for _, prefix := range []string{"a", "a/", "a/b", "a/b/", "a/b/c/d/", "a.", "z/", "z/z/z", "é", "nothing", "a/nothing/", "zz"} {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := listKeys(t, s, prefix); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q\nwant %q", prefix, got, want)
		}
	}
}

// testListPagination: more keys than S3 returns in one page (1000), all
// listed once, in order.
func testListPagination(t *testing.T, s s3sync.ObjectStore) {
	const n = 1100
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("page/%05d", i)
	}
	errs := make(chan error, n)
	parallel(n, func(i int) {
		if err := s.Put(ctx(t), want[i], strings.NewReader(want[i]), int64(len(want[i]))); err != nil {
			errs <- err
		}
	})
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	put(t, s, "pagf", nil) // just past the prefix in byte order
	got := listKeys(t, s, "page/")
	if !slices.Equal(got, want) {
		t.Fatalf("List(page/) gave %d keys, want %d in order", len(got), n)
	}
	if got := listKeys(t, s, ""); len(got) != n+1 {
		t.Fatalf("List(\"\") gave %d keys, want %d", len(got), n+1)
	}
}

// testListStops: an error from fn stops List and comes back unwrapped.
func testListStops(t *testing.T, s s3sync.ObjectStore) {
	for i := range 5 {
		put(t, s, fmt.Sprintf("k%d", i), nil)
	}
	stop := errors.New("stop here")
	calls := 0
	err := s.List(ctx(t), "", func(oi s3sync.ObjectInfo) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("List = %v, want the error fn returned, unwrapped", err)
	}
	if calls != 2 {
		t.Fatalf("fn called %d times after returning an error on call 2", calls)
	}
}

// testDelete: Delete removes, and deleting a missing key (twice, or one
// never written, or under a missing "directory") is not an error.
func testDelete(t *testing.T, s s3sync.ObjectStore) {
	put(t, s, "d/one", []byte("1"))
	put(t, s, "d/two", []byte("2"))
	for range 2 {
		if err := s.Delete(ctx(t), "d/one"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, err := s.Stat(ctx(t), "d/one"); !errors.Is(err, s3sync.ErrNotFound) {
		t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
	}
	for _, k := range []string{"never", "no/such/dir/key", "d"} {
		if err := s.Delete(ctx(t), k); err != nil {
			t.Errorf("Delete(%q) of a missing key = %v", k, err)
		}
	}
	if got := listKeys(t, s, ""); !slices.Equal(got, []string{"d/two"}) {
		t.Fatalf("List after Delete = %q", got)
	}
	if err := s.Delete(ctx(t), "d/two"); err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("List of an emptied store = %q", got)
	}
	// The names are free again, as objects.
	put(t, s, "d", []byte("now a file"))
	mustContain(t, s, "d", []byte("now a file"))
}

// testKeys: keys with spaces, unicode, URL syntax and deep slashes round
// trip and list back exactly.
func testKeys(t *testing.T, s s3sync.ObjectStore) {
	keys := []string{
		"with space", "lead/ space/trail ", "ünïcødé/ключ/键/🔑",
		"q?x=1&y=2#frag", "plus+and%20percent%2F", "semi;colon:comma,", "tilde~star*paren(s)",
		"quote\"apos'back`", "brackets[]{}<>", "back\\slash", "deep/" + strings.Repeat("d/", 40) + "leaf",
		"dots.../...x/.y", "long/" + strings.Repeat("L", s3sync.MaxKeySegment),
	}
	for i, k := range keys {
		put(t, s, k, []byte(fmt.Sprint(i)))
	}
	for i, k := range keys {
		mustContain(t, s, k, []byte(fmt.Sprint(i)))
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	if got := listKeys(t, s, ""); !slices.Equal(got, sorted) {
		t.Fatalf("List = %q\nwant %q", got, sorted)
	}
	for _, k := range keys {
		if got := listKeys(t, s, k); !slices.Equal(got, []string{k}) {
			t.Errorf("List(%q) = %q", k, got)
		}
	}
}

// testInvalidKeys: every method refuses keys that break ValidKey with
// ErrInvalidKey, and nothing is written.
func testInvalidKeys(t *testing.T, s s3sync.ObjectStore) {
	for _, k := range []string{"", "/abs", "trail/", "a//b", ".", "..", "../escape", "a/../b", "a/./b", "nul\x00", "nl\n"} {
		check := func(op string, err error) {
			if !errors.Is(err, s3sync.ErrInvalidKey) {
				t.Errorf("%s(%q) = %v, want ErrInvalidKey", op, k, err)
			}
		}
		check("Put", s.Put(ctx(t), k, strings.NewReader("x"), 1))
		check("PutIfAbsent", s.PutIfAbsent(ctx(t), k, strings.NewReader("x"), 1))
		rc, _, err := s.Get(ctx(t), k)
		if rc != nil {
			rc.Close()
		}
		check("Get", err)
		_, err = s.Stat(ctx(t), k)
		check("Stat", err)
		check("Delete", s.Delete(ctx(t), k))
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("invalid keys wrote %q", got)
	}
}

// testCancelled: a cancelled context fails every call with its error, and a
// cancelled Put writes nothing.
func testCancelled(t *testing.T, s s3sync.ObjectStore) {
	put(t, s, "k", []byte("old"))
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	check := func(op string, err error) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", op, err)
		}
	}
	check("Put", s.Put(c, "k", strings.NewReader("new"), 3))
	check("PutIfAbsent", s.PutIfAbsent(c, "k2", strings.NewReader("new"), 3))
	rc, _, err := s.Get(c, "k")
	if rc != nil {
		rc.Close()
	}
	check("Get", err)
	_, err = s.Stat(c, "k")
	check("Stat", err)
	check("List", s.List(c, "", func(s3sync.ObjectInfo) error { return nil }))
	check("Delete", s.Delete(c, "k"))
	mustContain(t, s, "k", []byte("old"))
	if _, err := s.Stat(ctx(t), "k2"); !errors.Is(err, s3sync.ErrNotFound) {
		t.Errorf("cancelled PutIfAbsent: Stat = %v, want ErrNotFound", err)
	}
}
