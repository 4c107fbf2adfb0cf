package resp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
)

// ErrLoading is the reply to a command a node cannot serve while it
// loads its data, as Redis answers while it loads a dataset.
const ErrLoading Error = "LOADING Redis is loading the dataset in memory"

// ErrHandedOff is returned by LoadingServer.Serve after Handoff.
var ErrHandedOff = errors.New("resp: loading server handed off")

// LoadingOptions configures a LoadingServer. Zero fields take the
// documented defaults, which are Options' defaults.
type LoadingOptions struct {
	// Limits bound what one client can make the server hold; see Limits.
	Limits Limits
	// RequirePass, if set, makes clients AUTH first. Default: none.
	RequirePass string
	// MaxClients bounds concurrent connections. Default 10000.
	MaxClients int
	// Logger receives connection-level events. Default slog.Default().
	Logger *slog.Logger
	// Progress, if set, reports how far loading has got, for INFO's
	// loading_* fields. Called from connection goroutines: it must be
	// safe for concurrent use. Default: nothing known (all zero).
	Progress func() LoadingProgress
	// Info adds sections to INFO, as Options.Info does.
	Info func() map[string][][2]string
	// ReadOnly says the node will be a read-only replica: INFO and HELLO
	// report its role as the Server with Options.ReadOnly will, and
	// writes get READONLY rather than LOADING, as Redis checks for a
	// read-only replica first. Default false.
	ReadOnly bool
}

// LoadingProgress is how much of the data a loading node has.
type LoadingProgress struct {
	LoadedBytes int64 // loaded so far
	TotalBytes  int64 // to load in all; 0 while not known
}

// LoadingServer answers the Redis protocol while a node restores its data
// (from the bucket) and has no engine DB yet: connection commands work,
// INFO says loading:1, and every other command gets Redis's LOADING
// error, which Redis clients treat as "retry later". Handoff then makes
// way for the real Server on the same listeners.
//
// It serves the connection commands Redis also allows while loading and
// that need no data: HELLO, AUTH, QUIT, RESET, SELECT, CLIENT
// ID|SETNAME|GETNAME|SETINFO|INFO|LIST, COMMAND [...], INFO and TIME.
// MULTI is refused too, so no transaction is ever queued.
type LoadingServer struct {
	// srv is a Server without a DB: only its command table, config,
	// client registry and reply helpers are used, and only by commands
	// in handlers, none of which touches the DB.
	srv      *Server
	opts     LoadingOptions
	handlers map[string]Handler // command (or "container|sub") → handler
	sections []infoSection
	serving  sync.WaitGroup // Serve loops; Add only under srv.mu while not handed off
	handoff  sync.Once
}

// NewLoadingServer returns a LoadingServer; call Serve for each listener.
func NewLoadingServer(opts LoadingOptions) *LoadingServer {
	ls := &LoadingServer{
		opts: opts,
		srv: NewServer(nil, Options{Limits: opts.Limits, RequirePass: opts.RequirePass,
			MaxClients: opts.MaxClients, Logger: opts.Logger, Info: opts.Info, ReadOnly: opts.ReadOnly}),
	}
	ls.handlers = map[string]Handler{
		"hello": cmdHello, "auth": cmdAuth, "quit": cmdQuit, "reset": cmdReset, "select": cmdSelect,
		"client|id": cmdClientID, "client|setname": cmdClientSetname, "client|getname": cmdClientGetname,
		"client|setinfo": cmdClientSetinfo, "client|info": cmdClientInfo, "client|list": cmdClientList,
		"command": cmdCommand, "command|count": cmdCommandCount, "command|info": cmdCommandInfo,
		"command|docs": cmdCommandDocs, "command|list": cmdCommandList, "command|help": cmdCommandHelp,
		"time": cmdTime, "info": ls.cmdInfo,
	}
	// INFO's sections that need no DB; Stats and the engine's are left
	// out, and Keyspace is empty, as Redis's is before keys are loaded.
	for _, sec := range infoSections {
		switch sec.name {
		case "persistence":
			sec.gen = func(s *Server, b *infoBuilder) { persistenceSection(s, b, ls.progressFields()) }
		case "keyspace":
			sec.gen = nil
		case "stats", "murr":
			continue
		}
		ls.sections = append(ls.sections, sec)
	}
	return ls
}

// deadliner is a listener whose blocked Accept a deadline can end.
type deadliner interface{ SetDeadline(time.Time) error }

// Serve accepts connections on ln and answers them until Handoff, then
// returns ErrHandedOff and leaves ln open for the real Server. ln must
// support SetDeadline (*net.TCPListener and *net.UnixListener do), the
// only way to stop a blocked Accept without closing the listener.
func (ls *LoadingServer) Serve(ln net.Listener) error {
	if _, ok := ln.(deadliner); !ok {
		return fmt.Errorf("resp: loading server needs a listener with SetDeadline, got %T", ln)
	}
	s := ls.srv
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrHandedOff
	}
	s.listeners[ln] = struct{}{}
	ls.serving.Add(1)
	s.mu.Unlock()
	defer ls.serving.Done()
	err := s.acceptLoop(ln, ls.serveConn)
	if errors.Is(err, ErrServerClosed) {
		return ErrHandedOff
	}
	return err
}

// Handoff stops accepting on every listener without closing them (new
// connections wait in the listen backlog for the next Serve), closes the
// connections opened while loading, and returns once every goroutine of
// the LoadingServer is done; only then may the real Server Serve the same
// listeners. Clients reconnect; Redis clients already retry on LOADING. Calling it again does nothing: above all, it never
// touches the listeners again, which the real Server may be serving.
func (ls *LoadingServer) Handoff() { ls.handoff.Do(ls.handOff) }

func (ls *LoadingServer) handOff() {
	s := ls.srv
	s.mu.Lock()
	s.closing = true
	lns := make([]deadliner, 0, len(s.listeners))
	for ln := range s.listeners {
		lns = append(lns, ln.(deadliner))
	}
	s.mu.Unlock()
	// A deadline in the past ends a blocked Accept at once; the loop
	// then sees closing and returns quietly. It is cleared only after
	// every loop has returned, so none can block again.
	for _, ln := range lns {
		ln.SetDeadline(time.Unix(1, 0))
	}
	ls.serving.Wait()
	for _, ln := range lns {
		ln.SetDeadline(time.Time{})
	}
	s.mu.Lock()
	for _, c := range s.clients {
		c.conn.Close()
	}
	s.mu.Unlock()
	s.conns.Wait()
}

// serveConn answers one connection until it closes, it errs, or Handoff
// closes it, flushing replies only when the client's pipeline is drained.
func (ls *LoadingServer) serveConn(c *Client) {
	s := ls.srv
	defer ls.closeConn(c)
	for args := ls.next(c); args != nil; args = ls.next(c) {
		ls.execute(c, args)
		if c.closeAfterReply {
			s.flush(c)
			return
		}
		if c.w.Len() >= flushThreshold && !s.flush(c) {
			return
		}
	}
}

// next returns c's next command, first flushing the replies and reading
// more input if no complete command is buffered; nil once the connection
// is done (closed, failed, or answered a protocol error).
func (ls *LoadingServer) next(c *Client) [][]byte {
	s := ls.srv
	for {
		if args, err := c.rd.Next(); err != nil || args != nil {
			if err != nil {
				s.protocolError(c, err)
			}
			return args
		}
		if !s.flush(c) {
			return nil
		}
		if err := c.rd.Fill(); err != nil {
			s.logReadError(c, err)
			return nil
		}
	}
}

// execute answers one command: the usual checks (unknown command, arity,
// authentication) first, as Redis makes them before its loading check.
func (ls *LoadingServer) execute(c *Client, args [][]byte) {
	s := ls.srv
	s.Stats.Commands.Add(1)
	c.lastUse.Store(time.Now().UnixMilli())
	cmd, rejection := s.resolve(c, args)
	if rejection != "" {
		c.w.Error(rejection)
		return
	}
	h := ls.handlers[cmd.Name]
	if h == nil {
		c.w.Error(string(ErrLoading))
		return
	}
	c.lastCmd.Store(&cmd.Name)
	mark := c.w.Len()
	ctx := Ctx{Server: s, Client: c, Cmd: cmd, Args: args, W: c.w}
	if err := h(&ctx); err != nil {
		c.w.Truncate(mark)
		c.w.Error(errorReply(err))
	}
}

func (ls *LoadingServer) closeConn(c *Client) {
	s := ls.srv
	c.conn.Close()
	s.mu.Lock()
	delete(s.clients, c.ID)
	s.mu.Unlock()
	s.conns.Done()
}

// INFO [section ...] while loading: the sections that need no data, with
// loading:1 and the loading_* fields in Persistence.
func (ls *LoadingServer) cmdInfo(ctx *Ctx) error {
	ctx.W.Verbatim(ctx.Server.renderInfo(ls.sections, ctx.Args[1:]))
	return nil
}

// progressFields returns Redis's loading_* INFO fields. The percentage
// and the estimate of the seconds left come from Progress, if set.
func (ls *LoadingServer) progressFields() [][2]string {
	var p LoadingProgress
	if ls.opts.Progress != nil {
		p = ls.opts.Progress()
	}
	perc, eta := 0.0, int64(-1) // -1: no estimate yet
	if p.TotalBytes > 0 {
		perc = min(100, 100*float64(p.LoadedBytes)/float64(p.TotalBytes))
	}
	if p.TotalBytes > 0 && p.LoadedBytes > 0 {
		// The rate so far, applied to what is left.
		left := float64(max(p.TotalBytes-p.LoadedBytes, 0))
		eta = int64(time.Since(ls.srv.start).Seconds() * left / float64(p.LoadedBytes))
	}
	return [][2]string{
		{"loading_start_time", strconv.FormatInt(ls.srv.start.Unix(), 10)},
		{"loading_total_bytes", strconv.FormatInt(p.TotalBytes, 10)},
		{"loading_rdb_used_mem", "0"},
		{"loading_loaded_bytes", strconv.FormatInt(p.LoadedBytes, 10)},
		{"loading_loaded_perc", fmt.Sprintf("%.2f", perc)},
		{"loading_eta_seconds", strconv.FormatInt(eta, 10)},
	}
}
