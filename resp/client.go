package resp

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Client is the state of one connection.
type Client struct {
	ID      int64
	Addr    string // remote address
	LAddr   string // local address
	Created time.Time

	conn net.Conn
	rd   *Reader
	w    *Writer

	name    atomic.Pointer[string] // CLIENT SETNAME; read by CLIENT LIST from other goroutines
	libName atomic.Pointer[string]
	libVer  atomic.Pointer[string]
	lastCmd atomic.Pointer[string]
	lastUse atomic.Int64 // unix ms of the last command
	proto   atomic.Int32 // mirrors w's protocol for other goroutines

	authenticated   bool
	multi           *multiState // non-nil between MULTI and EXEC/DISCARD
	watch           engine.WatchSet
	closeAfterReply bool
	outMu           sync.Mutex  // serialises writes to conn: replies and pushes from other goroutines
	tracking        atomic.Bool // CLIENT TRACKING on
	trackRedirect   atomic.Int64
	track           clientTracking
	unsynced        bool // replies in w acknowledge writes not yet synced (fsync always)
	NoEvict         bool
	NoTouch         bool
}

// Proto returns the protocol version the client speaks (2 or 3). Safe
// from any goroutine (CLIENT LIST, invalidation pushes).
func (c *Client) Proto() int { return int(c.proto.Load()) }

// SetProto switches the client's protocol (HELLO, RESET).
func (c *Client) SetProto(v int) {
	c.w.SetProto(v)
	c.proto.Store(int32(v))
}

// Name returns the client name set with CLIENT SETNAME or HELLO SETNAME.
func (c *Client) Name() string { return load(&c.name) }

// SetName sets the client name.
func (c *Client) SetName(s string) { c.name.Store(&s) }

// LibName and LibVer are set by CLIENT SETINFO.
func (c *Client) LibName() string { return load(&c.libName) }

// LibVer returns the library version set by CLIENT SETINFO.
func (c *Client) LibVer() string { return load(&c.libVer) }

// SetLib records CLIENT SETINFO LIB-NAME / LIB-VER; empty leaves a value as is.
func (c *Client) SetLib(name, ver *string) {
	if name != nil {
		c.libName.Store(name)
	}
	if ver != nil {
		c.libVer.Store(ver)
	}
}

// LastCommand returns the full name of the last command run.
func (c *Client) LastCommand() string { return load(&c.lastCmd) }

// IdleMs returns milliseconds since the last command.
func (c *Client) IdleMs() int64 { return time.Now().UnixMilli() - c.lastUse.Load() }

// InMulti reports whether the client is queueing a transaction.
func (c *Client) InMulti() bool { return c.multi != nil }

// QueuedCommands returns the number of queued MULTI commands, or -1.
func (c *Client) QueuedCommands() int {
	if c.multi == nil {
		return -1
	}
	return len(c.multi.queue)
}

// Watching returns how many keys the client watches.
func (c *Client) Watching() int { return c.watch.Len() }

// Authenticated reports whether the client passed AUTH (or needs none).
func (c *Client) Authenticated() bool { return c.authenticated }

// SetAuthenticated records the outcome of AUTH/HELLO AUTH.
func (c *Client) SetAuthenticated(ok bool) {
	c.authenticated = ok
	c.rd.SetAuthenticated(ok)
}

// CloseAfterReply makes the server close the connection once the
// current reply is written (QUIT, CLIENT KILL of oneself).
func (c *Client) CloseAfterReply() { c.closeAfterReply = true }

func load(p *atomic.Pointer[string]) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return ""
}
