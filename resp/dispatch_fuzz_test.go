package resp

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/murr-sidecar/murr-sidecar/engine"
)

// FuzzCommands runs arbitrary command lines through the dispatcher and
// every handler: whatever the arguments, the server must not panic, must
// answer each command with exactly one well-formed reply, and must leave
// the keyspace consistent (engine.Check). Input: commands separated by
// '\n', arguments by ' '.
func FuzzCommands(f *testing.F) {
	seeds := []string{
		"SET k v EX 10 GET\nGET k\nINCR k\nAPPEND k xyz\nSETRANGE k 100 z",
		"HSET h a 1 b 2\nHINCRBYFLOAT h a 1.5e3\nHRANDFIELD h -5 WITHVALUES\nHSCAN h 0 MATCH * COUNT 1",
		"MULTI\nSET a 1\nINCR a\nEXPIRE a 100 GT\nEXEC",
		"MSET a 1 b 2\nRENAME a b\nCOPY b c REPLACE\nSCAN 0 MATCH [a-z]* TYPE string\nKEYS *",
		"SET n 9223372036854775807\nINCR n\nINCRBYFLOAT n 1e308\nGETEX n PXAT 1\nTTL n",
		"HELLO 3\nHGETALL h\nCONFIG GET *max*\nCLIENT LIST\nINFO all\nCOMMAND INFO get",
		"FLUSHALL\nDBSIZE\nRANDOMKEY\nWATCH a\nUNWATCH\nDISCARD",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	db, err := engine.Open(engine.Options{Dir: f.TempDir(), Fsync: engine.FsyncNo})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	srv := NewServer(db, Options{})
	f.Fuzz(func(t *testing.T, script string) {
		c := &Client{ID: 1, w: NewWriter(), rd: NewReader(bytes.NewReader(nil), Limits{}), authenticated: true}
		c.proto.Store(2)
		for _, line := range strings.Split(script, "\n") {
			args := bytes.Split([]byte(line), []byte(" "))
			if len(args) == 0 || len(args[0]) == 0 || len(args) > 64 {
				continue
			}
			if equalFold(args[0], "debug") || equalFold(args[0], "client") && len(args) > 1 && equalFold(args[1], "kill") {
				continue // would act on the process or on connections the fuzzer does not have
			}
			before := c.w.Len()
			srv.execute(c, args)
			if c.w.Len() == before {
				t.Fatalf("%q: no reply", line)
			}
			if err := checkReply(c.w.Bytes()[before:]); err != nil {
				t.Fatalf("%q: malformed reply %q: %v", line, c.w.Bytes()[before:], err)
			}
			c.w.Reset()
		}
		db.Unwatch(&c.watch)
		if err := db.Check(); err != nil {
			t.Fatalf("after %q: %v", script, err)
		}
	})
}

// checkReply verifies b holds exactly one complete, well-formed
// RESP2/RESP3 reply.
func checkReply(b []byte) error {
	rest, err := parseOne(b)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d trailing bytes", len(rest))
	}
	return nil
}

func parseOne(b []byte) ([]byte, error) {
	end := bytes.Index(b, []byte("\r\n"))
	if len(b) < 3 || end < 1 {
		return nil, errors.New("no CRLF-terminated type line")
	}
	typ, body, rest := b[0], b[1:end], b[end+2:]
	switch typ {
	case '+', '-', ',', '(':
		if bytes.ContainsAny(body, "\r\n") {
			return nil, errors.New("CR or LF inside a line")
		}
		return rest, nil
	case '_':
		return rest, nil
	case '#':
		if string(body) != "t" && string(body) != "f" {
			return nil, fmt.Errorf("boolean %q", body)
		}
		return rest, nil
	case ':':
		if _, err := strconv.ParseInt(string(body), 10, 64); err != nil {
			return nil, err
		}
		return rest, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 {
			return nil, fmt.Errorf("bulk length %q", body)
		}
		if n == -1 {
			return rest, nil
		}
		if len(rest) < n+2 || rest[n] != '\r' || rest[n+1] != '\n' {
			return nil, errors.New("bulk body length mismatch")
		}
		return rest[n+2:], nil
	case '*', '~', '%', '>', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 {
			return nil, fmt.Errorf("aggregate length %q", body)
		}
		if typ == '%' || typ == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if rest, err = parseOne(rest); err != nil {
				return nil, err
			}
		}
		return rest, nil
	}
	return nil, fmt.Errorf("unknown type byte %q", typ)
}
