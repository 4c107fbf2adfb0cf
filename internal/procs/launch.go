package procs

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// LaunchSidecar starts the sidecar like StartSidecar but returns as soon as
// the process runs, without waiting for it to answer: for a node that
// restores from a bucket for a while (call WaitReady), or one that is
// expected to exit (call Wait). env is added to this process's environment
// (S3 credentials, for instance); nil adds nothing.
func LaunchSidecar(bin, dataDir string, env []string, extra ...string) (*Proc, error) {
	addr, args, err := sidecarArgs(dataDir, extra)
	if err != nil {
		return nil, err
	}
	var full []string
	if env != nil {
		full = append(os.Environ(), env...)
	}
	return launch("sidecar", bin, args, full, addr, dataDir)
}

// WaitReady waits until p answers PING with +PONG (a sidecar restoring from
// its bucket answers -LOADING meanwhile), or returns an error if p exits or
// timeout passes first.
func (p *Proc) WaitReady(timeout time.Duration) error {
	return p.waitReady(timeout)
}

// Wait waits up to timeout for p to exit (timeout <= 0 only looks). It
// reports whether p exited and, if so, its exit error (nil on exit status 0).
func (p *Proc) Wait(timeout time.Duration) (exited bool, err error) {
	if timeout <= 0 {
		select {
		case err := <-p.done:
			p.done <- err
			return true, err
		default:
			return false, errors.New("procs: still running")
		}
	}
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	case <-time.After(timeout):
		return false, errors.New("procs: still running")
	}
}

// sidecarArgs picks a free RESP address and returns it with the sidecar's
// command line: that address, HTTP disabled (extra may enable it), data in
// dataDir, then extra.
func sidecarArgs(dataDir string, extra []string) (addr string, args []string, err error) {
	port, err := FreePort()
	if err != nil {
		return "", nil, err
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	args = append([]string{"--listen", addr, "--http-listen", "", "--data-dir", dataDir}, extra...)
	return addr, args, nil
}
