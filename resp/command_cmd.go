package resp

import (
	"sort"
	"strconv"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

func registerCommandCmd(t *Table) {
	c := container("command", "server", "Get array of Redis command details",
		&Command{Name: "command|count", Arity: 2, Summary: "Get total number of Redis commands", Handler: cmdCommandCount},
		&Command{Name: "command|info", Arity: -2, Summary: "Get array of specific Redis command details, or all when no argument is given.", Handler: cmdCommandInfo},
		&Command{Name: "command|docs", Arity: -2, Summary: "Get array of specific Redis command documentation", Handler: cmdCommandDocs},
		&Command{Name: "command|list", Arity: -2, Summary: "Get an array of Redis command names", Handler: cmdCommandList},
		&Command{Name: "command|getkeys", Arity: -4, Summary: "Extract keys given a full Redis command", Handler: cmdCommandGetkeys},
		&Command{Name: "command|getkeysandflags", Arity: -4, Summary: "Extract keys and access flags given a full Redis command", Handler: cmdCommandGetkeys},
		&Command{Name: "command|help", Arity: 2, Summary: "Show helpful text about the different subcommands", Handler: cmdCommandHelp},
	)
	c.Arity = -1
	c.Handler = cmdCommand
	t.Register(c)
}

// COMMAND: COMMAND INFO for every command.
func cmdCommand(ctx *Ctx) error {
	cmds := sortedCommands(ctx.Server.table)
	ctx.W.Array(len(cmds))
	for _, c := range cmds {
		writeCommandInfo(ctx.W, c)
	}
	return nil
}

// COMMAND COUNT: the number of commands (subcommands not counted).
func cmdCommandCount(ctx *Ctx) error {
	ctx.W.Int(int64(len(ctx.Server.table.Commands())))
	return nil
}

// COMMAND INFO [command-name ...]: per name, the command's details in
// Redis 7.0's shape (nil for an unknown name); all commands without names.
// A subcommand is named "container|sub".
func cmdCommandInfo(ctx *Ctx) error {
	if len(ctx.Args) == 2 {
		return cmdCommand(ctx)
	}
	names := ctx.Args[2:]
	ctx.W.Array(len(names))
	for _, n := range names {
		if c := lookupFullName(ctx.Server.table, n); c != nil {
			writeCommandInfo(ctx.W, c)
		} else {
			ctx.W.Null()
		}
	}
	return nil
}

// COMMAND DOCS [command-name ...]: a map from each known command's name
// to its documentation (summary, since, group, complexity, arguments,
// subcommands), all commands without names. redis-cli builds its hints
// from it.
func cmdCommandDocs(ctx *Ctx) error {
	var cmds []*Command
	if len(ctx.Args) == 2 {
		cmds = sortedCommands(ctx.Server.table)
	} else {
		for _, n := range ctx.Args[2:] {
			if c := lookupFullName(ctx.Server.table, n); c != nil {
				cmds = append(cmds, c)
			}
		}
	}
	ctx.W.Map(len(cmds))
	for _, c := range cmds {
		ctx.W.BulkString(c.Name)
		writeCommandDocs(ctx.W, c)
	}
	return nil
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
// the names of all commands and subcommands, optionally filtered.
func cmdCommandList(ctx *Ctx) error {
	args := ctx.Args
	keep := func(*Command) bool { return true }
	switch {
	case len(args) == 2:
	case len(args) == 5 && equalFold(args[2], "filterby"):
		arg := args[4]
		switch {
		case equalFold(args[3], "module"):
			keep = func(*Command) bool { return false }
		case equalFold(args[3], "aclcat"):
			cat := strings.ToLower(string(arg))
			keep = func(c *Command) bool {
				for _, a := range strings.Fields(commandMetaFor(c).acl) {
					if a == cat {
						return true
					}
				}
				return false
			}
		case equalFold(args[3], "pattern"):
			pattern := []byte(strings.ToLower(string(arg)))
			keep = func(c *Command) bool { return glob.Match(pattern, []byte(c.Name)) }
		default:
			return ErrSyntax
		}
	default:
		return ErrSyntax
	}
	var names []string
	for _, c := range sortedCommands(ctx.Server.table) {
		if keep(c) {
			names = append(names, c.Name)
		}
		for _, sub := range sortedSubcommands(c) {
			if keep(sub) {
				names = append(names, sub.Name)
			}
		}
	}
	ctx.W.Array(len(names))
	for _, n := range names {
		ctx.W.BulkString(n)
	}
	return nil
}

// COMMAND GETKEYS command [arg ...] (and GETKEYSANDFLAGS): the key
// arguments of a full command line, found by its key specs; with flags,
// each key comes with its key spec's access flags.
func cmdCommandGetkeys(ctx *Ctx) error {
	line := ctx.Args[2:]
	c := ctx.Server.table.Lookup(line[0])
	if c != nil && len(c.Subcommands) > 0 && len(line) >= 2 {
		c = c.Subcommands[strings.ToLower(string(line[1]))]
	}
	if c == nil {
		return Error("ERR Invalid command specified")
	}
	specs := keySpecsFor(c)
	if len(specs) == 0 {
		return Error("ERR The command has no key arguments")
	}
	if !arityOK(c.Arity, len(line)) {
		return Error("ERR Invalid number of arguments specified for command")
	}
	type found struct {
		pos   int
		flags string
	}
	var keys []found
	for _, sp := range specs {
		first := sp.index
		if first >= len(line) {
			continue
		}
		last := first + sp.lastKey
		if sp.lastKey < 0 {
			last = len(line) + sp.lastKey
		}
		if last >= len(line) || last < first {
			continue
		}
		flags := sp.flags
		if strings.Contains(flags, "variable_flags") {
			flags = variableKeyFlags(c, line)
		}
		for i := first; i <= last; i += max(sp.step, 1) {
			keys = append(keys, found{i, flags})
		}
	}
	withFlags := ctx.Cmd.Name == "command|getkeysandflags"
	ctx.W.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			ctx.W.Bulk(line[k.pos])
			continue
		}
		ctx.W.Array(2)
		ctx.W.Bulk(line[k.pos])
		writeWords(ctx.W, k.flags, "")
	}
	return nil
}

// variableKeyFlags returns the key flags of a command whose key spec
// says they depend on the arguments: SET reads the old value only with GET.
func variableKeyFlags(c *Command, line [][]byte) string {
	if c.Name == "set" {
		for _, a := range line[3:] {
			if equalFold(a, "get") {
				return "RW access update"
			}
		}
		return "OW update"
	}
	return "RW access update"
}

// COMMAND HELP.
func cmdCommandHelp(ctx *Ctx) error {
	writeHelp(ctx.W, "COMMAND",
		"(no subcommand)",
		"    Return details about all commands.",
		"COUNT",
		"    Return the total number of commands in this server.",
		"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
		"    Return a list of all commands in this server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full command.",
	)
	return nil
}

// lookupFullName finds a command by its full name, "name" or
// "container|sub", case-insensitively.
func lookupFullName(t *Table, name []byte) *Command {
	parts := strings.Split(strings.ToLower(string(name)), "|")
	if len(parts) > 2 {
		return nil
	}
	c := t.Lookup([]byte(parts[0]))
	if c == nil || len(parts) == 1 {
		return c
	}
	return c.Subcommands[parts[1]]
}

func sortedCommands(t *Table) []*Command {
	cmds := t.Commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

func sortedSubcommands(c *Command) []*Command {
	subs := make([]*Command, 0, len(c.Subcommands))
	for _, s := range c.Subcommands {
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	return subs
}

// writeWords writes the space-separated words of s as a set of simple
// strings, each prefixed with prefix.
func writeWords(w *Writer, s, prefix string) {
	words := strings.Fields(s)
	w.Set(len(words))
	for _, word := range words {
		w.Simple(prefix + word)
	}
}

// writeCommandInfo writes one command's COMMAND INFO entry: name, arity,
// flags, first key, last key, step, ACL categories, tips, key specs and
// subcommands.
func writeCommandInfo(w *Writer, c *Command) {
	m := commandMetaFor(c)
	w.Array(10)
	w.BulkString(c.Name)
	w.Int(int64(c.Arity))
	writeWords(w, m.flags, "")
	w.Int(int64(c.FirstKey))
	w.Int(int64(c.LastKey))
	w.Int(int64(c.Step))
	writeWords(w, m.acl, "@")
	tips := strings.FieldsFunc(m.tips, func(r rune) bool { return r == ',' })
	w.Set(len(tips))
	for _, t := range tips {
		w.BulkString(t)
	}
	specs := keySpecsFor(c)
	w.Set(len(specs))
	for i, sp := range specs {
		if note := keySpecNotes[c.Name]; note != "" && i == 0 {
			w.Map(4)
			w.BulkString("notes")
			w.BulkString(note)
		} else {
			w.Map(3)
		}
		w.BulkString("flags")
		writeWords(w, sp.flags, "")
		w.BulkString("begin_search")
		w.Map(2)
		w.BulkString("type")
		w.BulkString("index")
		w.BulkString("spec")
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(sp.index))
		w.BulkString("find_keys")
		w.Map(2)
		w.BulkString("type")
		w.BulkString("range")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("lastkey")
		w.Int(int64(sp.lastKey))
		w.BulkString("keystep")
		w.Int(int64(sp.step))
		w.BulkString("limit")
		w.Int(0)
	}
	if len(c.Subcommands) == 0 {
		w.Set(0)
		return
	}
	subs := sortedSubcommands(c)
	w.Array(len(subs))
	for _, s := range subs {
		writeCommandInfo(w, s)
	}
}

// writeCommandDocs writes one command's COMMAND DOCS map.
func writeCommandDocs(w *Writer, c *Command) {
	m := commandMetaFor(c)
	args := parseArgSpec(m.args)
	n := 4
	if len(args) > 0 {
		n++
	}
	if len(c.Subcommands) > 0 {
		n++
	}
	w.Map(n)
	w.BulkString("summary")
	w.BulkString(c.Summary)
	w.BulkString("since")
	w.BulkString(m.since)
	w.BulkString("group")
	w.BulkString(c.Group)
	w.BulkString("complexity")
	w.BulkString(m.complexity)
	if len(args) > 0 {
		w.BulkString("arguments")
		writeArgDocs(w, args)
	}
	if len(c.Subcommands) > 0 {
		subs := sortedSubcommands(c)
		w.BulkString("subcommands")
		w.Map(len(subs))
		for _, s := range subs {
			w.BulkString(s.Name)
			writeCommandDocs(w, s)
		}
	}
}

// keySpec is a begin-search-by-index, find-keys-by-range key spec, the
// only kind the commands here need.
type keySpec struct {
	flags   string
	index   int // position of the first key
	lastKey int // last key relative to index; negative counts from the end
	step    int
}

// keySpecsFor returns c's key specs: from the metadata table when c is a
// Redis command, else derived from its key positions and flags.
func keySpecsFor(c *Command) []keySpec {
	if m, ok := commandMeta[c.Name]; ok {
		var specs []keySpec
		for _, s := range strings.Split(m.keys, ";") {
			if s == "" {
				continue
			}
			flags, pos, _ := strings.Cut(s, "@")
			nums := strings.Split(pos, ":")
			if len(nums) != 3 {
				continue
			}
			idx, _ := strconv.Atoi(nums[0])
			last, _ := strconv.Atoi(nums[1])
			step, _ := strconv.Atoi(nums[2])
			specs = append(specs, keySpec{flags, idx, last, step})
		}
		return specs
	}
	if c.FirstKey <= 0 {
		return nil
	}
	flags := "RO access"
	if c.Flags&FlagWrite != 0 {
		flags = "RW update"
	}
	last := c.LastKey
	if last >= 0 {
		last -= c.FirstKey
	}
	return []keySpec{{flags, c.FirstKey, last, max(c.Step, 1)}}
}

// keySpecNotes are the notes Redis attaches to a command's first key spec.
var keySpecNotes = map[string]string{
	"set":   "RW and ACCESS due to the optional `GET` argument",
	"getex": "RW and UPDATE because it changes the TTL",
}

// cmdMeta is what COMMAND INFO and DOCS report beyond the Command struct.
type cmdMeta struct {
	flags      string // command flags, in Redis's order
	acl        string // ACL categories, without '@', in Redis's order
	tips       string // comma-separated
	keys       string // key specs "FLAGS@index:lastkey:step", ';'-separated
	since      string
	complexity string
	args       string // argument syntax, see parseArgSpec
}

// commandMetaFor returns c's metadata: Redis 7.0's for Redis commands,
// derived from the Command for others (the table commands).
func commandMetaFor(c *Command) cmdMeta {
	if m, ok := commandMeta[c.Name]; ok {
		return m
	}
	var flags []string
	for _, f := range []struct {
		flag Flags
		name string
	}{{FlagWrite | FlagTableWrite, "write"}, {FlagRead, "readonly"}, {FlagAdmin, "admin"}, {FlagFast, "fast"}, {FlagNoAuth, "no_auth"}, {FlagNoMulti, "no_multi"}} {
		if c.Flags&f.flag != 0 {
			flags = append(flags, f.name)
		}
	}
	var acl []string
	switch c.Group {
	case "generic":
		acl = append(acl, "keyspace")
	}
	if c.Flags&FlagRead != 0 {
		acl = append(acl, "read")
	}
	if c.writes() {
		acl = append(acl, "write")
	}
	switch c.Group {
	case "hash", "string":
		acl = append(acl, c.Group)
	}
	if c.Flags&FlagAdmin != 0 {
		acl = append(acl, "admin")
	}
	if c.Flags&FlagFast != 0 {
		acl = append(acl, "fast")
	} else {
		acl = append(acl, "slow")
	}
	if c.Flags&FlagAdmin != 0 {
		acl = append(acl, "dangerous")
	}
	switch c.Group {
	case "connection":
		acl = append(acl, "connection")
	case "transactions":
		acl = append(acl, "transaction")
	}
	return cmdMeta{flags: strings.Join(flags, " "), acl: strings.Join(acl, " "), since: "1.0.0", complexity: "O(N)"}
}

// argSpec is one argument of a command's documentation.
type argSpec struct {
	name, typ, token string
	keySpecIndex     int // for type "key"
	optional         bool
	multiple         bool
	multipleToken    bool      // the token repeats before each value
	args             []argSpec // oneof alternatives or block members
}

// parseArgSpec parses the compact argument syntax of the metadata table:
// arguments separated by spaces, each
//
//	[?][TOKEN=]name[#type][@TOKEN | (alt|alt...) | {arg arg...}][...]
//
// where '?' makes it optional, "TOKEN=" gives the token before its value,
// "#type" its type (default string), "@TOKEN" makes it a pure token,
// "(...)" a oneof, "{...}" a block and "..." repeatable ("...+" with the
// token repeated before each value). Key arguments get
// key spec indexes in order of appearance.
func parseArgSpec(s string) []argSpec {
	p := argParser{s: s}
	return p.list(0)
}

type argParser struct {
	s      string
	i      int
	keyIdx int
}

// list parses arguments until end (0 for the end of input), separated by
// spaces, or by '|' inside a oneof.
func (p *argParser) list(end byte) []argSpec {
	var out []argSpec
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '|':
			p.i++
			continue
		case end:
			p.i++
			return out
		}
		out = append(out, p.arg())
	}
	return out
}

func (p *argParser) word() string {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" #@=(){}|", rune(p.s[p.i])) && !strings.HasPrefix(p.s[p.i:], "...") {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *argParser) arg() argSpec {
	a := argSpec{typ: "string"}
	if p.i < len(p.s) && p.s[p.i] == '?' {
		a.optional = true
		p.i++
	}
	a.name = p.word()
	if p.i < len(p.s) && p.s[p.i] == '=' {
		p.i++
		a.token = a.name
		a.name = p.word()
	}
	if p.i < len(p.s) && p.s[p.i] == '@' {
		p.i++
		a.typ, a.token = "pure-token", p.word()
		if a.name == "" {
			a.name = strings.ToLower(a.token)
		}
	}
	if p.i < len(p.s) && p.s[p.i] == '#' {
		p.i++
		a.typ = p.word()
	}
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '(':
			p.i++
			a.typ = "oneof"
			a.args = p.list(')')
		case '{':
			p.i++
			a.typ = "block"
			a.args = p.list('}')
		}
	}
	if a.typ == "key" {
		a.keySpecIndex = p.keyIdx
		p.keyIdx++
	}
	if strings.HasPrefix(p.s[p.i:], "...") {
		a.multiple = true
		p.i += 3
		if p.i < len(p.s) && p.s[p.i] == '+' {
			a.multipleToken = true
			p.i++
		}
	}
	return a
}

// writeArgDocs writes arguments as COMMAND DOCS does: an array of maps
// with name, type, key_spec_index, token, flags and nested arguments.
func writeArgDocs(w *Writer, args []argSpec) {
	w.Array(len(args))
	for _, a := range args {
		n := 2
		if a.typ == "key" {
			n++
		}
		if a.token != "" {
			n++
		}
		var flags []string
		if a.optional {
			flags = append(flags, "optional")
		}
		if a.multiple {
			flags = append(flags, "multiple")
		}
		if a.multipleToken {
			flags = append(flags, "multiple_token")
		}
		if len(flags) > 0 {
			n++
		}
		if len(a.args) > 0 {
			n++
		}
		w.Map(n)
		w.BulkString("name")
		w.BulkString(a.name)
		w.BulkString("type")
		w.BulkString(a.typ)
		if a.typ == "key" {
			w.BulkString("key_spec_index")
			w.Int(int64(a.keySpecIndex))
		}
		if a.token != "" {
			w.BulkString("token")
			w.BulkString(a.token)
		}
		if len(flags) > 0 {
			w.BulkString("flags")
			writeWords(w, strings.Join(flags, " "), "")
		}
		if len(a.args) > 0 {
			w.BulkString("arguments")
			writeArgDocs(w, a.args)
		}
	}
}

// Argument syntaxes shared by several commands.
const (
	argsExpireCond = "?condition(@NX|@XX|@GT|@LT)"
	argsExpiration = "EX=seconds#integer|PX=milliseconds#integer|EXAT=unix-time-seconds#unix-time|PXAT=unix-time-milliseconds#unix-time"
	argsClientType = "normal@NORMAL|master@MASTER|replica@REPLICA|pubsub@PUBSUB"
)

// commandMeta holds Redis 7.0's flags, ACL categories, tips and key specs
// of the Redis commands served here, with their documentation.
var commandMeta = map[string]cmdMeta{
	// connection
	"ping":   {"fast", "fast connection", "request_policy:all_shards,response_policy:all_succeeded", "", "1.0.0", "O(1)", "?message"},
	"echo":   {"loading stale fast", "fast connection", "", "", "1.0.0", "O(1)", "message"},
	"quit":   {"noscript loading stale fast no_auth allow_busy", "fast connection", "", "", "1.0.0", "O(1)", ""},
	"reset":  {"noscript loading stale fast no_auth allow_busy", "fast connection", "", "", "6.2.0", "O(1)", ""},
	"hello":  {"noscript loading stale fast no_auth allow_busy", "fast connection", "", "", "6.0.0", "O(1)", "?arguments{protover#integer ?AUTH=username_password{username password} ?SETNAME=clientname}"},
	"auth":   {"noscript loading stale fast no_auth allow_busy", "fast connection", "", "", "1.0.0", "O(N) where N is the number of passwords defined for the user", "?username password"},
	"select": {"loading stale fast", "fast connection", "", "", "1.0.0", "O(1)", "index#integer"},

	"client":                  {"", "slow", "", "", "2.4.0", "Depends on subcommand.", ""},
	"client|id":               {"noscript loading stale", "slow connection", "", "", "5.0.0", "O(1)", ""},
	"client|info":             {"noscript loading stale", "slow connection", "nondeterministic_output", "", "6.2.0", "O(1)", ""},
	"client|list":             {"admin noscript loading stale", "admin slow dangerous connection", "nondeterministic_output", "", "2.4.0", "O(N) where N is the number of client connections", "?TYPE=normal_master_replica_pubsub(" + argsClientType + ") ?ID=id{client-id#integer...}"},
	"client|getname":          {"noscript loading stale", "slow connection", "", "", "2.6.9", "O(1)", ""},
	"client|setname":          {"noscript loading stale", "slow connection", "", "", "2.6.9", "O(1)", "connection-name"},
	"client|setinfo":          {"noscript loading stale", "slow connection", "request_policy:all_nodes,response_policy:all_succeeded", "", "7.2.0", "O(1)", "attr(LIB-NAME=libname|LIB-VER=libver)"},
	"client|kill":             {"admin noscript loading stale", "admin slow dangerous connection", "", "", "2.4.0", "O(N) where N is the number of client connections", "filter(ip:port|new-format(?ID=client-id#integer|?TYPE=normal_master_slave_pubsub(normal@NORMAL|master@MASTER|slave@SLAVE|replica@REPLICA|pubsub@PUBSUB)|?USER=username|?ADDR=ip:port|?LADDR=ip:port|?SKIPME=yes/no)...)"},
	"client|no-evict":         {"admin noscript loading stale", "admin slow dangerous connection", "", "", "7.0.0", "O(1)", "enabled(on@ON|off@OFF)"},
	"client|no-touch":         {"noscript loading stale", "slow connection", "", "", "7.2.0", "O(1)", "enabled(on@ON|off@OFF)"},
	"client|getredir":         {"noscript loading stale", "slow connection", "", "", "6.0.0", "O(1)", ""},
	"client|tracking":         {"noscript loading stale", "slow connection", "", "", "6.0.0", "O(1). Some options may introduce additional complexity.", "status(on@ON|off@OFF) ?REDIRECT=client-id#integer ?PREFIX=prefix...+ ?bcast@BCAST ?optin@OPTIN ?optout@OPTOUT ?noloop@NOLOOP"},
	"client|caching":          {"noscript loading stale", "slow connection", "", "", "6.0.0", "O(1)", "mode(yes@YES|no@NO)"},
	"client|help":             {"loading stale", "slow connection", "", "", "5.0.0", "O(1)", ""},
	"command":                 {"loading stale", "slow connection", "nondeterministic_output_order", "", "2.8.13", "O(N) where N is the total number of commands", ""},
	"command|count":           {"loading stale", "slow connection", "", "", "2.8.13", "O(1)", ""},
	"command|info":            {"loading stale", "slow connection", "nondeterministic_output_order", "", "2.8.13", "O(N) where N is the number of commands to look up", "?command-name..."},
	"command|docs":            {"loading stale", "slow connection", "nondeterministic_output_order", "", "7.0.0", "O(N) where N is the number of commands to look up", "?command-name..."},
	"command|list":            {"loading stale", "slow connection", "nondeterministic_output_order", "", "7.0.0", "O(N) where N is the total number of commands", "?FILTERBY=filterby(MODULE=module-name|ACLCAT=category|PATTERN=pattern#pattern)"},
	"command|getkeys":         {"loading stale", "slow connection", "", "", "2.8.13", "O(N) where N is the number of arguments to the command", ""},
	"command|getkeysandflags": {"loading stale", "slow connection", "", "", "7.0.0", "O(N) where N is the number of arguments to the command", ""},
	"command|help":            {"loading stale", "slow connection", "", "", "5.0.0", "O(1)", ""},

	// transactions
	"multi":   {"noscript loading stale fast allow_busy", "fast transaction", "", "", "1.2.0", "O(1)", ""},
	"exec":    {"noscript loading stale skip_slowlog", "slow transaction", "", "", "1.2.0", "Depends on commands in the transaction", ""},
	"discard": {"noscript loading stale fast allow_busy", "fast transaction", "", "", "2.0.0", "O(N), when N is the number of queued commands", ""},
	"watch":   {"noscript loading stale fast allow_busy", "fast transaction", "", "RO@1:-1:1", "2.2.0", "O(1) for every key", "key#key..."},
	"unwatch": {"noscript loading stale fast allow_busy", "fast transaction", "", "", "2.2.0", "O(1)", ""},

	// strings
	"get":         {"readonly fast", "read string fast", "", "RO access@1:0:1", "1.0.0", "O(1)", "key#key"},
	"set":         {"write denyoom", "write string slow", "", "RW access update variable_flags@1:0:1", "1.0.0", "O(1)", "key#key value ?condition(@NX|@XX) ?get@GET ?expiration(" + argsExpiration + "|keepttl@KEEPTTL)"},
	"setnx":       {"write denyoom fast", "write string fast", "", "OW insert@1:0:1", "1.0.0", "O(1)", "key#key value"},
	"setex":       {"write denyoom", "write string slow", "", "OW update@1:0:1", "2.0.0", "O(1)", "key#key seconds#integer value"},
	"psetex":      {"write denyoom", "write string slow", "", "OW update@1:0:1", "2.6.0", "O(1)", "key#key milliseconds#integer value"},
	"mget":        {"readonly fast", "read string fast", "request_policy:multi_shard", "RO access@1:-1:1", "1.0.0", "O(N) where N is the number of keys to retrieve", "key#key..."},
	"mset":        {"write denyoom", "write string slow", "request_policy:multi_shard,response_policy:all_succeeded", "OW update@1:-1:2", "1.0.1", "O(N) where N is the number of keys to set", "key_value{key#key value}..."},
	"msetnx":      {"write denyoom", "write string slow", "request_policy:multi_shard,response_policy:agg_min", "OW insert@1:-1:2", "1.0.1", "O(N) where N is the number of keys to set", "key_value{key#key value}..."},
	"getset":      {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "1.0.0", "O(1)", "key#key value"},
	"getdel":      {"write fast", "write string fast", "", "RW access delete@1:0:1", "6.2.0", "O(1)", "key#key"},
	"getex":       {"write fast", "write string fast", "", "RW access update@1:0:1", "6.2.0", "O(1)", "key#key ?expiration(" + argsExpiration + "|persist@PERSIST)"},
	"append":      {"write denyoom fast", "write string fast", "", "RW insert@1:0:1", "2.0.0", "O(1)", "key#key value"},
	"strlen":      {"readonly fast", "read string fast", "", "RO@1:0:1", "2.2.0", "O(1)", "key#key"},
	"incr":        {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "1.0.0", "O(1)", "key#key"},
	"decr":        {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "1.0.0", "O(1)", "key#key"},
	"incrby":      {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "1.0.0", "O(1)", "key#key increment#integer"},
	"decrby":      {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "1.0.0", "O(1)", "key#key decrement#integer"},
	"incrbyfloat": {"write denyoom fast", "write string fast", "", "RW access update@1:0:1", "2.6.0", "O(1)", "key#key increment#double"},
	"getrange":    {"readonly", "read string slow", "", "RO access@1:0:1", "2.4.0", "O(N) where N is the length of the returned string", "key#key start#integer end#integer"},
	"setrange":    {"write denyoom", "write string slow", "", "RW update@1:0:1", "2.2.0", "O(1), not counting the time to copy the new string in place", "key#key offset#integer value"},
	"substr":      {"readonly", "read string slow", "", "RO access@1:0:1", "1.0.0", "O(N) where N is the length of the returned string", "key#key start#integer end#integer"},

	// hashes
	"hset":         {"write denyoom fast", "write hash fast", "", "RW update@1:0:1", "2.0.0", "O(1) for each field/value pair added", "key#key field_value{field value}..."},
	"hsetnx":       {"write denyoom fast", "write hash fast", "", "RW insert@1:0:1", "2.0.0", "O(1)", "key#key field value"},
	"hmset":        {"write denyoom fast", "write hash fast", "", "RW update@1:0:1", "2.0.0", "O(N) where N is the number of fields being set", "key#key field_value{field value}..."},
	"hget":         {"readonly fast", "read hash fast", "", "RO access@1:0:1", "2.0.0", "O(1)", "key#key field"},
	"hmget":        {"readonly fast", "read hash fast", "", "RO access@1:0:1", "2.0.0", "O(N) where N is the number of fields being requested", "key#key field..."},
	"hgetall":      {"readonly", "read hash slow", "nondeterministic_output_order", "RO access@1:0:1", "2.0.0", "O(N) where N is the size of the hash", "key#key"},
	"hkeys":        {"readonly", "read hash slow", "nondeterministic_output_order", "RO access@1:0:1", "2.0.0", "O(N) where N is the size of the hash", "key#key"},
	"hvals":        {"readonly", "read hash slow", "nondeterministic_output_order", "RO access@1:0:1", "2.0.0", "O(N) where N is the size of the hash", "key#key"},
	"hdel":         {"write fast", "write hash fast", "", "RW delete@1:0:1", "2.0.0", "O(N) where N is the number of fields to be removed", "key#key field..."},
	"hexists":      {"readonly fast", "read hash fast", "", "RO@1:0:1", "2.0.0", "O(1)", "key#key field"},
	"hlen":         {"readonly fast", "read hash fast", "", "RO@1:0:1", "2.0.0", "O(1)", "key#key"},
	"hstrlen":      {"readonly fast", "read hash fast", "", "RO@1:0:1", "3.2.0", "O(1)", "key#key field"},
	"hincrby":      {"write denyoom fast", "write hash fast", "", "RW access update@1:0:1", "2.0.0", "O(1)", "key#key field increment#integer"},
	"hincrbyfloat": {"write denyoom fast", "write hash fast", "", "RW access update@1:0:1", "2.6.0", "O(1)", "key#key field increment#double"},
	"hrandfield":   {"readonly", "read hash slow", "nondeterministic_output", "RO access@1:0:1", "6.2.0", "O(N) where N is the number of fields returned", "key#key ?options{count#integer ?withvalues@WITHVALUES}"},
	"hscan":        {"readonly", "read hash slow", "nondeterministic_output", "RO access@1:0:1", "2.8.0", "O(1) for every call, O(N) for a complete iteration", "key#key cursor#integer ?MATCH=pattern#pattern ?COUNT=count#integer"},

	// generic
	"del":         {"write", "keyspace write slow", "request_policy:multi_shard,response_policy:agg_sum", "RM delete@1:-1:1", "1.0.0", "O(N) where N is the number of keys that will be removed", "key#key..."},
	"unlink":      {"write fast", "keyspace write fast", "request_policy:multi_shard,response_policy:agg_sum", "RM delete@1:-1:1", "4.0.0", "O(1) for each key removed", "key#key..."},
	"exists":      {"readonly fast", "keyspace read fast", "request_policy:multi_shard,response_policy:agg_sum", "RO@1:-1:1", "1.0.0", "O(N) where N is the number of keys to check", "key#key..."},
	"type":        {"readonly fast", "keyspace read fast", "", "RO@1:0:1", "1.0.0", "O(1)", "key#key"},
	"touch":       {"readonly fast", "keyspace read fast", "request_policy:multi_shard,response_policy:agg_sum", "RO@1:-1:1", "3.2.1", "O(N) where N is the number of keys that will be touched", "key#key..."},
	"expire":      {"write fast", "keyspace write fast", "", "RW update@1:0:1", "1.0.0", "O(1)", "key#key seconds#integer " + argsExpireCond},
	"pexpire":     {"write fast", "keyspace write fast", "", "RW update@1:0:1", "2.6.0", "O(1)", "key#key milliseconds#integer " + argsExpireCond},
	"expireat":    {"write fast", "keyspace write fast", "", "RW update@1:0:1", "1.2.0", "O(1)", "key#key unix-time-seconds#unix-time " + argsExpireCond},
	"pexpireat":   {"write fast", "keyspace write fast", "", "RW update@1:0:1", "2.6.0", "O(1)", "key#key unix-time-milliseconds#unix-time " + argsExpireCond},
	"ttl":         {"readonly fast", "keyspace read fast", "nondeterministic_output", "RO access@1:0:1", "1.0.0", "O(1)", "key#key"},
	"pttl":        {"readonly fast", "keyspace read fast", "nondeterministic_output", "RO access@1:0:1", "2.6.0", "O(1)", "key#key"},
	"expiretime":  {"readonly fast", "keyspace read fast", "", "RO access@1:0:1", "7.0.0", "O(1)", "key#key"},
	"pexpiretime": {"readonly fast", "keyspace read fast", "", "RO access@1:0:1", "7.0.0", "O(1)", "key#key"},
	"persist":     {"write fast", "keyspace write fast", "", "RW update@1:0:1", "2.2.0", "O(1)", "key#key"},
	"keys":        {"readonly", "keyspace read slow dangerous", "request_policy:all_shards,nondeterministic_output_order", "", "1.0.0", "O(N) with N being the number of keys in the database", "pattern#pattern"},
	"scan":        {"readonly", "keyspace read slow", "nondeterministic_output,request_policy:special", "", "2.8.0", "O(1) for every call, O(N) for a complete iteration", "cursor#integer ?MATCH=pattern#pattern ?COUNT=count#integer ?TYPE=type"},
	"rename":      {"write", "keyspace write slow", "", "RW access delete@1:0:1;OW update@2:0:1", "1.0.0", "O(1)", "key#key newkey#key"},
	"renamenx":    {"write fast", "keyspace write fast", "", "RW access delete@1:0:1;OW insert@2:0:1", "1.0.0", "O(1)", "key#key newkey#key"},
	"copy":        {"write denyoom", "keyspace write slow", "", "RO access@1:0:1;OW update@2:0:1", "6.2.0", "O(N) worst case for collections, where N is the number of nested items", "source#key destination#key ?DB=destination-db#integer ?replace@REPLACE"},
	"randomkey":   {"readonly", "keyspace read slow", "request_policy:all_shards,nondeterministic_output", "", "1.0.0", "O(1)", ""},

	// server
	"info":             {"loading stale", "slow dangerous", "nondeterministic_output,request_policy:all_shards,response_policy:special", "", "1.0.0", "O(1)", "?section..."},
	"dbsize":           {"readonly fast", "keyspace read fast", "request_policy:all_shards,response_policy:agg_sum", "", "1.0.0", "O(1)", ""},
	"flushdb":          {"write", "keyspace write slow dangerous", "request_policy:all_shards,response_policy:all_succeeded", "", "1.0.0", "O(N) where N is the total number of keys in the database", "?async(async@ASYNC|sync@SYNC)"},
	"flushall":         {"write", "keyspace write slow dangerous", "request_policy:all_shards,response_policy:all_succeeded", "", "1.0.0", "O(N) where N is the total number of keys in all databases", "?async(async@ASYNC|sync@SYNC)"},
	"time":             {"loading stale fast", "fast", "nondeterministic_output", "", "2.6.0", "O(1)", ""},
	"role":             {"noscript loading stale fast", "admin fast dangerous", "", "", "2.8.12", "O(1)", ""},
	"lastsave":         {"loading stale fast", "admin fast dangerous", "nondeterministic_output", "", "1.0.0", "O(1)", ""},
	"config":           {"", "slow", "", "", "2.0.0", "Depends on subcommand.", ""},
	"config|get":       {"admin noscript loading stale", "admin slow dangerous", "", "", "2.0.0", "O(N) when N is the number of configuration parameters provided", "parameter{parameter}..."},
	"config|set":       {"admin noscript loading stale", "admin slow dangerous", "request_policy:all_nodes,response_policy:all_succeeded", "", "2.0.0", "O(N) when N is the number of configuration parameters provided", "parameter_value{parameter value}..."},
	"config|resetstat": {"admin noscript loading stale", "admin slow dangerous", "", "", "2.0.0", "O(1)", ""},
	"config|rewrite":   {"admin noscript loading stale", "admin slow dangerous", "", "", "2.8.0", "O(1)", ""},
	"config|help":      {"loading stale", "slow", "", "", "5.0.0", "O(1)", ""},
	"slowlog":          {"", "slow", "", "", "2.2.12", "Depends on subcommand.", ""},
	"slowlog|get":      {"admin loading stale", "admin slow dangerous", "request_policy:all_nodes,nondeterministic_output", "", "2.2.12", "O(N) where N is the number of entries returned", "?count#integer"},
	"slowlog|len":      {"admin loading stale", "admin slow dangerous", "request_policy:all_nodes,response_policy:agg_sum,nondeterministic_output", "", "2.2.12", "O(1)", ""},
	"slowlog|reset":    {"admin loading stale", "admin slow dangerous", "request_policy:all_nodes,response_policy:all_succeeded", "", "2.2.12", "O(N) where N is the number of entries in the slowlog", ""},
	"slowlog|help":     {"loading stale", "slow", "", "", "6.2.0", "O(1)", ""},
}
