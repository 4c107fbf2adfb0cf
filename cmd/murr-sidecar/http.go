package main

import (
	"net/http"
	"net/http/pprof"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/murr-sidecar/murr-sidecar/httpapi"
	"github.com/murr-sidecar/murr-sidecar/resp"
	"github.com/murr-sidecar/murr-sidecar/s3sync"
	"github.com/murr-sidecar/murr-sidecar/tiering"
)

// handlerSwitch serves whichever handler was set last: the loading one
// while the data is restored, then the full one.
type handlerSwitch struct{ h atomic.Pointer[http.Handler] }

func (s *handlerSwitch) set(h http.Handler) { s.h.Store(&h) }

func (s *handlerSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// readyz answers 200 when the node serves its data: always without a
// mirror; with one, once restored and mirroring or following.
func readyz(m *s3sync.Mirror) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if m != nil {
			if s := m.Stats(); !s.Ready {
				text(w, http.StatusServiceUnavailable, "not ready: "+s.Phase)
				return
			}
		}
		text(w, http.StatusOK, "OK")
	}
}

func healthz(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "OK") }

// newLoadingHTTPHandler serves while the engine is not open yet: the
// process is alive, not ready, and every other route is unavailable.
func newLoadingHTTPHandler(m *s3sync.Mirror) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /health", healthz)
	mux.HandleFunc("GET /readyz", readyz(m))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"loading: the data is being restored"}` + "\n"))
	})
	return mux
}

// newHTTPHandler serves the table API, liveness, readiness, Prometheus
// metrics and pprof.
func newHTTPHandler(srv *resp.Server, api *httpapi.API, m *s3sync.Mirror) http.Handler {
	mux := http.NewServeMux()
	api.Register(mux)
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /health", healthz)
	mux.HandleFunc("GET /readyz", readyz(m))
	reg := newRegistry(srv)
	if m != nil {
		registerMirrorMetrics(reg, m)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Profiles on the same (loopback by default) listener, for diagnosing
	// latency in place.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// newRegistry exports engine and server counters; a registry per server,
// never the global one.
func newRegistry(srv *resp.Server) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	db := srv.DB()
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "murr", Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "murr", Name: name, Help: help}, f))
	}
	gauge("keys", "Keys in the keyspace, including expired keys not yet reclaimed.", func() float64 { return float64(db.Metrics().Keys) })
	gauge("keys_with_expiry", "Keys with an expiry.", func() float64 { return float64(db.Metrics().Expires) })
	gauge("disk_bytes", "Bytes used on disk by the engine.", func() float64 { return float64(db.Metrics().DiskBytes) })
	gauge("block_cache_bytes", "Bytes held in the block cache.", func() float64 { return float64(db.Metrics().CacheBytes) })
	gauge("connected_clients", "Open client connections.", func() float64 { return float64(len(srv.Clients())) })
	counter("expired_keys_total", "Keys reclaimed by expiry.", func() float64 { return float64(db.Metrics().ExpiredKeys) })
	counter("commands_total", "Commands processed.", func() float64 { return float64(srv.Stats.Commands.Load()) })
	counter("connections_total", "Connections accepted.", func() float64 { return float64(srv.Stats.Connections.Load()) })
	counter("block_cache_hits_total", "Block cache hits.", func() float64 { return float64(db.Metrics().CacheHits) })
	counter("block_cache_misses_total", "Block cache misses.", func() float64 { return float64(db.Metrics().CacheMisses) })
	hot := func(f func(s tiering.Stats) int64) func() float64 {
		return func() float64 { return float64(f(db.HotStats())) }
	}
	gauge("hot_max_bytes", "RAM budget of the hot tier.", hot(func(s tiering.Stats) int64 { return s.MaxBytes }))
	gauge("hot_bytes", "Bytes of entry chunks the hot tier holds.", hot(func(s tiering.Stats) int64 { return s.Bytes }))
	gauge("hot_entries", "Records in the hot tier.", hot(func(s tiering.Stats) int64 { return s.Entries }))
	counter("hot_hits_total", "Reads served by the hot tier.", hot(func(s tiering.Stats) int64 { return s.Hits }))
	counter("hot_misses_total", "Reads the hot tier could not serve.", hot(func(s tiering.Stats) int64 { return s.Misses }))
	counter("hot_admissions_total", "Records read from disk and admitted to the hot tier.", hot(func(s tiering.Stats) int64 { return s.Admissions }))
	counter("hot_rejections_total", "Records read from disk that the admission policy kept out.", hot(func(s tiering.Stats) int64 { return s.Rejections }))
	counter("hot_evictions_total", "Records evicted from the hot tier to make room.", hot(func(s tiering.Stats) int64 { return s.Evictions }))
	reg.MustRegister(tableCollector{db})
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return reg
}

var (
	tableRowsDesc  = prometheus.NewDesc("murr_table_rows", "Rows of a table, including rows past the TTL not yet reclaimed.", []string{"table"}, nil)
	tableBytesDesc = prometheus.NewDesc("murr_table_bytes", "Stored bytes of a table's keys and encoded rows, before compression.", []string{"table"}, nil)
)

// tableCollector exports per-table gauges; tables come and go, so they
// are listed at each scrape.
type tableCollector struct{ db *engine.DB }

func (tableCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- tableRowsDesc
	ch <- tableBytesDesc
}

func (c tableCollector) Collect(ch chan<- prometheus.Metric) {
	for _, t := range c.db.Tables() {
		ch <- prometheus.MustNewConstMetric(tableRowsDesc, prometheus.GaugeValue, float64(t.Rows()), t.Name())
		ch <- prometheus.MustNewConstMetric(tableBytesDesc, prometheus.GaugeValue, float64(t.Bytes()), t.Name())
	}
}
