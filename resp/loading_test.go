package resp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/redis/go-redis/v9"
)

const loadingReply = "-LOADING Redis is loading the dataset in memory\r\n"

// startLoading serves a LoadingServer on a new loopback listener; the
// test's cleanup hands it off (closing nothing but its connections) and
// checks that Serve returned ErrHandedOff.
func startLoading(t *testing.T, opts LoadingOptions) (*LoadingServer, net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ls := NewLoadingServer(opts)
	served := make(chan error, 1)
	go func() { served <- ls.Serve(ln) }()
	t.Cleanup(func() {
		ls.Handoff()
		if err := <-served; !errors.Is(err, ErrHandedOff) {
			t.Errorf("Serve after Handoff: %v", err)
		}
	})
	return ls, ln
}

func TestLoadingServer(t *testing.T) {
	var loaded atomic.Int64
	loaded.Store(250)
	_, ln := startLoading(t, LoadingOptions{Progress: func() LoadingProgress {
		return LoadingProgress{LoadedBytes: loaded.Load(), TotalBytes: 1000}
	}})
	c := dialRaw(t, ln.Addr().String())
	runScript(t, c, `
		PING => -LOADING Redis is loading the dataset in memory\r\n
		GET k => -LOADING Redis is loading the dataset in memory\r\n
		SET k v => -LOADING Redis is loading the dataset in memory\r\n
		MURR.READ t KEYS a => -LOADING Redis is loading the dataset in memory\r\n
		DBSIZE => -LOADING Redis is loading the dataset in memory\r\n
		MULTI => -LOADING Redis is loading the dataset in memory\r\n
		EXEC => -LOADING Redis is loading the dataset in memory\r\n
		# The usual checks come first, as in Redis.
		NOSUCH a => -ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n
		GET => -ERR wrong number of arguments for 'get' command\r\n
		CLIENT NOSUCH => -ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n
		# What works without data.
		SELECT 0 => +OK\r\n
		SELECT 1 => -ERR DB index is out of range\r\n
		CLIENT SETNAME loader => +OK\r\n
		CLIENT GETNAME => $6\r\nloader\r\n
		CLIENT SETINFO LIB-NAME test => +OK\r\n
		CLIENT ID =~ :\d+\r\n
		COMMAND COUNT =~ :\d+\r\n
		TIME =~ \*2\r\n\$10\r\n\d+\r\n\$\d+\r\n\d+\r\n
		AUTH pw => -ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n
		HELLO 3 =~ (?s)%7\r\n.*\$5\r\nproto\r\n:3\r\n.*
		PING => -LOADING Redis is loading the dataset in memory\r\n
		RESET => +RESET\r\n
	`)
	info := bulkBody(t, c.do("INFO"))
	for _, want := range []string{"# Server\r\n", "redis_version:" + Version + "\r\n", "# Persistence\r\nloading:1\r\n",
		"loading_total_bytes:1000\r\n", "loading_loaded_bytes:250\r\n", "loading_loaded_perc:25.00\r\n",
		"connected_clients:1\r\n", "tcp_port:" + portOf(ln) + "\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q:\n%s", want, info)
		}
	}
	loaded.Store(1000)
	if info := bulkBody(t, c.do("INFO", "persistence")); !strings.HasPrefix(info, "# Persistence\r\nloading:1\r\n") ||
		!strings.Contains(info, "loading_loaded_perc:100.00\r\n") || strings.Contains(info, "# Server") {
		t.Errorf("INFO persistence:\n%s", info)
	}
	if got := c.do("QUIT"); got != "+OK\r\n" || !c.closed() {
		t.Errorf("QUIT: %q, then the connection should close", got)
	}
}

func portOf(ln net.Listener) string {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestLoadingFollowerRole(t *testing.T) {
	_, ln := startLoading(t, LoadingOptions{ReadOnly: true})
	c := dialRaw(t, ln.Addr().String())
	if info := bulkBody(t, c.do("INFO")); !strings.Contains(info, "\r\nrole:slave\r\n") || !strings.Contains(info, "\r\nloading:1\r\n") {
		t.Errorf("INFO of a loading follower:\n%s", info)
	}
	// Redis checks for a read-only replica before it checks for loading.
	if got := c.do("SET", "k", "v"); got != readonlyReply {
		t.Errorf("SET on a loading follower: %q", got)
	}
	if got := c.do("GET", "k"); got != loadingReply {
		t.Errorf("GET on a loading follower: %q", got)
	}
}

func TestLoadingServerAuth(t *testing.T) {
	_, ln := startLoading(t, LoadingOptions{RequirePass: "secret"})
	c := dialRaw(t, ln.Addr().String())
	runScript(t, c, `
		PING => -NOAUTH Authentication required.\r\n
		INFO => -NOAUTH Authentication required.\r\n
		AUTH wrong => -WRONGPASS invalid username-password pair or user is disabled.\r\n
		HELLO 3 AUTH default wrong => -WRONGPASS invalid username-password pair or user is disabled.\r\n
		AUTH secret => +OK\r\n
		PING => -LOADING Redis is loading the dataset in memory\r\n
		RESET => +RESET\r\n
		PING => -NOAUTH Authentication required.\r\n
		HELLO 2 AUTH default secret =~ (?s)\*14\r\n.*
		PING => -LOADING Redis is loading the dataset in memory\r\n
	`)
}

// TestLoadingServerProtocolError: malformed input is answered as the real
// server answers it, and the connection closed.
func TestLoadingServerProtocolError(t *testing.T) {
	_, ln := startLoading(t, LoadingOptions{})
	for _, tc := range []struct{ in, want string }{
		{"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n"},
		{"PING \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	} {
		c := dialRaw(t, ln.Addr().String())
		c.nc.Write([]byte(tc.in))
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := readReply(c.r); got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !c.closed() {
			t.Errorf("%q: connection left open", tc.in)
		}
	}
	// Inline commands work as in Redis.
	c := dialRaw(t, ln.Addr().String())
	c.nc.Write([]byte("PING\r\n"))
	if got, _ := readReply(c.r); got != loadingReply {
		t.Errorf("inline PING: %q", got)
	}
}

// TestLoadingHandoff hands the listener over to a real Server while
// clients keep dialing: no dial fails, connections from the loading
// phase are closed, and new ones reach the real server.
func TestLoadingHandoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var logged bytes.Buffer // written only by ls's goroutines, read after Handoff
	ls := NewLoadingServer(LoadingOptions{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	served := make(chan error, 1)
	go func() { served <- ls.Serve(ln) }()

	old := dialRaw(t, addr)
	if got := old.do("PING"); got != loadingReply {
		t.Fatalf("PING while loading: %q", got)
	}

	var stopping atomic.Bool
	var wg sync.WaitGroup
	var dials, failures atomic.Int64
	for range 4 {
		wg.Go(func() {
			for !stopping.Load() {
				nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
				dials.Add(1)
				if err != nil {
					failures.Add(1)
					t.Errorf("dial during handoff: %v", err)
					return
				}
				nc.Close()
				time.Sleep(200 * time.Microsecond)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	ls.Handoff()
	if err := <-served; !errors.Is(err, ErrHandedOff) {
		t.Errorf("Serve after Handoff: %v", err)
	}
	// Connections arriving now wait in the backlog until the real server
	// accepts them.
	time.Sleep(20 * time.Millisecond)
	db, err := engine.Open(engine.Options{Dir: t.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	startTestServer(t, db, Options{}, ln)
	time.Sleep(20 * time.Millisecond)
	stopping.Store(true)
	wg.Wait()
	if dials.Load() < 10 || failures.Load() > 0 {
		t.Errorf("%d dials, %d failed", dials.Load(), failures.Load())
	}
	t.Logf("%d dials", dials.Load())
	if logged.Len() > 0 {
		t.Errorf("the handoff logged:\n%s", logged.String())
	}

	if !old.closed() {
		t.Error("a connection from the loading phase is still open")
	}
	if got := dialRaw(t, addr).do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING after handoff: %q", got)
	}
	ls.Handoff() // a second call must leave the real server's listener alone
	if got := dialRaw(t, addr).do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING after a second Handoff: %q", got)
	}
	if err := ls.Serve(ln); !errors.Is(err, ErrHandedOff) {
		t.Errorf("Serve after Handoff: %v", err)
	}
}

// TestLoadingHandoffUnix: the same over a unix socket, and with no
// Accept in flight (Handoff before anyone connects).
func TestLoadingHandoffUnix(t *testing.T) {
	ln, err := net.Listen("unix", t.TempDir()+"/murr.sock")
	if err != nil {
		t.Fatal(err)
	}
	ls := NewLoadingServer(LoadingOptions{})
	served := make(chan error, 1)
	go func() { served <- ls.Serve(ln) }()
	time.Sleep(5 * time.Millisecond)
	ls.Handoff()
	if err := <-served; !errors.Is(err, ErrHandedOff) {
		t.Errorf("Serve after Handoff: %v", err)
	}
	db, err := engine.Open(engine.Options{Dir: t.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	startTestServer(t, db, Options{}, ln)
	nc, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
	if got := c.do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING after handoff: %q", got)
	}
}

// A listener that cannot take a deadline cannot be handed off intact.
func TestLoadingServeNeedsDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ls := NewLoadingServer(LoadingOptions{})
	if err := ls.Serve(struct{ net.Listener }{ln}); err == nil || errors.Is(err, ErrHandedOff) {
		t.Errorf("Serve of a listener without SetDeadline: %v", err)
	}
	ls.Handoff()
}

// TestLoadingGoRedis: a real client sees LOADING as an error (after its
// own retries), connects fine (HELLO 3, CLIENT SETINFO), and the same
// client works once the real server has taken over.
func TestLoadingGoRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ls := NewLoadingServer(LoadingOptions{})
	go ls.Serve(ln)
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: 2,
		MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING ") {
		t.Errorf("PING while loading: %v", err)
	}
	if err := rdb.Get(ctx, "k").Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING ") {
		t.Errorf("GET while loading: %v", err)
	}
	info, err := rdb.Info(ctx, "persistence").Result()
	if err != nil || !strings.Contains(info, "loading:1") {
		t.Errorf("INFO while loading: %v %q", err, info)
	}
	ls.Handoff()
	db, err := engine.Open(engine.Options{Dir: t.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		t.Fatal(err)
	}
	startTestServer(t, db, Options{}, ln)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Errorf("SET after handoff: %v", err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Errorf("GET after handoff: %q, %v", v, err)
	}
}
