package resp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Version is the Redis version the server reports and behaves as.
const Version = "7.0.15"

// Options configures a Server. Zero fields take the documented defaults.
type Options struct {
	// Limits bound what one client can make the server hold; see Limits.
	Limits Limits
	// RequirePass, if set, makes clients AUTH first. Default: none.
	RequirePass string
	// MaxClients bounds concurrent connections. Default 10000 (Redis's).
	MaxClients int
	// Logger receives connection-level events. Default slog.Default().
	Logger *slog.Logger
	// Info adds sections to INFO (e.g. the program's build and flags).
	Info func() map[string][][2]string
	// ReadOnly makes the server a read-only replica (a follower of the
	// bucket): every command that writes is refused with Redis's
	// READONLY error before it runs, and INFO reports role:slave.
	// Default false.
	ReadOnly bool
}

func (o Options) withDefaults() Options {
	if o.MaxClients == 0 {
		o.MaxClients = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server serves the Redis protocol over any number of listeners.
type Server struct {
	db    *engine.DB
	opts  Options
	table *Table
	start time.Time

	config  configStore
	tracker tracker

	mu        sync.Mutex
	clients   map[int64]*Client
	listeners map[net.Listener]struct{}
	closing   bool
	conns     sync.WaitGroup

	nextID atomic.Int64
	Stats  Stats
}

// Stats are server-wide counters for INFO and metrics.
type Stats struct {
	Connections atomic.Int64 // accepted since start
	Rejected    atomic.Int64 // refused over MaxClients
	Commands    atomic.Int64 // processed since start
	NetInput    atomic.Int64 // bytes read
	NetOutput   atomic.Int64 // bytes written
}

// NewServer returns a server over db with every command registered.
func NewServer(db *engine.DB, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		db:        db,
		opts:      opts,
		table:     NewTable(),
		start:     time.Now(),
		clients:   make(map[int64]*Client),
		listeners: make(map[net.Listener]struct{}),
	}
	s.config.init(opts)
	registerConnection(s.table)
	registerTransactions(s.table)
	registerStrings(s.table)
	registerKeys(s.table)
	registerHashes(s.table)
	registerTables(s.table)
	registerServerCommands(s.table)
	registerObject(s.table)
	return s
}

// DB returns the engine the server serves.
func (s *Server) DB() *engine.DB { return s.db }

// Table returns the command table.
func (s *Server) Table() *Table { return s.table }

// StartTime returns when the server was created.
func (s *Server) StartTime() time.Time { return s.start }

// Options returns the options the server runs with.
func (s *Server) Options() Options { return s.opts }

var errTooManyFiles = syscall.EMFILE

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("resp: server closed")

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	return s.acceptLoop(ln, s.serveConn)
}

// acceptLoop accepts connections on ln, running serve on each in its own
// goroutine, until the server is closing (ErrServerClosed) or Accept
// fails for good. Accept errors once closing are expected, not logged.
func (s *Server) acceptLoop(ln net.Listener, serve func(*Client)) error {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.opts.Logger.Warn("resp: accept", "err", err, "retry_in", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("resp: accept: %w", err)
		}
		backoff = 0
		s.accept(nc, serve)
	}
}

// accept registers a client for nc and starts serve on it, unless the
// server is closing or full.
func (s *Server) accept(nc net.Conn, serve func(*Client)) {
	s.Stats.Connections.Add(1)
	c := &Client{
		ID:            s.nextID.Add(1),
		Addr:          nc.RemoteAddr().String(),
		LAddr:         nc.LocalAddr().String(),
		Created:       time.Now(),
		conn:          nc,
		rd:            NewReader(nc, s.opts.Limits),
		w:             NewWriter(),
		authenticated: s.config.requirePass() == "",
	}
	c.rd.SetAuthenticated(c.authenticated)
	c.proto.Store(2)
	c.lastUse.Store(time.Now().UnixMilli())
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.clients) >= s.opts.MaxClients {
		s.mu.Unlock()
		s.Stats.Rejected.Add(1)
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	s.clients[c.ID] = c
	s.conns.Add(1)
	s.mu.Unlock()
	go serve(c)
}

// Clients returns the connected clients ordered by id.
func (s *Server) Clients() []*Client {
	s.mu.Lock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Shutdown stops accepting, lets every connection finish the commands it
// has read, then closes it; it returns when all are gone or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	for _, c := range s.clients {
		// Wakes a connection blocked in Read; one busy in a command
		// finishes it and its pipeline first.
		c.conn.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for _, c := range s.clients {
			c.conn.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}
