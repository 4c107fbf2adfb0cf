package glob

import (
	"bytes"
	"testing"
	"time"
)

// refMatch transliterates Redis 7.0's stringmatchlen_impl (util.c) with
// nocase=0: recursion at every '*', pointer walking through the pattern,
// and reads one past the end seeing the NUL terminator an sds string has.
// skip enables Redis's skipLongerMatches pruning; without it the function
// is the plain exponential algorithm, usable on tiny inputs only.
func refMatch(pattern, s []byte, skip bool) bool {
	var skipLonger bool
	return refImpl(pattern, s, skip, &skipLonger)
}

func refImpl(pat, str []byte, skip bool, skipLonger *bool) bool {
	p, plen := 0, len(pat)
	s, slen := 0, len(str)
	at := func(i int) byte { // pattern[i], with sds's NUL terminator past the end
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	for plen > 0 && slen > 0 {
		switch at(p) {
		case '*':
			for plen > 0 && at(p+1) == '*' {
				p++
				plen--
			}
			if plen == 1 {
				return true
			}
			for slen > 0 {
				if refImpl(pat[p+1:], str[s:], skip, skipLonger) {
					return true
				}
				if skip && *skipLonger {
					return false
				}
				s++
				slen--
			}
			*skipLonger = true
			return false
		case '?':
			s++
			slen--
		case '[':
			p++
			plen--
			not := at(p) == '^'
			if not {
				p++
				plen--
			}
			match := false
			for {
				if at(p) == '\\' && plen >= 2 {
					p++
					plen--
					if at(p) == str[s] {
						match = true
					}
				} else if at(p) == ']' {
					break
				} else if plen == 0 {
					p--
					plen++
					break
				} else if plen >= 3 && at(p+1) == '-' {
					start, end := int(int8(at(p))), int(int8(at(p+2)))
					c := int(int8(str[s]))
					if start > end {
						start, end = end, start
					}
					p += 2
					plen -= 2
					if c >= start && c <= end {
						match = true
					}
				} else if at(p) == str[s] {
					match = true
				}
				p++
				plen--
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
			slen--
		case '\\':
			if plen >= 2 {
				p++
				plen--
			}
			fallthrough
		default:
			if at(p) != str[s] {
				return false
			}
			s++
			slen--
		}
		p++
		plen--
		if slen == 0 {
			for at(p) == '*' {
				p++
				plen--
			}
			break
		}
	}
	return plen == 0 && slen == 0
}

// matching builds a subject that pattern likely matches, using filler
// for wildcards, so the fuzzer explores matches and not only mismatches.
func matching(pattern, filler []byte) []byte {
	var out []byte
	next := func() byte {
		if len(filler) == 0 {
			return 'x'
		}
		c := filler[0]
		filler = filler[1:]
		return c
	}
	for p := 0; p < len(pattern); {
		switch pattern[p] {
		case '*':
			for n := next() % 4; n > 0; n-- {
				out = append(out, next())
			}
			p++
		default:
			// An element's extent never depends on the byte tried.
			c := next()
			end, ok := element(pattern, p, c)
			for i := 0; !ok && i < 255; i++ {
				c++
				_, ok = element(pattern, p, c)
			}
			out = append(out, c)
			p = end
		}
	}
	return out
}

func FuzzMatch(f *testing.F) {
	for _, tc := range matchTests {
		f.Add([]byte(tc.pattern), []byte(tc.s))
	}
	f.Add([]byte("a*a*a*a*a*a*a*a*b"), bytes.Repeat([]byte("a"), 200))
	f.Fuzz(func(t *testing.T, pattern, s []byte) {
		start := time.Now()
		got := Match(pattern, s)
		if d := time.Since(start); d > time.Second && len(pattern)*len(s) < 1<<20 {
			t.Fatalf("Match(%q, %q) took %v", pattern, s, d)
		}
		// The reference is only polynomial thanks to pruning; keep it small.
		if len(pattern) > 40 || len(s) > 200 {
			return
		}
		for _, subj := range [][]byte{s, matching(pattern, s), append(LiteralPrefix(pattern), s...)} {
			got = Match(pattern, subj)
			if want := refMatch(pattern, subj, true); got != want {
				t.Fatalf("Match(%q, %q) = %v, stringmatchlen says %v", pattern, subj, got, want)
			}
			if len(pattern) <= 10 && len(subj) <= 12 {
				if want := refMatch(pattern, subj, false); got != want {
					t.Fatalf("Match(%q, %q) = %v, unpruned stringmatchlen says %v", pattern, subj, got, want)
				}
			}
			if got && !bytes.HasPrefix(subj, LiteralPrefix(pattern)) {
				t.Fatalf("Match(%q, %q) but subject lacks LiteralPrefix %q", pattern, subj, LiteralPrefix(pattern))
			}
		}
	})
}
