package glob

// Match reports whether s matches the Redis glob pattern, exactly as Redis
// 7.0's stringmatchlen(pattern, s, nocase=0) does.
//
// Like stringmatchlen, it matches the empty string only with the empty
// pattern: Match("*", "") is false. Redis's KEYS and SCAN never call the
// matcher for a lone "*" (they treat it as "everything"), and callers that
// want Redis's replies must do the same.
func Match(pattern, s []byte) bool {
	if len(s) == 0 {
		// stringmatchlen's loop never runs, and it never strips stars.
		return len(pattern) == 0
	}
	p, i := 0, 0
	// The most recent star run: where the pattern resumes after it and
	// the next string position it should try. Earlier stars never need
	// revisiting because every other element consumes exactly one byte.
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			if pattern[p] == '*' {
				for p < len(pattern) && pattern[p] == '*' {
					p++
				}
				if p == len(pattern) {
					return true
				}
				starP, starI = p, i
				continue
			}
			if next, ok := element(pattern, p, s[i]); ok {
				p, i = next, i+1
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// element matches byte c against the non-star element at pattern[p] and
// returns the index just past that element. How far an element extends
// never depends on c, which is what lets Match backtrack cheaply.
func element(pattern []byte, p int, c byte) (int, bool) {
	switch pattern[p] {
	case '?':
		return p + 1, true
	case '[':
		return class(pattern, p+1, c)
	case '\\':
		// A trailing lone backslash is an ordinary byte.
		if p+1 < len(pattern) {
			return p + 2, pattern[p+1] == c
		}
	}
	return p + 1, pattern[p] == c
}

// class matches c against the class whose body starts at pattern[p],
// following stringmatchlen's loop step by step: "[]" is an empty class
// (never matches, "[^]" always does), "a-]" is a range ending at ']',
// ranges may be reversed, a backslash escapes one byte (but not into a
// range), and an unterminated class runs to the end of the pattern.
func class(pattern []byte, p int, c byte) (int, bool) {
	n := len(pattern)
	neg := p < n && pattern[p] == '^'
	if neg {
		p++
	}
	match := false
	for ; p < n; p++ {
		switch {
		case pattern[p] == '\\' && n-p >= 2:
			p++
			if pattern[p] == c {
				match = true
			}
		case pattern[p] == ']':
			return p + 1, match != neg
		case n-p >= 3 && pattern[p+1] == '-':
			// Redis compares plain chars, which are signed on x86-64:
			// bytes >= 0x80 sort below NUL.
			lo, hi := int8(pattern[p]), int8(pattern[p+2])
			if lo > hi {
				lo, hi = hi, lo
			}
			if lo <= int8(c) && int8(c) <= hi {
				match = true
			}
			p += 2
		default:
			if pattern[p] == c {
				match = true
			}
		}
	}
	return n, match != neg
}

// LiteralPrefix returns the bytes every string matching pattern starts
// with: the pattern up to its first '*', '?' or '[', with backslash
// escapes resolved. Callers use it to narrow a key scan to a range. The
// result may share storage with pattern.
func LiteralPrefix(pattern []byte) []byte {
	var out []byte // allocated only once an escape makes the prefix differ from pattern
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*', '?', '[':
			if out == nil {
				return pattern[:i:i]
			}
			return out
		case '\\':
			if i+1 < len(pattern) {
				if out == nil {
					out = append(make([]byte, 0, len(pattern)), pattern[:i]...)
				}
				i++
				c = pattern[i]
			}
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return pattern[:len(pattern):len(pattern)]
	}
	return out
}
