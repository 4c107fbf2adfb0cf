package resp

import (
	"fmt"
	"strings"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// resolved is a command read from a client, looked up and checked.
type resolved struct {
	args      [][]byte
	cmd       *Command // nil if unknown
	rejection string   // non-empty: the error reply instead of running it
}

func (s *Server) resolveArgs(c *Client, args [][]byte) resolved {
	cmd, rejection := s.resolve(c, args)
	return resolved{args: args, cmd: cmd, rejection: rejection}
}

// execute runs one command the way Redis's processCommand does: look it
// up, check arity and authentication, queue it inside MULTI, else call it.
func (s *Server) execute(c *Client, args [][]byte) {
	r := s.resolveArgs(c, args)
	s.dispatch(c, &r)
}

// dispatch is execute for a command already resolved.
func (s *Server) dispatch(c *Client, r *resolved) {
	s.Stats.Commands.Add(1)
	c.lastUse.Store(time.Now().UnixMilli())
	cmd, rejection, args := r.cmd, r.rejection, r.args
	if rejection != "" {
		if cmd != nil && cmd.Name == "exec" {
			// A rejected EXEC ends the transaction, as Redis's execCommandAbort.
			c.multi = nil
			s.db.Unwatch(&c.watch)
			_, msg, _ := strings.Cut(rejection, " ")
			c.w.Error("EXECABORT Transaction discarded because of: " + msg)
			return
		}
		if c.multi != nil {
			c.multi.aborted = true
		}
		c.w.Error(rejection)
		return
	}
	if c.multi != nil && cmd.Flags&FlagNoQueue == 0 {
		c.multi.enqueue(cmd, args)
		c.w.Simple("QUEUED")
		return
	}
	s.call(c, cmd, args)
}

// resolve finds the command (or subcommand) for args and returns the
// rejection text if it may not run (with the command, when one was found).
func (s *Server) resolve(c *Client, args [][]byte) (*Command, string) {
	cmd := s.table.Lookup(args[0])
	if cmd == nil {
		return nil, unknownCommand(args)
	}
	if len(cmd.Subcommands) > 0 && len(args) >= 2 {
		sub := cmd.Subcommands[strings.ToLower(string(args[1]))]
		if sub == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%.128s'. Try %s HELP.",
				cstr(args[1]), strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if !arityOK(cmd.Arity, len(args)) {
		return cmd, fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.Name)
	}
	if !c.authenticated && cmd.Flags&FlagNoAuth == 0 {
		return cmd, string(ErrNoAuth)
	}
	if c.multi != nil && cmd.Flags&FlagNoMulti != 0 {
		return cmd, "ERR Command not allowed inside a transaction"
	}
	if s.opts.ReadOnly && cmd.writes() {
		// Inside MULTI this also aborts the transaction, as in Redis.
		return cmd, string(ErrReadOnlyReplica)
	}
	return cmd, ""
}

// unknownCommand builds Redis's reply for an unknown command, quoting up
// to about 128 bytes of its arguments.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	// Redis formats with C strings: each argument ends at its first NUL.
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		fmt.Fprintf(&b, "'%.*s' ", 128-b.Len(), cstr(a))
	}
	return fmt.Sprintf("ERR unknown command '%.128s', with args beginning with: %s", cstr(args[0]), b.String())
}

// call runs cmd now, inside the engine transaction its flags ask for.
func (s *Server) call(c *Client, cmd *Command, args [][]byte) {
	c.lastCmd.Store(&cmd.Name)
	ctx := Ctx{Server: s, Client: c, Cmd: cmd, Args: args, W: c.w}
	mark := c.w.Len()
	var err error
	switch {
	case cmd.Flags&FlagWrite != 0:
		var wrote bool
		wrote, err = s.db.UpdateDeferSync(func(tx *engine.Txn) error { ctx.Tx = tx; return cmd.Handler(&ctx) })
		c.unsynced = c.unsynced || wrote
	case cmd.Flags&FlagRead != 0:
		err = s.db.View(func(tx *engine.Txn) error { ctx.Tx = tx; return cmd.Handler(&ctx) })
	default:
		err = cmd.Handler(&ctx)
	}
	if cmd.Name != "client|caching" && c.multi == nil {
		// CLIENT CACHING applies to the one command after it, or to a
		// whole MULTI/EXEC (EXEC tracks what its commands read).
		if err == nil && c.tracking.Load() {
			s.trackRead(c, cmd, args)
		}
		c.track.caching = 0
	}
	if err != nil {
		// A failed command answers with its error alone, even if the
		// handler (or the commit after it) had started a reply.
		c.w.Truncate(mark)
		c.w.Error(errorReply(err))
	}
}
