// Package procs starts and stops the real server processes that the
// compatibility tests and the benchmark program run side by side: a
// redis-server as the reference and a murr-sidecar built from this module.
//
// Every server binds to 127.0.0.1 on a port picked at run time, and the
// caller owns the returned Proc: it must call Stop (or Kill) when done.
package procs

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled reports that a required executable is not on PATH.
var ErrNotInstalled = errors.New("procs: executable not installed")

// Proc is a running server process listening on Addr.
type Proc struct {
	Name    string // "redis" or "sidecar"
	Addr    string // host:port of the RESP listener
	DataDir string // sidecar data directory or redis working directory
	Args    []string
	cmd     *exec.Cmd
	logPath string
	done    chan error
	exitLog string // the log, kept in memory once the process is gone
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("procs: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ModuleRoot finds the directory holding this module's go.mod, starting
// from the working directory and walking up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/murr-sidecar/murr-sidecar") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("procs: module root not found")
		}
		dir = parent
	}
}

// BuildSidecar compiles ./cmd/murr-sidecar into outDir and returns the
// binary's path. Extra go build flags (e.g. "-race") may be given.
func BuildSidecar(outDir string, buildFlags ...string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(outDir, "murr-sidecar")
	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", bin, "./cmd/murr-sidecar")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("procs: go build murr-sidecar: %w\n%s", err, out)
	}
	return bin, nil
}

// StartRedis starts a redis-server with persistence off in workDir.
// Extra arguments are passed through as redis-server options.
func StartRedis(workDir string, extra ...string) (*Proc, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: redis-server", ErrNotInstalled)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", workDir, "--logfile", ""}
	args = append(args, extra...)
	return start("redis", bin, args, fmt.Sprintf("127.0.0.1:%d", port), workDir)
}

// StartSidecar starts the sidecar binary with its RESP listener on a free
// port, HTTP disabled unless extra sets it, and data in dataDir.
func StartSidecar(bin, dataDir string, extra ...string) (*Proc, error) {
	addr, args, err := sidecarArgs(dataDir, extra)
	if err != nil {
		return nil, err
	}
	return start("sidecar", bin, args, addr, dataDir)
}

// RestartSidecar starts the same sidecar again on the same address and
// data directory, after p has exited.
func RestartSidecar(bin string, p *Proc) (*Proc, error) {
	return start(p.Name, bin, p.Args, p.Addr, p.DataDir)
}

func start(name, bin string, args []string, addr, dir string) (*Proc, error) {
	p, err := launch(name, bin, args, nil, addr, dir)
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(30 * time.Second); err != nil {
		p.Kill()
		return nil, fmt.Errorf("procs: %s not ready: %w\n%s", name, err, p.Log())
	}
	return p, nil
}

// launch starts bin (env nil: this process's environment) with its output
// in a temporary log file that is removed once the process exits; the
// caller checks readiness.
func launch(name, bin string, args, env []string, addr, dir string) (*Proc, error) {
	logf, err := os.CreateTemp("", "murr-"+name+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("procs: %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.Remove(logf.Name())
		return nil, fmt.Errorf("procs: start %s: %w", name, err)
	}
	p := &Proc{Name: name, Addr: addr, DataDir: dir, Args: args, cmd: cmd,
		logPath: logf.Name(), done: make(chan error, 1)}
	go func() {
		err := cmd.Wait()
		logf.Close()
		b, _ := os.ReadFile(p.logPath)
		p.exitLog = string(b)
		os.Remove(p.logPath)
		p.done <- err
	}()
	return p, nil
}

// waitReady polls with PING until the server answers +PONG.
func (p *Proc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			_, werr := c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
			line, rerr := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if werr == nil && rerr == nil && line == "+PONG\r\n" {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("timed out waiting for PONG")
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Log returns what the process printed so far (all of it once it exited).
func (p *Proc) Log() string {
	select {
	case err := <-p.done:
		p.done <- err
		return p.exitLog
	default:
	}
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// Stop sends SIGTERM and waits up to 30s for a clean exit, then kills.
// It returns the process's exit error, nil on exit status 0.
func (p *Proc) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(30 * time.Second):
		p.Kill()
		return errors.New("procs: did not exit within 30s of SIGTERM")
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err
}

// RSS returns the resident set size of the process in bytes (Linux).
func (p *Proc) RSS() (int64, error) {
	if runtime.GOOS != "linux" {
		return 0, errors.New("procs: RSS only on linux")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("procs: VmRSS not found")
}
