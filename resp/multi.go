package resp

import (
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// multiState is a transaction being queued between MULTI and EXEC.
type multiState struct {
	queue   []queued
	aborted bool // a command was rejected while queueing: EXEC answers EXECABORT
	writes  bool // some queued command writes: EXEC needs the write lock
}

type queued struct {
	cmd  *Command
	args [][]byte
}

// enqueue copies args: the reader reuses its buffer for the next command.
func (m *multiState) enqueue(cmd *Command, args [][]byte) {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	owned := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		owned[i] = buf[len(buf)-len(a):]
	}
	m.queue = append(m.queue, queued{cmd: cmd, args: owned})
	if cmd.Flags&FlagWrite != 0 {
		m.writes = true
	}
}

func registerTransactions(t *Table) {
	t.Register(&Command{Name: "multi", Arity: 1, Flags: FlagNoQueue | FlagFast, Group: "transactions",
		Summary: "Starts a transaction.", Handler: cmdMulti})
	t.Register(&Command{Name: "exec", Arity: 1, Flags: FlagNoQueue, Group: "transactions",
		Summary: "Executes all commands in a transaction.", Handler: cmdExec})
	t.Register(&Command{Name: "discard", Arity: 1, Flags: FlagNoQueue | FlagFast, Group: "transactions",
		Summary: "Discards a transaction.", Handler: cmdDiscard})
	t.Register(&Command{Name: "watch", Arity: -2, Flags: FlagNoQueue | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "transactions", Summary: "Monitors changes to keys to determine the execution of a transaction.",
		Handler: cmdWatch})
	t.Register(&Command{Name: "unwatch", Arity: 1, Flags: FlagFast, Group: "transactions",
		Summary: "Forgets about watched keys of a transaction.", Handler: cmdUnwatch})
}

// MULTI: start queueing.
func cmdMulti(ctx *Ctx) error {
	if ctx.Client.multi != nil {
		return Error("ERR MULTI calls can not be nested")
	}
	ctx.Client.multi = &multiState{}
	ctx.W.OK()
	return nil
}

// DISCARD: drop the queue and the watched keys.
func cmdDiscard(ctx *Ctx) error {
	c := ctx.Client
	if c.multi == nil {
		return Error("ERR DISCARD without MULTI")
	}
	c.multi = nil
	ctx.Server.db.Unwatch(&c.watch)
	ctx.W.OK()
	return nil
}

// WATCH key [key ...]: optimistic lock for the next EXEC.
func cmdWatch(ctx *Ctx) error {
	c := ctx.Client
	if c.multi != nil {
		return Error("ERR WATCH inside MULTI is not allowed")
	}
	for _, k := range ctx.Args[1:] {
		if err := ctx.Server.db.Watch(&c.watch, k); err != nil {
			return err
		}
	}
	ctx.W.OK()
	return nil
}

// UNWATCH: forget watched keys.
func cmdUnwatch(ctx *Ctx) error {
	ctx.Server.db.Unwatch(&ctx.Client.watch)
	ctx.W.OK()
	return nil
}

// EXEC: run the queue atomically in one engine transaction. A watched key
// changed since WATCH gives a null reply and runs nothing; a command
// rejected while queueing aborts the whole transaction.
func cmdExec(ctx *Ctx) error {
	c, s := ctx.Client, ctx.Server
	m := c.multi
	if m == nil {
		return Error("ERR EXEC without MULTI")
	}
	c.multi = nil
	defer s.db.Unwatch(&c.watch)
	if m.aborted {
		return Error("EXECABORT Transaction discarded because of previous errors.")
	}
	run := func(tx *engine.Txn) error {
		broken, err := tx.WatchBroken(&c.watch)
		if err != nil {
			return err
		}
		if broken {
			ctx.W.NullArray()
			return nil
		}
		ctx.W.Array(len(m.queue))
		for _, q := range m.queue {
			c.lastCmd.Store(&q.cmd.Name)
			qctx := Ctx{Server: s, Client: c, Cmd: q.cmd, Args: q.args, Tx: tx, W: ctx.W}
			mark := ctx.W.Len()
			if err := q.cmd.Handler(&qctx); err != nil {
				ctx.W.Truncate(mark)
				ctx.W.Error(errorReply(err))
			} else if c.tracking.Load() {
				s.trackRead(c, q.cmd, q.args)
			}
		}
		return nil
	}
	if m.writes {
		wrote, err := s.db.UpdateDeferSync(run)
		c.unsynced = c.unsynced || wrote
		return err
	}
	return s.db.View(run)
}
