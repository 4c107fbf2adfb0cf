package resp

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

func registerConfigCmd(t *Table) {
	t.Register(container("config", "server", "A container for server configuration commands",
		&Command{Name: "config|get", Arity: -3, Flags: FlagAdmin, Summary: "Get the values of configuration parameters", Handler: cmdConfigGet},
		&Command{Name: "config|set", Arity: -4, Flags: FlagAdmin, Summary: "Set configuration parameters to the given values", Handler: cmdConfigSet},
		&Command{Name: "config|resetstat", Arity: 2, Flags: FlagAdmin, Summary: "Reset the stats returned by INFO", Handler: cmdConfigResetstat},
		&Command{Name: "config|rewrite", Arity: 2, Flags: FlagAdmin, Summary: "Rewrite the configuration file with the in memory configuration", Handler: cmdConfigRewrite},
		&Command{Name: "config|help", Arity: 2, Summary: "Show helpful text about the different subcommands", Handler: cmdConfigHelp},
	))
}

// paramKind says how CONFIG SET validates and normalises a parameter.
type paramKind int

const (
	paramString    paramKind = iota // any value
	paramBool                       // yes|no
	paramInt                        // strict integer in [min, max]
	paramMemory                     // memory value (1gb, 100mb, 5k) in [min, max]
	paramEnum                       // one of values
	paramImmutable                  // set at startup only
	paramSave                       // "<seconds> <changes> ..." pairs
	paramNotify                     // notify-keyspace-events classes
)

// paramSpec describes one CONFIG parameter as Redis 7.0 validates it.
type paramSpec struct {
	kind     paramKind
	min, max int64
	values   []string // paramEnum, in the order Redis lists them in errors
	alias    string   // the other name of the same parameter
	clampMin int64    // paramInt: values below are stored as clampMin (hz)
	clampMax int64    // paramInt: values above are stored as clampMax (hz); 0 = none
	refuse   map[string]string
}

const (
	maxInt32 = math.MaxInt32
	maxInt64 = math.MaxInt64
)

// paramSpecs covers every parameter of the configStore. Those the server
// does not act on are validated and remembered, so tools that set them
// get Redis's answers.
var paramSpecs = map[string]paramSpec{
	"requirepass":                 {kind: paramString},
	"maxclients":                  {kind: paramInt, min: 1, max: math.MaxUint32},
	"proto-max-bulk-len":          {kind: paramMemory, min: 1 << 20, max: maxInt64},
	"client-query-buffer-limit":   {kind: paramMemory, min: 1 << 20, max: maxInt64},
	"databases":                   {kind: paramImmutable},
	"save":                        {kind: paramSave},
	"appendonly":                  {kind: paramBool},
	"appendfsync":                 {kind: paramEnum, values: []string{"everysec", "always", "no"}},
	"maxmemory":                   {kind: paramMemory, min: 0, max: maxInt64},
	"maxmemory-policy":            {kind: paramEnum, values: []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}},
	"timeout":                     {kind: paramInt, min: 0, max: maxInt32},
	"tcp-keepalive":               {kind: paramInt, min: 0, max: maxInt32},
	"hz":                          {kind: paramInt, min: 0, max: maxInt32, clampMin: 1, clampMax: 500},
	"lazyfree-lazy-user-del":      {kind: paramBool},
	"lazyfree-lazy-expire":        {kind: paramBool},
	"notify-keyspace-events":      {kind: paramNotify},
	"slowlog-log-slower-than":     {kind: paramInt, min: -1, max: maxInt64},
	"slowlog-max-len":             {kind: paramInt, min: 0, max: maxInt64},
	"latency-tracking":            {kind: paramBool},
	"hash-max-listpack-entries":   {kind: paramInt, min: 0, max: maxInt64, alias: "hash-max-ziplist-entries"},
	"hash-max-listpack-value":     {kind: paramMemory, min: 0, max: maxInt64, alias: "hash-max-ziplist-value"},
	"hash-max-ziplist-entries":    {kind: paramInt, min: 0, max: maxInt64, alias: "hash-max-listpack-entries"},
	"hash-max-ziplist-value":      {kind: paramMemory, min: 0, max: maxInt64, alias: "hash-max-listpack-value"},
	"loglevel":                    {kind: paramEnum, values: []string{"debug", "verbose", "notice", "warning"}},
	"protected-mode":              {kind: paramBool},
	"io-threads":                  {kind: paramImmutable},
	"activedefrag":                {kind: paramBool, refuse: map[string]string{"yes": "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"}},
	"lua-time-limit":              {kind: paramInt, min: 0, max: maxInt64, alias: "busy-reply-threshold"},
	"busy-reply-threshold":        {kind: paramInt, min: 0, max: maxInt64, alias: "lua-time-limit"},
	"cluster-enabled":             {kind: paramImmutable},
	"replica-read-only":           {kind: paramBool},
	"min-replicas-to-write":       {kind: paramInt, min: 0, max: maxInt32},
	"stop-writes-on-bgsave-error": {kind: paramBool},
}

// CONFIG GET pattern [pattern ...]: the parameters whose names match any
// glob pattern (case-insensitively) with their values, as a map. A
// pattern without glob characters is looked up exactly and answered
// under the name as given.
func cmdConfigGet(ctx *Ctx) error {
	s := ctx.Server
	all := s.config.Get([]byte("*"))
	values := make(map[string]string, len(all))
	for _, kv := range all {
		values[kv[0]] = kv[1]
	}
	var out [][2]string
	seen := map[string]bool{}
	for _, p := range ctx.Args[2:] {
		pattern := strings.ToLower(string(p))
		if !strings.ContainsAny(pattern, "[*?") {
			if v, ok := values[pattern]; ok && !seen[pattern] {
				seen[pattern] = true
				out = append(out, [2]string{string(p), s.configShown(pattern, v)})
			}
			continue
		}
		for _, kv := range all {
			if !seen[kv[0]] && glob.Match([]byte(pattern), []byte(kv[0])) {
				seen[kv[0]] = true
				out = append(out, [2]string{kv[0], s.configShown(kv[0], kv[1])})
			}
		}
	}
	ctx.W.Map(len(out))
	for _, kv := range out {
		ctx.W.BulkString(kv[0])
		ctx.W.BulkString(kv[1])
	}
	return nil
}

// configShown is the value CONFIG GET shows: the stored one, except
// where the server's actual setting is fixed elsewhere.
func (s *Server) configShown(name, value string) string {
	if name == "appendfsync" {
		return string(s.db.Metrics().FsyncPolicy)
	}
	return value
}

// CONFIG SET parameter value [parameter value ...]: validate every pair,
// then apply them all; nothing changes if any is refused. Replies +OK.
func cmdConfigSet(ctx *Ctx) error {
	args, s := ctx.Args, ctx.Server
	if len(args)%2 != 0 {
		return ErrSyntax
	}
	type change struct{ name, value string }
	var changes []change
	seen := map[string]bool{}
	// First the names, in order, as Redis: the first unknown, immutable
	// or repeated parameter is the error.
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		sp, ok := paramSpecs[name]
		switch {
		case !ok || !s.config.Known(name):
			return Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(cstr(args[i])) + "'")
		case sp.kind == paramImmutable:
			return configSetError(string(args[i]), "can't set immutable config")
		case seen[name]:
			return configSetError(string(args[i]), "duplicate parameter")
		}
		seen[name] = true
		changes = append(changes, change{name, string(args[i+1])})
	}
	// Then the values, all before anything is stored.
	for i := range changes {
		v, why := s.validateParam(changes[i].name, changes[i].value)
		if why != "" {
			return configSetError(changes[i].name, why)
		}
		changes[i].value = v
	}
	for _, c := range changes {
		s.config.Set(c.name, c.value)
		if alias := paramSpecs[c.name].alias; alias != "" && s.config.Known(alias) {
			s.config.Set(alias, c.value)
		}
	}
	ctx.W.OK()
	return nil
}

func configSetError(name, msg string) error {
	return Error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + msg)
}

// validateParam checks value for the parameter name and returns what to
// store, or the reason it is refused.
func (s *Server) validateParam(name, value string) (string, string) {
	sp := paramSpecs[name]
	if why, ok := sp.refuse[strings.ToLower(value)]; ok {
		return "", why
	}
	switch sp.kind {
	case paramBool:
		switch strings.ToLower(value) {
		case "yes":
			return "yes", ""
		case "no":
			return "no", ""
		}
		return "", "argument must be 'yes' or 'no'"
	case paramEnum:
		for _, v := range sp.values {
			if strings.EqualFold(v, value) {
				if name == "appendfsync" {
					if cur := string(s.db.Metrics().FsyncPolicy); v != cur {
						return "", "the fsync policy is fixed at startup (--fsync " + cur + ")"
					}
				}
				return v, ""
			}
		}
		return "", "argument(s) must be one of the following: " + strings.Join(sp.values, ", ")
	case paramInt:
		n, ok := parseInt([]byte(value))
		if !ok {
			return "", "argument couldn't be parsed into an integer"
		}
		if n < sp.min || n > sp.max {
			return "", "argument must be between " + strconv.FormatInt(sp.min, 10) + " and " +
				strconv.FormatInt(sp.max, 10) + " inclusive"
		}
		if sp.clampMax != 0 {
			n = min(max(n, sp.clampMin), sp.clampMax)
		}
		return strconv.FormatInt(n, 10), ""
	case paramMemory:
		n, ok := parseMemory(value)
		if !ok {
			return "", "argument must be a memory value"
		}
		if n > uint64(sp.max) || int64(n) < sp.min {
			return "", "argument must be between " + strconv.FormatInt(sp.min, 10) + " and " +
				strconv.FormatInt(sp.max, 10) + " inclusive"
		}
		return strconv.FormatUint(n, 10), ""
	case paramSave:
		return normalizeSave(value)
	case paramNotify:
		return normalizeNotify(value)
	}
	return value, ""
}

// parseMemory parses a memory value as Redis's memtoull: digits and an
// optional unit (b, k, kb, m, mb, g, gb; case-insensitive; k = 1000,
// kb = 1024).
func parseMemory(s string) (uint64, bool) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i == 0 {
		return 0, true // strtoull("") is 0, as Redis accepts it
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil || n > math.MaxUint64/mul {
		return 0, false
	}
	return n * mul, true
}

// normalizeSave validates "save": space-separated <seconds> <changes>
// pairs, or "" for none, and formats it as CONFIG GET shows it.
func normalizeSave(v string) (string, string) {
	if v == "" {
		return "", ""
	}
	parts := strings.Split(v, " ")
	if len(parts)%2 != 0 {
		return "", "Invalid save parameters"
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || p == "" || n < 0 {
			return "", "Invalid save parameters"
		}
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), ""
}

// The keyspace event classes, in the order Redis prints them; 'A' is an
// alias for all of the first nine.
const (
	notifyClasses = "g$lshzxetd"
	notifyAllowed = "Ag$lshzxeKEtmdn"
)

// normalizeNotify validates notify-keyspace-events and formats it as
// Redis shows it ("KEA" becomes "AKE").
func normalizeNotify(v string) (string, string) {
	set := map[byte]bool{}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if strings.IndexByte(notifyAllowed, c) < 0 {
			return "", "Invalid event class character. Use '" + notifyAllowed + "'."
		}
		if c == 'A' {
			for j := 0; j < len(notifyClasses); j++ {
				set[notifyClasses[j]] = true
			}
			continue
		}
		set[c] = true
	}
	var b bytes.Buffer
	all := true
	for j := 0; j < len(notifyClasses); j++ {
		all = all && set[notifyClasses[j]]
	}
	if all {
		b.WriteByte('A')
	} else {
		for j := 0; j < len(notifyClasses); j++ {
			if set[notifyClasses[j]] {
				b.WriteByte(notifyClasses[j])
			}
		}
		if set['n'] {
			b.WriteByte('n')
		}
	}
	for _, c := range []byte("KEm") {
		if set[c] {
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// CONFIG RESETSTAT: zero the server's INFO counters. Replies +OK.
func cmdConfigResetstat(ctx *Ctx) error {
	st := &ctx.Server.Stats
	st.Connections.Store(0)
	st.Rejected.Store(0)
	st.Commands.Store(0)
	st.NetInput.Store(0)
	st.NetOutput.Store(0)
	peakMemory.Store(0)
	ctx.W.OK()
	return nil
}

// CONFIG REWRITE: there is no configuration file to rewrite.
func cmdConfigRewrite(ctx *Ctx) error {
	return Error("ERR The server is running without a config file")
}

// CONFIG HELP.
func cmdConfigHelp(ctx *Ctx) error {
	writeHelp(ctx.W, "CONFIG",
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	)
	return nil
}
