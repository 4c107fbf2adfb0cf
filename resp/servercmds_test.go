package resp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The expected replies below are redis-server 7.0.15's.

func TestServerCommandReplies(t *testing.T) {
	s := newTestServer(t)
	runScript(t, s.conn(), `
dbsize => :0\r\n
set a 1 => +OK\r\n
hset h f v => :1\r\n
dbsize => :2\r\n
dbsize x => -ERR wrong number of arguments for 'dbsize' command\r\n
flushdb x => -ERR syntax error\r\n
flushall async sync => -ERR syntax error\r\n
dbsize => :2\r\n
flushall ASYNC => +OK\r\n
dbsize => :0\r\n
flushdb sync => +OK\r\n
flushdb => +OK\r\n
time x => -ERR wrong number of arguments for 'time' command\r\n
role => *3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n
slowlog get => *0\r\n
slowlog get -1 => *0\r\n
slowlog get -2 => -ERR count should be greater than or equal to -1\r\n
slowlog get abc => -ERR count should be greater than or equal to -1\r\n
slowlog get 1 2 => -ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.\r\n
slowlog len => :0\r\n
slowlog reset => +OK\r\n
slowlog => -ERR wrong number of arguments for 'slowlog' command\r\n
slowlog foo => -ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n
`)
}

func TestTime(t *testing.T) {
	s := newTestServer(t)
	reply := s.conn().do("TIME")
	var sec, usec int64
	if _, err := fmt.Sscanf(reply, "*2\r\n$10\r\n%d\r\n$", &sec); err != nil {
		t.Fatalf("TIME: %q: %v", reply, err)
	}
	parts := strings.Split(reply, "\r\n")
	usec, _ = strconv.ParseInt(parts[4], 10, 64)
	if d := time.Since(time.Unix(sec, usec*1000)); d < 0 || d > 5*time.Second || usec >= 1e6 {
		t.Errorf("TIME %q is %v away from now", reply, d)
	}
}

func TestConfigReplies(t *testing.T) {
	s := newTestServer(t)
	runScript(t, s.conn(), `
config get maxmemory => *2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n
config get MAXmemory maxmemory => *2\r\n$9\r\nMAXmemory\r\n$1\r\n0\r\n
config get nosuch => *0\r\n
config get => -ERR wrong number of arguments for 'config|get' command\r\n
config get hash-max-listpack-v* => *2\r\n$23\r\nhash-max-listpack-value\r\n$2\r\n64\r\n
config set foo bar => -ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n
config set foo bar baz => -ERR syntax error\r\n
config set hz 5 maxmemory => -ERR syntax error\r\n
config set maxmemory 1gb => +OK\r\n
config get maxmemory => *2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n
config set maxmemory 1g => +OK\r\n
config get maxmemory => *2\r\n$9\r\nmaxmemory\r\n$10\r\n1000000000\r\n
config set maxmemory abc => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n
config set maxmemory -1 => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n
config set maxmemory 0 => +OK\r\n
config set HZ 5 Hz 6 => -ERR CONFIG SET failed (possibly related to argument 'Hz') - duplicate parameter\r\n
config set HZ abc => -ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n
config set Databases 5 => -ERR CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable config\r\n
config set hz 5 databases 3 foo bar => -ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n
config set hz 7 maxmemory abc => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n
# all or nothing
config get hz => *2\r\n$2\r\nhz\r\n$2\r\n10\r\n
config set maxclients 0 => -ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n
config set maxclients 1k => -ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n
config set appendonly maybe => -ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n
config set appendonly YES => +OK\r\n
config get appendonly => *2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n
config set maxmemory-policy foo => -ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n
config set maxmemory-policy ALLKEYS-LRU => +OK\r\n
config get maxmemory-policy => *2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n
config set save "100 1" => +OK\r\n
config get save => *2\r\n$4\r\nsave\r\n$5\r\n100 1\r\n
config set save "100" => -ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n
config set save "  100   1  " => -ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n
config set save "" => +OK\r\n
config get save => *2\r\n$4\r\nsave\r\n$0\r\n\r\n
config set hz 0 => +OK\r\n
config get hz => *2\r\n$2\r\nhz\r\n$1\r\n1\r\n
config set hz 1000 => +OK\r\n
config get hz => *2\r\n$2\r\nhz\r\n$3\r\n500\r\n
config set timeout -1 => -ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive\r\n
config set proto-max-bulk-len 1k => -ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n
config set hash-max-ziplist-entries 100 => +OK\r\n
config get hash-max-listpack-entries => *2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n100\r\n
config set notify-keyspace-events xyz => -ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n
config set notify-keyspace-events KEA => +OK\r\n
config get notify-keyspace-events => *2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n
config set io-threads 2 => -ERR CONFIG SET failed (possibly related to argument 'io-threads') - can't set immutable config\r\n
config set appendfsync foo => -ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no\r\n
# the engine's policy
config get appendfsync => *2\r\n$11\r\nappendfsync\r\n$2\r\nno\r\n
config rewrite => -ERR The server is running without a config file\r\n
config resetstat => +OK\r\n
config foo => -ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n
config => -ERR wrong number of arguments for 'config' command\r\n
config set maxmemory 0 foo bar => -ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n
`)
	c := s.conn()
	c.do("HELLO", "3")
	if got, want := c.do("CONFIG", "GET", "hz"), "%1\r\n$2\r\nhz\r\n$3\r\n500\r\n"; got != want {
		t.Errorf("RESP3 CONFIG GET: %q, want %q", got, want)
	}
}

func TestConfigSetRequirepassAppliesToNewAuth(t *testing.T) {
	s := newTestServer(t)
	admin := s.conn()
	if got := admin.do("CONFIG", "SET", "requirepass", "sekret"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	// The connection that set it stays authenticated, as in Redis.
	if got := admin.do("PING"); got != "+PONG\r\n" {
		t.Errorf("admin PING: %q", got)
	}
	c := s.conn()
	if got := c.do("PING"); got != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("PING before AUTH: %q", got)
	}
	if got := c.do("AUTH", "wrong"); !strings.HasPrefix(got, "-WRONGPASS") {
		t.Errorf("AUTH wrong: %q", got)
	}
	if got := c.do("AUTH", "sekret"); got != "+OK\r\n" {
		t.Errorf("AUTH: %q", got)
	}
	admin.do("CONFIG", "SET", "requirepass", "")
}

func TestCommandReplies(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	runScript(t, c, `
command info get => *1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n
command info nosuch get|x => *2\r\n$-1\r\n$-1\r\n
command info CONFIG|GET => *1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n
command docs dbsize => *2\r\n$6\r\ndbsize\r\n*8\r\n$7\r\nsummary\r\n$50\r\nReturn the number of keys in the selected database\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n
command docs nosuch => *0\r\n
command getkeys => -ERR wrong number of arguments for 'command|getkeys' command\r\n
command getkeys nosuch a => -ERR Invalid command specified\r\n
command getkeys get a b => -ERR Invalid number of arguments specified for command\r\n
command getkeys ping x x => -ERR The command has no key arguments\r\n
command getkeys config get x => -ERR The command has no key arguments\r\n
command getkeys mset a b c => *2\r\n$1\r\na\r\n$1\r\nc\r\n
command getkeys GET a => *1\r\n$1\r\na\r\n
command getkeysandflags mset a b c d => *2\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\nc\r\n*2\r\n+OW\r\n+update\r\n
command getkeysandflags set k v => *1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n
command list filterby module x => *0\r\n
command list filterby foo x => -ERR syntax error\r\n
command list foo => -ERR syntax error\r\n
command foo => -ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n
command count x => -ERR wrong number of arguments for 'command|count' command\r\n
`)
	// COMMAND lists every command once; COUNT agrees.
	n := len(s.srv.table.Commands())
	if got, want := c.do("COMMAND", "COUNT"), fmt.Sprintf(":%d\r\n", n); got != want {
		t.Errorf("COMMAND COUNT = %q, want %q", got, want)
	}
	if got := c.do("COMMAND"); !strings.HasPrefix(got, fmt.Sprintf("*%d\r\n*10\r\n", n)) {
		t.Errorf("COMMAND starts %q", got[:min(len(got), 40)])
	}
	list := c.do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "hash")
	for _, name := range []string{"hset", "hgetall", "hscan"} {
		if !strings.Contains(list, "\r\n"+name+"\r\n") {
			t.Errorf("COMMAND LIST FILTERBY ACLCAT hash lacks %s: %q", name, list)
		}
	}
	if strings.Contains(list, "\r\nget\r\n") {
		t.Errorf("COMMAND LIST FILTERBY ACLCAT hash has get")
	}
	if got := c.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|set*"); got != "*2\r\n$14\r\nclient|setinfo\r\n$14\r\nclient|setname\r\n" {
		t.Errorf("COMMAND LIST FILTERBY PATTERN: %q", got)
	}
	// Every command's docs parse as a map, in both protocols.
	for _, proto := range []string{"2", "3"} {
		c.do("HELLO", proto)
		if got := c.do("COMMAND", "DOCS"); !strings.HasPrefix(got, "*") && !strings.HasPrefix(got, "%") {
			t.Errorf("COMMAND DOCS (RESP%s) starts %q", proto, got[:20])
		}
	}
	c.do("HELLO", "3")
	runScript(t, c, `
command info get => *1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n
`)
	summary := s.srv.table.Lookup([]byte("echo")).Summary
	want := "%1\r\n$4\r\necho\r\n%5\r\n$7\r\nsummary\r\n$" + strconv.Itoa(len(summary)) + "\r\n" + summary + "\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n"
	if got := c.do("COMMAND", "DOCS", "echo"); got != want {
		t.Errorf("RESP3 COMMAND DOCS echo\n got %q\nwant %q", got, want)
	}
}

func TestParseArgSpec(t *testing.T) {
	args := parseArgSpec("key#key ?condition(@NX|@XX) ?get@GET ?EX=seconds#integer field_value{field value}... ?arg...")
	got := fmt.Sprintf("%+v", args)
	want := "[{name:key typ:key token: keySpecIndex:0 optional:false multiple:false multipleToken:false args:[]} " +
		"{name:condition typ:oneof token: keySpecIndex:0 optional:true multiple:false multipleToken:false args:[{name:nx typ:pure-token token:NX keySpecIndex:0 optional:false multiple:false multipleToken:false args:[]} {name:xx typ:pure-token token:XX keySpecIndex:0 optional:false multiple:false multipleToken:false args:[]}]} " +
		"{name:get typ:pure-token token:GET keySpecIndex:0 optional:true multiple:false multipleToken:false args:[]} " +
		"{name:seconds typ:integer token:EX keySpecIndex:0 optional:true multiple:false multipleToken:false args:[]} " +
		"{name:field_value typ:block token: keySpecIndex:0 optional:false multiple:true multipleToken:false args:[{name:field typ:string token: keySpecIndex:0 optional:false multiple:false multipleToken:false args:[]} {name:value typ:string token: keySpecIndex:0 optional:false multiple:false multipleToken:false args:[]}]} " +
		"{name:arg typ:string token: keySpecIndex:0 optional:true multiple:true multipleToken:false args:[]}]"
	if got != want {
		t.Errorf("parseArgSpec:\n got %s\nwant %s", got, want)
	}
	// Every table entry parses to something that round-trips its syntax.
	for name, m := range commandMeta {
		if strings.Count(m.args, "(") != strings.Count(m.args, ")") || strings.Count(m.args, "{") != strings.Count(m.args, "}") {
			t.Errorf("%s: unbalanced argument syntax %q", name, m.args)
		}
		for _, a := range parseArgSpec(m.args) {
			if a.name == "" {
				t.Errorf("%s: unnamed argument in %q", name, m.args)
			}
		}
	}
}

// Every registered command has metadata consistent with its registration.
func TestCommandMetaMatchesTable(t *testing.T) {
	s := newTestServer(t)
	check := func(c *Command) {
		m, ok := commandMeta[c.Name]
		if !ok {
			return
		}
		flags := " " + m.flags + " "
		if (c.Flags&FlagWrite != 0) != strings.Contains(flags, " write ") {
			t.Errorf("%s: FlagWrite %v but Redis flags %q", c.Name, c.Flags&FlagWrite != 0, m.flags)
		}
		if (c.Flags&FlagRead != 0) && !strings.Contains(flags, " readonly ") {
			t.Errorf("%s: FlagRead but Redis flags %q", c.Name, m.flags)
		}
		specs := keySpecsFor(c)
		if (c.FirstKey != 0) != (len(specs) > 0) {
			t.Errorf("%s: first key %d but %d key specs", c.Name, c.FirstKey, len(specs))
		}
	}
	for _, c := range s.srv.table.Commands() {
		check(c)
		for _, sub := range c.Subcommands {
			check(sub)
		}
	}
}
