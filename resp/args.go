package resp

import (
	"math"
	"strconv"
	"strings"
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

// parseFloat parses b as Redis's string-to-long-double conversion does:
// no surrounding spaces, the whole string consumed, NaN refused.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return 0, false
	}
	s := string(b)
	if strings.ContainsRune(s, '_') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// strtold saturates out-of-range values to ±inf instead of failing.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// formatFloat formats f as Redis replies with computed floats
// (INCRBYFLOAT, HINCRBYFLOAT): shortest decimal that round-trips, never
// exponent notation for ordinary magnitudes, "inf"/"-inf" for infinities.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
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
