package resp

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// flushThreshold bounds the replies a pipelining client can make the
// server buffer before they are written out.
const flushThreshold = 64 << 10

// serveConn runs one connection: parse what is buffered, answer in order,
// and flush only when the client's pipeline is drained, so a pipeline of
// N commands costs one write.
func (s *Server) serveConn(c *Client) {
	defer s.closeConn(c)
	group := make([]pending, 0, maxGroup)
	var next resolved // a command read and resolved but not yet run, if next.args != nil
	for {
		var args [][]byte
		var err error
		if next.args == nil {
			args, err = c.rd.Next()
		}
		if err != nil {
			s.protocolError(c, err)
			return
		}
		if next.args == nil && args == nil {
			if !s.flush(c) {
				return
			}
			if err := c.rd.Fill(); err != nil {
				s.logReadError(c, err)
				return
			}
			continue
		}
		cur := next
		if cur.args == nil {
			cur = s.resolveArgs(c, args)
		}
		next = resolved{}
		if !s.groupable(c, &cur) {
			s.dispatch(c, &cur)
		} else {
			// Gather the data commands that follow it in the pipeline;
			// the first one that cannot join runs after the group.
			group = append(group[:0], pending{cur.cmd, cur.args})
			for len(group) < maxGroup {
				if args, err = c.rd.Next(); err != nil || args == nil {
					break
				}
				r := s.resolveArgs(c, args)
				if !s.groupable(c, &r) {
					next = r
					break
				}
				group = append(group, pending{r.cmd, r.args})
			}
			s.runGroup(c, group)
			if err != nil {
				s.protocolError(c, err)
				return
			}
		}
		if c.closeAfterReply {
			s.flush(c)
			return
		}
		if c.w.Len() >= flushThreshold && !s.flush(c) {
			return
		}
	}
}

// protocolError answers a malformed request as Redis does, after the
// replies to everything before it; the caller then closes the connection.
func (s *Server) protocolError(c *Client, err error) {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		c.w.Error("ERR " + pe.Error())
		s.flush(c)
	}
}

// flush writes buffered replies; false means the connection is dead.
// Under --fsync always the writes those replies acknowledge are synced
// first: one sync for a whole pipeline.
func (s *Server) flush(c *Client) bool {
	if c.w.Len() == 0 {
		return true
	}
	if c.unsynced {
		c.unsynced = false
		if err := s.db.AwaitDurable(); err != nil {
			// Nothing unsynced may be acknowledged: drop the connection.
			s.opts.Logger.Error("resp: durability wait failed; closing connection", "id", c.ID, "err", err)
			return false
		}
	}
	c.outMu.Lock()
	c.conn.SetWriteDeadline(time.Now().Add(time.Minute))
	n, err := c.conn.Write(c.w.Bytes())
	c.outMu.Unlock()
	s.Stats.NetOutput.Add(int64(n))
	c.w.Reset()
	return err == nil
}

func (s *Server) logReadError(c *Client, err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrDeadlineExceeded):
	case errors.Is(err, ErrQueryBufferLimit):
		s.opts.Logger.Warn("resp: closing client that reached max query buffer length", "id", c.ID, "addr", c.Addr)
	default:
		s.opts.Logger.Debug("resp: read", "id", c.ID, "err", err)
	}
}

func (s *Server) closeConn(c *Client) {
	s.db.Unwatch(&c.watch)
	s.disableTracking(c)
	c.conn.Close()
	s.mu.Lock()
	delete(s.clients, c.ID)
	s.mu.Unlock()
	s.conns.Done()
}
