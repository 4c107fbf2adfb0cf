package resp

import (
	"bytes"
	"strconv"
	"strings"
)

func registerConnection(t *Table) {
	t.Register(&Command{Name: "ping", Arity: -1, Flags: FlagFast, Group: "connection",
		Summary: "Returns the server's liveliness response.", Handler: cmdPing})
	t.Register(&Command{Name: "echo", Arity: 2, Flags: FlagFast, Group: "connection",
		Summary: "Returns the given string.", Handler: cmdEcho})
	t.Register(&Command{Name: "quit", Arity: -1, Flags: FlagNoAuth | FlagNoQueue | FlagFast, Group: "connection",
		Summary: "Closes the connection.", Handler: cmdQuit})
	t.Register(&Command{Name: "reset", Arity: 1, Flags: FlagNoAuth | FlagNoQueue | FlagFast, Group: "connection",
		Summary: "Resets the connection.", Handler: cmdReset})
	t.Register(&Command{Name: "hello", Arity: -1, Flags: FlagNoAuth | FlagFast, Group: "connection",
		Summary: "Handshakes with the Redis server.", Handler: cmdHello})
	t.Register(&Command{Name: "auth", Arity: -2, Flags: FlagNoAuth | FlagFast, Group: "connection",
		Summary: "Authenticates the connection.", Handler: cmdAuth})
	t.Register(&Command{Name: "select", Arity: 2, Flags: FlagFast, Group: "connection",
		Summary: "Changes the selected database.", Handler: cmdSelect})
}

// PING [message]: +PONG, or the message as a bulk string.
func cmdPing(ctx *Ctx) error {
	switch len(ctx.Args) {
	case 1:
		ctx.W.Simple("PONG")
	case 2:
		ctx.W.Bulk(ctx.Args[1])
	default:
		return Error("ERR wrong number of arguments for 'ping' command")
	}
	return nil
}

// ECHO message.
func cmdEcho(ctx *Ctx) error {
	ctx.W.Bulk(ctx.Args[1])
	return nil
}

// QUIT: +OK, then the connection closes.
func cmdQuit(ctx *Ctx) error {
	ctx.W.OK()
	ctx.Client.CloseAfterReply()
	return nil
}

// RESET: back to a fresh connection's state (RESP2, no name, no
// transaction, no watches, unauthenticated if a password is set).
func cmdReset(ctx *Ctx) error {
	c, s := ctx.Client, ctx.Server
	c.multi = nil
	if s.db != nil { // nil in a LoadingServer
		s.db.Unwatch(&c.watch)
	}
	c.SetProto(2)
	c.name.Store(nil)
	c.NoEvict, c.NoTouch = false, false
	s.disableTracking(c)
	c.trackRedirect.Store(0)
	c.SetAuthenticated(s.config.requirePass() == "")
	ctx.W.Simple("RESET")
	return nil
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]:
// negotiate the protocol, optionally authenticating and naming the
// connection, and describe the server.
func cmdHello(ctx *Ctx) error {
	c, s, args := ctx.Client, ctx.Server, ctx.Args
	ver := 0
	if len(args) >= 2 {
		v, err := strconv.ParseInt(string(args[1]), 10, 64)
		if err != nil || !isStrictInt(args[1]) {
			return Error("ERR Protocol version is not an integer or out of range")
		}
		if v < 2 || v > 3 {
			return Error("NOPROTO unsupported protocol version")
		}
		ver = int(v)
	}
	var user, pass, name []byte
	for j := 2; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := strings.ToLower(string(args[j])); {
		case opt == "auth" && more >= 2:
			user, pass = args[j+1], args[j+2]
			j += 2
		case opt == "setname" && more >= 1:
			name = args[j+1]
			j++
		default:
			return Error("ERR Syntax error in HELLO option '" + string(args[j]) + "'")
		}
	}
	if user != nil {
		if !s.checkPassword(user, pass) {
			return errWrongPass
		}
		c.SetAuthenticated(true)
	}
	if !c.authenticated {
		return Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	if name != nil {
		if err := validClientName(name); err != nil {
			return err
		}
		c.SetName(string(name))
	}
	if ver != 0 {
		c.SetProto(ver)
	}
	w := ctx.W
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(c.Proto()))
	w.BulkString("id")
	w.Int(c.ID)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	if s.opts.ReadOnly {
		w.BulkString("replica")
	} else {
		w.BulkString("master")
	}
	w.BulkString("modules")
	w.Array(0)
	return nil
}

const errWrongPass = Error("WRONGPASS invalid username-password pair or user is disabled.")

// AUTH [username] password. The only user is "default"; without a
// configured password it accepts any password, as Redis's nopass does.
func cmdAuth(ctx *Ctx) error {
	s, args := ctx.Server, ctx.Args
	if len(args) > 3 {
		return ErrSyntax
	}
	user, pass := []byte("default"), args[1]
	if len(args) == 3 {
		user, pass = args[1], args[2]
	} else if s.config.requirePass() == "" {
		return Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	}
	if !s.checkPassword(user, pass) {
		return errWrongPass
	}
	ctx.Client.SetAuthenticated(true)
	ctx.W.OK()
	return nil
}

func (s *Server) checkPassword(user, pass []byte) bool {
	if string(user) != "default" {
		return false
	}
	want := s.config.requirePass()
	return want == "" || want == string(pass)
}

// SELECT index: only database 0 exists.
func cmdSelect(ctx *Ctx) error {
	if err := dbIndexArg(ctx.Args[1]); err != nil {
		return err
	}
	ctx.W.OK()
	return nil
}

// validClientName applies Redis's rule for CLIENT SETNAME and HELLO SETNAME.
func validClientName(name []byte) error {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return Error("ERR Client names cannot contain spaces, newlines or special characters.")
		}
	}
	return nil
}

// isStrictInt reports whether b is written as Redis's string2ll accepts:
// optional '-', digits, no leading zeros, no '+', no spaces.
func isStrictInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	d := b
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(b) > 1) {
		return false
	}
	return bytes.IndexFunc(d, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
