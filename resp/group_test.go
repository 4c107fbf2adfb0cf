package resp

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pipeline sends every command in one write and returns the raw replies.
func (c *rawConn) pipeline(cmds ...[]string) []string {
	c.t.Helper()
	var b strings.Builder
	for _, args := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write([]byte(b.String())); err != nil {
		c.t.Fatal(err)
	}
	out := make([]string, len(cmds))
	for i := range cmds {
		r, err := readReply(c.r)
		if err != nil {
			c.t.Fatalf("reply %d: %v", i, err)
		}
		out[i] = r
	}
	return out
}

// A pipeline whose data commands share one engine transaction must
// answer exactly as if each ran alone: in order, a failed command
// changing nothing, MULTI and non-data commands cutting the group.
func TestPipelinedCommandsAnswerAsIfRunAlone(t *testing.T) {
	ts := newTestServer(t)
	c := ts.conn()
	cmds := [][]string{
		{"SET", "a", "1"},
		{"HSET", "h", "f", "v"},
		{"INCR", "a"},
		{"SET", "h", "x", "GET"}, // WRONGTYPE: must not overwrite h
		{"INCRBY", "a", "notanumber"},
		{"GET", "a"},
		{"PING"},
		{"MULTI"},
		{"INCR", "a"},
		{"EXEC"},
		{"HGET", "h", "f"},
		{"SET", "big", "1", "EX", "0"}, // invalid expire: no write
		{"EXISTS", "big"},
		{"APPEND", "a", "z"},
		{"GET", "a"},
	}
	want := []string{
		"+OK\r\n",
		":1\r\n",
		":2\r\n",
		"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
		"-ERR value is not an integer or out of range\r\n",
		"$1\r\n2\r\n",
		"+PONG\r\n",
		"+OK\r\n",
		"+QUEUED\r\n",
		"*1\r\n:3\r\n",
		"$1\r\nv\r\n",
		"-ERR invalid expire time in 'set' command\r\n",
		":0\r\n",
		":2\r\n",
		"$2\r\n3z\r\n",
	}
	got := c.pipeline(cmds...)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%q: got %q, want %q", cmds[i], got[i], want[i])
		}
	}
	// Longer than one group: every write lands, replies stay in order.
	var many [][]string
	for i := 0; i < 3*maxGroup+5; i++ {
		many = append(many, []string{"INCR", "n"})
	}
	for i, r := range c.pipeline(many...) {
		if r != fmt.Sprintf(":%d\r\n", i+1) {
			t.Fatalf("INCR #%d replied %q", i+1, r)
		}
	}
	if err := ts.srv.DB().Check(); err != nil {
		t.Fatal(err)
	}
}
