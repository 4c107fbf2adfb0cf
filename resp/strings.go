package resp

import (
	"errors"
	"math"
	"math/big"
	"strconv"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// registerStrings registers the string commands.
func registerStrings(t *Table) {
	str := t.keyedRegistrar("string")
	str("get", 2, fastReadCmd, 1, 1, 1, "Get the value of a key", cmdGet)
	str("set", -3, writeCmd, 1, 1, 1, "Set the string value of a key", cmdSet)
	str("setnx", 3, fastWriteCmd, 1, 1, 1, "Set the value of a key, only if the key does not exist", cmdSetnx)
	str("setex", 4, writeCmd, 1, 1, 1, "Set the value and expiration of a key", cmdSetex)
	str("psetex", 4, writeCmd, 1, 1, 1, "Set the value and expiration in milliseconds of a key", cmdSetex)
	str("mget", -2, fastReadCmd, 1, -1, 1, "Get the values of all the given keys", cmdMget)
	str("mset", -3, writeCmd, 1, -1, 2, "Set multiple keys to multiple values", cmdMset)
	str("msetnx", -3, writeCmd, 1, -1, 2, "Set multiple keys to multiple values, only if none of the keys exist", cmdMset)
	str("getset", 3, fastWriteCmd, 1, 1, 1, "Set the string value of a key and return its old value", cmdGetset)
	str("getdel", 2, fastWriteCmd, 1, 1, 1, "Get the value of a key and delete the key", cmdGetdel)
	str("getex", -2, fastWriteCmd, 1, 1, 1, "Get the value of a key and optionally set its expiration", cmdGetex)
	str("append", 3, fastWriteCmd, 1, 1, 1, "Append a value to a key", cmdAppend)
	str("strlen", 2, fastReadCmd, 1, 1, 1, "Get the length of the value stored in a key", cmdStrlen)
	str("incr", 2, fastWriteCmd, 1, 1, 1, "Increment the integer value of a key by one", cmdIncrDecr)
	str("decr", 2, fastWriteCmd, 1, 1, 1, "Decrement the integer value of a key by one", cmdIncrDecr)
	str("incrby", 3, fastWriteCmd, 1, 1, 1, "Increment the integer value of a key by the given amount", cmdIncrDecr)
	str("decrby", 3, fastWriteCmd, 1, 1, 1, "Decrement the integer value of a key by the given number", cmdIncrDecr)
	str("incrbyfloat", 3, fastWriteCmd, 1, 1, 1, "Increment the float value of a key by the given amount", cmdIncrbyfloat)
	str("getrange", 4, readCmd, 1, 1, 1, "Get a substring of the string stored at a key", cmdGetrange)
	str("substr", 4, readCmd, 1, 1, 1, "Get a substring of the string stored at a key", cmdGetrange)
	str("setrange", 4, writeCmd, 1, 1, 1, "Overwrite part of a string at key starting at the specified offset", cmdSetrange)
}

// GET key: the value as a bulk string, null if key does not exist,
// WRONGTYPE if it is not a string.
func cmdGet(ctx *Ctx) error {
	v, ok, err := ctx.Tx.GetString(ctx.Args[1])
	if err != nil {
		return err
	}
	ctx.W.bulkOrNull(v, ok)
	return nil
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]:
// store a string, replacing any value of any type. Replies +OK, or null
// when NX/XX prevented the write; with GET, the old string (or null)
// whether or not it wrote, and WRONGTYPE without writing if the old
// value is not a string.
func cmdSet(ctx *Ctx) error {
	tx, args := ctx.Tx, ctx.Args
	key, val := args[1], args[2]
	if len(args) == 3 {
		if err := tx.SetString(key, val, 0); err != nil {
			return err
		}
		ctx.W.OK()
		return nil
	}
	o, err := parseStrOpts(args, false)
	if err != nil {
		return err
	}
	var at int64
	if o.expire != nil {
		if at, err = expireAtFromArg(o.expire, o.flags, tx.Now(), "set"); err != nil {
			return err
		}
	}
	var (
		old      []byte
		oldFound bool
	)
	if o.flags&optGet != 0 {
		if old, oldFound, err = tx.GetString(key); err != nil {
			return err
		}
	}
	info, found, err := tx.Info(key)
	if err != nil {
		return err
	}
	if (o.flags&optNX != 0 && found) || (o.flags&optXX != 0 && !found) {
		writeGetReply(ctx, o.flags, old, oldFound, false)
		return nil
	}
	if o.flags&optKeepTTL != 0 {
		at = info.ExpireAt
	}
	if err := setString(tx, key, val, at); err != nil {
		return err
	}
	writeGetReply(ctx, o.flags, old, oldFound, true)
	return nil
}

// writeGetReply answers SET: the old value with GET, else +OK if it wrote
// and null if not.
func writeGetReply(ctx *Ctx, flags int, old []byte, oldFound, wrote bool) {
	switch {
	case flags&optGet != 0 && oldFound:
		ctx.W.Bulk(old)
	case flags&optGet != 0 || !wrote:
		ctx.W.Null()
	default:
		ctx.W.OK()
	}
}

// setString stores a string expiring at (unix ms, 0: never). A time
// already past leaves the key deleted, as Redis's lazy expiry would
// (the write still counts as a change for WATCH).
func setString(tx *engine.Txn, key, val []byte, at int64) error {
	if at != 0 && at <= tx.Now() {
		if err := tx.SetString(key, val, 0); err != nil {
			return err
		}
		_, err := tx.Delete(key)
		return err
	}
	return tx.SetString(key, val, at)
}

// SETNX key value: set key only if it does not exist. :1 if set, :0 if not.
func cmdSetnx(ctx *Ctx) error {
	exists, err := ctx.Tx.Exists(ctx.Args[1])
	if err != nil {
		return err
	}
	if exists {
		ctx.W.Int(0)
		return nil
	}
	if err := ctx.Tx.SetString(ctx.Args[1], ctx.Args[2], 0); err != nil {
		return err
	}
	ctx.W.Int(1)
	return nil
}

// SETEX key seconds value, PSETEX key milliseconds value: set key with a
// time to live, which must be positive. +OK.
func cmdSetex(ctx *Ctx) error {
	flags := optEX
	if ctx.Cmd.Name == "psetex" {
		flags = optPX
	}
	at, err := expireAtFromArg(ctx.Args[2], flags, ctx.Tx.Now(), ctx.Cmd.Name)
	if err != nil {
		return err
	}
	if err := ctx.Tx.SetString(ctx.Args[1], ctx.Args[3], at); err != nil {
		return err
	}
	ctx.W.OK()
	return nil
}

// MGET key [key ...]: an array with each key's value, null for a key that
// is missing or not a string.
func cmdMget(ctx *Ctx) error {
	keys := ctx.Args[1:]
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		v, ok, err := ctx.Tx.GetString(k)
		switch {
		case errors.Is(err, engine.ErrWrongType):
		case err != nil:
			return err
		case ok:
			vals[i] = v
			if v == nil {
				vals[i] = []byte{}
			}
		}
	}
	ctx.W.bulksOrNulls(vals)
	return nil
}

// MSET key value [key value ...]: set every pair (without expiry). +OK.
// MSETNX key value [key value ...]: the same, only if none of the keys
// exists: :1 if set, :0 if not.
func cmdMset(ctx *Ctx) error {
	args := ctx.Args
	if len(args)%2 == 0 {
		return Error("ERR wrong number of arguments for '" + ctx.Cmd.Name + "' command")
	}
	nx := ctx.Cmd.Name == "msetnx"
	if nx {
		for j := 1; j < len(args); j += 2 {
			exists, err := ctx.Tx.Exists(args[j])
			if err != nil {
				return err
			}
			if exists {
				ctx.W.Int(0)
				return nil
			}
		}
	}
	for j := 1; j < len(args); j += 2 {
		if err := ctx.Tx.SetString(args[j], args[j+1], 0); err != nil {
			return err
		}
	}
	if nx {
		ctx.W.Int(1)
	} else {
		ctx.W.OK()
	}
	return nil
}

// GETSET key value: set key (dropping its expiry) and reply with the old
// string, or null. WRONGTYPE, without writing, if the old value is not a
// string.
func cmdGetset(ctx *Ctx) error {
	old, ok, err := ctx.Tx.GetString(ctx.Args[1])
	if err != nil {
		return err
	}
	if err := ctx.Tx.SetString(ctx.Args[1], ctx.Args[2], 0); err != nil {
		return err
	}
	writeGetReply(ctx, optGet, old, ok, true)
	return nil
}

// GETDEL key: reply with the string at key, or null, and delete it.
func cmdGetdel(ctx *Ctx) error {
	v, ok, err := ctx.Tx.GetString(ctx.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		ctx.W.Null()
		return nil
	}
	if _, err := ctx.Tx.Delete(ctx.Args[1]); err != nil {
		return err
	}
	ctx.W.Bulk(v)
	return nil
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]: reply with
// the string at key (null if missing) and change its expiry. A missing key
// answers null before the expiry argument is checked, as in Redis.
func cmdGetex(ctx *Ctx) error {
	tx, key := ctx.Tx, ctx.Args[1]
	o, err := parseStrOpts(ctx.Args, true)
	if err != nil {
		return err
	}
	v, cur, ok, err := tx.GetStringExpire(key)
	if err != nil {
		return err
	}
	if !ok {
		ctx.W.Null()
		return nil
	}
	var at int64
	if o.expire != nil {
		if at, err = expireAtFromArg(o.expire, o.flags, tx.Now(), "getex"); err != nil {
			return err
		}
	}
	ctx.W.Bulk(v)
	switch {
	case o.expire != nil && at <= tx.Now():
		_, err = tx.Delete(key)
	case o.expire != nil:
		_, err = tx.SetExpireAt(key, at)
	case o.flags&optPersist != 0 && cur != 0:
		_, err = tx.SetExpireAt(key, 0)
	}
	return err
}

// maxStringLen returns proto-max-bulk-len, the longest string APPEND and
// SETRANGE may build. Redis never lets it go below 1 MiB, so shorter
// results skip the lookup.
func maxStringLen(ctx *Ctx, total int64) int64 {
	const floor = 1 << 20
	if total >= 0 && total <= floor {
		return floor
	}
	for _, kv := range ctx.Server.config.Get([]byte("proto-max-bulk-len")) {
		if n, err := strconv.ParseInt(kv[1], 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return defaultMaxBulkLen
}

var errStringTooLong = Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")

// checkStringLength fails if a string of size bytes grown by add bytes
// would exceed proto-max-bulk-len (or overflow).
func checkStringLength(ctx *Ctx, size, add int64) error {
	total := size + add
	if total < size || total < add || total > maxStringLen(ctx, total) {
		return errStringTooLong
	}
	return nil
}

// APPEND key value: append to the string at key (creating it), keeping
// its expiry. Replies with the new length.
func cmdAppend(ctx *Ctx) error {
	tx, key, add := ctx.Tx, ctx.Args[1], ctx.Args[2]
	v, at, ok, err := tx.GetStringExpire(key)
	if err != nil {
		return err
	}
	if !ok {
		if err := tx.SetString(key, add, 0); err != nil {
			return err
		}
		ctx.W.Int(int64(len(add)))
		return nil
	}
	if err := checkStringLength(ctx, int64(len(v)), int64(len(add))); err != nil {
		return err
	}
	v = append(v, add...)
	if err := tx.SetString(key, v, at); err != nil {
		return err
	}
	ctx.W.Int(int64(len(v)))
	return nil
}

// STRLEN key: the length of the string at key, 0 if missing.
func cmdStrlen(ctx *Ctx) error {
	v, _, err := ctx.Tx.GetString(ctx.Args[1])
	if err != nil {
		return err
	}
	ctx.W.Int(int64(len(v)))
	return nil
}

// INCR key, DECR key, INCRBY key increment, DECRBY key decrement: add to
// the integer at key (0 if missing), keeping its expiry. Replies with the
// new value; errors if the value is not a strict 64-bit integer or the
// result would overflow.
func cmdIncrDecr(ctx *Ctx) error {
	var delta int64
	switch ctx.Cmd.Name {
	case "incr":
		delta = 1
	case "decr":
		delta = -1
	default:
		n, err := intArg(ctx.Args[2])
		if err != nil {
			return err
		}
		delta = n
		if ctx.Cmd.Name == "decrby" {
			if n == math.MinInt64 {
				return Error("ERR decrement would overflow")
			}
			delta = -n
		}
	}
	tx, key := ctx.Tx, ctx.Args[1]
	v, at, ok, err := tx.GetStringExpire(key)
	if err != nil {
		return err
	}
	sum, err := incrInt(v, ok, delta, ErrNotInteger)
	if err != nil {
		return err
	}
	var buf [20]byte
	if err := tx.SetString(key, strconv.AppendInt(buf[:0], sum, 10), at); err != nil {
		return err
	}
	ctx.W.Int(sum)
	return nil
}

// incrInt adds incr to the integer v holds (0 if !found), for the INCR
// family and HINCRBY: notInt if v is not a strict 64-bit integer, ErrOverflow if the
// sum is out of range.
func incrInt(v []byte, found bool, incr int64, notInt error) (int64, error) {
	var cur int64
	if found {
		var ok bool
		if cur, ok = parseInt(v); !ok {
			return 0, notInt
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		return 0, ErrOverflow
	}
	return cur + incr, nil
}

// INCRBYFLOAT key increment: add to the number at key (0 if missing),
// keeping its expiry, computing in x87 long double as Redis does. Replies
// with the new value as a bulk string in both protocols.
func cmdIncrbyfloat(ctx *Ctx) error {
	tx, key := ctx.Tx, ctx.Args[1]
	v, at, found, err := tx.GetStringExpire(key)
	if err != nil {
		return err
	}
	// An invalid stored value and an invalid increment give the same error.
	incr, ok := parseLongDouble(ctx.Args[2])
	if !ok {
		return ErrNotFloat
	}
	s, err := incrLongDouble(v, found, incr, ErrNotFloat)
	if err != nil {
		return err
	}
	if err := tx.SetString(key, []byte(s), at); err != nil {
		return err
	}
	ctx.W.BulkString(s)
	return nil
}

// incrLongDouble adds incr to the number v holds (0 if !found) in long
// double, for INCRBYFLOAT and HINCRBYFLOAT, and formats the sum as Redis
// does: notFloat if v is not a number, an error if the sum is infinite.
func incrLongDouble(v []byte, found bool, incr *big.Float, notFloat error) (string, error) {
	cur := new(big.Float).SetPrec(ldPrec)
	if found {
		var ok bool
		if cur, ok = parseLongDouble(v); !ok {
			return "", notFloat
		}
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		return "", Error("ERR increment would produce NaN or Infinity")
	}
	return formatLongDouble(sum), nil
}

// GETRANGE key start end (and SUBSTR): the substring between the
// inclusive offsets, negative ones counting from the end; "" when the
// range is empty or key is missing.
func cmdGetrange(ctx *Ctx) error {
	start, err := intArg(ctx.Args[2])
	if err != nil {
		return err
	}
	end, err := intArg(ctx.Args[3])
	if err != nil {
		return err
	}
	v, _, err := ctx.Tx.GetString(ctx.Args[1])
	if err != nil {
		return err
	}
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		ctx.W.Bulk(nil)
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		ctx.W.Bulk(nil)
		return nil
	}
	ctx.W.Bulk(v[start : end+1])
	return nil
}

// SETRANGE key offset value: overwrite the string at key from offset,
// padding with zero bytes, keeping its expiry. Replies with the new
// length. An empty value changes nothing (and creates no key).
func cmdSetrange(ctx *Ctx) error {
	tx, key, val := ctx.Tx, ctx.Args[1], ctx.Args[3]
	off, err := intArg(ctx.Args[2])
	if err != nil {
		return err
	}
	if off < 0 {
		return Error("ERR offset is out of range")
	}
	v, at, ok, err := tx.GetStringExpire(key)
	if err != nil {
		return err
	}
	if len(val) == 0 {
		ctx.W.Int(int64(len(v)))
		return nil
	}
	if err := checkStringLength(ctx, off, int64(len(val))); err != nil {
		return err
	}
	if !ok {
		at = 0
	}
	if need := int(off) + len(val); need > len(v) {
		v = append(v, make([]byte, need-len(v))...)
	}
	copy(v[off:], val)
	if err := tx.SetString(key, v, at); err != nil {
		return err
	}
	ctx.W.Int(int64(len(v)))
	return nil
}

// x87 80-bit long double emulation for INCRBYFLOAT (and HINCRBYFLOAT):
// Redis parses with strtold, adds in long double and formats with
// "%.17Lf", so results like 0.1+0.2 print as "0.3". Values are big.Floats
// rounded to nearest-even at a 64-bit mantissa, with the format's
// exponent range, denormals included.
const (
	ldPrec       = 64
	ldMaxExp     = 16384  // finite values are below 2^16384 (big.Float MantExp convention)
	ldMinNormExp = -16381 // smallest MantExp of a normal value (2^-16382)
	ldDenormBit  = -16445 // the smallest denormal is 2^-16445
	ldMaxChars   = 5 * 1024
)

// ldPrecAt is the precision a long double has at MantExp e: 64 bits for
// normal values, fewer for denormals, whose last bit is fixed at 2^-16445.
func ldPrecAt(e int) int {
	if e >= ldMinNormExp {
		return ldPrec
	}
	return e - ldDenormBit
}

// ldRound rounds the exact value x to a long double. It reports false on
// overflow; underflow gives a (signed) zero.
func ldRound(x *big.Float) (*big.Float, bool) {
	z := new(big.Float).SetPrec(ldPrec)
	if x.IsInf() {
		return z.Set(x), false
	}
	if x.Sign() == 0 {
		return z.Set(x), true
	}
	e := x.MantExp(nil)
	if e > ldMaxExp+1 {
		return z, false
	}
	switch p := ldPrecAt(e); {
	case p >= 1:
		z.SetPrec(uint(p)).Set(x)
	case p == 0:
		// x is in [2^-16446, 2^-16445): the nearest is 0 or the smallest
		// denormal, a tie going to 0 (even).
		half := new(big.Float).SetMantExp(big.NewFloat(0.5), ldDenormBit)
		if new(big.Float).Abs(x).Cmp(half) > 0 {
			z.SetMantExp(big.NewFloat(1), ldDenormBit)
		}
		if x.Sign() < 0 {
			z.Neg(z)
		}
	default:
		if x.Sign() < 0 {
			z.Neg(z)
		}
	}
	if z.MantExp(nil) > ldMaxExp {
		return z, false
	}
	return z.SetPrec(ldPrec), true
}

// parseLongDouble parses b as Redis's string2ld: strtold syntax (decimal,
// hexadecimal with 'p' exponents, inf, infinity), no leading space, the
// whole string consumed; overflow, underflow to zero and NaN refused.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars || isSpace(b[0]) {
		return nil, false
	}
	neg := false
	s := b
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var x *big.Float
	var ok bool
	switch {
	case equalFold(s, "inf") || equalFold(s, "infinity"):
		x, ok = new(big.Float).SetInf(false), true
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		x, ok = parseHexLD(s[2:])
	default:
		x, ok = parseDecLD(s)
	}
	if !ok {
		return nil, false
	}
	if neg {
		x.Neg(x)
	}
	return x, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// splitNumber splits an unsigned number, digits[.digits][<mark>[+-]digits]
// with isDig recognising digits and expMark the exponent's letter (lower
// case, matched in either case), into the digits before and after the
// point and the exponent. It needs a digit in the mantissa and must
// consume s entirely.
func splitNumber(s []byte, isDig func(byte) bool, expMark string) (intPart, frac []byte, exp int64, ok bool) {
	i := 0
	for i < len(s) && isDig(s[i]) {
		i++
	}
	intPart, rest := s[:i], s[i:]
	if len(rest) > 0 && rest[0] == '.' {
		j := 1
		for j < len(rest) && isDig(rest[j]) {
			j++
		}
		frac, rest = rest[1:j], rest[j:]
	}
	if len(intPart)+len(frac) == 0 {
		return nil, nil, 0, false
	}
	if len(rest) > 0 {
		if !equalFold(rest[:1], expMark) {
			return nil, nil, 0, false
		}
		if exp, ok = parseExponent(rest[1:]); !ok {
			return nil, nil, 0, false
		}
	}
	return intPart, frac, exp, true
}

// parseExponent parses a decimal exponent with optional sign, saturating
// far beyond any exponent that matters; it needs at least one digit and
// must consume s entirely.
func parseExponent(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var e int64
	for _, c := range s {
		if !isDigit(c) {
			return 0, false
		}
		if e < 1<<40 {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// parseDecLD parses an unsigned decimal: digits[.digits][e[+-]digits].
func parseDecLD(s []byte) (*big.Float, bool) {
	intPart, frac, exp10, ok := splitNumber(s, isDigit, "e")
	if !ok {
		return nil, false
	}
	digits := make([]byte, 0, len(intPart)+len(frac))
	digits = append(append(digits, intPart...), frac...)
	exp10 -= int64(len(frac))
	i := 0
	for i < len(digits) && digits[i] == '0' {
		i++
	}
	digits = digits[i:]
	if len(digits) == 0 {
		return new(big.Float).SetPrec(ldPrec), true
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp10++
	}
	// The leading digit's power of ten bounds the magnitude: long doubles
	// span about 3.6e-4951 to 1.19e4932.
	lead := exp10 + int64(len(digits)) - 1
	if lead >= 4934 || lead <= -4952 {
		return nil, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	r := new(big.Rat)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(exp10)), nil)
	if exp10 >= 0 {
		r.SetInt(num.Mul(num, pow))
	} else {
		r.SetFrac(num, pow)
	}
	// Round once, at the precision the value's exponent allows: 64 bits
	// unless it is a denormal.
	z := new(big.Float).SetPrec(ldPrec).SetRat(r)
	e := z.MantExp(nil)
	if e > ldMaxExp {
		return nil, false
	}
	p := ldPrecAt(e)
	if p == ldPrec {
		return z, true
	}
	if p < 1 {
		// Below the smallest denormal's precision: let ldRound decide
		// between zero and the smallest denormal from a close value.
		approx := new(big.Float).SetPrec(128).SetRat(r)
		z, _ := ldRound(approx)
		if z.Sign() == 0 {
			return nil, false
		}
		return z, true
	}
	return z.SetPrec(uint(p)).SetRat(r).SetPrec(ldPrec), true
}

// parseHexLD parses what follows "0x": hexdigits[.hexdigits][p[+-]digits].
func parseHexLD(s []byte) (*big.Float, bool) {
	isHex := func(c byte) bool { return hexVal(c) >= 0 }
	intPart, frac, exp2, ok := splitNumber(s, isHex, "p")
	if !ok {
		return nil, false
	}
	mant := new(big.Int)
	for _, c := range intPart {
		mant.Lsh(mant, 4).Or(mant, big.NewInt(int64(hexVal(c))))
	}
	for _, c := range frac {
		mant.Lsh(mant, 4).Or(mant, big.NewInt(int64(hexVal(c))))
	}
	exp2 -= 4 * int64(len(frac))
	if mant.Sign() == 0 {
		return new(big.Float).SetPrec(ldPrec), true
	}
	top := exp2 + int64(mant.BitLen())
	if top > ldMaxExp+1 {
		return nil, false
	}
	if top < ldDenormBit-1 {
		return nil, false
	}
	exact := new(big.Float).SetInt(mant)
	exact.SetMantExp(exact, int(exp2))
	z, ok := ldRound(exact)
	if !ok || z.Sign() == 0 {
		return nil, false
	}
	return z, true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// addLongDouble returns a+b rounded to a long double, or false if the sum
// is infinite or NaN.
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	// Enough bits to hold the sum exactly, then one rounding.
	prec := uint(ldPrec)
	if a.Sign() != 0 && b.Sign() != 0 {
		ea, eb := a.MantExp(nil), b.MantExp(nil)
		lo := min(ea-int(a.MinPrec()), eb-int(b.MinPrec()))
		prec = uint(max(ea, eb)-lo) + 2
	}
	exact := new(big.Float).SetPrec(prec).Add(a, b)
	return ldRound(exact)
}

// formatLongDouble formats x as Redis's ld2string in human mode: "%.17Lf"
// with trailing zeros (and a trailing point) removed, and "-0" as "0".
func formatLongDouble(x *big.Float) string {
	s := x.Text('f', 17)
	i := len(s)
	for i > 0 && s[i-1] == '0' {
		i--
	}
	if i > 0 && s[i-1] == '.' {
		i--
	}
	s = s[:i]
	if s == "-0" {
		return "0"
	}
	return s
}
