package resp

import (
	"fmt"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// Flags say how the dispatcher runs a command.
type Flags uint32

const (
	// FlagWrite runs the handler inside engine.DB.Update.
	FlagWrite Flags = 1 << iota
	// FlagRead runs the handler inside engine.DB.View.
	FlagRead
	// FlagNoAuth allows the command before AUTH when a password is set.
	FlagNoAuth
	// FlagNoQueue runs the command at once even inside MULTI (EXEC,
	// DISCARD, MULTI, WATCH, QUIT, RESET), as Redis does.
	FlagNoQueue
	// FlagFast marks O(1)/O(log N) commands, for COMMAND INFO.
	FlagFast
	// FlagAdmin marks server administration commands, for COMMAND INFO.
	FlagAdmin
	// FlagNoMulti refuses the command inside MULTI, as Redis's no-multi
	// commands are refused.
	FlagNoMulti
	// FlagTableWrite marks commands that change data without an engine
	// transaction of their own (MURR.CREATE, DROP, WRITE, DEL): a
	// read-only server refuses them as it refuses FlagWrite commands.
	FlagTableWrite
)

// writes reports whether c changes data, so a read-only replica must
// refuse it (Redis's "write" flag).
func (c *Command) writes() bool { return c.Flags&(FlagWrite|FlagTableWrite) != 0 }

// Flag sets the command tables use most.
const (
	readCmd      = FlagRead
	fastReadCmd  = FlagRead | FlagFast
	writeCmd     = FlagWrite
	fastWriteCmd = FlagWrite | FlagFast
)

// keyedRegistrar returns a shorthand that registers commands of one group
// whose keys sit at first..last (negative: from the end) every step.
func (t *Table) keyedRegistrar(group string) func(name string, arity int, flags Flags, first, last, step int, summary string, h Handler) {
	return func(name string, arity int, flags Flags, first, last, step int, summary string, h Handler) {
		t.Register(&Command{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
			Group: group, Summary: summary, Handler: h})
	}
}

// Handler runs one command. It writes its reply to ctx.W, or returns an
// error whose text becomes the reply — then it must have written nothing
// and changed nothing.
type Handler func(ctx *Ctx) error

// Command describes one command (or subcommand) of the command table.
type Command struct {
	Name  string // lower case; a subcommand's is "container|sub"
	Arity int    // Redis convention: n exact, -n at least n, counting the name
	Flags Flags
	// FirstKey, LastKey, Step locate key arguments, as COMMAND INFO shows them.
	FirstKey, LastKey, Step int
	Group                   string // "string", "hash", "generic", "connection", "server", "transactions"
	Summary                 string
	Handler                 Handler
	Subcommands             map[string]*Command // by lower-case subcommand name
}

// Ctx is what a handler gets: the connection, its arguments, the engine
// transaction (for FlagRead/FlagWrite commands) and the reply writer.
type Ctx struct {
	Server *Server
	Client *Client
	Cmd    *Command
	Args   [][]byte // Args[0] is the command name; valid only during the call
	Tx     *engine.Txn
	W      *Writer
}

// Table is the command table. Registering a name twice panics.
type Table struct {
	cmds map[string]*Command
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{cmds: make(map[string]*Command)} }

// Register adds c. It panics if c's name is taken or c is malformed.
func (t *Table) Register(c *Command) {
	if c.Name == "" || c.Name != strings.ToLower(c.Name) || c.Arity == 0 {
		panic(fmt.Sprintf("resp: malformed command %q", c.Name))
	}
	if _, dup := t.cmds[c.Name]; dup {
		panic(fmt.Sprintf("resp: command %q registered twice", c.Name))
	}
	if c.Handler == nil && len(c.Subcommands) == 0 {
		panic(fmt.Sprintf("resp: command %q has no handler", c.Name))
	}
	for name, sub := range c.Subcommands {
		if sub.Name != c.Name+"|"+name {
			panic(fmt.Sprintf("resp: subcommand %q filed as %q", sub.Name, name))
		}
	}
	t.cmds[c.Name] = c
}

// Lookup finds a command by name, case-insensitively, without allocating.
func (t *Table) Lookup(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t.cmds[strings.ToLower(string(name))]
	}
	lower := buf[:len(name)]
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return t.cmds[string(lower)]
}

// Commands returns every top-level command.
func (t *Table) Commands() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	return out
}

// arityOK reports whether n arguments (name included) fit arity.
func arityOK(arity, n int) bool {
	if arity > 0 {
		return n == arity
	}
	return n >= -arity
}
