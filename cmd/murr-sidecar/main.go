// Command murr-sidecar runs the feature cache next to an inference app:
// the Redis protocol on --listen (and --unix-socket), health and metrics
// on --http-listen, data in --data-dir.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/murr-sidecar/murr-sidecar/engine"
	"github.com/murr-sidecar/murr-sidecar/httpapi"
	"github.com/murr-sidecar/murr-sidecar/resp"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "murr-sidecar:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "murr-sidecar:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	mirror, err := newMirror(cfg, log)
	if err != nil {
		return err
	}
	// A signal during a long restore stops it.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case s := <-sig:
			log.Info("shutting down", "signal", s.String())
			cancel()
		case <-ctx.Done():
		}
	}()

	// Listen first: while the data is restored from the bucket, RESP
	// answers LOADING and /readyz says not ready, as Redis and Kubernetes
	// expect of a node that is starting.
	lns, err := listen(cfg)
	if err != nil {
		return err
	}
	closeAll := func() {
		for _, ln := range lns.resp {
			ln.Close()
		}
		if lns.http != nil {
			lns.http.Close()
		}
	}
	var (
		handler handlerSwitch
		httpSrv *http.Server
	)
	handler.set(newLoadingHTTPHandler(mirror))
	if lns.http != nil {
		httpSrv = &http.Server{Handler: &handler, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := httpSrv.Serve(lns.http); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http serve", "err", err)
			}
		}()
	}
	var (
		info    func() map[string][][2]string
		loading *resp.LoadingServer
	)
	if mirror != nil {
		info = func() map[string][][2]string { return map[string][][2]string{"s3": mirrorInfo(mirror)} }
		loading = resp.NewLoadingServer(resp.LoadingOptions{Logger: log, Info: info, ReadOnly: cfg.Role == "follower", Progress: func() resp.LoadingProgress {
			loaded, total := mirror.RestoreProgress()
			return resp.LoadingProgress{LoadedBytes: loaded, TotalBytes: total}
		}})
		for _, ln := range lns.resp {
			go loading.Serve(ln)
		}
	}

	eo := engine.Options{Dir: cfg.DataDir, Fsync: cfg.Fsync, HotMemory: cfg.HotMemory, Logger: log}
	var db *engine.DB
	if mirror != nil {
		db, err = mirror.Open(ctx, eo)
	} else {
		db, err = engine.Open(eo)
	}
	if err != nil {
		if loading != nil {
			loading.Handoff()
		}
		if httpSrv != nil {
			httpSrv.Close()
		}
		closeAll()
		return err
	}
	if loading != nil {
		loading.Handoff()
	}
	srv := resp.NewServer(db, resp.Options{Logger: log, ReadOnly: cfg.Role == "follower", Info: info})
	api, err := httpapi.New(db, httpapi.Options{Logger: log})
	if err != nil {
		closeAll()
		db.Close()
		return err
	}
	handler.set(newHTTPHandler(srv, api, mirror))
	serveErr := make(chan error, len(lns.resp))
	for _, ln := range lns.resp {
		go func() { serveErr <- srv.Serve(ln) }()
		log.Info("serving RESP", "addr", ln.Addr().String())
	}
	var mirrorDone <-chan error
	if mirror != nil {
		mirrorDone = mirror.Done()
	}

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		runErr = err
	case err := <-mirrorDone:
		runErr = err
	}

	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancelShutdown()
	if httpSrv != nil {
		httpSrv.Shutdown(shutdown)
	}
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("connections did not finish in time", "err", err)
	}
	if cfg.UnixSocket != "" {
		os.Remove(cfg.UnixSocket)
	}
	if mirror != nil {
		// Ship what is pending before the engine goes.
		if err := mirror.Close(shutdown); err != nil {
			log.Warn("s3 mirror did not finish", "err", err)
		}
	}
	if err := db.Close(); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// listeners are the sockets the server serves.
type listeners struct {
	resp []net.Listener
	http net.Listener // nil if disabled
}

func listen(cfg config) (listeners, error) {
	var l listeners
	fail := func(err error) (listeners, error) {
		for _, ln := range l.resp {
			ln.Close()
		}
		return listeners{}, err
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return fail(fmt.Errorf("listen %s: %w", cfg.Listen, err))
		}
		l.resp = append(l.resp, ln)
	}
	if cfg.UnixSocket != "" {
		os.Remove(cfg.UnixSocket)
		ln, err := net.Listen("unix", cfg.UnixSocket)
		if err != nil {
			return fail(fmt.Errorf("listen %s: %w", cfg.UnixSocket, err))
		}
		l.resp = append(l.resp, ln)
	}
	if cfg.HTTPListen != "" {
		ln, err := net.Listen("tcp", cfg.HTTPListen)
		if err != nil {
			return fail(fmt.Errorf("listen %s: %w", cfg.HTTPListen, err))
		}
		l.http = ln
	}
	return l, nil
}
