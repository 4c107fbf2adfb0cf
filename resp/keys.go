package resp

import (
	"bytes"
	"errors"
	"math"
	"strconv"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// registerKeys registers the generic key commands.
func registerKeys(t *Table) {
	gen := t.keyedRegistrar("generic")
	gen("del", -2, writeCmd, 1, -1, 1, "Delete a key", cmdDel)
	gen("unlink", -2, fastWriteCmd, 1, -1, 1,
		"Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", cmdDel)
	gen("exists", -2, fastReadCmd, 1, -1, 1, "Determine if a key exists", cmdExists)
	gen("type", 2, fastReadCmd, 1, 1, 1, "Determine the type stored at key", cmdType)
	gen("touch", -2, fastReadCmd, 1, -1, 1,
		"Alters the last access time of a key(s). Returns the number of existing keys specified.", cmdExists)
	gen("expire", -3, fastWriteCmd, 1, 1, 1, "Set a key's time to live in seconds", cmdExpire)
	gen("pexpire", -3, fastWriteCmd, 1, 1, 1, "Set a key's time to live in milliseconds", cmdExpire)
	gen("expireat", -3, fastWriteCmd, 1, 1, 1, "Set the expiration for a key as a UNIX timestamp", cmdExpire)
	gen("pexpireat", -3, fastWriteCmd, 1, 1, 1,
		"Set the expiration for a key as a UNIX timestamp specified in milliseconds", cmdExpire)
	gen("ttl", 2, fastReadCmd, 1, 1, 1, "Get the time to live for a key in seconds", cmdTTL)
	gen("pttl", 2, fastReadCmd, 1, 1, 1, "Get the time to live for a key in milliseconds", cmdTTL)
	gen("expiretime", 2, fastReadCmd, 1, 1, 1, "Get the expiration Unix timestamp for a key", cmdTTL)
	gen("pexpiretime", 2, fastReadCmd, 1, 1, 1, "Get the expiration Unix timestamp for a key in milliseconds", cmdTTL)
	gen("persist", 2, fastWriteCmd, 1, 1, 1, "Remove the expiration from a key", cmdPersist)
	gen("keys", 2, readCmd, 0, 0, 0, "Find all keys matching the given pattern", cmdKeys)
	gen("scan", -2, readCmd, 0, 0, 0, "Incrementally iterate the keys space", cmdScan)
	gen("rename", 3, writeCmd, 1, 2, 1, "Rename a key", cmdRename)
	gen("renamenx", 3, fastWriteCmd, 1, 2, 1, "Rename a key, only if the new key does not exist", cmdRename)
	gen("copy", -3, writeCmd, 1, 2, 1, "Copy a key", cmdCopy)
	gen("randomkey", 1, readCmd, 0, 0, 0, "Return a random key from the keyspace", cmdRandomkey)
}

// DEL key [key ...] (and UNLINK): delete keys of any type. Replies with
// the number deleted.
func cmdDel(ctx *Ctx) error { return countKeys(ctx, ctx.Tx.Delete) }

// EXISTS key [key ...] (and TOUCH): the number of keys that exist, a key
// given twice counting twice.
func cmdExists(ctx *Ctx) error { return countKeys(ctx, ctx.Tx.Exists) }

// countKeys applies fn to each key argument in turn and replies with the
// number of keys it returned true for.
func countKeys(ctx *Ctx, fn func(key []byte) (bool, error)) error {
	var n int64
	for _, k := range ctx.Args[1:] {
		ok, err := fn(k)
		if err != nil {
			return err
		}
		if ok {
			n++
		}
	}
	ctx.W.Int(n)
	return nil
}

// TYPE key: the key's type as a status reply, "none" if missing.
func cmdType(ctx *Ctx) error {
	info, ok, err := ctx.Tx.Info(ctx.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		ctx.W.Simple("none")
		return nil
	}
	ctx.W.Simple(info.Type.String())
	return nil
}

// EXPIRE key seconds [NX | XX | GT | LT], PEXPIRE key ms [...],
// EXPIREAT key unix-seconds [...], PEXPIREAT key unix-ms [...]: set the
// key's expiry. :1 if set, :0 if the key is missing or a condition failed.
// A time not in the future deletes the key (and replies :1).
func cmdExpire(ctx *Ctx) error {
	tx, key, name := ctx.Tx, ctx.Args[1], ctx.Cmd.Name
	flags, err := parseExpireFlags(ctx.Args)
	if err != nil {
		return err
	}
	seconds := name == "expire" || name == "expireat"
	var base int64
	if name == "expire" || name == "pexpire" {
		base = tx.Now()
	}
	when, err := expireWhen(ctx.Args[2], seconds, base, name)
	if err != nil {
		return err
	}
	info, ok, err := tx.Info(key)
	if err != nil {
		return err
	}
	if !ok || !expireAllowed(flags, info.ExpireAt, when) {
		ctx.W.Int(0)
		return nil
	}
	if when <= tx.Now() {
		_, err = tx.Delete(key)
	} else {
		_, err = tx.SetExpireAt(key, when)
	}
	if err != nil {
		return err
	}
	ctx.W.Int(1)
	return nil
}

// TTL key, PTTL key: the remaining time to live in seconds (rounded to
// nearest, as Redis does) or ms; EXPIRETIME key, PEXPIRETIME key: the
// absolute expiry in unix seconds or ms. -2 if the key is missing, -1 if
// it has no expiry.
func cmdTTL(ctx *Ctx) error {
	info, ok, err := ctx.Tx.Info(ctx.Args[1])
	if err != nil {
		return err
	}
	switch {
	case !ok:
		ctx.W.Int(-2)
		return nil
	case info.ExpireAt == 0:
		ctx.W.Int(-1)
		return nil
	}
	name := ctx.Cmd.Name
	t := info.ExpireAt
	if name == "ttl" || name == "pttl" {
		t = max(t-ctx.Tx.Now(), 0)
	}
	if name == "ttl" || name == "expiretime" {
		t = (t + 500) / 1000
	}
	ctx.W.Int(t)
	return nil
}

// PERSIST key: remove the key's expiry. :1 if it had one, else :0.
func cmdPersist(ctx *Ctx) error {
	info, ok, err := ctx.Tx.Info(ctx.Args[1])
	if err != nil {
		return err
	}
	if !ok || info.ExpireAt == 0 {
		ctx.W.Int(0)
		return nil
	}
	if _, err := ctx.Tx.SetExpireAt(ctx.Args[1], 0); err != nil {
		return err
	}
	ctx.W.Int(1)
	return nil
}

// KEYS pattern: every key matching the glob pattern, in no particular order.
func cmdKeys(ctx *Ctx) error {
	var keys [][]byte
	err := ctx.Tx.Keys(ctx.Args[1], func(k []byte) bool {
		keys = append(keys, bytes.Clone(k))
		return true
	})
	if err != nil {
		return err
	}
	ctx.W.Array(len(keys))
	for _, k := range keys {
		ctx.W.Bulk(k)
	}
	return nil
}

var errInvalidCursor = Error("ERR invalid cursor")

// parseCursor parses a SCAN cursor as Redis does with strtoul: optional
// sign (a '-' negates modulo 2^64), decimal digits, no leading space,
// nothing after; an empty string is cursor 0.
func parseCursor(b []byte) (uint64, error) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, nil
	}
	if isSpace(b[0]) {
		return 0, errInvalidCursor
	}
	neg := false
	d := b
	if d[0] == '+' || d[0] == '-' {
		neg = d[0] == '-'
		d = d[1:]
	}
	if len(d) == 0 {
		return 0, errInvalidCursor
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, errInvalidCursor
		}
	}
	n, err := strconv.ParseUint(string(d), 10, 64)
	if err != nil {
		return 0, errInvalidCursor
	}
	if neg {
		n = -n
	}
	return n, nil
}

// typeNothing is a type no key has: SCAN TYPE with a name that is not
// one of our types (none, list, set, an unknown word) matches nothing,
// as in Redis, but still walks so the cursor advances.
const typeNothing engine.Type = math.MaxUint8

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: about count keys
// from cursor on (default 10). Replies [next-cursor as bulk, [keys]];
// cursor 0 ends the iteration.
func cmdScan(ctx *Ctx) error {
	args := ctx.Args
	cursor, err := parseCursor(args[1])
	if err != nil {
		return err
	}
	count := int64(10)
	var match []byte
	typ := engine.TypeNone
	for i := 2; i < len(args); i += 2 {
		opt := cstr(args[i])
		more := len(args) - i
		switch {
		case equalFold(opt, "count") && more >= 2:
			if count, err = intArg(args[i+1]); err != nil {
				return err
			}
			if count < 1 {
				return ErrSyntax
			}
		case equalFold(opt, "match") && more >= 2:
			match = args[i+1]
			if len(match) == 1 && match[0] == '*' {
				match = nil
			}
		case equalFold(opt, "type") && more >= 2:
			typ = scanType(args[i+1])
		default:
			return ErrSyntax
		}
	}
	next, keys, err := ctx.Tx.Scan(cursor, int(min(count, math.MaxInt32)), match, typ)
	if err != nil {
		return err
	}
	ctx.W.Array(2)
	ctx.W.BulkUint(next)
	ctx.W.Array(len(keys))
	for _, k := range keys {
		ctx.W.Bulk(k)
	}
	return nil
}

// scanType maps a SCAN TYPE argument, compared case-insensitively as a
// C string, to the engine type it selects.
func scanType(b []byte) engine.Type {
	name := cstr(b)
	for _, t := range []engine.Type{engine.TypeString, engine.TypeHash} {
		if equalFold(name, t.String()) {
			return t
		}
	}
	return typeNothing
}

// RENAME key newkey: move key to newkey, replacing it, keeping the expiry.
// +OK, or "ERR no such key". RENAMENX key newkey: the same only if newkey
// does not exist: :1 if renamed, :0 if not (also when key == newkey).
func cmdRename(ctx *Ctx) error {
	tx, src, dst := ctx.Tx, ctx.Args[1], ctx.Args[2]
	nx := ctx.Cmd.Name == "renamenx"
	if nx {
		ok, err := tx.Exists(src)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoSuchKey
		}
		taken := bytes.Equal(src, dst)
		if !taken {
			if taken, err = tx.Exists(dst); err != nil {
				return err
			}
		}
		if taken {
			ctx.W.Int(0)
			return nil
		}
	}
	if err := tx.Rename(src, dst); err != nil {
		return err
	}
	if nx {
		ctx.W.Int(1)
	} else {
		ctx.W.OK()
	}
	return nil
}

// COPY source destination [DB db] [REPLACE]: copy a key with its expiry.
// Only database 0 exists. :1 if copied, :0 if source is missing or
// destination exists without REPLACE.
func cmdCopy(ctx *Ctx) error {
	args := ctx.Args
	replace := false
	for j := 3; j < len(args); j++ {
		opt := cstr(args[j])
		switch {
		case equalFold(opt, "replace"):
			replace = true
		case equalFold(opt, "db") && j+1 < len(args):
			if err := dbIndexArg(args[j+1]); err != nil {
				return err
			}
			j++
		default:
			return ErrSyntax
		}
	}
	if bytes.Equal(args[1], args[2]) {
		return Error("ERR source and destination objects are the same")
	}
	ok, err := ctx.Tx.Copy(args[1], args[2], replace)
	if errors.Is(err, engine.ErrNoSuchKey) {
		ok, err = false, nil
	}
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

// RANDOMKEY: a random key, or null when the keyspace is empty.
func cmdRandomkey(ctx *Ctx) error {
	k, ok, err := ctx.Tx.RandomKey()
	if err != nil {
		return err
	}
	ctx.W.bulkOrNull(k, ok)
	return nil
}
