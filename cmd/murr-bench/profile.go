package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// profileSeconds is how long --sidecar-profile and --read-profile profile for.
const profileSeconds = 10

// profileWhile takes a CPU profile of the sidecar over its HTTP pprof
// endpoint, calling work(0), work(1), ... until the profile is done, and
// saves it to path. It returns how many times work ran.
func profileWhile(ctx context.Context, srv *server, path string, work func(i int) error) (int, error) {
	if srv.HTTPAddr == "" {
		return 0, errors.New("the sidecar has no HTTP listener")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		body []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", srv.HTTPAddr, profileSeconds)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
		}
		done <- result{body, err}
	}()
	for i := 0; ; i++ {
		select {
		case r := <-done:
			if r.err != nil {
				return i, r.err
			}
			return i, os.WriteFile(path, r.body, 0o644)
		default:
		}
		if err := work(i); err != nil {
			return i, err
		}
	}
}
