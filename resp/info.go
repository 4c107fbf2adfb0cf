package resp

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// infoSection is one "# Title" block of INFO.
type infoSection struct {
	name  string // lower case, as INFO's arguments name it
	title string
	gen   func(s *Server, b *infoBuilder)
}

// The sections in Redis's order; which are in "default" and "all" follows
// Redis 7.0 (commandstats and latencystats only in "all"). The engine's
// own section comes after Keyspace.
var infoSections = []infoSection{
	{"server", "Server", infoServer},
	{"clients", "Clients", infoClients},
	{"memory", "Memory", infoMemory},
	{"persistence", "Persistence", infoPersistence},
	{"stats", "Stats", infoStats},
	{"replication", "Replication", infoReplication},
	{"cpu", "CPU", infoCPU},
	{"modules", "Modules", nil},
	{"commandstats", "Commandstats", nil},
	{"errorstats", "Errorstats", nil},
	{"latencystats", "Latencystats", nil},
	{"cluster", "Cluster", infoCluster},
	{"keyspace", "Keyspace", infoKeyspace},
	{"murr", "Murr", infoMurr},
}

// notDefault are the sections only "all" and "everything" include.
var notDefault = map[string]bool{"commandstats": true, "latencystats": true}

// INFO [section ...]: server information and statistics as "field:value"
// lines grouped under "# Section" headers, CRLF-terminated, in a bulk
// string (a verbatim string in RESP3). Without arguments, or with
// "default", the default sections; "all" and "everything" add the rest.
// Unknown sections are ignored, as in Redis.
func cmdInfo(ctx *Ctx) error {
	ctx.W.Verbatim(ctx.Server.infoString(ctx.Args[1:]))
	return nil
}

// infoString builds INFO's text for the requested sections.
func (s *Server) infoString(args [][]byte) string {
	return s.renderInfo(infoSections, args)
}

// renderInfo builds INFO's text for the requested ones of sections,
// followed by those of Options.Info.
func (s *Server) renderInfo(sections []infoSection, args [][]byte) string {
	var extra map[string][][2]string
	if s.opts.Info != nil {
		extra = s.opts.Info()
	}
	all := false
	want := map[string]bool{}
	if len(args) == 0 {
		want["default"] = true
	}
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "all", "everything":
			all = true
		case "module_list":
			want["modules"] = true
		default:
			want[name] = true
		}
	}
	def := want["default"]
	include := func(name string) bool {
		return all || want[name] || (def && !notDefault[name])
	}
	var b infoBuilder
	for _, sec := range sections {
		if !include(sec.name) {
			continue
		}
		b.header(sec.title)
		if sec.gen != nil {
			sec.gen(s, &b)
		}
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !include(strings.ToLower(name)) {
			continue
		}
		b.header(sectionTitle(name))
		b.pairs(extra[name])
	}
	return b.String()
}

func sectionTitle(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// infoBuilder accumulates INFO's text: sections separated by an empty
// line, every line ending in CRLF.
type infoBuilder struct {
	strings.Builder
	sections int
}

func (b *infoBuilder) header(title string) {
	if b.sections > 0 {
		b.WriteString("\r\n")
	}
	b.sections++
	b.WriteString("# ")
	b.WriteString(title)
	b.WriteString("\r\n")
}

func (b *infoBuilder) str(k, v string) {
	b.WriteString(k)
	b.WriteByte(':')
	b.WriteString(v)
	b.WriteString("\r\n")
}

func (b *infoBuilder) int(k string, v int64) { b.str(k, strconv.FormatInt(v, 10)) }

func (b *infoBuilder) uint(k string, v uint64) { b.str(k, strconv.FormatUint(v, 10)) }

// bytes writes a byte count and, as k_human, its bytesToHuman form.
func (b *infoBuilder) bytes(k string, v uint64) {
	b.uint(k, v)
	b.str(k+"_human", bytesToHuman(v))
}

// zeros writes each key with the value 0 ("0B" for a _human one): the
// counters of what this server does not have.
func (b *infoBuilder) zeros(keys ...string) {
	for _, k := range keys {
		if strings.HasSuffix(k, "_human") {
			b.str(k, "0B")
		} else {
			b.str(k, "0")
		}
	}
}

// pairs writes each key and value in order.
func (b *infoBuilder) pairs(kvs [][2]string) {
	for _, kv := range kvs {
		b.str(kv[0], kv[1])
	}
}

// bytesToHuman formats a byte count as Redis's INFO does: "1.02M".
func bytesToHuman(n uint64) string {
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}
	d, unit := float64(n), 1024.0
	for _, suffix := range "KMGTP" {
		if d < unit*1024 {
			return fmt.Sprintf("%.2f%c", d/unit, suffix)
		}
		unit *= 1024
	}
	return strconv.FormatUint(n, 10) + "B"
}

// runID is a stable 40-hex-digit id of this server instance, as Redis's
// run_id, derived from the process and the server's start time.
func (s *Server) runID(salt string) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(os.Getpid()))
	binary.BigEndian.PutUint64(buf[8:], uint64(s.start.UnixNano()))
	sum := sha1.Sum(append(buf[:], salt...))
	return hex.EncodeToString(sum[:])
}

// tcpPort returns the port of the lowest-numbered TCP listener, or 0.
func (s *Server) tcpPort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	port := 0
	for ln := range s.listeners {
		if a, ok := ln.Addr().(*net.TCPAddr); ok && (port == 0 || a.Port < port) {
			port = a.Port
		}
	}
	return port
}

func infoServer(s *Server, b *infoBuilder) {
	now := time.Now()
	up := int64(now.Sub(s.start) / time.Second)
	b.str("redis_version", Version)
	b.str("redis_git_sha1", "00000000")
	b.str("redis_git_dirty", "0")
	b.str("redis_build_id", s.runID("build")[:16])
	b.str("redis_mode", "standalone")
	b.str("os", osName())
	b.int("arch_bits", strconv.IntSize)
	b.str("monotonic_clock", "POSIX clock_gettime")
	b.str("multiplexing_api", pollerName())
	b.str("atomicvar_api", "c11-builtin")
	b.str("gcc_version", "0.0.0")
	b.str("go_version", runtime.Version())
	b.int("process_id", int64(os.Getpid()))
	b.str("process_supervised", "no")
	b.str("run_id", s.runID("run"))
	b.int("tcp_port", int64(s.tcpPort()))
	b.int("server_time_usec", now.UnixMicro())
	b.int("uptime_in_seconds", up)
	b.int("uptime_in_days", up/86400)
	hz := s.configInt("hz", 10)
	b.int("hz", hz)
	b.int("configured_hz", hz)
	b.int("lru_clock", now.Unix()&(1<<24-1))
	exe, _ := os.Executable()
	b.str("executable", exe)
	b.str("config_file", "")
	b.str("io_threads_active", "0")
}

// osName returns "Linux 6.1.0 x86_64" style text, as uname gives Redis.
func osName() string {
	name := runtime.GOOS
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		name += " " + strings.TrimSpace(string(rel))
	}
	arch := runtime.GOARCH
	switch arch {
	case "amd64":
		arch = "x86_64"
	case "arm64":
		arch = "aarch64"
	}
	return name + " " + arch
}

// pollerName names the readiness API Go's network poller uses.
func pollerName() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "epoll"
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "windows":
		return "iocp"
	}
	return "poll"
}

func infoClients(s *Server, b *infoBuilder) {
	b.int("connected_clients", int64(len(s.Clients())))
	b.str("cluster_connections", "0")
	b.int("maxclients", s.configInt("maxclients", int64(s.opts.MaxClients)))
	b.str("client_recent_max_input_buffer", "0")
	b.str("client_recent_max_output_buffer", "0")
	b.str("blocked_clients", "0")
	b.str("tracking_clients", "0")
	b.str("clients_in_timeout_table", "0")
}

// peakMemory is the highest used_memory INFO has seen. The Go runtime's
// memory is the process's, so the peak is process-wide state.
var peakMemory atomic.Uint64

func infoMemory(s *Server, b *infoBuilder) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	overhead := ms.StackInuse + ms.MSpanInuse + ms.MCacheInuse + ms.GCSys + ms.OtherSys + ms.BuckHashSys
	used := ms.HeapAlloc + overhead
	peak := peakMemory.Load()
	for used > peak && !peakMemory.CompareAndSwap(peak, used) {
		peak = peakMemory.Load()
	}
	peak = max(peak, used)
	rss := residentBytes()
	if rss == 0 {
		rss = ms.Sys - ms.HeapReleased
	}
	resident := ms.HeapSys - ms.HeapReleased
	b.bytes("used_memory", used)
	b.bytes("used_memory_rss", rss)
	b.bytes("used_memory_peak", peak)
	b.str("used_memory_peak_perc", percent(used, peak))
	b.uint("used_memory_overhead", overhead)
	b.str("used_memory_startup", "0")
	b.uint("used_memory_dataset", ms.HeapAlloc)
	b.str("used_memory_dataset_perc", percent(ms.HeapAlloc, used))
	b.uint("allocator_allocated", ms.HeapAlloc)
	b.uint("allocator_active", ms.HeapInuse)
	b.uint("allocator_resident", resident)
	b.bytes("total_system_memory", systemMemory())
	// No scripting engine: its memory lines are zero.
	b.zeros("used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
		"used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
		"number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
		"used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
		"used_memory_scripts_human")
	maxmem := uint64(max(s.configInt("maxmemory", 0), 0))
	b.bytes("maxmemory", maxmem)
	policy := "noeviction"
	if kv := s.config.Get([]byte("maxmemory-policy")); len(kv) == 1 {
		policy = kv[0][1]
	}
	b.str("maxmemory_policy", policy)
	b.str("allocator_frag_ratio", ratio(ms.HeapInuse, ms.HeapAlloc))
	b.int("allocator_frag_bytes", int64(ms.HeapInuse)-int64(ms.HeapAlloc))
	b.str("allocator_rss_ratio", ratio(resident, ms.HeapInuse))
	b.int("allocator_rss_bytes", int64(resident)-int64(ms.HeapInuse))
	b.str("rss_overhead_ratio", ratio(rss, resident))
	b.int("rss_overhead_bytes", int64(rss)-int64(resident))
	b.str("mem_fragmentation_ratio", ratio(rss, used))
	b.int("mem_fragmentation_bytes", int64(rss)-int64(used))
	b.str("mem_not_counted_for_evict", "0")
	b.str("mem_replication_backlog", "0")
	b.str("mem_total_replication_buffers", "0")
	b.str("mem_clients_slaves", "0")
	b.str("mem_clients_normal", "0")
	b.str("mem_cluster_links", "0")
	b.str("mem_aof_buffer", "0")
	b.str("mem_allocator", runtime.Version())
	b.str("active_defrag_running", "0")
	b.str("lazyfree_pending_objects", "0")
	b.str("lazyfreed_objects", "0")
	b.int("gc_cycles", int64(ms.NumGC))
	b.int("gc_pause_total_usec", int64(ms.PauseTotalNs/1000))
	b.int("goroutines", int64(runtime.NumGoroutine()))
}

func percent(a, b uint64) string {
	if b == 0 {
		return "0.00%"
	}
	return fmt.Sprintf("%.2f%%", float64(a)*100/float64(b))
}

func ratio(a, b uint64) string {
	if b == 0 {
		return "0.00"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// residentBytes returns the process's resident set size, or 0 if the
// platform does not say (Linux's /proc/self/statm does).
func residentBytes() uint64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// systemMemory returns the machine's memory from /proc/meminfo, or 0.
func systemMemory() uint64 {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
			f := strings.Fields(string(rest))
			if len(f) >= 1 {
				kb, err := strconv.ParseUint(f[0], 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}

func infoPersistence(s *Server, b *infoBuilder) { persistenceSection(s, b, nil) }

// persistenceSection writes the Persistence section. loading, if not nil,
// are the loading_* fields of a node still loading its data: then the
// section says loading:1 and has them where Redis puts them.
func persistenceSection(s *Server, b *infoBuilder, loading [][2]string) {
	aof := "0"
	if kv := s.config.Get([]byte("appendonly")); len(kv) == 1 && kv[0][1] == "yes" {
		aof = "1"
	}
	flag := "0"
	if loading != nil {
		flag = "1"
	}
	b.pairs([][2]string{
		{"loading", flag},
		{"async_loading", "0"},
		{"current_cow_peak", "0"},
		{"current_cow_size", "0"},
		{"current_cow_size_age", "0"},
		{"current_fork_perc", "0.00"},
		{"current_save_keys_processed", "0"},
		{"current_save_keys_total", "0"},
	})
	b.pairs(loading)
	b.pairs([][2]string{
		// Every write is in the engine's log once it commits: nothing
		// waits for a save.
		{"rdb_changes_since_last_save", "0"},
		{"rdb_bgsave_in_progress", "0"},
		{"rdb_last_save_time", strconv.FormatInt(s.start.Unix(), 10)},
		{"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", "-1"},
		{"rdb_current_bgsave_time_sec", "-1"},
		{"rdb_saves", "0"},
		{"rdb_last_cow_size", "0"},
		{"rdb_last_load_keys_expired", "0"},
		{"rdb_last_load_keys_loaded", "0"},
		{"aof_enabled", aof},
		{"aof_rewrite_in_progress", "0"},
		{"aof_rewrite_scheduled", "0"},
		{"aof_last_rewrite_time_sec", "-1"},
		{"aof_current_rewrite_time_sec", "-1"},
		{"aof_last_bgrewrite_status", "ok"},
		{"aof_rewrites", "0"},
		{"aof_rewrites_consecutive_failures", "0"},
		{"aof_last_write_status", "ok"},
		{"aof_last_cow_size", "0"},
		{"module_fork_in_progress", "0"},
		{"module_fork_last_cow_size", "0"},
	})
}

func infoStats(s *Server, b *infoBuilder) {
	m := s.db.Metrics()
	st := &s.Stats
	b.int("total_connections_received", st.Connections.Load())
	b.int("total_commands_processed", st.Commands.Load())
	b.str("instantaneous_ops_per_sec", "0")
	b.int("total_net_input_bytes", st.NetInput.Load())
	b.int("total_net_output_bytes", st.NetOutput.Load())
	b.str("total_net_repl_input_bytes", "0")
	b.str("total_net_repl_output_bytes", "0")
	b.str("instantaneous_input_kbps", "0.00")
	b.str("instantaneous_output_kbps", "0.00")
	b.str("instantaneous_input_repl_kbps", "0.00")
	b.str("instantaneous_output_repl_kbps", "0.00")
	b.int("rejected_connections", st.Rejected.Load())
	b.str("sync_full", "0")
	b.str("sync_partial_ok", "0")
	b.str("sync_partial_err", "0")
	b.int("expired_keys", m.ExpiredKeys)
	b.str("expired_stale_perc", "0.00")
	b.str("expired_time_cap_reached_count", "0")
	b.str("expire_cycle_cpu_milliseconds", "0")
	b.str("evicted_keys", "0")
	b.str("evicted_clients", "0")
	b.str("total_eviction_exceeded_time", "0")
	b.str("current_eviction_exceeded_time", "0")
	// Not counted: the engine does not track lookups that hit or miss.
	b.str("keyspace_hits", "0")
	b.str("keyspace_misses", "0")
	b.zeros("pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
		"latest_fork_usec", "total_forks", "migrate_cached_sockets", "slave_expires_tracked_keys",
		"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
		"total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys",
		"tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies",
		"total_error_replies", "dump_payload_sanitizations", "total_reads_processed",
		"total_writes_processed", "io_threaded_reads_processed", "io_threaded_writes_processed",
		"reply_buffer_shrinks", "reply_buffer_expands")
}

// infoReplication reports a master without replicas, or with ReadOnly a
// replica (Redis says "slave"); a follower's link is to the bucket, not
// to a master, so the master_host/master_link fields are left out.
func infoReplication(s *Server, b *infoBuilder) {
	if s.opts.ReadOnly {
		b.str("role", "slave")
		b.str("slave_read_only", "1")
		b.str("replica_announced", "1")
	} else {
		b.str("role", "master")
	}
	b.str("connected_slaves", "0")
	b.str("master_failover_state", "no-failover")
	b.str("master_replid", s.runID("replid"))
	b.str("master_replid2", strings.Repeat("0", 40))
	b.str("master_repl_offset", "0")
	b.str("second_repl_offset", "-1")
	b.str("repl_backlog_active", "0")
	b.str("repl_backlog_size", "1048576")
	b.str("repl_backlog_first_byte_offset", "0")
	b.str("repl_backlog_histlen", "0")
}

func infoCPU(s *Server, b *infoBuilder) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string {
		return fmt.Sprintf("%d.%06d", int64(t.Sec), int64(t.Usec))
	}
	b.str("used_cpu_sys", tv(self.Stime))
	b.str("used_cpu_user", tv(self.Utime))
	b.str("used_cpu_sys_children", tv(children.Stime))
	b.str("used_cpu_user_children", tv(children.Utime))
	// Go has no main thread: the whole process stands in for it.
	b.str("used_cpu_sys_main_thread", tv(self.Stime))
	b.str("used_cpu_user_main_thread", tv(self.Utime))
}

func infoCluster(s *Server, b *infoBuilder) { b.str("cluster_enabled", "0") }

// infoKeyspace reports the single database, omitted when empty as Redis
// omits empty databases. Keys counts expired keys not yet reclaimed, like
// Redis's.
func infoKeyspace(s *Server, b *infoBuilder) {
	m := s.db.Metrics()
	if m.Keys > 0 {
		b.str("db0", fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", m.Keys, m.Expires))
	}
}

// infoMurr reports the storage engine's own metrics.
func infoMurr(s *Server, b *infoBuilder) {
	m := s.db.Metrics()
	b.str("engine", "pebble")
	b.str("fsync_policy", string(m.FsyncPolicy))
	b.int("keys", m.Keys)
	b.int("expires", m.Expires)
	b.int("expired_keys", m.ExpiredKeys)
	b.int("committed_writes", m.Writes)
	b.bytes("disk_bytes", m.DiskBytes)
	b.bytes("memtable_bytes", m.MemTableBytes)
	b.bytes("block_cache_bytes", uint64(max(m.CacheBytes, 0)))
	b.int("block_cache_hits", m.CacheHits)
	b.int("block_cache_misses", m.CacheMisses)
	hitRatio := "0.00"
	if total := m.CacheHits + m.CacheMisses; total > 0 {
		hitRatio = fmt.Sprintf("%.2f", float64(m.CacheHits)/float64(total))
	}
	b.str("block_cache_hit_ratio", hitRatio)
	h := m.Hot
	b.bytes("hot_max_bytes", uint64(h.MaxBytes))
	b.bytes("hot_bytes", uint64(h.Bytes))
	b.int("hot_entries", h.Entries)
	b.int("hot_hits", h.Hits)
	b.int("hot_misses", h.Misses)
	hitRatio = "0.00"
	if total := h.Hits + h.Misses; total > 0 {
		hitRatio = fmt.Sprintf("%.2f", float64(h.Hits)/float64(total))
	}
	b.str("hot_hit_ratio", hitRatio)
	b.int("hot_admissions", h.Admissions)
	b.int("hot_rejections", h.Rejections)
	b.int("hot_evictions", h.Evictions)
	var rows, size int64
	tables := s.db.Tables()
	for _, t := range tables {
		rows += t.Rows()
		size += t.Bytes()
	}
	b.int("tables", int64(len(tables)))
	b.int("table_rows", rows)
	b.int("table_bytes", size)
}
