package resp

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

// registerHashes registers the hash commands.
func registerHashes(t *Table) {
	keyed := t.keyedRegistrar("hash")
	hash := func(name string, arity int, flags Flags, summary string, h Handler) {
		keyed(name, arity, flags, 1, 1, 1, summary, h)
	}
	hash("hset", -4, fastWriteCmd, "Set the string value of a hash field", cmdHset)
	hash("hsetnx", 4, fastWriteCmd, "Set the value of a hash field, only if the field does not exist", cmdHsetnx)
	hash("hmset", -4, fastWriteCmd, "Set multiple hash fields to multiple values", cmdHset)
	hash("hget", 3, fastReadCmd, "Get the value of a hash field", cmdHget)
	hash("hmget", -3, fastReadCmd, "Get the values of all the given hash fields", cmdHmget)
	hash("hgetall", 2, readCmd, "Get all the fields and values in a hash", cmdHgetall)
	hash("hkeys", 2, readCmd, "Get all the fields in a hash", cmdHgetall)
	hash("hvals", 2, readCmd, "Get all the values in a hash", cmdHgetall)
	hash("hdel", -3, fastWriteCmd, "Delete one or more hash fields", cmdHdel)
	hash("hexists", 3, fastReadCmd, "Determine if a hash field exists", cmdHexists)
	hash("hlen", 2, fastReadCmd, "Get the number of fields in a hash", cmdHlen)
	hash("hstrlen", 3, fastReadCmd, "Get the length of the value of a hash field", cmdHstrlen)
	hash("hincrby", 4, fastWriteCmd, "Increment the integer value of a hash field by the given number", cmdHincrby)
	hash("hincrbyfloat", 4, fastWriteCmd, "Increment the float value of a hash field by the given amount", cmdHincrbyfloat)
	hash("hrandfield", -2, readCmd, "Get one or multiple random fields from a hash", cmdHrandfield)
	hash("hscan", -3, readCmd, "Incrementally iterate hash fields and associated values", cmdHscan)
}

// HSET key field value [field value ...] (and HMSET): set fields, creating
// the hash if needed. HSET replies with the number of fields created,
// HMSET with +OK.
func cmdHset(ctx *Ctx) error {
	if len(ctx.Args)%2 != 0 {
		return Error("ERR wrong number of arguments for '" + ctx.Cmd.Name + "' command")
	}
	created, err := ctx.Tx.HSet(ctx.Args[1], ctx.Args[2:])
	if err != nil {
		return err
	}
	if ctx.Cmd.Name == "hmset" {
		ctx.W.OK()
	} else {
		ctx.W.Int(int64(created))
	}
	return nil
}

// HSETNX key field value: set field only if it does not exist. Replies 1
// if it was set, 0 if it existed.
func cmdHsetnx(ctx *Ctx) error {
	key, field := ctx.Args[1], ctx.Args[2]
	_, exists, err := ctx.Tx.HGet(key, field)
	if err != nil {
		return err
	}
	if exists {
		ctx.W.Int(0)
		return nil
	}
	if _, err := ctx.Tx.HSet(key, ctx.Args[2:4]); err != nil {
		return err
	}
	ctx.W.Int(1)
	return nil
}

// HGET key field: the value of field, or nil.
func cmdHget(ctx *Ctx) error {
	v, ok, err := ctx.Tx.HGet(ctx.Args[1], ctx.Args[2])
	if err != nil {
		return err
	}
	ctx.W.bulkOrNull(v, ok)
	return nil
}

// HMGET key field [field ...]: an array with the value of each field, nil
// where a field (or the whole key) is missing.
func cmdHmget(ctx *Ctx) error {
	vals, err := ctx.Tx.HMGet(ctx.Args[1], ctx.Args[2:])
	if err != nil {
		return err
	}
	ctx.W.bulksOrNulls(vals)
	return nil
}

// HGETALL key (and HKEYS, HVALS): every field and value of the hash (a
// map in RESP3), or only its fields, or only its values. The order is the
// engine's, stable but not Redis's insertion order.
func cmdHgetall(ctx *Ctx) error {
	key, w := ctx.Args[1], ctx.W
	n, err := ctx.Tx.HLen(key)
	if err != nil {
		return err
	}
	keys, vals := true, true
	switch ctx.Cmd.Name {
	case "hkeys":
		vals = false
	case "hvals":
		keys = false
	}
	if keys && vals {
		w.Map(int(n))
	} else {
		w.Array(int(n))
	}
	// Streamed straight from the iterator: the count in the header comes
	// from the hash's metadata, checked against what was written.
	var seen int64
	err = ctx.Tx.HRange(key, func(f, v []byte) bool {
		if keys {
			w.Bulk(f)
		}
		if vals {
			w.Bulk(v)
		}
		seen++
		return true
	})
	if err != nil {
		return err
	}
	if seen != n {
		return Error("ERR hash '" + string(key) + "' has " + strconv.FormatInt(seen, 10) +
			" fields but its metadata says " + strconv.FormatInt(n, 10))
	}
	return nil
}

// HDEL key field [field ...]: delete fields; a hash left empty is deleted.
// Replies with the number of fields removed.
func cmdHdel(ctx *Ctx) error {
	n, err := ctx.Tx.HDel(ctx.Args[1], ctx.Args[2:])
	if err != nil {
		return err
	}
	ctx.W.Int(int64(n))
	return nil
}

// HEXISTS key field: 1 if field exists, else 0.
func cmdHexists(ctx *Ctx) error {
	_, ok, err := ctx.Tx.HGet(ctx.Args[1], ctx.Args[2])
	if err != nil {
		return err
	}
	if ok {
		ctx.W.Int(1)
	} else {
		ctx.W.Int(0)
	}
	return nil
}

// HLEN key: the number of fields, 0 if key is missing.
func cmdHlen(ctx *Ctx) error {
	n, err := ctx.Tx.HLen(ctx.Args[1])
	if err != nil {
		return err
	}
	ctx.W.Int(n)
	return nil
}

// HSTRLEN key field: the length of field's value, 0 if missing.
func cmdHstrlen(ctx *Ctx) error {
	v, _, err := ctx.Tx.HGet(ctx.Args[1], ctx.Args[2])
	if err != nil {
		return err
	}
	ctx.W.Int(int64(len(v)))
	return nil
}

// HINCRBY key field increment: add increment to the integer in field (0
// if missing). Replies with the new value.
func cmdHincrby(ctx *Ctx) error {
	key, field := ctx.Args[1], ctx.Args[2]
	incr, err := intArg(ctx.Args[3])
	if err != nil {
		return err
	}
	v, ok, err := ctx.Tx.HGet(key, field)
	if err != nil {
		return err
	}
	sum, err := incrInt(v, ok, incr, Error("ERR hash value is not an integer"))
	if err != nil {
		return err
	}
	if _, err := ctx.Tx.HSet(key, [][]byte{field, strconv.AppendInt(nil, sum, 10)}); err != nil {
		return err
	}
	ctx.W.Int(sum)
	return nil
}

// HINCRBYFLOAT key field increment: add increment to the number in field
// (0 if missing), computing in x87 long double as Redis does (see
// parseLongDouble). Replies with the new value as a bulk string.
func cmdHincrbyfloat(ctx *Ctx) error {
	key, field := ctx.Args[1], ctx.Args[2]
	incr, ok := parseLongDouble(ctx.Args[3])
	if !ok {
		return ErrNotFloat
	}
	if incr.IsInf() {
		return Error("ERR value is NaN or Infinity")
	}
	v, ok, err := ctx.Tx.HGet(key, field)
	if err != nil {
		return err
	}
	s, err := incrLongDouble(v, ok, incr, Error("ERR hash value is not a float"))
	if err != nil {
		return err
	}
	if _, err := ctx.Tx.HSet(key, [][]byte{field, []byte(s)}); err != nil {
		return err
	}
	ctx.W.BulkString(s)
	return nil
}

// HRANDFIELD key [count [WITHVALUES]]: without count, one random field or
// nil. With a positive count, up to count distinct fields; with a
// negative one, exactly -count fields that may repeat. WITHVALUES adds
// each field's value (flat in RESP2, [field, value] pairs in RESP3).
func cmdHrandfield(ctx *Ctx) error {
	args, w := ctx.Args, ctx.W
	if len(args) == 2 {
		f, ok, err := randomField(ctx.Tx, args[1])
		if err != nil {
			return err
		}
		w.bulkOrNull(f, ok)
		return nil
	}
	count, ok := parseInt(args[2])
	if !ok {
		return ErrNotInteger
	}
	if count == math.MinInt64 {
		return Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	withValues := false
	if len(args) > 4 || (len(args) == 4 && !equalFold(args[3], "withvalues")) {
		return ErrSyntax
	} else if len(args) == 4 {
		withValues = true
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			return Error("ERR value is out of range")
		}
	}
	var pairs [][]byte // field, value, field, value, ...
	err := ctx.Tx.HRange(args[1], func(f, v []byte) bool {
		pairs = append(pairs, bytes.Clone(f), bytes.Clone(v))
		return true
	})
	if err != nil {
		return err
	}
	size := len(pairs) / 2
	if size == 0 || count == 0 {
		w.Array(0)
		return nil
	}
	var pick []int // indexes of the fields to reply with
	switch {
	case count < 0:
		// Each element drawn independently; the reply holds exactly -count.
		n := -count
		if n > maxRandReply {
			return Error("ERR value is out of range")
		}
		writeRandHeader(w, n, withValues)
		for i := int64(0); i < n; i++ {
			writeRandPair(w, pairs, rand.IntN(size), withValues)
		}
		return nil
	case count >= int64(size):
		pick = make([]int, size)
		for i := range pick {
			pick[i] = i
		}
	default:
		// A partial Fisher-Yates shuffle picks count distinct fields.
		perm := make([]int, size)
		for i := range perm {
			perm[i] = i
		}
		for i := 0; i < int(count); i++ {
			j := i + rand.IntN(size-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		pick = perm[:count]
	}
	writeRandHeader(w, int64(len(pick)), withValues)
	for _, i := range pick {
		writeRandPair(w, pairs, i, withValues)
	}
	return nil
}

// maxRandReply bounds the elements a negative HRANDFIELD count may ask
// for: Redis would try to build any reply, which lets one command take
// all the server's memory.
const maxRandReply = 1 << 24

func writeRandHeader(w *Writer, n int64, withValues bool) {
	if withValues && w.Proto() == 2 {
		w.Array(int(2 * n))
		return
	}
	w.Array(int(n))
}

func writeRandPair(w *Writer, pairs [][]byte, i int, withValues bool) {
	if !withValues {
		w.Bulk(pairs[2*i])
		return
	}
	if w.Proto() == 3 {
		w.Array(2)
	}
	w.Bulk(pairs[2*i])
	w.Bulk(pairs[2*i+1])
}

// randomField returns one random field of the hash at key: the first
// field at or after a random position of the engine's field order,
// wrapping around, so it costs one seek whatever the hash's size.
func randomField(tx *engine.Txn, key []byte) ([]byte, bool, error) {
	_, items, err := tx.HScan(key, rand.Uint64(), 1, nil)
	if err == nil && len(items) == 0 {
		_, items, err = tx.HScan(key, 0, 1, nil)
	}
	if err != nil || len(items) == 0 {
		return nil, false, err
	}
	return items[0], true, nil
}

// HSCAN key cursor [MATCH pattern] [COUNT count]: about count field/value
// pairs from cursor on. Replies [next cursor, [field, value, ...]]; the
// walk is over when the cursor is "0". A hash Redis would keep compact
// (hash-max-listpack-entries/-value) is returned whole in one call with
// cursor 0, as Redis does.
func cmdHscan(ctx *Ctx) error {
	args, tx, w := ctx.Args, ctx.Tx, ctx.W
	cursor, err := parseCursor(args[2])
	if err != nil {
		return err
	}
	key := args[1]
	n, err := tx.HLen(key)
	if err != nil {
		return err
	}
	if n == 0 {
		writeScanReply(w, 0, nil)
		return nil
	}
	count := int64(10)
	var match []byte
	for i := 3; i < len(args); i += 2 {
		switch {
		case equalFold(args[i], "count") && i+1 < len(args):
			if count, err = intArg(args[i+1]); err != nil {
				return err
			}
			if count < 1 {
				return ErrSyntax
			}
		case equalFold(args[i], "match") && i+1 < len(args):
			match = args[i+1]
			if len(match) == 1 && match[0] == '*' {
				match = nil
			}
		default:
			return ErrSyntax
		}
	}
	if items, ok, err := compactHash(ctx, key, n, match); err != nil || ok {
		if err == nil {
			writeScanReply(w, 0, items)
		}
		return err
	}
	next, items, err := tx.HScan(key, cursor, int(min(count, math.MaxInt32)), match)
	if err != nil {
		return err
	}
	writeScanReply(w, next, items)
	return nil
}

// compactHash returns the matching field/value pairs of the hash at key
// if Redis would store it as a listpack (which HSCAN returns whole), or
// false if the hash is too big for that.
func compactHash(ctx *Ctx, key []byte, n int64, match []byte) ([][]byte, bool, error) {
	maxEntries := ctx.Server.configInt("hash-max-listpack-entries", 128)
	maxValue := ctx.Server.configInt("hash-max-listpack-value", 64)
	if n > maxEntries {
		return nil, false, nil
	}
	var items [][]byte
	small := true
	err := ctx.Tx.HRange(key, func(f, v []byte) bool {
		if int64(len(f)) > maxValue || int64(len(v)) > maxValue {
			small = false
			return false
		}
		if match == nil || glob.Match(match, f) {
			items = append(items, bytes.Clone(f), bytes.Clone(v))
		}
		return true
	})
	if err != nil || !small {
		return nil, false, err
	}
	return items, true, nil
}

func writeScanReply(w *Writer, cursor uint64, items [][]byte) {
	w.Array(2)
	w.BulkUint(cursor)
	w.Array(len(items))
	for _, it := range items {
		w.Bulk(it)
	}
}

// configInt returns the integer value of a CONFIG parameter, or def.
func (s *Server) configInt(name string, def int64) int64 {
	for _, kv := range s.config.Get([]byte(name)) {
		if kv[0] == name {
			if n, err := strconv.ParseInt(kv[1], 10, 64); err == nil {
				return n
			}
		}
	}
	return def
}
