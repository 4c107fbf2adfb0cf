package resp

import (
	"sync"
	"sync/atomic"
	"time"
)

// Client-side caching (CLIENT TRACKING), default mode: the server
// remembers which keys a tracking client read and, when one changes, is
// deleted, expires or the keyspace is flushed, pushes an "invalidate"
// message to it (RESP3 push, or to the REDIRECT client). rueidis turns
// tracking on by default, so without it that client cannot connect.
//
// Not supported: BCAST/PREFIX mode, and NOLOOP (accepted, but a client
// is also told about its own writes, which is safe: it only drops a
// cached entry it would have replaced anyway).

// clientTracking is a client's tracking mode; owned by its connection.
type clientTracking struct {
	optin, optout bool
	redirect      int64
	caching       int8 // CLIENT CACHING for the next command: 1 yes, -1 no
}

// tracker maps keys to the ids of clients that may cache them.
type tracker struct {
	mu      sync.Mutex
	keys    map[string]map[int64]struct{}
	clients atomic.Int64 // clients with tracking on
	hooked  atomic.Bool  // the engine change listener is installed
}

// enableTracking turns tracking on for c.
func (s *Server) enableTracking(c *Client, t clientTracking) {
	if !c.tracking.Swap(true) {
		s.tracker.clients.Add(1)
	}
	c.track = t
	if !s.tracker.hooked.Swap(true) {
		s.db.SetChangeListener(s.invalidate)
	}
}

// disableTracking turns tracking off; keys it read are forgotten lazily.
func (s *Server) disableTracking(c *Client) {
	if c.tracking.Swap(false) {
		s.tracker.clients.Add(-1)
	}
	c.track = clientTracking{}
}

// trackRead records the keys a read-only command read, if c is tracking
// and the command is to be cached under c's mode.
func (s *Server) trackRead(c *Client, cmd *Command, args [][]byte) {
	caching := c.track.caching
	if !c.tracking.Load() || cmd.Flags&FlagRead == 0 || cmd.Flags&FlagWrite != 0 || cmd.FirstKey <= 0 {
		return
	}
	if c.track.optin && caching != 1 || c.track.optout && caching == -1 {
		return
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := max(cmd.Step, 1)
	t := &s.tracker
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = make(map[string]map[int64]struct{})
	}
	for i := cmd.FirstKey; i <= last && i < len(args); i += step {
		ids := t.keys[string(args[i])]
		if ids == nil {
			ids = make(map[int64]struct{}, 1)
			t.keys[string(args[i])] = ids
		}
		ids[c.ID] = struct{}{}
	}
}

// invalidate is the engine's change listener: it tells every client that
// may cache a changed key to drop it.
func (s *Server) invalidate(keys [][]byte, flushed bool) {
	if s.tracker.clients.Load() == 0 {
		return
	}
	perClient := make(map[int64][][]byte)
	t := &s.tracker
	t.mu.Lock()
	if flushed {
		t.keys = nil
	}
	for _, k := range keys {
		for id := range t.keys[string(k)] {
			perClient[id] = append(perClient[id], k)
		}
		delete(t.keys, string(k))
	}
	t.mu.Unlock()

	s.mu.Lock()
	targets := make(map[*Client][][]byte)
	for _, c := range s.clients {
		if !c.tracking.Load() {
			continue
		}
		var ks [][]byte
		if flushed {
			ks = nil // a null invalidation: drop everything
		} else if ks = perClient[c.ID]; len(ks) == 0 {
			continue
		}
		dst := c
		if r := c.trackRedirect.Load(); r != 0 {
			if dst = s.clients[r]; dst == nil {
				continue
			}
		}
		targets[dst] = append(targets[dst], ks...)
		if flushed {
			targets[dst] = nil
		}
	}
	s.mu.Unlock()
	for c, ks := range targets {
		s.push(c, invalidateMessage(ks, flushed))
	}
}

// invalidateMessage encodes the RESP3 push ["invalidate", keys | null].
func invalidateMessage(keys [][]byte, flushed bool) []byte {
	w := Writer{proto: 3}
	w.buf = append(w.buf, ">2\r\n"...)
	w.BulkString("invalidate")
	if flushed {
		w.Null()
	} else {
		w.Array(len(keys))
		for _, k := range keys {
			w.Bulk(k)
		}
	}
	return w.buf
}

// push writes an out-of-band message to c between its replies. Only a
// RESP3 connection can take a push.
func (s *Server) push(c *Client, msg []byte) {
	if c.Proto() != 3 {
		return
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	n, err := c.conn.Write(msg)
	s.Stats.NetOutput.Add(int64(n))
	if err != nil {
		// A client that cannot take its invalidations must not keep
		// serving stale data from its cache.
		c.conn.Close()
	}
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
// [OPTOUT] [NOLOOP]: switch client-side caching invalidations.
func cmdClientTracking(ctx *Ctx) error {
	c, s, args := ctx.Client, ctx.Server, ctx.Args
	var on bool
	switch {
	case equalFold(args[2], "on"):
		on = true
	case equalFold(args[2], "off"):
	default:
		return ErrSyntax
	}
	var t clientTracking
	var bcast, prefix bool
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case equalFold(args[j], "redirect") && more >= 1:
			j++
			id, ok := parseInt(args[j])
			if !ok {
				return ErrNotInteger
			}
			t.redirect = id
		case equalFold(args[j], "bcast"):
			bcast = true
		case equalFold(args[j], "prefix") && more >= 1:
			prefix = true
			j++
		case equalFold(args[j], "optin"):
			t.optin = true
		case equalFold(args[j], "optout"):
			t.optout = true
		case equalFold(args[j], "noloop"):
		default:
			return ErrSyntax
		}
	}
	if !on {
		s.disableTracking(c)
		c.trackRedirect.Store(0)
		ctx.W.OK()
		return nil
	}
	if prefix && !bcast {
		return Error("ERR PREFIX option requires BCAST mode to be enabled")
	}
	if bcast {
		return Error("ERR BCAST mode is not supported by murr-sidecar")
	}
	if t.optin && t.optout {
		return Error("ERR You can't use both OPTIN and OPTOUT")
	}
	if c.tracking.Load() && (c.track.optin != t.optin || c.track.optout != t.optout) {
		return Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
	}
	if t.redirect != 0 && t.redirect != c.ID {
		s.mu.Lock()
		_, ok := s.clients[t.redirect]
		s.mu.Unlock()
		if !ok {
			return Error("ERR The client ID you want redirect to does not exist")
		}
	}
	c.trackRedirect.Store(t.redirect)
	s.enableTracking(c, t)
	ctx.W.OK()
	return nil
}

// CLIENT CACHING YES|NO: cache (OPTIN) or skip (OPTOUT) the next command's keys.
func cmdClientCaching(ctx *Ctx) error {
	c := ctx.Client
	if !c.tracking.Load() || !c.track.optin && !c.track.optout {
		return Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
	}
	switch {
	case equalFold(ctx.Args[2], "yes") && c.track.optin:
		c.track.caching = 1
	case equalFold(ctx.Args[2], "no") && c.track.optout:
		c.track.caching = -1
	case equalFold(ctx.Args[2], "yes"), equalFold(ctx.Args[2], "no"):
		return Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
	default:
		return ErrSyntax
	}
	ctx.W.OK()
	return nil
}

// CLIENT GETREDIR: the redirect target, 0 without one, -1 when not tracking.
func cmdClientGetRedir(ctx *Ctx) error {
	c := ctx.Client
	if !c.tracking.Load() {
		ctx.W.Int(-1)
		return nil
	}
	ctx.W.Int(c.trackRedirect.Load())
	return nil
}

// trackingSubcommands are CLIENT's client-side caching subcommands.
func trackingSubcommands() []*Command {
	return []*Command{
		{Name: "client|tracking", Arity: -3, Flags: FlagNoAuth | FlagFast, Group: "connection",
			Summary: "Controls server-assisted client-side caching for the connection.", Handler: cmdClientTracking},
		{Name: "client|caching", Arity: 3, Flags: FlagFast, Group: "connection",
			Summary: "Instructs the server whether to track the keys in the next request.", Handler: cmdClientCaching},
		{Name: "client|getredir", Arity: 2, Flags: FlagFast, Group: "connection",
			Summary: "Returns the client ID to which the connection's tracking notifications are redirected.", Handler: cmdClientGetRedir},
	}
}
