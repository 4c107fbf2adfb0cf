package resp

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

const readonlyReply = "-READONLY You can't write against a read only replica.\r\n"

// seedReplica writes a string, a hash and an empty table into a new data
// directory through a writable server and returns the directory, for a
// replica to open.
func seedReplica(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := engine.Open(engine.Options{Dir: dir, Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, stop := serveTest(t, db, Options{}, ln)
	runScript(t, s.conn(), `
		SET k v => +OK\r\n
		HSET h f1 v1 => :1\r\n
		MURR.CREATE t COLUMNS x int64 => +OK\r\n
	`)
	stop()
	return dir
}

// The reads a replica serves, and the state the refused writes must leave.
const replicaReads = `
	GET k => $1\r\nv\r\n
	MGET k nokey => *2\r\n$1\r\nv\r\n$-1\r\n
	HGETALL h => *2\r\n$2\r\nf1\r\n$2\r\nv1\r\n
	DBSIZE => :2\r\n
	TTL k => :-1\r\n
	MURR.TABLES => *1\r\n$1\r\nt\r\n
	MURR.READ t FORMAT RESP KEYS a => *1\r\n$-1\r\n
	PING => +PONG\r\n
`

// The writes a replica refuses: FlagWrite commands and the table writes.
var replicaWrites = []string{
	"SET k other", "SET new 1", "HSET h f1 x", "DEL k", "FLUSHALL", "FLUSHDB", "EXPIRE k 10",
	"INCR n", "RENAME k k2", "MURR.CREATE t2 COLUMNS x int64", "MURR.DROP t", "MURR.WRITE t notarrow",
	"MURR.DEL t a",
}

func TestReadOnlyReplica(t *testing.T) {
	s := newTestServerWith(t, engine.Options{Dir: seedReplica(t), Replica: true}, Options{ReadOnly: true})
	c := s.conn()
	runScript(t, c, replicaReads)
	for _, line := range replicaWrites {
		if got := c.do(strings.Fields(line)...); got != readonlyReply {
			t.Errorf("%s: got %q", line, got)
		}
	}
	runScript(t, c, replicaReads)
	runScript(t, c, `
		# Redis queues nothing and aborts the transaction.
		MULTI => +OK\r\n
		GET k => +QUEUED\r\n
		SET k x => -READONLY You can't write against a read only replica.\r\n
		EXEC => -EXECABORT Transaction discarded because of previous errors.\r\n
		# A transaction of reads runs.
		MULTI => +OK\r\n
		GET k => +QUEUED\r\n
		EXEC => *1\r\n$1\r\nv\r\n
		WATCH k => +OK\r\n
		UNWATCH => +OK\r\n
		CLIENT SETNAME follower => +OK\r\n
		CONFIG SET maxmemory-policy allkeys-lru => +OK\r\n
	`)
	// A pipeline mixing reads and writes: the reads answer, each write
	// is refused, in order.
	for i, want := range []string{"$1\r\nv\r\n", readonlyReply, "$1\r\nv\r\n"} {
		args := [][]string{{"GET", "k"}, {"SET", "k", "y"}, {"GET", "k"}}[i]
		if got := c.do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	info := bulkBody(t, c.do("INFO", "replication"))
	if !strings.Contains(info, "\r\nrole:slave\r\n") {
		t.Errorf("INFO replication of a replica:\n%s", info)
	}
	if hello := c.do("HELLO", "3"); !strings.Contains(hello, "$4\r\nrole\r\n$7\r\nreplica\r\n") {
		t.Errorf("HELLO of a replica: %q", hello)
	}
	if d := c.do("MURR.DESCRIBE", "t"); !strings.HasPrefix(d, "%6\r\n") {
		t.Errorf("MURR.DESCRIBE: %q", d)
	}
}

// TestReadOnlyPipelined sends writes and reads in one pipeline, so they
// reach the dispatcher together (the grouping path).
func TestReadOnlyPipelined(t *testing.T) {
	s := newTestServerWith(t, engine.Options{Dir: seedReplica(t), Replica: true}, Options{ReadOnly: true})
	c := s.conn()
	req := "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nx\r\n" +
		"*3\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"$1\r\nv\r\n", readonlyReply, "-ERR wrong number of arguments for 'hset' command\r\n", "$1\r\nv\r\n"} {
		got, err := readReply(c.r)
		if err != nil || got != want {
			t.Errorf("reply %d: got %q, %v; want %q", i, got, err, want)
		}
	}
}

// TestReplicaEngineError: a server not told it is read-only, over an
// engine opened as a replica, still answers writes with READONLY.
func TestReplicaEngineError(t *testing.T) {
	s := newTestServerWith(t, engine.Options{Dir: seedReplica(t), Replica: true}, Options{})
	c := s.conn()
	for _, line := range []string{"SET k other", "HSET h f1 x", "DEL k", "FLUSHALL", "EXPIRE k 10",
		"MURR.CREATE t2 COLUMNS x int64", "MURR.DROP t", "MURR.DEL t a"} {
		if got := c.do(strings.Fields(line)...); got != readonlyReply {
			t.Errorf("%s: got %q", line, got)
		}
	}
	runScript(t, c, replicaReads)
	if info := bulkBody(t, c.do("INFO", "replication")); !strings.Contains(info, "\r\nrole:master\r\n") {
		t.Errorf("INFO replication without ReadOnly:\n%s", info)
	}
}

// TestWriteFlagsMatchRedis: the commands refused on a replica are exactly
// those COMMAND INFO calls "write", as Redis's own table does.
func TestWriteFlagsMatchRedis(t *testing.T) {
	var check func(c *Command)
	check = func(c *Command) {
		for _, sub := range c.Subcommands {
			check(sub)
		}
		if c.Handler == nil {
			return
		}
		redisWrite := strings.Contains(" "+commandMetaFor(c).flags+" ", " write ")
		if redisWrite != c.writes() {
			t.Errorf("%s: write flag %v in COMMAND INFO, refused on a replica: %v", c.Name, redisWrite, c.writes())
		}
	}
	for _, c := range NewServer(nil, Options{}).Table().Commands() {
		check(c)
	}
}
