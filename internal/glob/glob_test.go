package glob

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// matchTests were checked against redis-server 7.0.15 (KEYS on x86-64).
var matchTests = []struct {
	pattern, s string
	want       bool
}{
	{"", "", true},
	{"", "a", false},
	{"a", "", false},
	// stringmatchlen never matches "" against a non-empty pattern.
	{"*", "", false},
	{"**", "", false},
	{"*", "abc", true},
	{"*", "\x00", true},
	{"a*", "a", true},
	{"a*", "abc", true},
	{"a*", "ba", false},
	{"*a", "bca", true},
	{"*a", "a", true},
	{"*a", "ab", false},
	{"a**b", "ab", true},
	{"a*b*c", "axxbyyc", true},
	{"a*b*c", "axxbyy", false},
	{"a*b*c**", "abc", true},
	{"?", "a", true},
	{"?", "", false},
	{"?", "ab", false},
	{"??", "\x00\xff", true},
	{"a?c", "abc", true},
	{"*?", "x", true},
	{"*??", "x", false},

	// Classes.
	{"[abc]", "b", true},
	{"[abc]", "d", false},
	{"[^abc]", "d", true},
	{"[^abc]", "a", false},
	{"[a-c]", "b", true},
	{"[c-a]", "b", true}, // reversed range
	{"[a-c]", "d", false},
	{"[a-c-e]", "-", true},
	{"[a-c-e]", "d", false},
	{"[-a]", "-", true},
	{"[[]", "[", true},
	{"[*]", "*", true},
	{"[?]", "a", false},
	// "[]" is an empty class: it never matches, and "[^]" matches anything.
	{"[]", "]", false},
	{"[]a]", "a]", false},
	{"[]a]", "]a]", false},
	{"[^]", "x", true},
	{"[^]", "", false},
	{"[^]a]", "xa]", true},
	// A '-' before ']' makes a range ending at ']' (93..97 here).
	{"[a-]", "]", true},
	{"[a-]", "`", true},
	{"[a-]", "-", false},
	{"[a-]x]", "x", true},
	{"[a-]x]", "b", false},
	// An unterminated class runs to the end of the pattern.
	{"[", "[", false},
	{"[", "", false},
	{"[^", "x", true},
	{"[^", "xy", false},
	{"[abc", "b", true},
	{"[abc", "bc", false},
	{"a[bc", "ac", true},
	{"a*[^", "ab", true},
	{"*[", "ab", false},
	{"[a-\\", "\\", true},
	// Escapes inside classes: one byte, never part of a range.
	{"[\\]]", "]", true},
	{"[\\]]", "\\", false},
	{"[\\a-z]", "a", true},
	{"[\\a-z]", "-", true},
	{"[\\a-z]", "b", false},
	{"[a\\-z]", "-", true},
	{"[a\\-z]", "b", false},
	{"[\\", "\\", true},
	{"[^\\", "\\", false},
	{"[^\\", "x", true},

	// Escapes outside classes; a trailing lone backslash is literal.
	{"\\*", "*", true},
	{"\\*", "a", false},
	{"\\?", "?", true},
	{"\\[a]", "[a]", true},
	{"\\a", "a", true},
	{"a\\", "a\\", true},
	{"a\\", "a", false},
	{"\\", "\\", true},
	{"\\\\", "\\", true},
	{"\\\\*", "\\x", true},

	// Raw bytes; ranges compare signed chars, so 0x80..0xff sort below NUL.
	{"[\x00-\x10]", "\x05", true},
	{"[\x00-\x10]", "\x11", false},
	{"[a-\xff]", "\x80", false},
	{"[a-\xff]", "\xff", true},
	{"[a-\xff]", "\x00", true},
	{"[a-\xff]", "b", false},
	{"[\x80-\xff]", "\x90", true},
	{"[\x80-\xff]", "a", false},
	{"[\x7f-\x80]", "a", true},
	{"[\x7f-\x80]", "\xc3", true},
	{"*\x00", "ab\x00", true},
	{"\xff*\xfe", "\xff\x00\xfe", true},
	{"[^\x00]", "\x00", false},

	// Backtracking.
	{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaab", true},
	{"*ab*ab", "xabyabzab", true},
	{"*abc", "ababc", true},
	{"h?llo*w[o0]rld", "hello, w0rld", true},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchTests {
		p, s := []byte(tc.pattern), []byte(tc.s)
		if got := Match(p, s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
		if got := refMatch(p, s, true); got != tc.want {
			t.Errorf("refMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestLiteralPrefix(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"", ""},
		{"abc", "abc"},
		{"user:*", "user:"},
		{"user:?x", "user:"},
		{"user:[ab]", "user:"},
		{"*abc", ""},
		{"a\\*b*", "a*b"},
		{"a\\[b?", "a[b"},
		{"a\\\\", "a\\"},
		{"a\\", "a\\"}, // trailing lone backslash is literal
		{"\\", "\\"},
		{"\x00\xff*", "\x00\xff"},
	} {
		if got := LiteralPrefix([]byte(tc.pattern)); string(got) != tc.want {
			t.Errorf("LiteralPrefix(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	// The result must not let an append overwrite the caller's pattern.
	p := []byte("ab*")
	_ = append(LiteralPrefix(p), 'X')
	if string(p) != "ab*" {
		t.Fatalf("append to LiteralPrefix result changed pattern to %q", p)
	}
}

// TestNoExponentialBlowup runs patterns that make naive backtracking
// matchers exponential against long subjects.
func TestNoExponentialBlowup(t *testing.T) {
	long := bytes.Repeat([]byte("a"), 100000)
	for _, p := range []string{
		"a*a*a*a*a*a*a*a*b",
		strings.Repeat("*a", 30) + "b",
		strings.Repeat("*?", 20) + "b",
		"*" + strings.Repeat("a", 50) + "b",
		strings.Repeat("*[a-z]", 20) + "[^a]",
	} {
		start := time.Now()
		if Match([]byte(p), long) {
			t.Errorf("Match(%q, a*100000) = true", p)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Match(%q, a*100000) took %v", p, d)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	p, s := []byte("user:*:[0-9]*\\*x?"), []byte("user:42:7abc*xy")
	if n := testing.AllocsPerRun(100, func() { Match(p, s) }); n != 0 {
		t.Fatalf("Match allocates %v times", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	p, s := []byte("feast:*:[0-9a-f]*:view?"), []byte("feast:project_a:0123456789abcdef:view1")
	for b.Loop() {
		Match(p, s)
	}
}
