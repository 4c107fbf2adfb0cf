package resp

import (
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func registerClientCmd(t *Table) {
	const conn Flags = 0 // CLIENT needs no engine transaction
	subs := []*Command{
		{Name: "client|id", Arity: 2, Flags: conn, Summary: "Returns the client ID for the current connection", Handler: cmdClientID},
		{Name: "client|info", Arity: 2, Flags: conn, Summary: "Returns information about the current client connection.", Handler: cmdClientInfo},
		{Name: "client|list", Arity: -2, Flags: FlagAdmin, Summary: "Get the list of client connections", Handler: cmdClientList},
		{Name: "client|getname", Arity: 2, Flags: conn, Summary: "Get the current connection name", Handler: cmdClientGetname},
		{Name: "client|setname", Arity: 3, Flags: conn, Summary: "Set the current connection name", Handler: cmdClientSetname},
		{Name: "client|setinfo", Arity: 4, Flags: conn, Summary: "Set client or connection specific info", Handler: cmdClientSetinfo},
		{Name: "client|kill", Arity: -3, Flags: FlagAdmin, Summary: "Kill the connection of a client", Handler: cmdClientKill},
		{Name: "client|no-evict", Arity: 3, Flags: FlagAdmin, Summary: "Set client eviction mode for the current connection", Handler: cmdClientNoEvict},
		{Name: "client|no-touch", Arity: 3, Flags: conn, Summary: "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", Handler: cmdClientNoTouch},
		{Name: "client|help", Arity: 2, Flags: conn, Summary: "Show helpful text about the different subcommands", Handler: cmdClientHelp},
	}
	// TRACKING, CACHING and GETREDIR live with client-side caching.
	subs = append(subs, trackingSubcommands()...)
	t.Register(container("client", "connection", "A container for client connection commands", subs...))
}

// CLIENT ID: this connection's id.
func cmdClientID(ctx *Ctx) error {
	ctx.W.Int(ctx.Client.ID)
	return nil
}

// CLIENT INFO: this connection's CLIENT LIST line, as a bulk string (a
// verbatim string in RESP3).
func cmdClientInfo(ctx *Ctx) error {
	var b strings.Builder
	clientLine(&b, ctx, ctx.Client)
	ctx.W.Verbatim(b.String())
	return nil
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id [id ...]]: one
// line per connection. Every connection here is a normal one.
func cmdClientList(ctx *Ctx) error {
	args := ctx.Args
	clients := ctx.Server.Clients()
	var list []*Client
	switch {
	case len(args) == 4 && equalFold(args[2], "type"):
		normal, ok := clientTypeNormal(args[3])
		if !ok {
			return Error("ERR Unknown client type '" + string(cstr(args[3])) + "'")
		}
		if normal {
			list = clients
		}
	case len(args) > 3 && equalFold(args[2], "id"):
		byID := make(map[int64]*Client, len(clients))
		for _, c := range clients {
			byID[c.ID] = c
		}
		ids := make([]int64, 0, len(args)-3)
		for _, a := range args[3:] {
			id, ok := parseInt(a)
			if !ok {
				return Error("ERR Invalid client ID")
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if c := byID[id]; c != nil {
				list = append(list, c)
			}
		}
	case len(args) != 2:
		return ErrSyntax
	default:
		list = clients
	}
	var b strings.Builder
	for _, c := range list {
		clientLine(&b, ctx, c)
	}
	ctx.W.Verbatim(b.String())
	return nil
}

// clientTypeNormal maps a client type name to whether it selects normal
// clients (the only kind here); false, false for an unknown name.
func clientTypeNormal(name []byte) (normal, ok bool) {
	switch {
	case equalFold(name, "normal"):
		return true, true
	case equalFold(name, "master"), equalFold(name, "replica"), equalFold(name, "slave"), equalFold(name, "pubsub"):
		return false, true
	}
	return false, false
}

// clientAddrs returns the addr and laddr CLIENT LIST shows for c: a unix
// socket connection appears as "<path>:0" on both sides, as in Redis.
func clientAddrs(c *Client) (addr, laddr string) {
	if c.conn != nil && c.conn.LocalAddr().Network() == "unix" {
		p := c.LAddr + ":0"
		return p, p
	}
	return c.Addr, c.LAddr
}

// clientLine appends c's line in Redis 7.0's CLIENT LIST format. Only
// fields safe to read from another connection's goroutine are taken from
// other clients; the caller's own line also shows the size of the command
// being run.
func clientLine(b *strings.Builder, ctx *Ctx, c *Client) {
	self := c == ctx.Client
	addr, laddr := clientAddrs(c)
	qbuf, qfree, argvMem, proto := 0, 0, 0, c.Proto()
	if self {
		qbuf = respLen(ctx.Args)
		qfree = max(20474-qbuf, 0)
		for _, a := range ctx.Args {
			argvMem += len(a)
		}
	}
	const rbs = 1024
	cmd := c.LastCommand()
	if cmd == "" {
		cmd = "NULL"
	}
	age := int64(time.Since(c.Created) / time.Second)
	idle := max(c.IdleMs()/1000, 0)
	field := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte(' ')
	}
	num := func(k string, v int64) { field(k, strconv.FormatInt(v, 10)) }
	num("id", c.ID)
	field("addr", addr)
	field("laddr", laddr)
	num("fd", int64(connFD(c.conn)))
	field("name", c.Name())
	num("age", age)
	num("idle", idle)
	field("flags", "N")
	field("db", "0")
	field("sub", "0")
	field("psub", "0")
	field("ssub", "0")
	field("multi", "-1")
	num("qbuf", int64(qbuf))
	num("qbuf-free", int64(qfree))
	num("argv-mem", int64(argvMem))
	field("multi-mem", "0")
	num("rbs", rbs)
	field("rbp", "0")
	field("obl", "0")
	field("oll", "0")
	field("omem", "0")
	num("tot-mem", int64(qbuf+qfree+argvMem+rbs+790))
	field("events", "r")
	field("cmd", cmd)
	field("user", "default")
	field("redir", "-1")
	b.WriteString("resp=")
	b.WriteString(strconv.Itoa(proto))
	b.WriteByte('\n')
}

// connFD returns the file descriptor of conn, or -1.
func connFD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// CLIENT GETNAME: the connection's name, or nil if it has none.
func cmdClientGetname(ctx *Ctx) error {
	if name := ctx.Client.Name(); name != "" {
		ctx.W.BulkString(name)
	} else {
		ctx.W.Null()
	}
	return nil
}

// CLIENT SETNAME name: name the connection ("" removes the name).
func cmdClientSetname(ctx *Ctx) error {
	name := ctx.Args[2]
	if err := validClientName(name); err != nil {
		return err
	}
	ctx.Client.SetName(string(name))
	ctx.W.OK()
	return nil
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2): record the client
// library's name or version; "" clears it. Clients send it on connect.
func cmdClientSetinfo(ctx *Ctx) error {
	attr, val := ctx.Args[2], ctx.Args[3]
	isName := equalFold(attr, "lib-name")
	if !isName && !equalFold(attr, "lib-ver") {
		return Error("ERR Unrecognized option '" + string(cstr(attr)) + "'")
	}
	for _, ch := range val {
		if ch < '!' || ch > '~' {
			return Error("ERR " + string(cstr(attr)) + " cannot contain spaces, newlines or special characters.")
		}
	}
	v := string(val)
	if isName {
		ctx.Client.SetLib(&v, nil)
	} else {
		ctx.Client.SetLib(nil, &v)
	}
	ctx.W.OK()
	return nil
}

// CLIENT NO-EVICT on|off: exempt the connection from client eviction
// (recorded; this server does not evict clients).
func cmdClientNoEvict(ctx *Ctx) error {
	on, err := onOff(ctx.Args[2])
	if err != nil {
		return err
	}
	ctx.Client.NoEvict = on
	ctx.W.OK()
	return nil
}

// CLIENT NO-TOUCH on|off (Redis 7.2): keep the connection's commands from
// updating keys' access times (recorded; no eviction uses them here).
func cmdClientNoTouch(ctx *Ctx) error {
	on, err := onOff(ctx.Args[2])
	if err != nil {
		return err
	}
	ctx.Client.NoTouch = on
	ctx.W.OK()
	return nil
}

func onOff(b []byte) (bool, error) {
	switch {
	case equalFold(b, "on"):
		return true, nil
	case equalFold(b, "off"):
		return false, nil
	}
	return false, ErrSyntax
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user]
// [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]: close matching
// connections. The old form replies +OK or "No such client" and may close
// the caller itself; the new form replies with the number closed and
// skips the caller unless SKIPME no. The caller's own connection closes
// after the reply.
func cmdClientKill(ctx *Ctx) error {
	args := ctx.Args
	var (
		addr, laddr   []byte
		id            int64
		normalOnly    = true
		typeGiven     bool
		skipMe        = true
		killed        int64
		closeSelf     bool
		s, me         = ctx.Server, ctx.Client
		oldStyle      = len(args) == 3
		filterByAddr  bool
		filterByLaddr bool
	)
	if oldStyle {
		addr, filterByAddr, skipMe = args[2], true, false
	} else {
		for i := 2; i < len(args); i += 2 {
			opt := args[i]
			if i+1 >= len(args) {
				return ErrSyntax
			}
			val := args[i+1]
			switch {
			case equalFold(opt, "id"):
				n, ok := parseInt(val)
				if !ok || n < 1 {
					return Error("ERR client-id should be greater than 0")
				}
				id = n
			case equalFold(opt, "type"):
				normal, ok := clientTypeNormal(val)
				if !ok {
					return Error("ERR Unknown client type '" + string(cstr(val)) + "'")
				}
				normalOnly, typeGiven = normal, true
			case equalFold(opt, "addr"):
				addr, filterByAddr = val, true
			case equalFold(opt, "laddr"):
				laddr, filterByLaddr = val, true
			case equalFold(opt, "user"):
				if string(val) != "default" {
					return Error("ERR No such user '" + string(cstr(val)) + "'")
				}
			case equalFold(opt, "skipme"):
				switch {
				case equalFold(val, "yes"):
					skipMe = true
				case equalFold(val, "no"):
					skipMe = false
				default:
					return ErrSyntax
				}
			default:
				return ErrSyntax
			}
		}
	}
	for _, c := range s.Clients() {
		a, la := clientAddrs(c)
		switch {
		case filterByAddr && string(cstr(addr)) != a,
			filterByLaddr && string(cstr(laddr)) != la,
			typeGiven && !normalOnly,
			id != 0 && c.ID != id,
			c == me && skipMe:
			continue
		}
		if c == me {
			closeSelf = true
		} else {
			s.kill(c)
		}
		killed++
	}
	if closeSelf {
		me.CloseAfterReply()
	}
	if oldStyle {
		if killed == 0 {
			return Error("ERR No such client")
		}
		ctx.W.OK()
		return nil
	}
	ctx.W.Int(killed)
	return nil
}

// kill closes another client's connection and drops it from the client
// list at once, as Redis's freeClient does; its goroutine then finds the
// connection closed and finishes.
func (s *Server) kill(c *Client) {
	s.mu.Lock()
	delete(s.clients, c.ID)
	s.mu.Unlock()
	c.conn.Close()
}

// CLIENT HELP.
func cmdClientHelp(ctx *Ctx) error {
	writeHelp(ctx.W, "CLIENT",
		"GETNAME",
		"    Return the name of the current connection.",
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"    * ID <client-id> [<client-id> ...]",
		"      Return clients with the given ids.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <option> <value>",
		"    Set client meta attr. Options are:",
		"    * LIB-NAME: the client lib name.",
		"    * LIB-VER: the client lib version.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		"NO-TOUCH (ON|OFF)",
		"    Will not touch LRU/LFU stats when this mode is on.",
	)
	return nil
}
