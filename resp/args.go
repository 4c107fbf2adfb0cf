package resp

import (
	"math"
	"strconv"
)

// parseInt parses b as Redis's string2ll does: strict decimal int64.
func parseInt(b []byte) (int64, bool) {
	if !isStrictInt(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// intArg parses an integer argument or fails with Redis's error.
func intArg(b []byte) (int64, error) {
	n, ok := parseInt(b)
	if !ok {
		return 0, ErrNotInteger
	}
	return n, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// equalFold reports whether b equals the lower-case word s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// dbIndexArg checks a database index argument (SELECT, COPY ... DB) the
// way Redis does, then allows only database 0, the one database here.
func dbIndexArg(b []byte) error {
	db, err := intArg(b)
	if err != nil {
		return err
	}
	if db < math.MinInt32 || db > math.MaxInt32 {
		return Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	}
	if db != 0 {
		return ErrDBIndex
	}
	return nil
}
