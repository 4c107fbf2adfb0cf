package resp

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The string and key command tests are scripts (see harness_test.go)
// run on a fresh server each, and on a real Redis with MURR_TEST_REDIS set.

var stringScripts = map[string]string{
	"get-set": `
get k => $-1\r\n
set k v => +OK\r\n
get k => $1\r\nv\r\n
set k "" => +OK\r\n
get k => $0\r\n\r\n
set "bin\x00\r\nkey" "\x00\xff\r\n" => +OK\r\n
get "bin\x00\r\nkey" => $4\r\n\x00\xff\r\n\r\n
hset h f v => :1\r\n
get h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
set h v => +OK\r\n
type h => +string\r\n
get => -ERR wrong number of arguments for 'get' command\r\n
set k => -ERR wrong number of arguments for 'set' command\r\n
`,
	"set-options": `
set k v ex 10 ex 20 => +OK\r\n
ttl k => :20\r\n
set k v nx nx => $-1\r\n
set k v nx xx => -ERR syntax error\r\n
set k v xx nx => -ERR syntax error\r\n
set k v get get => $1\r\nv\r\n
set k v keepttl ex 10 => -ERR syntax error\r\n
set k v ex 10 keepttl => -ERR syntax error\r\n
set k v ex 10 px 10 => -ERR syntax error\r\n
set k v exat 10 pxat 10 => -ERR syntax error\r\n
set k v persist => -ERR syntax error\r\n
set k v ex => -ERR syntax error\r\n
set k v ex abc => -ERR value is not an integer or out of range\r\n
set k v ex 0 => -ERR invalid expire time in 'set' command\r\n
set k v ex -1 => -ERR invalid expire time in 'set' command\r\n
set k v px 0 => -ERR invalid expire time in 'set' command\r\n
set k v ex 9223372036854775 => -ERR invalid expire time in 'set' command\r\n
set k v ex 9223372036854776 => -ERR invalid expire time in 'set' command\r\n
set k v px 9223372036854775807 => -ERR invalid expire time in 'set' command\r\n
set k v exat 9223372036854776 => -ERR invalid expire time in 'set' command\r\n
set k v exat 0 => -ERR invalid expire time in 'set' command\r\n
set k v ex 1.5 => -ERR value is not an integer or out of range\r\n
set k v foo => -ERR syntax error\r\n
set k v ex 10 foo => -ERR syntax error\r\n
set k v foo ex abc => -ERR syntax error\r\n
set k v ex abc foo => -ERR syntax error\r\n
get k => $1\r\nv\r\n
ttl k => :-1\r\n
set k v pxat 9223372036854775807 => +OK\r\n
pexpiretime k => :9223372036854775807\r\n
set k v exat 9223372036854775 => +OK\r\n
pexpiretime k => :9223372036854775000\r\n
set k v exat 1 => +OK\r\n
exists k => :0\r\n
set k v pxat 1 get => $-1\r\n
set k v2 => +OK\r\n
set k v3 pxat 1 get => $2\r\nv2\r\n
exists k => :0\r\n
set k v EX 100 => +OK\r\n
set k v2 KEEPTTL => +OK\r\n
ttl k => :100\r\n
set k v3 keepttl keepttl => +OK\r\n
ttl k => :100\r\n
set k v4 => +OK\r\n
ttl k => :-1\r\n
set k v5 Px 5000 => +OK\r\n
pttl k =~ :(49\d\d|5000)\r\n
set k v6 "nx\x00junk" => $-1\r\n
`,
	"set-nx-xx-get": `
hset h f v => :1\r\n
set h v get => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
type h => +hash\r\n
set h v nx get => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
set h v xx get => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
set h v ex 0 get => -ERR invalid expire time in 'set' command\r\n
hget h f => $1\r\nv\r\n
set h v nx => $-1\r\n
set h v xx => +OK\r\n
type h => +string\r\n
set n v nx get => $-1\r\n
set n v2 nx get => $1\r\nv\r\n
set n v3 xx get => $1\r\nv\r\n
get n => $2\r\nv3\r\n
set n v4 xx => +OK\r\n
set n2 v4 xx => $-1\r\n
exists n2 => :0\r\n
set n2 v4 PX 100 GET => $-1\r\n
set n3 v xx get => $-1\r\n
exists n3 => :0\r\n
`,
	"setnx-setex-psetex": `
setnx n x => :1\r\n
setnx n y => :0\r\n
get n => $1\r\nx\r\n
setex n 0 x => -ERR invalid expire time in 'setex' command\r\n
setex n -1 x => -ERR invalid expire time in 'setex' command\r\n
setex n abc x => -ERR value is not an integer or out of range\r\n
setex n 9223372036854775 x => -ERR invalid expire time in 'setex' command\r\n
setex n 10 x => +OK\r\n
ttl n => :10\r\n
psetex n 0 x => -ERR invalid expire time in 'psetex' command\r\n
psetex n 10000 x => +OK\r\n
pttl n =~ :(99\d\d|10000)\r\n
hset h f v => :1\r\n
setex h 10 x => +OK\r\n
type h => +string\r\n
setnx h x => :0\r\n
setex n 10 => -ERR wrong number of arguments for 'setex' command\r\n
`,
	"getex": `
getex missing ex abc => $-1\r\n
getex missing ex => -ERR syntax error\r\n
getex missing foo => -ERR syntax error\r\n
getex missing persist ex 10 => -ERR syntax error\r\n
hset h f v => :1\r\n
getex h ex abc => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
getex h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
set k v => +OK\r\n
getex k ex abc => -ERR value is not an integer or out of range\r\n
getex k ex 0 => -ERR invalid expire time in 'getex' command\r\n
getex k ex 10 persist => -ERR syntax error\r\n
getex k persist persist => $1\r\nv\r\n
getex k ex 10 ex 20 => $1\r\nv\r\n
ttl k => :20\r\n
getex k => $1\r\nv\r\n
ttl k => :20\r\n
getex k persist => $1\r\nv\r\n
ttl k => :-1\r\n
getex k px 5000 => $1\r\nv\r\n
pttl k =~ :(49\d\d|5000)\r\n
getex k keepttl => -ERR syntax error\r\n
getex k get => -ERR syntax error\r\n
getex k nx => -ERR syntax error\r\n
getex k exat 1 => $1\r\nv\r\n
exists k => :0\r\n
set k v => +OK\r\n
getex k ex -5 => -ERR invalid expire time in 'getex' command\r\n
getex k pxat 9223372036854775807 => $1\r\nv\r\n
pexpiretime k => :9223372036854775807\r\n
getex k ex 9223372036854775 => -ERR invalid expire time in 'getex' command\r\n
getex k exat 9223372036854776 => -ERR invalid expire time in 'getex' command\r\n
getex k EXAT 4102444800 => $1\r\nv\r\n
expiretime k => :4102444800\r\n
getex => -ERR wrong number of arguments for 'getex' command\r\n
`,
	"getset-getdel-mget-mset": `
set k v => +OK\r\n
expire k 100 => :1\r\n
getset k new => $1\r\nv\r\n
ttl k => :-1\r\n
hset h f v => :1\r\n
getset h x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
type h => +hash\r\n
getset nk x => $-1\r\n
getdel nk => $1\r\nx\r\n
getdel nk => $-1\r\n
exists nk => :0\r\n
getdel h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
mget k h nk missing k => *5\r\n$3\r\nnew\r\n$-1\r\n$-1\r\n$-1\r\n$3\r\nnew\r\n
mset a 1 b => -ERR wrong number of arguments for 'mset' command\r\n
mset a 1 b 2 a 3 => +OK\r\n
mget a b => *2\r\n$1\r\n3\r\n$1\r\n2\r\n
mset h x => +OK\r\n
type h => +string\r\n
msetnx a 1 c 2 => :0\r\n
exists c => :0\r\n
msetnx c 1 d 2 c 3 => :1\r\n
get c => $1\r\n3\r\n
msetnx e => -ERR wrong number of arguments for 'msetnx' command\r\n
msetnx e 1 f => -ERR wrong number of arguments for 'msetnx' command\r\n
setex t 100 x => +OK\r\n
mset t y => +OK\r\n
ttl t => :-1\r\n
`,
	"incr-decr": `
incr n => :1\r\n
decrby n 9223372036854775808 => -ERR value is not an integer or out of range\r\n
decrby n -9223372036854775808 => -ERR decrement would overflow\r\n
incrby n 9223372036854775807 => -ERR increment or decrement would overflow\r\n
incr n => :2\r\n
decr n => :1\r\n
decrby n 5 => :-4\r\n
incrby n -6 => :-10\r\n
set n -9223372036854775808 => +OK\r\n
decr n => -ERR increment or decrement would overflow\r\n
incrby n -1 => -ERR increment or decrement would overflow\r\n
incrby n 9223372036854775807 => :-1\r\n
set n 9223372036854775807 => +OK\r\n
incr n => -ERR increment or decrement would overflow\r\n
set n " 1" => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n 01 => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n -0 => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n +1 => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n 1.5 => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n "" => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
set n 99999999999999999999 => +OK\r\n
incr n => -ERR value is not an integer or out of range\r\n
incrby n2 1.5 => -ERR value is not an integer or out of range\r\n
incrby n2 "" => -ERR value is not an integer or out of range\r\n
exists n2 => :0\r\n
setex t 100 5 => +OK\r\n
incr t => :6\r\n
ttl t => :100\r\n
get t => $1\r\n6\r\n
hset h f v => :1\r\n
incr h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
incrby h abc => -ERR value is not an integer or out of range\r\n
decrby h -9223372036854775808 => -ERR decrement would overflow\r\n
decrby h 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
`,
	"incrbyfloat": `
setex t 100 5 => +OK\r\n
incrbyfloat t 1.5 => $3\r\n6.5\r\n
ttl t => :100\r\n
hset h f v => :1\r\n
incrbyfloat h 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
incrbyfloat h abc => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
incrbyfloat x abc => -ERR value is not a valid float\r\n
exists x => :0\r\n
incrbyfloat x 0.1 => $3\r\n0.1\r\n
incrbyfloat x 0.2 => $3\r\n0.3\r\n
get x => $3\r\n0.3\r\n
incrbyfloat y 1e400 => $401\r\n10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880\r\n
incrbyfloat y inf => -ERR increment would produce NaN or Infinity\r\n
incrbyfloat y -inf => -ERR increment would produce NaN or Infinity\r\n
incrbyfloat y nan => -ERR value is not a valid float\r\n
incrbyfloat y 1e5000 => -ERR value is not a valid float\r\n
incrbyfloat y 1e-5000 => -ERR value is not a valid float\r\n
incrbyfloat y " 1" => -ERR value is not a valid float\r\n
incrbyfloat y "1 " => -ERR value is not a valid float\r\n
incrbyfloat y 1e => -ERR value is not a valid float\r\n
incrbyfloat y 1_0 => -ERR value is not a valid float\r\n
incrbyfloat y 0b1 => -ERR value is not a valid float\r\n
incrbyfloat y infinity => -ERR increment would produce NaN or Infinity\r\n
incrbyfloat y 1e4933 => -ERR value is not a valid float\r\n
set z 3.0e3 => +OK\r\n
incrbyfloat z 0 => $4\r\n3000\r\n
set z abc => +OK\r\n
incrbyfloat z 1 => -ERR value is not a valid float\r\n
set z "1\x00abc" => +OK\r\n
incrbyfloat z 1 => -ERR value is not a valid float\r\n
set z 1e-20 => +OK\r\n
incrbyfloat z -2e-20 => $1\r\n0\r\n
set z inf => +OK\r\n
incrbyfloat z 1 => -ERR increment would produce NaN or Infinity\r\n
set z 1.18973149535723176502e+4932 => +OK\r\n
incrbyfloat z 1e4913 => -ERR increment would produce NaN or Infinity\r\n
incrbyfloat z -1e4932 =~ \$4932\r\n189731495357231765\d+\r\n
incrbyfloat big 1e4932 =~ \$4933\r\n10000000000000000000060189493879638913238377742545331147737850\d+\r\n
`,
	"getrange-setrange-append-strlen": `
set s Hello => +OK\r\n
getrange s 0 -1 => $5\r\nHello\r\n
getrange s -10 -20 => $0\r\n\r\n
getrange s -1 -5 => $0\r\n\r\n
getrange s -3 -1 => $3\r\nllo\r\n
getrange s 10 20 => $0\r\n\r\n
getrange s 2 1 => $0\r\n\r\n
getrange s -100 100 => $5\r\nHello\r\n
getrange s -9223372036854775808 9223372036854775807 => $5\r\nHello\r\n
getrange s 0 0 => $1\r\nH\r\n
getrange s a 1 => -ERR value is not an integer or out of range\r\n
getrange s 1 b => -ERR value is not an integer or out of range\r\n
getrange missing a 1 => -ERR value is not an integer or out of range\r\n
getrange missing 0 1 => $0\r\n\r\n
hset h f v => :1\r\n
getrange h 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
getrange h a 1 => -ERR value is not an integer or out of range\r\n
substr s 1 3 => $3\r\nell\r\n
set e "" => +OK\r\n
getrange e 0 -1 => $0\r\n\r\n
getrange e 0 0 => $0\r\n\r\n
setrange s -1 x => -ERR offset is out of range\r\n
setrange s a x => -ERR value is not an integer or out of range\r\n
setrange missing 5 "" => :0\r\n
exists missing => :0\r\n
setrange missing 536870912 "" => :0\r\n
setrange missing 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n
setrange missing 3 ab => :5\r\n
get missing => $5\r\n\x00\x00\x00ab\r\n
setrange missing 1 XYZW => :5\r\n
get missing => $5\r\n\x00XYZW\r\n
setrange s 536870912 "" => :5\r\n
setrange s 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n
setrange s 9223372036854775807 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n
setrange s 9223372036854775808 x => -ERR value is not an integer or out of range\r\n
setrange s 1 "" => :5\r\n
setrange s 1 EL => :5\r\n
get s => $5\r\nHELlo\r\n
setrange h 1 x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
setrange h 1 "" => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
setrange h -1 "" => -ERR offset is out of range\r\n
append h x => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
append ap abc => :3\r\n
append ap def => :6\r\n
append ap "" => :6\r\n
get ap => $6\r\nabcdef\r\n
strlen ap => :6\r\n
strlen h => -WRONGTYPE Operation against a key holding the wrong kind of value\r\n
strlen none => :0\r\n
setex t 100 a => +OK\r\n
append t b => :2\r\n
setrange t 0 z => :2\r\n
ttl t => :100\r\n
get t => $2\r\nzb\r\n
`,
	"resp3": `
hello 3 =~ %7\r\n(?s:.*)
get missing => _\r\n
set k v get => _\r\n
set k v nx => _\r\n
mget k missing => *2\r\n$1\r\nv\r\n_\r\n
getex missing => _\r\n
getdel missing => _\r\n
getset missing2 x => _\r\n
incrbyfloat f 1.5 => $3\r\n1.5\r\n
incr n => :1\r\n
getrange k 0 -1 => $1\r\nv\r\n
`,
	"multi": `
multi => +OK\r\n
set k 1 => +QUEUED\r\n
incr k => +QUEUED\r\n
get k => +QUEUED\r\n
set k v ex 0 => +QUEUED\r\n
incrbyfloat k 0.5 => +QUEUED\r\n
exec => *5\r\n+OK\r\n:2\r\n$1\r\n2\r\n-ERR invalid expire time in 'set' command\r\n$3\r\n2.5\r\n
`,
}

func TestStringCommands(t *testing.T) { runScripts(t, stringScripts) }

// Values INCRBYFLOAT produced on Redis 7.0.15 (x86-64, 80-bit long
// double), as (stored value, increment, reply) with "" for no key and
// "!" for an invalid-float error.
var incrbyfloatCases = []struct{ cur, incr, want string }{
	{"", "0.1", "0.1"},
	{"0.1", "0.2", "0.3"},
	{"", "0x.8", "0.5"},
	{"", "0x1p", "!"},
	{"", "0x", "!"},
	{"0.5", "-0x1.8p1", "-2.5"},
	{"", "0X1P3", "8"},
	{"", "1e-4940", "0"},
	{"", "3.6e-4951", "0"},
	{"", "1e-4951", "!"},
	{"", "-0", "0"},
	{"", "NaN(123)", "!"},
	{"", "infin", "!"},
	{"", "0e99999999999999999999", "0"},
	{"", "1e-99999999999999999999", "!"},
	{"", "1e99999999999999999999", "!"},
	{"", ".", "!"},
	{"", "-.e1", "!"},
	{"", "1.e1", "10"},
	{"", ".5", "0.5"},
	{"", "+1", "1"},
	{"", "0.00000000000000001", "0.00000000000000001"},
	{"", "0.000000000000000005", "0"},
	{"", "0.000000000000000015", "0.00000000000000002"},
	{"", "0.000003814697265625", "0.00000381469726562"},
	{"", "0.000003814697265627", "0.00000381469726563"},
	{"", "1.00000000000000000000000000000001", "1"},
	{"10.5", "-10.5", "0"},
	{"", "123456789012345678901234567890", "123456789012345678899921813504"},
	{"", "-1e-5", "-0.00001"},
	{"", "0.1e-30", "0"},
	{"", "", "!"},
	{"", "1e+10", "10000000000"},
	{"", "1E2", "100"},
	{"", "1.18973149535723176508e+4932", "!"},
	{"1e400", "0x10", "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"},
}

func TestIncrbyfloatArithmetic(t *testing.T) {
	for _, tc := range incrbyfloatCases {
		cur := new(big.Float).SetPrec(ldPrec)
		ok := true
		if tc.cur != "" {
			cur, ok = parseLongDouble([]byte(tc.cur))
		}
		if !ok {
			t.Fatalf("stored %q does not parse", tc.cur)
		}
		incr, ok := parseLongDouble([]byte(tc.incr))
		got := "!"
		if ok {
			sum, ok := addLongDouble(cur, incr)
			if !ok {
				got = "inf"
			} else {
				got = formatLongDouble(sum)
			}
		}
		if got != tc.want {
			t.Errorf("%q + %q = %q, want %q", tc.cur, tc.incr, got, tc.want)
		}
	}
	if addr := os.Getenv("MURR_TEST_REDIS"); addr != "" {
		c := dialRaw(t, addr)
		for _, tc := range incrbyfloatCases {
			if got := redisIncrbyfloat(c, tc.cur, tc.incr); got != tc.want {
				t.Errorf("redis: %q + %q = %q, want %q", tc.cur, tc.incr, got, tc.want)
			}
		}
	}
}

// redisIncrbyfloat runs INCRBYFLOAT on a real Redis, in the notation of
// incrbyfloatCases.
func redisIncrbyfloat(c *rawConn, cur, incr string) string {
	c.do("DEL", "k")
	if cur != "" {
		c.do("SET", "k", cur)
	}
	r := c.do("INCRBYFLOAT", "k", incr)
	switch {
	case r == "-ERR value is not a valid float\r\n":
		return "!"
	case r == "-ERR increment would produce NaN or Infinity\r\n":
		return "inf"
	case strings.HasPrefix(r, "$"):
		_, v, _ := strings.Cut(r, "\r\n")
		return strings.TrimSuffix(v, "\r\n")
	}
	return r
}

// TestIncrbyfloatAgainstRedis compares random sums with a real Redis
// (MURR_TEST_REDIS), which computes them in x87 long double.
func TestIncrbyfloatAgainstRedis(t *testing.T) {
	addr := os.Getenv("MURR_TEST_REDIS")
	if addr == "" {
		t.Skip("MURR_TEST_REDIS not set")
	}
	c := dialRaw(t, addr)
	rng := rand.New(rand.NewPCG(1, 2))
	num := func() string {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		switch rng.IntN(7) {
		case 0: // short decimal
			fmt.Fprintf(&b, "%d.%0*d", rng.IntN(1000), 1+rng.IntN(3), rng.IntN(1000))
		case 1: // long mantissa
			for i := 0; i < 1+rng.IntN(40); i++ {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
			b.WriteByte('.')
			for i := 0; i < 1+rng.IntN(40); i++ {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		case 2: // exponent
			fmt.Fprintf(&b, "%d.%de%d", 1+rng.IntN(9), rng.IntN(1000000), rng.IntN(80)-40)
		case 4: // near the long double limits
			fmt.Fprintf(&b, "%d.%de%d", 1+rng.IntN(9), rng.IntN(1000000), 4925+rng.IntN(10)-rng.IntN(2)*9870)
		case 5: // hexadecimal
			fmt.Fprintf(&b, "0x%x.%xp%d", rng.Uint64(), rng.IntN(4096), rng.IntN(200)-100)
		case 3: // float64 values
			b.WriteString(strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(30)-15)), 'g', -1, 64))
		default: // integers
			fmt.Fprintf(&b, "%d", rng.Int64N(1<<62))
		}
		return b.String()
	}
	for i := 0; i < 3000; i++ {
		cur, incr := num(), num()
		want := redisIncrbyfloat(c, cur, incr)
		a, ok1 := parseLongDouble([]byte(cur))
		b, ok2 := parseLongDouble([]byte(incr))
		got := "!"
		if ok1 && ok2 {
			if sum, ok := addLongDouble(a, b); ok {
				got = formatLongDouble(sum)
			} else {
				got = "inf"
			}
		}
		if got != want {
			t.Errorf("%s + %s = %s, Redis says %s", cur, incr, got, want)
		}
	}
}

// The long double limits, checked against values strtold gives.
func TestLongDoubleLimits(t *testing.T) {
	maxLD, ok := parseLongDouble([]byte("1.18973149535723176502e+4932"))
	if !ok {
		t.Fatal("largest long double refused")
	}
	if e := maxLD.MantExp(nil); e != ldMaxExp || maxLD.MinPrec() != 64 {
		t.Errorf("largest long double: exp %d, %d bits", e, maxLD.MinPrec())
	}
	if _, ok := addLongDouble(maxLD, maxLD); ok {
		t.Error("max+max did not overflow")
	}
	den, ok := parseLongDouble([]byte("0x1p-16445"))
	if !ok || den.MantExp(nil) != ldDenormBit+1 {
		t.Errorf("smallest denormal: %v %v", den, ok)
	}
	if _, ok := parseLongDouble([]byte("0x1p-16447")); ok {
		t.Error("value below half the smallest denormal accepted")
	}
	if v, ok := parseLongDouble([]byte("0x1.8p-16446")); !ok || v.MantExp(nil) != ldDenormBit+1 {
		t.Errorf("0x1.8p-16446 should round up to the smallest denormal: %v %v", v, ok)
	}
	if _, ok := parseLongDouble([]byte("0x1p-16446")); ok {
		t.Error("exactly half the smallest denormal should round to zero and be refused")
	}
	// Denormals keep fewer bits: 2^-16440 + 2^-16450 loses the small part.
	a, _ := parseLongDouble([]byte("0x1p-16440"))
	b := new(big.Float).SetMantExp(big.NewFloat(1), -16449)
	sum, ok := addLongDouble(a, b)
	if !ok || sum.Cmp(a) != 0 {
		t.Errorf("denormal sum kept bits below 2^-16445: %v", sum)
	}
}
