package resp

import (
	"bytes"
	"math"
)

// Expiry arguments shared by SET, SETEX, PSETEX, GETEX and the EXPIRE
// family, parsed and validated the way Redis 7.0 does.

// Option flags of SET and GETEX (Redis's OBJ_SET_* / OBJ_* flags).
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
)

const optAnyExpire = optEX | optPX | optEXAT | optPXAT

// strOpts are the parsed options of SET (forGetex false) or GETEX.
type strOpts struct {
	flags  int
	expire []byte // the argument of EX/PX/EXAT/PXAT, nil if none
}

// cstr returns b up to its first NUL byte: Redis compares option names
// and prints them as C strings.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// parseStrOpts parses the options of SET (from args[3]) or GETEX (from
// args[2]) with Redis's conflict rules: a repeated option is accepted
// (the last expiry wins) but conflicting ones are a syntax error.
func parseStrOpts(args [][]byte, forGetex bool) (strOpts, error) {
	var o strOpts
	j := 3
	if forGetex {
		j = 2
	}
	set := !forGetex
	for ; j < len(args); j++ {
		opt := cstr(args[j])
		hasNext := j+1 < len(args)
		f := o.flags
		e := expireOpt(opt)
		switch {
		case equalFold(opt, "nx") && f&optXX == 0 && set:
			o.flags |= optNX
		case equalFold(opt, "xx") && f&optNX == 0 && set:
			o.flags |= optXX
		case equalFold(opt, "get") && set:
			o.flags |= optGet
		case equalFold(opt, "keepttl") && f&(optPersist|optAnyExpire) == 0 && set:
			o.flags |= optKeepTTL
		case equalFold(opt, "persist") && f&(optKeepTTL|optAnyExpire) == 0 && !set:
			o.flags |= optPersist
		case e != 0 && f&(optKeepTTL|optPersist|optAnyExpire&^e) == 0 && hasNext:
			o.flags |= e
			o.expire = args[j+1]
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// expireOpt returns the flag of an EX, PX, EXAT or PXAT option, else 0.
func expireOpt(opt []byte) int {
	switch {
	case equalFold(opt, "ex"):
		return optEX
	case equalFold(opt, "px"):
		return optPX
	case equalFold(opt, "exat"):
		return optEXAT
	case equalFold(opt, "pxat"):
		return optPXAT
	}
	return 0
}

// errExpireTime is Redis's reply to an expiry out of range for cmd.
func errExpireTime(cmd string) error {
	return Error("ERR invalid expire time in '" + cmd + "' command")
}

// expireAtFromArg turns the argument of EX/PX/EXAT/PXAT (flags says
// which) into unix ms, as Redis's getExpireMillisecondsOrReply does: the
// value must be positive, and neither the unit conversion nor adding now
// to a relative time may overflow.
func expireAtFromArg(arg []byte, flags int, now int64, cmd string) (int64, error) {
	ms, ok := parseInt(arg)
	if !ok {
		return 0, ErrNotInteger
	}
	seconds := flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, errExpireTime(cmd)
	}
	if seconds {
		ms *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		// Wraps negative on overflow, exactly like Redis's long long sum.
		ms += now
	}
	if ms <= 0 {
		return 0, errExpireTime(cmd)
	}
	return ms, nil
}

// Flags of EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

// parseExpireFlags parses the NX/XX/GT/LT options from args[3].
func parseExpireFlags(args [][]byte) (int, error) {
	flags := 0
	for _, a := range args[3:] {
		opt := cstr(a)
		switch {
		case equalFold(opt, "nx"):
			flags |= expNX
		case equalFold(opt, "xx"):
			flags |= expXX
		case equalFold(opt, "gt"):
			flags |= expGT
		case equalFold(opt, "lt"):
			flags |= expLT
		default:
			return 0, Error("ERR Unsupported option " + string(opt))
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		return 0, Error("ERR NX and XX, GT or LT options at the same time are not compatible")
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		return 0, Error("ERR GT and LT options at the same time are not compatible")
	}
	return flags, nil
}

// expireWhen computes the absolute expiry in unix ms of an EXPIRE-family
// argument: seconds says the unit, base is added (now for EXPIRE/PEXPIRE,
// 0 for the -AT forms). Negative results are allowed (they delete the
// key); only overflow is an error, as in Redis.
func expireWhen(arg []byte, seconds bool, base int64, cmd string) (int64, error) {
	when, ok := parseInt(arg)
	if !ok {
		return 0, ErrNotInteger
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return 0, errExpireTime(cmd)
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return 0, errExpireTime(cmd)
	}
	return when + base, nil
}

// expireAllowed applies NX/XX/GT/LT to a key whose current expiry is cur
// (0: none, which GT and LT treat as infinite) and the new time when.
func expireAllowed(flags int, cur, when int64) bool {
	switch {
	case flags&expNX != 0 && cur != 0:
		return false
	case flags&expXX != 0 && cur == 0:
		return false
	case flags&expGT != 0 && (cur == 0 || when <= cur):
		return false
	case flags&expLT != 0 && cur != 0 && when >= cur:
		return false
	}
	return true
}
