package resp

import (
	"sort"
	"strconv"
	"sync"

	"github.com/murr-sidecar/murr-sidecar/internal/glob"
)

// configStore holds CONFIG GET/SET parameters. Parameters the server
// acts on are validated; harmless Redis tunables that clients and tools
// set (save, appendonly, maxmemory-policy, ...) are accepted and
// remembered so CONFIG GET shows what was set.
type configStore struct {
	mu     sync.RWMutex
	params map[string]string
}

func (cs *configStore) init(o Options) {
	cs.params = map[string]string{
		"requirepass":                 o.RequirePass,
		"maxclients":                  strconv.Itoa(o.MaxClients),
		"proto-max-bulk-len":          strconv.FormatInt(orDefault(o.Limits.MaxBulkLen, 512<<20), 10),
		"client-query-buffer-limit":   strconv.FormatInt(orDefault(o.Limits.MaxQueryBuffer, 1<<30), 10),
		"databases":                   "1",
		"save":                        "",
		"appendonly":                  "no",
		"appendfsync":                 "everysec",
		"maxmemory":                   "0",
		"maxmemory-policy":            "noeviction",
		"timeout":                     "0",
		"tcp-keepalive":               "300",
		"hz":                          "10",
		"lazyfree-lazy-user-del":      "no",
		"lazyfree-lazy-expire":        "no",
		"notify-keyspace-events":      "",
		"slowlog-log-slower-than":     "10000",
		"slowlog-max-len":             "128",
		"latency-tracking":            "yes",
		"hash-max-listpack-entries":   "512",
		"hash-max-listpack-value":     "64",
		"hash-max-ziplist-entries":    "512",
		"hash-max-ziplist-value":      "64",
		"loglevel":                    "notice",
		"protected-mode":              "yes",
		"io-threads":                  "1",
		"activedefrag":                "no",
		"lua-time-limit":              "5000",
		"busy-reply-threshold":        "5000",
		"cluster-enabled":             "no",
		"replica-read-only":           "yes",
		"min-replicas-to-write":       "0",
		"stop-writes-on-bgsave-error": "yes",
	}
}

// requirePass returns the password clients must AUTH with, or "".
func (cs *configStore) requirePass() string {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	return cs.params["requirepass"]
}

// Get returns name/value pairs whose name matches the glob pattern,
// sorted by name.
func (cs *configStore) Get(pattern []byte) [][2]string {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	var out [][2]string
	for k, v := range cs.params {
		if glob.Match(pattern, []byte(k)) {
			out = append(out, [2]string{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Known reports whether name is a parameter.
func (cs *configStore) Known(name string) bool {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	_, ok := cs.params[name]
	return ok
}

// Set stores a value; the caller has validated it.
func (cs *configStore) Set(name, value string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.params[name] = value
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}
