package resp

import (
	"errors"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Pipelined data commands run in groups: consecutive reads and writes a
// client has already sent share one engine transaction, so a pipeline of
// N SETs costs one lock, one batch and one commit instead of N. The
// client cannot tell: its commands still run in order, one reply each,
// and no other client's command could have run between them anyway.

// maxGroup bounds how many commands share a transaction, so one client's
// pipeline holds the write lock only briefly.
const maxGroup = 64

type pending struct {
	cmd  *Command
	args [][]byte
}

// errRetrySingly aborts a group's transaction when one of its commands
// fails: the group then runs again command by command, so the failed one
// changes nothing, exactly as without grouping.
var errRetrySingly = errors.New("resp: retry group one command at a time")

// groupable reports whether a resolved command may join a group: a data
// command that resolved cleanly, outside MULTI, on a connection without
// client-side caching (which tracks keys command by command).
func (s *Server) groupable(c *Client, r *resolved) bool {
	return r.rejection == "" && c.multi == nil && !c.tracking.Load() &&
		r.cmd.Flags&(FlagRead|FlagWrite) != 0
}

// runGroup runs a group of groupable commands.
func (s *Server) runGroup(c *Client, group []pending) {
	s.Stats.Commands.Add(int64(len(group)))
	c.lastUse.Store(time.Now().UnixMilli())
	if len(group) == 1 {
		s.call(c, group[0].cmd, group[0].args)
		return
	}
	writes := false
	for _, g := range group {
		writes = writes || g.cmd.Flags&FlagWrite != 0
	}
	mark := c.w.Len()
	run := func(tx *engine.Txn) error {
		for _, g := range group {
			ctx := Ctx{Server: s, Client: c, Cmd: g.cmd, Args: g.args, Tx: tx, W: c.w}
			if err := g.cmd.Handler(&ctx); err != nil {
				return errRetrySingly
			}
		}
		return nil
	}
	var err error
	if writes {
		var wrote bool
		wrote, err = s.db.UpdateDeferSync(run)
		c.unsynced = c.unsynced || wrote
	} else {
		err = s.db.View(run)
	}
	c.lastCmd.Store(&group[len(group)-1].cmd.Name)
	if err == nil {
		return
	}
	c.w.Truncate(mark)
	for _, g := range group {
		s.call(c, g.cmd, g.args)
	}
}
