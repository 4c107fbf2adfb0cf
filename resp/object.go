package resp

import "github.com/murr-sidecar/murr-sidecar/engine"

// OBJECT reports the encoding Redis would use for a key, so tools and
// test suites that assert encodings (Redis's own among them) see Redis's
// answers. The sidecar stores every key the same way; the encodings are
// derived from the value and the hash-max-listpack-* settings.

func registerObject(t *Table) {
	const keyed = FlagRead
	t.Register(container("object", "generic", "A container for object introspection commands",
		&Command{Name: "object|encoding", Arity: 3, Flags: keyed, FirstKey: 2, LastKey: 2, Step: 1,
			Summary: "Inspect the internal encoding of a Redis object", Handler: cmdObjectEncoding},
		&Command{Name: "object|refcount", Arity: 3, Flags: keyed, FirstKey: 2, LastKey: 2, Step: 1,
			Summary: "Get the number of references to the value of the key", Handler: cmdObjectRefcount},
		&Command{Name: "object|idletime", Arity: 3, Flags: keyed, FirstKey: 2, LastKey: 2, Step: 1,
			Summary: "Get the time since a Redis object was last accessed", Handler: cmdObjectIdletime},
		&Command{Name: "object|freq", Arity: 3, Flags: keyed, FirstKey: 2, LastKey: 2, Step: 1,
			Summary: "Get the logarithmic access frequency counter of a Redis object", Handler: cmdObjectFreq},
	))
}

// OBJECT ENCODING key: int, embstr or raw for strings; listpack or
// hashtable for hashes; null if key is missing.
func cmdObjectEncoding(ctx *Ctx) error {
	key := ctx.Args[2]
	info, ok, err := ctx.Tx.Info(key)
	if err != nil || !ok {
		if err == nil {
			ctx.W.Null()
		}
		return err
	}
	switch info.Type {
	case engine.TypeString:
		v, _, err := ctx.Tx.GetString(key)
		if err != nil {
			return err
		}
		ctx.W.BulkString(stringEncoding(v))
	case engine.TypeHash:
		n, err := ctx.Tx.HLen(key)
		if err != nil {
			return err
		}
		_, compact, err := compactHash(ctx, key, n, nil)
		if err != nil {
			return err
		}
		if compact {
			ctx.W.BulkString("listpack")
		} else {
			ctx.W.BulkString("hashtable")
		}
	}
	return nil
}

// stringEncoding is the encoding Redis gives a freshly set string.
func stringEncoding(v []byte) string {
	if len(v) <= 20 {
		if _, ok := parseInt(v); ok {
			return "int"
		}
	}
	if len(v) <= 44 {
		return "embstr"
	}
	return "raw"
}

// OBJECT REFCOUNT key: Redis shares the integers 0..9999 (reported with
// INT_MAX references); every other value has one.
func cmdObjectRefcount(ctx *Ctx) error {
	return withExistingKey(ctx, func() {
		v, _, _ := ctx.Tx.GetString(ctx.Args[2])
		if n, ok := parseInt(v); ok && n >= 0 && n < 10000 {
			ctx.W.Int(2147483647)
			return
		}
		ctx.W.Int(1)
	})
}

// OBJECT IDLETIME key: access times are not tracked; always 0.
func cmdObjectIdletime(ctx *Ctx) error {
	return withExistingKey(ctx, func() { ctx.W.Int(0) })
}

// OBJECT FREQ key: needs an LFU policy, which the sidecar never has.
func cmdObjectFreq(ctx *Ctx) error {
	return withExistingKey(ctx, func() {
		ctx.W.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	})
}

// withExistingKey runs reply if the OBJECT subcommand's key exists and
// writes a null otherwise.
func withExistingKey(ctx *Ctx, reply func()) error {
	ok, err := ctx.Tx.Exists(ctx.Args[2])
	if err != nil {
		return err
	}
	if !ok {
		ctx.W.Null()
		return nil
	}
	reply()
	return nil
}
