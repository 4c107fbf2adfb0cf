package resp

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// infoFields parses INFO text into its sections' titles and fields,
// checking Redis's layout: CRLF line ends, a blank line between sections.
func infoFields(t *testing.T, body string) ([]string, map[string]string) {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Fatalf("INFO has a bare LF: %q", body)
	}
	if body != "" && !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("INFO does not end in CRLF: %q", body)
	}
	var titles []string
	fields := map[string]string{}
	for i, sec := range strings.Split(body, "\r\n\r\n") {
		if sec == "" {
			continue
		}
		lines := strings.Split(strings.TrimSuffix(sec, "\r\n"), "\r\n")
		if !strings.HasPrefix(lines[0], "# ") {
			t.Fatalf("section %d starts %q", i, lines[0])
		}
		titles = append(titles, lines[0][2:])
		for _, l := range lines[1:] {
			k, v, ok := strings.Cut(l, ":")
			if !ok {
				t.Fatalf("INFO line without ':': %q", l)
			}
			fields[k] = v
		}
	}
	return titles, fields
}

func TestInfoSections(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	titles, f := infoFields(t, bulkBody(t, c.do("INFO")))
	want := "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace Murr"
	if got := strings.Join(titles, " "); got != want {
		t.Errorf("INFO sections %q, want %q", got, want)
	}
	for k, v := range map[string]string{
		"redis_version": "7.0.15", "redis_mode": "standalone", "arch_bits": strconv.Itoa(strconv.IntSize),
		"loading": "0", "role": "master", "connected_slaves": "0", "aof_enabled": "0",
		"rdb_changes_since_last_save": "0", "cluster_enabled": "0", "fsync_policy": "no",
		"tcp_port": strconv.Itoa(s.srv.tcpPort()), "connected_clients": "1", "maxmemory": "0",
		"maxmemory_human": "0B", "expired_keys": "0",
	} {
		if f[k] != v {
			t.Errorf("INFO %s = %q, want %q", k, f[k], v)
		}
	}
	for _, k := range []string{"os", "process_id", "uptime_in_seconds", "used_memory", "used_memory_human",
		"used_memory_rss", "total_connections_received", "total_commands_processed", "keyspace_hits",
		"keyspace_misses", "disk_bytes", "block_cache_bytes", "run_id", "used_cpu_sys"} {
		if _, ok := f[k]; !ok {
			t.Errorf("INFO lacks %s", k)
		}
	}
	if n, err := strconv.ParseUint(f["used_memory"], 10, 64); err != nil || n == 0 {
		t.Errorf("used_memory %q", f["used_memory"])
	}
	if _, ok := f["db0"]; ok {
		t.Errorf("empty keyspace shows db0")
	}
	if len(f["run_id"]) != 40 {
		t.Errorf("run_id %q", f["run_id"])
	}

	c.do("SET", "a", "1")
	c.do("SET", "b", "1", "EX", "100")
	c.do("HSET", "h", "f", "v")
	if got := c.do("INFO", "keyspace"); got != "$44\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n\r\n" {
		t.Errorf("INFO keyspace: %q", got)
	}
	runScript(t, c, `
info foo => $0\r\n\r\n
info cluster keyspace => $76\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n\r\n
info CLUSTER cluster => $30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n
info modules => $11\r\n# Modules\r\n\r\n
info module_list => $11\r\n# Modules\r\n\r\n
`)
	for _, arg := range []string{"all", "everything"} {
		titles, _ := infoFields(t, bulkBody(t, c.do("INFO", arg)))
		want := "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace Murr"
		if got := strings.Join(titles, " "); got != want {
			t.Errorf("INFO %s sections %q", arg, got)
		}
	}
	titles, _ = infoFields(t, bulkBody(t, c.do("INFO", "default", "commandstats")))
	if len(titles) != 13 || titles[8] != "Commandstats" {
		t.Errorf("INFO default commandstats: %v", titles)
	}
	c.do("HELLO", "3")
	if got := c.do("INFO", "cluster"); got != "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("RESP3 INFO: %q", got)
	}
}

func TestInfoExtraSections(t *testing.T) {
	db, err := engine.Open(engine.Options{Dir: t.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServer(db, Options{Info: func() map[string][][2]string {
		return map[string][][2]string{"build": {{"version", "v1.2.3"}, {"commit", "abc"}}}
	}})
	got := s.infoString([][]byte{[]byte("build")})
	if got != "# Build\r\nversion:v1.2.3\r\ncommit:abc\r\n" {
		t.Errorf("INFO build: %q", got)
	}
	if !strings.Contains(s.infoString(nil), "\r\n\r\n# Build\r\nversion:v1.2.3\r\n") {
		t.Errorf("default INFO lacks the build section")
	}
}

func TestBytesToHuman(t *testing.T) {
	for n, want := range map[uint64]string{0: "0B", 1023: "1023B", 1024: "1.00K", 1064984: "1.02M",
		25276026880: "23.54G", 1 << 40: "1.00T", 1 << 50: "1.00P"} {
		if got := bytesToHuman(n); got != want {
			t.Errorf("bytesToHuman(%d) = %q, want %q", n, got, want)
		}
	}
}

// INFO and CLIENT LIST run inside EXEC, under the engine's write lock,
// without taking engine locks themselves.
func TestInfoInsideExec(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	c.do("MULTI")
	c.do("SET", "k", "v")
	c.do("INFO", "keyspace")
	c.do("CLIENT", "LIST")
	c.do("DBSIZE")
	done := make(chan string, 1)
	go func() { done <- c.do("EXEC") }()
	select {
	case got := <-done:
		if !strings.HasPrefix(got, "*4\r\n+OK\r\n$") || !strings.HasSuffix(got, ":1\r\n") {
			t.Errorf("EXEC: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("EXEC with INFO hung")
	}
}

// INFO, CLIENT LIST and CLIENT KILL from several connections while
// others run commands and come and go: run with -race.
func TestInfoAndClientListConcurrently(t *testing.T) {
	s := newTestServer(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				nc, err := net.Dial("tcp", s.addr)
				if err != nil {
					return
				}
				fmt.Fprintf(nc, "HELLO 3 SETNAME w%d\r\nHSET h%d f %d\r\nCLIENT SETINFO LIB-NAME x\r\nQUIT\r\n", i, i, j)
				buf := make([]byte, 4096)
				nc.SetReadDeadline(time.Now().Add(time.Second))
				for {
					if _, err := nc.Read(buf); err != nil {
						break
					}
				}
				nc.Close()
			}
		}(i)
	}
	c := s.conn()
	for i := 0; i < 50; i++ {
		bulkBody(t, c.do("INFO", "everything"))
		list := bulkBody(t, c.do("CLIENT", "LIST"))
		if !strings.Contains(list, "cmd=client|list") {
			t.Fatalf("CLIENT LIST lacks the caller: %q", list)
		}
		c.do("CLIENT", "KILL", "TYPE", "normal")
	}
	close(stop)
	wg.Wait()
}

func TestResetstat(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	c.do("PING")
	_, f := infoFields(t, bulkBody(t, c.do("INFO", "stats")))
	if n, _ := strconv.Atoi(f["total_commands_processed"]); n < 2 {
		t.Errorf("total_commands_processed = %s", f["total_commands_processed"])
	}
	c.do("CONFIG", "RESETSTAT")
	_, f = infoFields(t, bulkBody(t, c.do("INFO", "stats")))
	if f["total_commands_processed"] != "1" || f["total_connections_received"] != "0" {
		t.Errorf("after RESETSTAT: commands %s, connections %s", f["total_commands_processed"], f["total_connections_received"])
	}
}

var clientLineRE = regexp.MustCompile(`^id=\d+ addr=\S+ laddr=\S+ fd=-?\d+ name=\S* age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=\S+ user=default redir=-1 resp=[23]$`)

func TestShutdownWithInfoClient(t *testing.T) {
	// A server whose clients only ran INFO shuts down promptly.
	db, err := engine.Open(engine.Options{Dir: t.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServer(db, Options{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	nc, _ := net.Dial("tcp", ln.Addr().String())
	defer nc.Close()
	fmt.Fprintf(nc, "INFO\r\n")
	buf := make([]byte, 1<<16)
	nc.Read(buf)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestInfoHotTier: the hot tier's counters move as GETs hit and miss.
func TestInfoHotTier(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	c.do("SET", "k", "v")
	_, before := infoFields(t, bulkBody(t, c.do("INFO", "murr")))
	c.do("GET", "k")       // hit: the SET wrote through
	c.do("GET", "k")       // hit
	c.do("GET", "missing") // miss
	_, after := infoFields(t, bulkBody(t, c.do("INFO", "murr")))
	n := func(f map[string]string, k string) int64 {
		v, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			t.Fatalf("INFO %s = %q", k, f[k])
		}
		return v
	}
	if d := n(after, "hot_hits") - n(before, "hot_hits"); d != 2 {
		t.Errorf("hot_hits grew by %d, want 2", d)
	}
	if d := n(after, "hot_misses") - n(before, "hot_misses"); d != 1 {
		t.Errorf("hot_misses grew by %d, want 1", d)
	}
	if n(after, "hot_entries") != 1 || n(after, "hot_max_bytes") <= 0 || after["hot_hit_ratio"] == "" {
		t.Errorf("INFO murr hot fields: %v", after)
	}
	for _, k := range []string{"hot_bytes", "hot_admissions", "hot_rejections", "hot_evictions"} {
		n(after, k)
	}
}
