package resp

import (
	"strconv"
	"time"
)

// registerServerCommands registers the server commands: INFO, DBSIZE,
// FLUSHDB, FLUSHALL, TIME, ROLE, LASTSAVE, SLOWLOG and the COMMAND,
// CONFIG and CLIENT containers.
func registerServerCommands(t *Table) {
	srv := func(name string, arity int, flags Flags, summary string, h Handler) {
		t.Register(&Command{Name: name, Arity: arity, Flags: flags, Group: "server", Summary: summary, Handler: h})
	}
	srv("info", -1, 0, "Get information and statistics about the server", cmdInfo)
	srv("dbsize", 1, FlagRead|FlagFast, "Return the number of keys in the selected database", cmdDbsize)
	srv("flushdb", -1, FlagWrite, "Remove all keys from the current database", cmdFlush)
	srv("flushall", -1, FlagWrite, "Remove all keys from all databases", cmdFlush)
	srv("time", 1, FlagFast, "Return the current server time", cmdTime)
	srv("role", 1, FlagFast|FlagAdmin, "Return the role of the instance in the context of replication", cmdRole)
	srv("lastsave", 1, FlagFast|FlagAdmin, "Get the UNIX time stamp of the last successful save to disk", cmdLastsave)
	t.Register(container("slowlog", "server", "A container for slow log commands",
		&Command{Name: "slowlog|get", Arity: -2, Flags: FlagAdmin, Summary: "Get the slow log's entries", Handler: cmdSlowlogGet},
		&Command{Name: "slowlog|len", Arity: 2, Flags: FlagAdmin, Summary: "Get the slow log's length", Handler: cmdSlowlogLen},
		&Command{Name: "slowlog|reset", Arity: 2, Flags: FlagAdmin, Summary: "Clear all entries from the slow log", Handler: cmdSlowlogReset},
		&Command{Name: "slowlog|help", Arity: 2, Summary: "Show helpful text about the different subcommands", Handler: cmdSlowlogHelp},
	))
	registerCommandCmd(t)
	registerConfigCmd(t)
	registerClientCmd(t)
}

// container builds a command that only dispatches to subcommands, filing
// each under its name after the '|' and giving it the container's group.
// Used alone (with too few arguments) the dispatcher rejects it by arity.
func container(name, group, summary string, subs ...*Command) *Command {
	c := &Command{Name: name, Arity: -2, Group: group, Summary: summary, Subcommands: make(map[string]*Command, len(subs))}
	for _, s := range subs {
		s.Group = group
		c.Subcommands[s.Name[len(name)+1:]] = s
	}
	return c
}

// DBSIZE: the number of keys, counting expired keys not reclaimed yet as
// Redis does.
func cmdDbsize(ctx *Ctx) error {
	ctx.W.Int(ctx.Tx.DBSize())
	return nil
}

// FLUSHDB [ASYNC|SYNC] (and FLUSHALL): delete every key. The single
// database makes both the same. Replies +OK.
func cmdFlush(ctx *Ctx) error {
	switch {
	case len(ctx.Args) > 2:
		return ErrSyntax
	case len(ctx.Args) == 2 && !equalFold(ctx.Args[1], "async") && !equalFold(ctx.Args[1], "sync"):
		return ErrSyntax
	}
	if err := ctx.Tx.Flush(); err != nil {
		return err
	}
	ctx.W.OK()
	return nil
}

// TIME: [unix seconds, microseconds] as two bulk strings.
func cmdTime(ctx *Ctx) error {
	now := time.Now()
	ctx.W.Array(2)
	ctx.W.BulkInt(now.Unix())
	ctx.W.BulkInt(int64(now.Nanosecond() / 1000))
	return nil
}

// ROLE: this server is always a master without replicas:
// ["master", 0, []].
func cmdRole(ctx *Ctx) error {
	ctx.W.Array(3)
	ctx.W.BulkString("master")
	ctx.W.Int(0)
	ctx.W.Array(0)
	return nil
}

// LASTSAVE: the unix time of the last save. Every write is persisted as it
// commits, so this is the server's start time, when the data on disk was
// last complete and consistent as far as a restarted Redis would see it.
func cmdLastsave(ctx *Ctx) error {
	ctx.W.Int(ctx.Server.StartTime().Unix())
	return nil
}

// SLOWLOG GET [count]: the slow log, which is always empty.
func cmdSlowlogGet(ctx *Ctx) error {
	if len(ctx.Args) == 3 {
		n, ok := parseInt(ctx.Args[2])
		if !ok || n < -1 {
			return Error("ERR count should be greater than or equal to -1")
		}
	} else if len(ctx.Args) > 3 {
		return Error("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.")
	}
	ctx.W.Array(0)
	return nil
}

// SLOWLOG LEN: 0.
func cmdSlowlogLen(ctx *Ctx) error {
	ctx.W.Int(0)
	return nil
}

// SLOWLOG RESET: +OK.
func cmdSlowlogReset(ctx *Ctx) error {
	ctx.W.OK()
	return nil
}

// SLOWLOG HELP.
func cmdSlowlogHelp(ctx *Ctx) error {
	writeHelp(ctx.W, "SLOWLOG",
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    This server keeps no slow log: the reply is always empty.",
		"LEN",
		"    Return the length of the slowlog (always 0).",
		"RESET",
		"    Reset the slowlog.",
	)
	return nil
}

// writeHelp writes a HELP reply the way Redis lays them out: a header
// line, the given lines, and the HELP entry, as simple strings.
func writeHelp(w *Writer, container string, lines ...string) {
	w.Array(len(lines) + 3)
	w.Simple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}

// respLen returns the size of args encoded as a RESP multibulk, for
// CLIENT LIST's qbuf.
func respLen(args [][]byte) int {
	n := 1 + len(strconv.Itoa(len(args))) + 2
	for _, a := range args {
		n += 1 + len(strconv.Itoa(len(a))) + 2 + len(a) + 2
	}
	return n
}
