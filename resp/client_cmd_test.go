package resp

import (
	"strings"
	"testing"
)

// The expected replies are redis-server 7.0.15's (7.2's for SETINFO and
// NO-TOUCH, which 7.0 lacks).

func TestClientReplies(t *testing.T) {
	s := newTestServer(t)
	runScript(t, s.conn(), `
client id x => -ERR wrong number of arguments for 'client|id' command\r\n
client getname => $-1\r\n
client setname "a b" => -ERR Client names cannot contain spaces, newlines or special characters.\r\n
client setname "" => +OK\r\n
client getname => $-1\r\n
client setname foo => +OK\r\n
client getname => $3\r\nfoo\r\n
client setname => -ERR wrong number of arguments for 'client|setname' command\r\n
client getname x => -ERR wrong number of arguments for 'client|getname' command\r\n
client info x => -ERR wrong number of arguments for 'client|info' command\r\n
client list type foo => -ERR Unknown client type 'foo'\r\n
client list type master => $0\r\n\r\n
client list type replica => $0\r\n\r\n
client list type pubsub => $0\r\n\r\n
client list id 1 2 abc => -ERR Invalid client ID\r\n
client list id 99999 => $0\r\n\r\n
client list id -1 => $0\r\n\r\n
client list foo => -ERR syntax error\r\n
client list type => -ERR syntax error\r\n
client no-evict on => +OK\r\n
client no-evict OFF => +OK\r\n
client no-evict maybe => -ERR syntax error\r\n
client no-touch on => +OK\r\n
client no-touch x => -ERR syntax error\r\n
client setinfo lib-name redis-py => +OK\r\n
client setinfo LIB-VER 5.0.1 => +OK\r\n
client setinfo LIB-VER "1 2" => -ERR LIB-VER cannot contain spaces, newlines or special characters.\r\n
client setinfo foo x => -ERR Unrecognized option 'foo'\r\n
client setinfo lib-name => -ERR wrong number of arguments for 'client|setinfo' command\r\n
client kill 1.2.3.4:5 => -ERR No such client\r\n
client kill id 999999 => :0\r\n
client kill id abc => -ERR client-id should be greater than 0\r\n
client kill id 0 => -ERR client-id should be greater than 0\r\n
client kill foo bar => -ERR syntax error\r\n
client kill addr 1.2.3.4:5 => :0\r\n
client kill => -ERR wrong number of arguments for 'client|kill' command\r\n
client kill skipme yes => :0\r\n
client kill skipme maybe => -ERR syntax error\r\n
client kill a b c => -ERR syntax error\r\n
client kill type foo => -ERR Unknown client type 'foo'\r\n
client kill user nobody => -ERR No such user 'nobody'\r\n
client kill id 999999 type => -ERR syntax error\r\n
client kill id abc type => -ERR client-id should be greater than 0\r\n
client getredir => :-1\r\n
client foo => -ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n
client => -ERR wrong number of arguments for 'client' command\r\n
`)
}

func TestClientInfoAndList(t *testing.T) {
	s := newTestServer(t)
	a, b := s.conn(), s.conn()
	a.do("CLIENT", "SETNAME", "alpha")
	b.do("HELLO", "3")
	idA := strings.TrimSuffix(strings.TrimPrefix(a.do("CLIENT", "ID"), ":"), "\r\n")

	info := bulkBody(t, a.do("CLIENT", "INFO"))
	if !strings.HasSuffix(info, "\n") || strings.Count(info, "\n") != 1 {
		t.Fatalf("CLIENT INFO %q", info)
	}
	line := strings.TrimSuffix(info, "\n")
	if !clientLineRE.MatchString(line) {
		t.Errorf("CLIENT INFO line does not look like Redis's:\n%s", line)
	}
	for _, want := range []string{"id=" + idA + " ", " name=alpha ", " cmd=client|info ", " resp=2",
		" qbuf=26 qbuf-free=20448 argv-mem=10 "} {
		if !strings.Contains(line, want) {
			t.Errorf("CLIENT INFO lacks %q: %s", want, line)
		}
	}
	if got := b.do("CLIENT", "INFO"); !strings.HasPrefix(got, "=") || !strings.Contains(got, " resp=3\n") {
		t.Errorf("RESP3 CLIENT INFO: %q", got)
	}

	list := bulkBody(t, a.do("CLIENT", "LIST"))
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines: %q", len(lines), list)
	}
	for _, l := range lines {
		if !clientLineRE.MatchString(l) {
			t.Errorf("CLIENT LIST line does not look like Redis's:\n%s", l)
		}
	}
	if !strings.HasPrefix(lines[0], "id="+idA+" ") {
		t.Errorf("CLIENT LIST not ordered by id: %q", list)
	}
	if !strings.Contains(lines[1], " cmd=client|info ") {
		t.Errorf("other client's last command: %s", lines[1])
	}
	byID := bulkBody(t, a.do("CLIENT", "LIST", "ID", idA, "999", idA))
	if strings.Count(byID, "\n") != 2 || !strings.HasPrefix(byID, "id="+idA+" ") {
		t.Errorf("CLIENT LIST ID: %q", byID)
	}
	if n := strings.Count(bulkBody(t, a.do("CLIENT", "LIST", "TYPE", "NORMAL")), "\n"); n != 2 {
		t.Errorf("CLIENT LIST TYPE NORMAL: %d lines", n)
	}
}

func TestClientKill(t *testing.T) {
	s := newTestServer(t)
	admin := s.conn()
	victim := s.conn()
	id := strings.TrimSuffix(strings.TrimPrefix(victim.do("CLIENT", "ID"), ":"), "\r\n")
	if got := admin.do("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID: %q", got)
	}
	if !victim.closed() {
		t.Error("killed client still connected")
	}
	if list := bulkBody(t, admin.do("CLIENT", "LIST")); strings.Contains(list, "id="+id+" ") {
		t.Errorf("killed client still listed: %q", list)
	}

	// Old form, by address.
	victim = s.conn()
	victim.do("PING") // registered with the server
	addr := victim.nc.LocalAddr().String()
	if got := admin.do("CLIENT", "KILL", addr); got != "+OK\r\n" {
		t.Fatalf("CLIENT KILL addr: %q", got)
	}
	if !victim.closed() {
		t.Error("client killed by address still connected")
	}

	// New form, ADDR and LADDR filters.
	victim = s.conn()
	victim.do("PING")
	if got := admin.do("CLIENT", "KILL", "ADDR", victim.nc.LocalAddr().String(), "LADDR", s.addr); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ADDR LADDR: %q", got)
	}
	if !victim.closed() {
		t.Error("client killed by ADDR still connected")
	}

	// SKIPME no kills the caller after its reply.
	other := s.conn()
	other.do("PING")
	if got := admin.do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"); got != ":2\r\n" {
		t.Fatalf("CLIENT KILL SKIPME no: %q", got)
	}
	if !admin.closed() || !other.closed() {
		t.Error("clients survived CLIENT KILL TYPE normal SKIPME no")
	}

	// The old form can kill the caller too.
	self := s.conn()
	if got := self.do("CLIENT", "KILL", self.nc.LocalAddr().String()); got != "+OK\r\n" {
		t.Fatalf("CLIENT KILL own addr: %q", got)
	}
	if !self.closed() {
		t.Error("self-kill left the connection open")
	}
}

func TestClientSetinfoAndHelloName(t *testing.T) {
	s := newTestServer(t)
	c := s.conn()
	c.do("HELLO", "3", "SETNAME", "feast")
	c.do("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
	c.do("CLIENT", "SETINFO", "LIB-VER", "5.0.1")
	if got := c.do("CLIENT", "GETNAME"); got != "$5\r\nfeast\r\n" {
		t.Errorf("GETNAME after HELLO SETNAME: %q", got)
	}
	var cl *Client
	for _, x := range s.srv.Clients() {
		cl = x
	}
	if cl.LibName() != "redis-py" || cl.LibVer() != "5.0.1" {
		t.Errorf("lib %q %q", cl.LibName(), cl.LibVer())
	}
	c.do("CLIENT", "SETINFO", "LIB-VER", "")
	if cl.LibVer() != "" {
		t.Errorf("empty LIB-VER kept %q", cl.LibVer())
	}
	if got := c.do("CLIENT", "HELP"); !strings.HasPrefix(got, "*") || !strings.Contains(got, "+SETINFO <option> <value>\r\n") {
		t.Errorf("CLIENT HELP: %q", got[:min(len(got), 80)])
	}
}

func TestRespLen(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"client", "list"}, 26},
		{[]string{"get", strings.Repeat("k", 10)}, len("*2\r\n$3\r\nget\r\n$10\r\nkkkkkkkkkk\r\n")},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		if got := respLen(args); got != tc.want {
			t.Errorf("respLen(%q) = %d, want %d", tc.args, got, tc.want)
		}
	}
}
