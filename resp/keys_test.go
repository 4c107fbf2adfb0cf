package resp

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var keyScripts = map[string]string{
	"del-exists-type-touch": `
mset a 1 b 2 => +OK\r\n
hset h f v => :1\r\n
exists h h x h => :3\r\n
type h => +hash\r\n
type a => +string\r\n
type x => +none\r\n
touch h h x => :2\r\n
del a a b x => :2\r\n
exists a b => :0\r\n
unlink h x => :1\r\n
exists h => :0\r\n
del => -ERR wrong number of arguments for 'del' command\r\n
exists => -ERR wrong number of arguments for 'exists' command\r\n
type => -ERR wrong number of arguments for 'type' command\r\n
`,
	"expire-options": `
set a 1 => +OK\r\n
expire a 10 foo => -ERR Unsupported option foo\r\n
expire a abc foo => -ERR Unsupported option foo\r\n
expire a 10 "foo\r\nbar" => -ERR Unsupported option foo  bar\r\n
expire a abc => -ERR value is not an integer or out of range\r\n
expire a 10 nx xx => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
expire a 10 gt lt => -ERR GT and LT options at the same time are not compatible\r\n
expire a 10 nx gt => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
expire a 10 xx gt lt => -ERR GT and LT options at the same time are not compatible\r\n
expire a 10 gt lt nx => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
expire a 10 xx xx => :0\r\n
expire a 9223372036854776 => -ERR invalid expire time in 'expire' command\r\n
expire a -9223372036854776 => -ERR invalid expire time in 'expire' command\r\n
expire a 9223372036854775 => -ERR invalid expire time in 'expire' command\r\n
expireat a 9223372036854776 => -ERR invalid expire time in 'expireat' command\r\n
pexpire a 9223372036854775807 => -ERR invalid expire time in 'pexpire' command\r\n
exists a => :1\r\n
ttl a => :-1\r\n
pexpireat a 9223372036854775807 => :1\r\n
pexpiretime a => :9223372036854775807\r\n
expireat a 9223372036854775 => :1\r\n
expiretime a => :9223372036854775\r\n
expire missing 10 => :0\r\n
expire missing abc => -ERR value is not an integer or out of range\r\n
expire missing 10 nx xx => -ERR NX and XX, GT or LT options at the same time are not compatible\r\n
persist a => :1\r\n
expire a 100 nx => :1\r\n
expire a 100 nx => :0\r\n
expire a 100 xx => :1\r\n
expire a 200 NX => :0\r\n
expire a 50 gt => :0\r\n
expire a 500 gt => :1\r\n
ttl a => :500\r\n
expire a 600 lt => :0\r\n
expire a 60 lt => :1\r\n
ttl a => :60\r\n
persist a => :1\r\n
persist a => :0\r\n
expire a 60 gt => :0\r\n
expire a 60 lt => :1\r\n
expire a 59 gt => :0\r\n
ttl a => :60\r\n
expire a 60 xx => :1\r\n
expire a 59 xx gt => :0\r\n
expire a 61 xx gt => :1\r\n
expire a 60 xx lt => :1\r\n
ttl a => :60\r\n
expire a -1 gt => :0\r\n
expire a -1 lt => :1\r\n
exists a => :0\r\n
`,
	"expire-deletes": `
set a 1 => +OK\r\n
expire a 0 => :1\r\n
exists a => :0\r\n
set a 1 => +OK\r\n
expireat a 0 => :1\r\n
exists a => :0\r\n
set a 1 => +OK\r\n
pexpire a -1 => :1\r\n
exists a => :0\r\n
hset h f v => :1\r\n
pexpireat h 1 => :1\r\n
exists h => :0\r\n
hset h f v => :1\r\n
hget h f => $1\r\nv\r\n
set a 1 => +OK\r\n
pexpire a -9223372036854775808 => :1\r\n
exists a => :0\r\n
set a 1 => +OK\r\n
pexpire a 100 => :1\r\n
!sleep 0.25
exists a => :0\r\n
ttl a => :-2\r\n
expire a 10 => :0\r\n
`,
	"ttl": `
set a 1 => +OK\r\n
ttl a => :-1\r\n
pttl a => :-1\r\n
ttl missing => :-2\r\n
pttl missing => :-2\r\n
expiretime a => :-1\r\n
pexpiretime a => :-1\r\n
expiretime missing => :-2\r\n
pexpiretime missing => :-2\r\n
pexpireat a 2000000000499 => :1\r\n
expiretime a => :2000000000\r\n
pexpiretime a => :2000000000499\r\n
pexpireat a 2000000000500 => :1\r\n
expiretime a => :2000000001\r\n
pexpire a 1700 => :1\r\n
ttl a => :2\r\n
pttl a =~ :1(6\d\d|700)\r\n
pexpire a 1400 => :1\r\n
ttl a => :1\r\n
persist missing => :0\r\n
hset h f v => :1\r\n
expire h 100 => :1\r\n
ttl h => :100\r\n
persist h => :1\r\n
ttl h => :-1\r\n
`,
	"keys-scan-args": `
mset a 1 b 2 => +OK\r\n
hset h f v => :1\r\n
keys h* => *1\r\n$1\r\nh\r\n
keys x* => *0\r\n
keys h => *1\r\n$1\r\nh\r\n
keys => -ERR wrong number of arguments for 'keys' command\r\n
scan abc => -ERR invalid cursor\r\n
scan 18446744073709551616 => -ERR invalid cursor\r\n
scan -18446744073709551616 => -ERR invalid cursor\r\n
scan " 0" => -ERR invalid cursor\r\n
scan "0 " => -ERR invalid cursor\r\n
scan 0x => -ERR invalid cursor\r\n
scan - => -ERR invalid cursor\r\n
scan 1.5 => -ERR invalid cursor\r\n
scan abc foo => -ERR invalid cursor\r\n
scan 0 count 0 => -ERR syntax error\r\n
scan 0 count -1 => -ERR syntax error\r\n
scan 0 count abc => -ERR value is not an integer or out of range\r\n
scan 0 count => -ERR syntax error\r\n
scan 0 match => -ERR syntax error\r\n
scan 0 type => -ERR syntax error\r\n
scan 0 foo bar => -ERR syntax error\r\n
scan 0 count 10 foo => -ERR syntax error\r\n
scan 0 type foo => *2\r\n$1\r\n0\r\n*0\r\n
scan 0 type none => *2\r\n$1\r\n0\r\n*0\r\n
scan 0 type list => *2\r\n$1\r\n0\r\n*0\r\n
scan 0 type STRING match b count 1000 => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n
scan 0 match h* count 100 type hash => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n
scan 0 match x* => *2\r\n$1\r\n0\r\n*0\r\n
scan "" match h => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n
scan +0 match h => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n
scan -0 match h => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n
scan 0 count 9223372036854775807 match h => *2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n
`,
	"rename-copy": `
randomkey => $-1\r\n
rename a b => -ERR no such key\r\n
rename a a => -ERR no such key\r\n
renamenx a a => -ERR no such key\r\n
renamenx a b => -ERR no such key\r\n
set a 1 => +OK\r\n
rename a a => +OK\r\n
renamenx a a => :0\r\n
get a => $1\r\n1\r\n
setex t 100 x => +OK\r\n
rename t u => +OK\r\n
exists t => :0\r\n
ttl u => :100\r\n
set b 2 => +OK\r\n
renamenx u b => :0\r\n
renamenx u c => :1\r\n
ttl c => :100\r\n
rename c b => +OK\r\n
ttl b => :100\r\n
get b => $1\r\nx\r\n
hset h f v => :1\r\n
rename h b => +OK\r\n
hget b f => $1\r\nv\r\n
type h => +none\r\n
rename b h => +OK\r\n
copy a a => -ERR source and destination objects are the same\r\n
copy missing x => :0\r\n
copy missing missing => -ERR source and destination objects are the same\r\n
copy a x foo => -ERR syntax error\r\n
copy a x db => -ERR syntax error\r\n
copy a x db 16 => -ERR DB index is out of range\r\n
copy a x db -1 => -ERR DB index is out of range\r\n
copy a x db abc => -ERR value is not an integer or out of range\r\n
copy a x db 99999999999 => -ERR value is out of range, value must between -2147483648 and 2147483647\r\n
copy a x db 99999999999999999999 => -ERR value is not an integer or out of range\r\n
copy a x db 1 =>! -ERR DB index is out of range\r\n
copy a a db 1 =>! -ERR DB index is out of range\r\n
exists x => :0\r\n
copy a x db 0 => :1\r\n
copy a x => :0\r\n
set a 2 => +OK\r\n
copy a x replace => :1\r\n
get x => $1\r\n2\r\n
copy a a db 0 => -ERR source and destination objects are the same\r\n
copy a x REPLACE replace db 0 DB 0 => :1\r\n
setex t 100 y => +OK\r\n
copy t y => :1\r\n
ttl y => :100\r\n
copy h h2 => :1\r\n
hset h f changed => :0\r\n
hget h2 f => $1\r\nv\r\n
copy h2 a => :0\r\n
copy h2 a replace => :1\r\n
type a => +hash\r\n
rename => -ERR wrong number of arguments for 'rename' command\r\n
copy a => -ERR wrong number of arguments for 'copy' command\r\n
randomkey x => -ERR wrong number of arguments for 'randomkey' command\r\n
`,
	"resp3": `
hello 3 =~ %7\r\n(?s:.*)
randomkey => _\r\n
set a 1 => +OK\r\n
type a => +string\r\n
ttl a => :-1\r\n
scan 0 => *2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n
keys * => *1\r\n$1\r\na\r\n
randomkey => $1\r\na\r\n
`,
}

func TestKeyCommands(t *testing.T) { runScripts(t, keyScripts) }

func TestKeysAndScanWalk(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	var want []string
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("key:%03d", i)
		want = append(want, k)
		if i%2 == 0 {
			c.do("SET", k, "v")
		} else {
			c.do("HSET", k, "f", "v")
		}
	}
	c.do("SET", "other", "x")
	c.do("PSETEX", "gone", "1", "x")
	slices.Sort(want)

	if got := bulkStrings(t, c.do("KEYS", "key:*")); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("KEYS key:* returned %d keys, want %d", len(got), len(want))
	}
	if got := bulkStrings(t, c.do("KEYS", "*")); len(got) != 501 {
		t.Errorf("KEYS * returned %d keys, want 501 (the expired one excluded)", len(got))
	}

	walk := func(opts ...string) []string {
		var got []string
		cursor := "0"
		for i := 0; ; i++ {
			if i > 1000 {
				t.Fatal("SCAN does not terminate")
			}
			r := c.do(append([]string{"SCAN", cursor}, opts...)...)
			lines := strings.Split(r, "\r\n")
			if lines[0] != "*2" {
				t.Fatalf("SCAN reply %q", r)
			}
			cursor = lines[2]
			got = append(got, bulkStrings(t, strings.Join(lines[3:], "\r\n"))...)
			if cursor == "0" {
				break
			}
		}
		slices.Sort(got)
		return slices.Compact(got)
	}
	if got := walk("MATCH", "key:*", "COUNT", "7"); !slices.Equal(got, want) {
		t.Errorf("SCAN MATCH key:* COUNT 7 returned %d keys, want %d", len(got), len(want))
	}
	var strs, hashes []string
	for i, k := range want {
		if i%2 == 0 {
			strs = append(strs, k)
		} else {
			hashes = append(hashes, k)
		}
	}
	if got := walk("TYPE", "hash", "COUNT", "3"); !slices.Equal(got, hashes) {
		t.Errorf("SCAN TYPE hash returned %d keys, want %d", len(got), len(hashes))
	}
	if got := walk("TYPE", "String", "MATCH", "key:*"); !slices.Equal(got, strs) {
		t.Errorf("SCAN TYPE String MATCH key:* returned %d keys, want %d", len(got), len(strs))
	}
	if got := walk("TYPE", "zset"); len(got) != 0 {
		t.Errorf("SCAN TYPE zset returned %q", got)
	}
	if got := walk(); len(got) != 501 {
		t.Errorf("full SCAN returned %d keys, want 501", len(got))
	}

	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		r := c.do("RANDOMKEY")
		if !strings.HasPrefix(r, "$") || strings.HasPrefix(r, "$-1") {
			t.Fatalf("RANDOMKEY: %q", r)
		}
		seen[r] = true
	}
	if len(seen) < 20 {
		t.Errorf("RANDOMKEY returned only %d distinct keys in 200 calls", len(seen))
	}
}

// A failed command must not have changed anything, also inside EXEC,
// where every command shares one engine transaction.
func TestKeyErrorsWriteNothing(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	c.do("HSET", "h", "f", "v")
	c.do("SET", "s", "1")
	c.do("EXPIRE", "s", "100")
	for _, cmd := range [][]string{
		{"SET", "h", "x", "GET"},
		{"GETSET", "h", "x"},
		{"SET", "s", "x", "EX", "0"},
		{"SET", "s", "x", "KEEPTTL", "EX", "1"},
		{"EXPIRE", "s", "1", "NX", "XX"},
		{"EXPIRE", "s", "9223372036854775"},
		{"COPY", "s", "t", "DB", "1"},
		{"INCRBYFLOAT", "s", "inf"},
		{"INCRBY", "s", "9223372036854775807"},
		{"SETRANGE", "s", "536870912", "x"},
		{"APPEND", "h", "x"},
		{"MSET", "s", "1", "t"},
	} {
		for _, inMulti := range []bool{false, true} {
			var r string
			if inMulti {
				c.do("MULTI")
				c.do(cmd...)
				r = c.do("EXEC")
			} else {
				r = c.do(cmd...)
			}
			if !strings.Contains(r, "-") {
				t.Errorf("%q (multi %v) succeeded: %q", cmd, inMulti, r)
			}
			if got := c.do("HGET", "h", "f"); got != "$1\r\nv\r\n" {
				t.Fatalf("after %q: h is %q", cmd, got)
			}
			if got := c.do("GET", "s"); got != "$1\r\n1\r\n" {
				t.Fatalf("after %q: s is %q", cmd, got)
			}
			if got := c.do("TTL", "s"); got != ":100\r\n" {
				t.Fatalf("after %q: TTL s is %q", cmd, got)
			}
			if got := c.do("EXISTS", "t"); got != ":0\r\n" {
				t.Fatalf("after %q: t exists", cmd)
			}
		}
	}
}

// TestStringKeyRepliesAgainstRedis compares a RESP2 and a RESP3 session
// byte for byte with a real Redis (MURR_TEST_REDIS), for replies that do
// not depend on key order or time.
func TestStringKeyRepliesAgainstRedis(t *testing.T) {
	addr := os.Getenv("MURR_TEST_REDIS")
	if addr == "" {
		t.Skip("MURR_TEST_REDIS not set")
	}
	session := [][]string{
		{"SET", "s", "hello"}, {"GET", "s"}, {"GET", "nope"}, {"MGET", "s", "nope"},
		{"SET", "s", "x", "NX"}, {"SET", "s", "y", "XX", "GET"}, {"SETNX", "s", "z"},
		{"INCR", "n"}, {"INCRBYFLOAT", "n", "0.25"}, {"INCRBYFLOAT", "n", "1e3"},
		{"GETRANGE", "s", "0", "-1"}, {"SETRANGE", "s", "10", "!"}, {"GET", "s"},
		{"APPEND", "s", "?"}, {"STRLEN", "s"}, {"GETDEL", "s"}, {"GETEX", "n", "PERSIST"},
		{"TYPE", "n"}, {"TTL", "n"}, {"PTTL", "nope"}, {"EXISTS", "n", "n", "nope"},
		{"EXPIRE", "n", "100"}, {"TTL", "n"}, {"PERSIST", "n"}, {"EXPIRETIME", "n"},
		{"RENAME", "n", "m"}, {"RENAMENX", "m", "m"}, {"COPY", "m", "c"}, {"DEL", "m", "c"},
		{"SCAN", "0"}, {"KEYS", "*"}, {"RANDOMKEY"}, {"HSET", "h", "f", "v"},
		{"SET", "h", "v", "GET"}, {"MGET", "h"}, {"INCR", "h"}, {"SCAN", "0", "TYPE", "hash"},
		{"DEL", "h", "s", "n", "m", "c"},
	}
	run := func(addr string, proto string) []string {
		c := dialRaw(t, addr)
		if proto == "3" {
			c.do("HELLO", "3")
		}
		var out []string
		for _, cmd := range session {
			out = append(out, c.do(cmd...))
		}
		return out
	}
	s := newTestServer(t)
	for _, proto := range []string{"2", "3"} {
		dialRaw(t, addr).do("FLUSHALL")
		want := run(addr, proto)
		got := run(s.addr, proto)
		for i := range session {
			if got[i] != want[i] {
				t.Errorf("RESP%s %q: got %q, Redis %q", proto, session[i], got[i], want[i])
			}
		}
	}
}
