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

	db, err := engine.Open(engine.Options{
		Dir:   cfg.DataDir,
		Fsync: cfg.Fsync,
		// Until the hot tier exists, the RAM budget goes to Pebble's block cache.
		HotMemory: cfg.HotMemory,
		Logger:    log,
	})
	if err != nil {
		return err
	}
	srv := resp.NewServer(db, resp.Options{Logger: log})

	var listeners []net.Listener
	closeAll := func() {
		for _, ln := range listeners {
			ln.Close()
		}
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			db.Close()
			return fmt.Errorf("listen %s: %w", cfg.Listen, err)
		}
		listeners = append(listeners, ln)
	}
	if cfg.UnixSocket != "" {
		os.Remove(cfg.UnixSocket)
		ln, err := net.Listen("unix", cfg.UnixSocket)
		if err != nil {
			closeAll()
			db.Close()
			return fmt.Errorf("listen %s: %w", cfg.UnixSocket, err)
		}
		listeners = append(listeners, ln)
	}
	var httpSrv *http.Server
	if cfg.HTTPListen != "" {
		ln, err := net.Listen("tcp", cfg.HTTPListen)
		if err != nil {
			closeAll()
			db.Close()
			return fmt.Errorf("listen %s: %w", cfg.HTTPListen, err)
		}
		api, err := httpapi.New(db, httpapi.Options{Logger: log})
		if err != nil {
			closeAll()
			db.Close()
			return err
		}
		httpSrv = &http.Server{Handler: newHTTPHandler(srv, api), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http serve", "err", err)
			}
		}()
	}
	serveErr := make(chan error, len(listeners))
	for _, ln := range listeners {
		go func() { serveErr <- srv.Serve(ln) }()
		log.Info("serving RESP", "addr", ln.Addr().String())
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	var runErr error
	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case err := <-serveErr:
		runErr = err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if httpSrv != nil {
		httpSrv.Shutdown(ctx)
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("connections did not finish in time", "err", err)
	}
	if cfg.UnixSocket != "" {
		os.Remove(cfg.UnixSocket)
	}
	if err := db.Close(); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}
