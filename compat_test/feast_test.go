package compat_test

// Feast's Redis online store layout, byte for byte, as Feast's Python
// store writes, reads and deletes it (DESIGN.md, appendix). The same
// sequence runs against a reference redis-server and the sidecar, and every
// step's results must be identical, including which keys a SCAN MATCH
// selects when join-key lengths put glob metacharacters into the pattern.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// murmur3x86_32 is MurmurHash3's x86 32-bit variant, the hash Feast uses
// (through mmh3) to name a feature's hash field.
func murmur3x86_32(data []byte, seed uint32) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	h := seed
	n := len(data) / 4
	for i := 0; i < n; i++ {
		k := binary.LittleEndian.Uint32(data[4*i:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	tail := data[4*n:]
	var k uint32
	switch len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// feastField is the hash field of a feature: murmur3 of "view:feature",
// as 4 little-endian bytes.
func feastField(view, feature string) string {
	return string(binary.LittleEndian.AppendUint32(nil, murmur3x86_32([]byte(view+":"+feature), 0)))
}

// feastTsField is the hash field holding a view's event timestamp.
func feastTsField(view string) string { return "_ts:" + view }

// Value types of serialized entity keys (Feast's ValueType enum).
const (
	feastBytes  = 1
	feastString = 2
	feastInt32  = 3
	feastInt64  = 4
)

// feastJoinKey is one join key of an entity and its value.
type feastJoinKey struct {
	name string
	typ  uint32
	val  []byte // already encoded: UTF-8, or little-endian integers
}

func feastInt64Key(name string, v int64) feastJoinKey {
	return feastJoinKey{name, feastInt64, binary.LittleEndian.AppendUint64(nil, uint64(v))}
}

func feastInt32Key(name string, v int32) feastJoinKey {
	return feastJoinKey{name, feastInt32, binary.LittleEndian.AppendUint32(nil, uint32(v))}
}

func feastStringKey(name, v string) feastJoinKey {
	return feastJoinKey{name, feastString, []byte(v)}
}

// feastKeyPrefix is the serialized join-key part of an entity key (v3):
// u32le(count), then per name in sorted order u32le(STRING) u32le(len) name.
func feastKeyPrefix(names []string) []byte {
	names = append([]string(nil), names...)
	sort.Strings(names)
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(names)))
	for _, n := range names {
		b = binary.LittleEndian.AppendUint32(b, feastString)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return b
}

// feastEntityKey is serialize_entity_key v3: the join-key prefix, then per
// value in the same sorted order u32le(type) u32le(len) bytes.
func feastEntityKey(keys []feastJoinKey) []byte {
	keys = append([]feastJoinKey(nil), keys...)
	sort.Slice(keys, func(i, j int) bool { return keys[i].name < keys[j].name })
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	b := feastKeyPrefix(names)
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint32(b, k.typ)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k.val)))
		b = append(b, k.val...)
	}
	return b
}

// feastRedisKey is the Redis key of an entity in a project.
func feastRedisKey(keys []feastJoinKey, project string) string {
	return string(feastEntityKey(keys)) + project
}

// Serialized feast.types.Value messages, encoded by hand: the oneof field
// number and wire type, then the payload.
func valueInt64(v int64) string {
	return string(binary.AppendUvarint([]byte{4<<3 | 0}, uint64(v)))
}

func valueDouble(v float64) string {
	return string(binary.LittleEndian.AppendUint64([]byte{5<<3 | 1}, math.Float64bits(v)))
}

func valueFloat(v float32) string {
	return string(binary.LittleEndian.AppendUint32([]byte{6<<3 | 5}, math.Float32bits(v)))
}

func valueString(s string) string {
	b := binary.AppendUvarint([]byte{2<<3 | 2}, uint64(len(s)))
	return string(append(b, s...))
}

// protoTimestamp is a serialized google.protobuf.Timestamp.
func protoTimestamp(t time.Time) string {
	var b []byte
	if s := t.Unix(); s != 0 {
		b = binary.AppendUvarint(append(b, 1<<3|0), uint64(s))
	}
	if n := t.Nanosecond(); n != 0 {
		b = binary.AppendUvarint(append(b, 2<<3|0), uint64(n))
	}
	return string(b)
}

// parseProtoTimestamp reads back what protoTimestamp wrote.
func parseProtoTimestamp(b []byte) (time.Time, error) {
	var sec, nsec uint64
	for len(b) > 0 {
		tag := b[0]
		v, n := binary.Uvarint(b[1:])
		if n <= 0 {
			return time.Time{}, fmt.Errorf("bad varint in timestamp %x", b)
		}
		switch tag {
		case 1<<3 | 0:
			sec = v
		case 2<<3 | 0:
			nsec = v
		default:
			return time.Time{}, fmt.Errorf("unexpected tag %#x in timestamp", tag)
		}
		b = b[1+n:]
	}
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

func TestFeastEncodings(t *testing.T) {
	if got := feastField("feature_view_1", "feature_10"); got != "\x26\x6d\x5f\x39" {
		t.Errorf("murmur3 field of feature_view_1:feature_10 = % x, want 26 6d 5f 39", got)
	}
	// Reference vectors of MurmurHash3 x86_32.
	for _, v := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"hello", 0, 0x248bfa47},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
	} {
		if got := murmur3x86_32([]byte(v.in), v.seed); got != v.want {
			t.Errorf("murmur3(%q, %d) = %#x, want %#x", v.in, v.seed, got, v.want)
		}
	}
	want, _ := hex.DecodeString("01000000" + "02000000" + "09000000" + hex.EncodeToString([]byte("driver_id")) +
		"04000000" + "08000000" + "e903000000000000")
	if got := feastEntityKey([]feastJoinKey{feastInt64Key("driver_id", 1001)}); !bytes.Equal(got, want) {
		t.Errorf("entity key of driver_id=1001 = %x, want %x", got, want)
	}
	if got := valueInt64(5); got != "\x20\x05" {
		t.Errorf("ValueProto int64 5 = % x, want 20 05", got)
	}
	ts := time.Date(2024, 5, 17, 10, 30, 0, 123000000, time.UTC)
	if got, err := parseProtoTimestamp([]byte(protoTimestamp(ts))); err != nil || !got.Equal(ts) {
		t.Errorf("timestamp round trip = %v, %v", got, err)
	}
	// The length bytes that become glob metacharacters in a SCAN pattern.
	for l, meta := range map[int]byte{42: '*', 63: '?', 91: '[', 92: '\\'} {
		p := feastKeyPrefix([]string{strings.Repeat("k", l)})
		if p[8] != meta {
			t.Errorf("join key name of length %d: length byte %q, want %q", l, p[8], meta)
		}
	}
}

// feastView is a feature view: its join keys and features.
type feastView struct {
	name     string
	joinKeys []string
	features []string
}

// feastRow is one entity's feature values for a view at a time.
type feastRow struct {
	entity []feastJoinKey
	values map[string]string // feature → serialized ValueProto
	ts     time.Time
}

// feastStore drives one server the way Feast's Redis online store does
// and records every result it sees in a transcript.
type feastStore struct {
	t       *testing.T
	ctx     context.Context
	c       *redis.Client
	name    string
	project string
	ttl     time.Duration
	log     []string
}

func (s *feastStore) record(format string, args ...interface{}) {
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

// write is online_write_batch: a pipeline of HMGET key _ts:view to find
// newer stored data, then a pipeline of HSET (and EXPIRE) for the rows
// whose stored timestamp is older or absent.
func (s *feastStore) write(view feastView, rows []feastRow) {
	s.t.Helper()
	tsField := feastTsField(view.name)
	keys := make([]string, len(rows))
	pipe := s.c.Pipeline()
	prev := make([]*redis.SliceCmd, len(rows))
	for i, r := range rows {
		keys[i] = feastRedisKey(r.entity, s.project)
		prev[i] = pipe.HMGet(s.ctx, keys[i], tsField)
	}
	if _, err := pipe.Exec(s.ctx); err != nil {
		s.t.Fatalf("%s: pipelined HMGET _ts: %v", s.name, err)
	}
	pipe = s.c.Pipeline()
	var hsets []*redis.IntCmd
	var expires []*redis.BoolCmd
	for i, r := range rows {
		stored := prev[i].Val()[0]
		s.record("write %s row %d: stored ts %s", view.name, i, hexOrNil(stored))
		if stored != nil {
			old, err := parseProtoTimestamp([]byte(stored.(string)))
			if err != nil {
				s.t.Fatalf("%s: stored timestamp of %q: %v", s.name, keys[i], err)
			}
			if !old.Before(r.ts) {
				s.record("write %s row %d: skipped, stored data is newer", view.name, i)
				continue
			}
		}
		mapping := map[string]interface{}{tsField: protoTimestamp(r.ts)}
		for f, v := range r.values {
			mapping[feastField(view.name, f)] = v
		}
		hsets = append(hsets, pipe.HSet(s.ctx, keys[i], mapping))
		if s.ttl > 0 {
			expires = append(expires, pipe.Expire(s.ctx, keys[i], s.ttl))
		}
	}
	if len(hsets) == 0 {
		return
	}
	if _, err := pipe.Exec(s.ctx); err != nil {
		s.t.Fatalf("%s: pipelined HSET: %v", s.name, err)
	}
	for i, h := range hsets {
		s.record("write %s: HSET %d = %d", view.name, i, h.Val())
	}
	for i, e := range expires {
		s.record("write %s: EXPIRE %d = %v", view.name, i, e.Val())
	}
}

// read is online_read: one pipelined HMGET per entity of the requested
// features' fields and _ts:view. It returns, per entity, the raw values
// (nil when absent) with the timestamp last.
func (s *feastStore) read(view feastView, entities [][]feastJoinKey, features []string) [][]interface{} {
	s.t.Helper()
	fields := make([]string, 0, len(features)+1)
	for _, f := range features {
		fields = append(fields, feastField(view.name, f))
	}
	fields = append(fields, feastTsField(view.name))
	pipe := s.c.Pipeline()
	cmds := make([]*redis.SliceCmd, len(entities))
	for i, e := range entities {
		cmds[i] = pipe.HMGet(s.ctx, feastRedisKey(e, s.project), fields...)
	}
	if _, err := pipe.Exec(s.ctx); err != nil {
		s.t.Fatalf("%s: pipelined HMGET: %v", s.name, err)
	}
	out := make([][]interface{}, len(entities))
	for i, c := range cmds {
		out[i] = c.Val()
		parts := make([]string, len(out[i]))
		for j, v := range out[i] {
			parts[j] = hexOrNil(v)
		}
		s.record("read %s entity %d: %s", view.name, i, strings.Join(parts, " "))
	}
	return out
}

// scanPattern is the MATCH pattern Feast uses to find a view's keys: the
// serialized join-key prefix, *, the project name, unescaped.
func (s *feastStore) scanPattern(view feastView) string {
	return string(feastKeyPrefix(view.joinKeys)) + "*" + s.project
}

// deleteView is Feast's teardown of a view: SCAN MATCH <prefix>*<project>,
// then for each key HKEYS to see which views it holds, and DEL when this
// view is its only one, else HDEL of the view's fields, in one
// non-transactional pipeline. It returns the keys SCAN matched.
func (s *feastStore) deleteView(view feastView) []string {
	s.t.Helper()
	matched := s.scanAll(s.scanPattern(view))
	s.record("delete %s: SCAN matched %d keys: %s", view.name, len(matched), hexList(matched))
	fields := []string{feastTsField(view.name)}
	for _, f := range view.features {
		fields = append(fields, feastField(view.name, f))
	}
	pipe := s.c.Pipeline()
	var dels []*redis.IntCmd
	for _, k := range matched {
		hkeys, err := s.c.HKeys(s.ctx, k).Result()
		if err != nil {
			s.t.Fatalf("%s: HKEYS %x: %v", s.name, k, err)
		}
		var views []string
		for _, f := range hkeys {
			if v, ok := strings.CutPrefix(f, "_ts:"); ok {
				views = append(views, v)
			}
		}
		sort.Strings(views)
		s.record("delete %s: key %x holds views %q and %d fields", view.name, k, views, len(hkeys))
		has := false
		for _, v := range views {
			has = has || v == view.name
		}
		switch {
		case !has:
			s.record("delete %s: key %x left alone", view.name, k)
		case len(views) == 1:
			dels = append(dels, pipe.Del(s.ctx, k))
		default:
			dels = append(dels, pipe.HDel(s.ctx, k, fields...))
		}
	}
	if len(dels) > 0 {
		if _, err := pipe.Exec(s.ctx); err != nil {
			s.t.Fatalf("%s: delete pipeline: %v", s.name, err)
		}
	}
	for _, d := range dels {
		s.record("delete %s: %v %x = %d", view.name, d.Args()[0], d.Args()[1], d.Val())
	}
	return matched
}

// scanAll runs a full SCAN with MATCH and returns the distinct keys, sorted.
func (s *feastStore) scanAll(pattern string) []string {
	s.t.Helper()
	seen := map[string]bool{}
	it := s.c.Scan(s.ctx, 0, pattern, 0).Iterator()
	for it.Next(s.ctx) {
		seen[it.Val()] = true
	}
	if err := it.Err(); err != nil {
		s.t.Fatalf("%s: SCAN MATCH %q: %v", s.name, pattern, err)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dump records every key with its fields and values, sorted.
func (s *feastStore) dump(label string) {
	s.t.Helper()
	for _, k := range s.scanAll("") {
		m, err := s.c.HGetAll(s.ctx, k).Result()
		if err != nil {
			s.t.Fatalf("%s: HGETALL %x: %v", s.name, k, err)
		}
		fs := make([]string, 0, len(m))
		for f, v := range m {
			fs = append(fs, fmt.Sprintf("%x=%x", f, v))
		}
		sort.Strings(fs)
		ttl, err := s.c.TTL(s.ctx, k).Result()
		if err != nil {
			s.t.Fatal(err)
		}
		s.record("%s: key %x ttl-set %v fields %s", label, k, ttl > 0 && ttl <= s.ttl, strings.Join(fs, ","))
	}
}

func hexOrNil(v interface{}) string {
	if v == nil {
		return "nil"
	}
	return hex.EncodeToString([]byte(v.(string)))
}

func hexList(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = hex.EncodeToString([]byte(k))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Views and entities of the scenario.
var (
	feastDriverStats = feastView{"driver_hourly_stats", []string{"driver_id"},
		[]string{"conv_rate", "acc_rate", "avg_daily_trips"}}
	feastDriverProfile = feastView{"driver_profile", []string{"driver_id"}, []string{"name"}}
	feastTxn           = feastView{"customer_merchant_txn", []string{"merchant_id", "customer_id"},
		[]string{"txn_count", "last_amount"}}
)

// feastWideView has one join key whose name is n bytes long.
func feastWideView(n int) feastView {
	name := fmt.Sprintf("k%d_", n)
	name += strings.Repeat("x", n-len(name))
	return feastView{fmt.Sprintf("wide_%d", n), []string{name}, []string{"score"}}
}

func feastDriver(id int64) []feastJoinKey { return []feastJoinKey{feastInt64Key("driver_id", id)} }

func feastTxnEntity(customer string, merchant int32) []feastJoinKey {
	// Deliberately not in sorted order: serialization sorts.
	return []feastJoinKey{feastInt32Key("merchant_id", merchant), feastStringKey("customer_id", customer)}
}

// feastScenario runs the whole write/read/delete sequence on one server
// and returns its transcript. Results are also checked against what Feast
// expects, server by server.
func feastScenario(t *testing.T, name, addr string) []string {
	ctx := testCtx(t)
	c := newGoRedis(t, addr)
	s := &feastStore{t: t, ctx: ctx, c: c, name: name, project: "feast_prod", ttl: time.Hour}
	other := &feastStore{t: t, ctx: ctx, c: c, name: name, project: "other_feast_prod", ttl: time.Hour}
	t0 := time.Date(2024, 5, 17, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	t2 := t1.Add(30*time.Minute + 250*time.Millisecond)

	statsRow := func(id int64, ts time.Time) feastRow {
		return feastRow{feastDriver(id), map[string]string{
			"conv_rate":       valueDouble(float64(id) / 10000),
			"acc_rate":        valueFloat(float32(id%7) / 7),
			"avg_daily_trips": valueInt64(id % 100),
		}, ts}
	}
	var rows []feastRow
	for id := int64(1001); id <= 1005; id++ {
		rows = append(rows, statsRow(id, t1))
	}
	s.write(feastDriverStats, rows)
	other.write(feastDriverStats, []feastRow{statsRow(1001, t1), statsRow(1002, t1)})
	s.write(feastDriverProfile, []feastRow{
		{feastDriver(1001), map[string]string{"name": valueString("Ada")}, t1},
		{feastDriver(1002), map[string]string{"name": valueString("Grace ✓")}, t1},
		{feastDriver(1003), map[string]string{"name": valueString("")}, t1},
	})
	s.write(feastTxn, []feastRow{
		{feastTxnEntity("cust-1", 7), map[string]string{"txn_count": valueInt64(3), "last_amount": valueDouble(19.99)}, t1},
		{feastTxnEntity("cust-2", -1), map[string]string{"txn_count": valueInt64(-5)}, t1},
	})
	wides := []feastView{feastWideView(42), feastWideView(63), feastWideView(91), feastWideView(92), feastWideView(10)}
	for _, v := range wides {
		s.write(v, []feastRow{
			{[]feastJoinKey{feastStringKey(v.joinKeys[0], "alice")}, map[string]string{"score": valueInt64(1)}, t1},
			{[]feastJoinKey{feastStringKey(v.joinKeys[0], "bob")}, map[string]string{"score": valueInt64(2)}, t1},
		})
	}
	// A newer row overwrites, an older one is skipped, and so is a row
	// as old as the stored one.
	update := statsRow(1001, t2)
	update.values["avg_daily_trips"] = valueInt64(5)
	s.write(feastDriverStats, []feastRow{update, statsRow(1002, t0)})
	s.write(feastDriverStats, []feastRow{statsRow(1001, t2)})

	// Reads.
	drivers := [][]feastJoinKey{feastDriver(1001), feastDriver(1002), feastDriver(1005), feastDriver(9999)}
	got := s.read(feastDriverStats, drivers, feastDriverStats.features)
	want := [][]interface{}{
		{valueDouble(0.1001), valueFloat(float32(1001%7) / 7), "\x20\x05", protoTimestamp(t2)},
		{valueDouble(0.1002), valueFloat(float32(1002%7) / 7), valueInt64(2), protoTimestamp(t1)},
		{valueDouble(0.1005), valueFloat(float32(1005%7) / 7), valueInt64(5), protoTimestamp(t1)},
		{nil, nil, nil, nil},
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("%s: read driver_hourly_stats entity %d value %d = %s, want %s",
					name, i, j, hexOrNil(got[i][j]), hexOrNil(want[i][j]))
			}
		}
	}
	prof := s.read(feastDriverProfile, drivers[:3], []string{"name"})
	if prof[1][0] != valueString("Grace ✓") || prof[2][0] != nil {
		t.Errorf("%s: read driver_profile = %q", name, prof)
	}
	txn := s.read(feastTxn, [][]feastJoinKey{feastTxnEntity("cust-1", 7), feastTxnEntity("cust-2", -1)}, feastTxn.features)
	if txn[0][0] != valueInt64(3) || txn[0][1] != valueDouble(19.99) || txn[1][0] != valueInt64(-5) || txn[1][1] != nil {
		t.Errorf("%s: read customer_merchant_txn = %q", name, txn)
	}
	for _, v := range wides {
		r := s.read(v, [][]feastJoinKey{{feastStringKey(v.joinKeys[0], "bob")}}, v.features)
		if r[0][0] != valueInt64(2) {
			t.Errorf("%s: read %s = %q", name, v.name, r)
		}
	}
	// Every written key carries the TTL.
	for _, k := range []string{feastRedisKey(feastDriver(1001), "feast_prod"), feastRedisKey(feastTxnEntity("cust-2", -1), "feast_prod")} {
		ttl, err := c.TTL(ctx, k).Result()
		if err != nil || ttl <= time.Hour-5*time.Second || ttl > time.Hour {
			t.Errorf("%s: TTL of %x = %v, %v", name, k, ttl, err)
		}
	}
	s.dump("after writes")

	// Teardown, view by view.
	matched := s.deleteView(feastDriverStats)
	// The pattern is a suffix glob, so project other_feast_prod's keys
	// match too, as in Redis.
	if len(matched) != 7 {
		t.Errorf("%s: SCAN for driver_hourly_stats matched %d keys, want 5 in feast_prod and 2 in other_feast_prod", name, len(matched))
	}
	for _, v := range wides {
		matched := s.deleteView(v)
		wantN := 2
		switch len(v.joinKeys[0]) {
		case 91, 92: // '[' and '\' in the pattern: Redis matches none
			wantN = 0
		}
		if len(matched) != wantN {
			t.Errorf("%s: SCAN MATCH for %s (pattern % x) matched %d keys, want %d",
				name, v.name, s.scanPattern(v), len(matched), wantN)
		}
		for _, k := range matched {
			if !globMatch([]byte(s.scanPattern(v)), []byte(k)) {
				t.Errorf("%s: SCAN MATCH returned %x, which the pattern does not match", name, k)
			}
		}
	}
	s.deleteView(feastTxn)
	s.dump("after deletes")

	// What is left: driver_profile for 1001-1003, the wide_91 and wide_92
	// keys that the SCAN could not find.
	left := s.scanAll("")
	if len(left) != 7 {
		t.Errorf("%s: %d keys left after teardown, want 3 driver_profile + 4 wide_91/wide_92: %s", name, len(left), hexList(left))
	}
	m, err := c.HGetAll(ctx, feastRedisKey(feastDriver(1001), "feast_prod")).Result()
	if err != nil {
		t.Fatal(err)
	}
	wantM := map[string]string{feastTsField("driver_profile"): protoTimestamp(t1), feastField("driver_profile", "name"): valueString("Ada")}
	if fmt.Sprint(m) != fmt.Sprint(wantM) {
		t.Errorf("%s: driver 1001 after deleting driver_hourly_stats = %q, want %q", name, m, wantM)
	}
	return s.log
}

func TestFeastLayoutMatchesRedis(t *testing.T) {
	ref := startRedis(t)
	p := startSidecar(t)
	want := feastScenario(t, "redis", ref.Addr)
	got := feastScenario(t, "sidecar", p.Addr)
	for i := 0; i < len(want) || i < len(got); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("step %d differs:\nsidecar: %s\nredis:   %s", i, g, w)
		}
	}
	t.Logf("%d identical steps", len(want))
}
