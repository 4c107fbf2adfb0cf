package resp

import (
	"strconv"
	"strings"

	"github.com/murr-sidecar/murr-sidecar/columnar"
	"github.com/murr-sidecar/murr-sidecar/engine"
)

// registerTables registers the MURR.* table commands. They run outside
// the keyspace's transactions (a table write is its own atomic batch, and
// reads must not hold up Redis writers), so they are refused inside MULTI.
func registerTables(t *Table) {
	cmd := func(name string, arity int, flags Flags, summary string, h Handler) {
		t.Register(&Command{Name: name, Arity: arity, Flags: flags | FlagNoMulti, Group: "murr", Summary: summary, Handler: h})
	}
	cmd("murr.create", -4, FlagTableWrite, "Create a table with typed columns", cmdMurrCreate)
	cmd("murr.drop", 2, FlagTableWrite, "Drop a table and all its rows", cmdMurrDrop)
	cmd("murr.tables", 1, FlagFast, "List the tables", cmdMurrTables)
	cmd("murr.describe", 2, FlagFast, "Describe a table: key column, TTL, rows, bytes, columns", cmdMurrDescribe)
	cmd("murr.write", -3, FlagTableWrite, "Upsert the rows of an Arrow IPC stream into a table", cmdMurrWrite)
	cmd("murr.read", -4, 0, "Read rows of a table by key as one Arrow IPC stream", cmdMurrRead)
	cmd("murr.del", -3, FlagTableWrite, "Delete rows of a table by key", cmdMurrDel)
}

// tableArg returns the table named by arg, or Redis-style "no such table".
func tableArg(ctx *Ctx, arg []byte) (*engine.Table, error) {
	return ctx.Server.db.Table(string(arg))
}

// MURR.CREATE table [KEY name] [TTL seconds] COLUMNS col type [col type ...]
// MURR.CREATE table [KEY name] [TTL seconds] SCHEMA arrow-ipc-stream
// creates a table. Replies +OK, or an error if the name is taken or the
// schema is invalid.
func cmdMurrCreate(ctx *Ctx) error {
	name := string(ctx.Args[1])
	key, ttl := columnar.DefaultKey, int64(0)
	args := ctx.Args[2:]
	var s *columnar.Schema
	for s == nil {
		if len(args) == 0 {
			return Error("ERR MURR.CREATE needs COLUMNS <col> <type> ... or SCHEMA <arrow-ipc-stream>")
		}
		opt := strings.ToUpper(string(args[0]))
		switch {
		case opt == "KEY" && len(args) >= 2:
			key = string(args[1])
			args = args[2:]
		case opt == "TTL" && len(args) >= 2:
			n, ok := parseInt(args[1])
			if !ok || n < 0 {
				return Error("ERR TTL must be a non-negative integer number of seconds")
			}
			ttl = n
			args = args[2:]
		case opt == "COLUMNS":
			cols, err := columnar.ParseColumns(args[1:])
			if err != nil {
				return err
			}
			s = &columnar.Schema{Key: key, Columns: cols}
		case opt == "SCHEMA" && len(args) == 2:
			as, err := columnar.ReadIPCSchema(args[1])
			if err != nil {
				return err
			}
			if s, err = columnar.SchemaFromArrow(as, key); err != nil {
				return err
			}
		default:
			return ErrSyntax
		}
	}
	s.TTLSeconds = ttl
	if _, err := ctx.Server.db.CreateTable(name, s); err != nil {
		return err
	}
	ctx.W.OK()
	return nil
}

// MURR.DROP table: drops the table and its rows. Replies 1 if it existed,
// else 0.
func cmdMurrDrop(ctx *Ctx) error {
	ok, err := ctx.Server.db.DropTable(string(ctx.Args[1]))
	if err != nil {
		return err
	}
	ctx.W.Int(boolInt(ok))
	return nil
}

// MURR.TABLES: the table names, sorted.
func cmdMurrTables(ctx *Ctx) error {
	ts := ctx.Server.db.Tables()
	ctx.W.Array(len(ts))
	for _, t := range ts {
		ctx.W.BulkString(t.Name())
	}
	return nil
}

// MURR.DESCRIBE table: name, key column, ttl, rows, bytes, and the columns
// with their types in column order — a map in RESP3, flat pairs in RESP2.
func cmdMurrDescribe(ctx *Ctx) error {
	t, err := tableArg(ctx, ctx.Args[1])
	if err != nil {
		return err
	}
	s, w := t.Schema(), ctx.W
	w.Map(6)
	w.BulkString("name")
	w.BulkString(t.Name())
	w.BulkString("key")
	w.BulkString(s.Key)
	w.BulkString("ttl")
	w.Int(s.TTLSeconds)
	w.BulkString("rows")
	w.Int(t.Rows())
	w.BulkString("bytes")
	w.Int(t.Bytes())
	w.BulkString("columns")
	w.Map(len(s.Columns))
	for _, c := range s.Columns {
		w.BulkString(c.Name)
		w.BulkString(c.Type.String())
	}
	return nil
}

// MURR.WRITE table arrow-ipc-stream [CAST]: upserts every row of the
// stream's batches; columns absent from the stream keep their stored
// values. All or nothing. Replies with the number of rows written.
func cmdMurrWrite(ctx *Ctx) error {
	if len(ctx.Args) > 4 || (len(ctx.Args) == 4 && !equalFold(ctx.Args[3], "cast")) {
		return ErrSyntax
	}
	t, err := tableArg(ctx, ctx.Args[1])
	if err != nil {
		return err
	}
	d, err := columnar.NewDecoder(t.Name(), t.Schema(), len(ctx.Args) == 4)
	if err != nil {
		return err
	}
	// u is on the heap so that nothing here keeps it once WriteRows is
	// done with it: it can be collected while the batch commits.
	u := new(columnar.Updates)
	body := ctx.Args[2]
	// The stream is read in place: its batches' buffers are slices of
	// the argument, which stays put until the command is done.
	if _, err := d.DecodeIPCBytes(body, columnar.IPCMemoryLimit(len(body)), u); err != nil {
		return err
	}
	n, err := ctx.Server.db.WriteRows(t, u)
	if err != nil {
		return err
	}
	ctx.W.Int(int64(n))
	return nil
}

// MURR.DEL table key [key ...]: deletes rows. Replies with the number of
// rows that existed.
func cmdMurrDel(ctx *Ctx) error {
	t, err := tableArg(ctx, ctx.Args[1])
	if err != nil {
		return err
	}
	n, err := ctx.Server.db.DeleteRows(t, ctx.Args[2:])
	if err != nil {
		return err
	}
	ctx.W.Int(int64(n))
	return nil
}

// readRequest is a parsed MURR.READ.
type readRequest struct {
	resp    bool     // FORMAT RESP
	columns []string // nil: all
	keys    [][]byte
}

var errReadSyntax = Error("ERR syntax error, expected MURR.READ <table> [FORMAT ARROW|RESP] [COLUMNS <n> <col> ...] KEYS <key> [<key> ...]")

func parseRead(args [][]byte) (readRequest, error) {
	var r readRequest
	for len(args) > 0 {
		switch opt := strings.ToUpper(string(args[0])); {
		case opt == "FORMAT" && len(args) >= 2:
			switch {
			case equalFold(args[1], "arrow"):
				r.resp = false
			case equalFold(args[1], "resp"):
				r.resp = true
			default:
				return r, Error("ERR FORMAT must be ARROW or RESP")
			}
			args = args[2:]
		case opt == "COLUMNS" && len(args) >= 2:
			n, ok := parseInt(args[1])
			if !ok || n < 1 || n > int64(len(args)-2) {
				return r, Error("ERR COLUMNS needs a count of at least 1 followed by that many column names")
			}
			r.columns = make([]string, n)
			for i := range r.columns {
				r.columns[i] = string(args[2+i])
			}
			args = args[2+n:]
		case opt == "KEYS":
			if len(args) < 2 {
				return r, Error("ERR KEYS needs at least one key")
			}
			r.keys = args[1:]
			return r, nil
		default:
			return r, errReadSyntax
		}
	}
	return r, errReadSyntax
}

// MURR.READ table [FORMAT ARROW|RESP] [COLUMNS n col ...] KEYS key [key ...]
// reads one row per key, in request order. ARROW (the default) replies
// with one bulk string: an Arrow IPC stream of the schema, one record
// batch and end-of-stream; a missing key's row is null in every column.
// RESP replies with an array holding, per key, nil if it is missing, else
// the column/value pairs (a map in RESP3).
func cmdMurrRead(ctx *Ctx) error {
	req, err := parseRead(ctx.Args[2:])
	if err != nil {
		return err
	}
	t, err := tableArg(ctx, ctx.Args[1])
	if err != nil {
		return err
	}
	plan, err := columnar.NewReadPlan(t.Name(), t.Schema(), req.columns)
	if err != nil {
		return err
	}
	if req.resp {
		return readRESP(ctx, t, plan, req.keys)
	}
	reply := plan.NewReply(len(req.keys))
	defer reply.Release()
	err = ctx.Server.db.ReadRows(t, req.keys, func(i int, row columnar.Row) error {
		return reply.Add(req.keys[i], row)
	})
	if err != nil {
		return err
	}
	ctx.W.Bulk(reply.Bytes())
	return nil
}

// readRESP writes MURR.READ's FORMAT RESP reply.
func readRESP(ctx *Ctx, t *engine.Table, plan *columnar.ReadPlan, keys [][]byte) error {
	w, s, l := ctx.W, t.Schema(), t.Layout()
	cols := plan.Columns()
	w.Array(len(keys))
	return ctx.Server.db.ReadRows(t, keys, func(i int, row columnar.Row) error {
		if row == nil {
			w.Null()
			return nil
		}
		w.Map(len(cols))
		for _, col := range cols {
			if col == columnar.KeyIndex {
				w.BulkString(s.Key)
				w.Bulk(keys[i])
				continue
			}
			c := s.Columns[col]
			w.BulkString(c.Name)
			v, ok, err := l.Value(row, col)
			if err != nil {
				return err
			}
			if !ok {
				w.Null()
				continue
			}
			if err := writeValue(w, c.Type, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeValue writes one stored value: in RESP3 with its natural type
// (integer, double, boolean, bulk string, array for lists), in RESP2 as
// bulk strings of its text form, like HGETALL's values.
func writeValue(w *Writer, t columnar.Type, v []byte) error {
	if t.Kind == columnar.KindList || t.Kind == columnar.KindFixedSizeList {
		n := t.ListLen(v)
		w.Array(n)
		for i := 0; i < n; i++ {
			writeScalar(w, t.ListElem(v, i))
		}
		return nil
	}
	sc, err := t.Scalar(v)
	if err != nil {
		return err
	}
	writeScalar(w, sc)
	return nil
}

func writeScalar(w *Writer, sc columnar.ScalarValue) {
	if w.Proto() < 3 {
		var buf [64]byte
		w.Bulk(sc.AppendText(buf[:0]))
		return
	}
	switch sc.Kind {
	case columnar.ScalarInt:
		w.Int(sc.Int)
	case columnar.ScalarUint:
		if sc.Uint > 1<<63-1 {
			w.Bulk(strconv.AppendUint(nil, sc.Uint, 10))
		} else {
			w.Int(int64(sc.Uint))
		}
	case columnar.ScalarFloat:
		w.Double(sc.Float)
	case columnar.ScalarBool:
		w.Bool(sc.Int != 0)
	default:
		w.Bulk(sc.Bytes)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
