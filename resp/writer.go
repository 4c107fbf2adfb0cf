package resp

import (
	"math"
	"strconv"
)

// Writer builds replies in the connection's protocol. RESP3 types (maps,
// sets, nulls, doubles, booleans, verbatim strings) degrade to their RESP2
// forms exactly as Redis degrades them for a RESP2 client.
type Writer struct {
	buf   []byte
	proto int // 2 or 3
}

// NewWriter returns a Writer speaking RESP2.
func NewWriter() *Writer { return &Writer{proto: 2} }

// Proto returns the protocol version replies are written in.
func (w *Writer) Proto() int { return w.proto }

// SetProto switches the protocol version (HELLO).
func (w *Writer) SetProto(v int) { w.proto = v }

// Bytes returns the buffered replies.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of buffered bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the buffer, keeping its capacity unless it grew huge.
func (w *Writer) Reset() {
	if cap(w.buf) > 1<<20 {
		w.buf = nil
		return
	}
	w.buf = w.buf[:0]
}

// Truncate drops everything written after n bytes, for a reply that must
// be replaced by an error.
func (w *Writer) Truncate(n int) { w.buf = w.buf[:n] }

func (w *Writer) header(c byte, n int64) {
	w.buf = append(w.buf, c)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Simple writes a status reply such as +OK. s must not contain CR or LF.
func (w *Writer) Simple(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// OK writes +OK.
func (w *Writer) OK() { w.buf = append(w.buf, "+OK\r\n"...) }

// Error writes an error reply; msg carries its code, e.g. "ERR syntax
// error". CR and LF are replaced by spaces, as Redis does, so a reply can
// never break the framing.
func (w *Writer) Error(msg string) {
	w.buf = append(w.buf, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.buf = append(w.buf, c)
	}
	w.buf = append(w.buf, '\r', '\n')
}

// Int writes an integer reply.
func (w *Writer) Int(n int64) { w.header(':', n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkInt writes n as a bulk string (e.g. a SCAN cursor).
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// BulkUint writes n as a bulk string.
func (w *Writer) BulkUint(n uint64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendUint(tmp[:0], n, 10))
}

// Null writes the null reply: $-1 in RESP2, _ in RESP3.
func (w *Writer) Null() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array starts an array of n elements.
func (w *Writer) Array(n int) { w.header('*', int64(n)) }

// bulkOrNull writes v as a bulk string if found, else the null reply.
func (w *Writer) bulkOrNull(v []byte, found bool) {
	if found {
		w.Bulk(v)
	} else {
		w.Null()
	}
}

// bulksOrNulls writes an array of bulk strings with a null for each nil
// element, as MGET and HMGET reply.
func (w *Writer) bulksOrNulls(vals [][]byte) {
	w.Array(len(vals))
	for _, v := range vals {
		w.bulkOrNull(v, v != nil)
	}
}

// Map starts a map of n key/value pairs (a flat array of 2n in RESP2).
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.header('%', int64(n))
		return
	}
	w.header('*', int64(2*n))
}

// Set starts a set of n elements (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.header('~', int64(n))
		return
	}
	w.header('*', int64(n))
}

// Bool writes a boolean: :1/:0 in RESP2, #t/#f in RESP3.
func (w *Writer) Bool(b bool) {
	switch {
	case w.proto == 3 && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.proto == 3:
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.buf = append(w.buf, ":1\r\n"...)
	default:
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// Double writes a floating point reply: a RESP3 double, or in RESP2 a
// bulk string formatted as Redis formats doubles ("%.17g").
func (w *Writer) Double(f float64) {
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = appendDouble(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.Bulk(appendDouble(tmp[:0], f))
}

func appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// Verbatim writes a verbatim string of format "txt" in RESP3 and a bulk
// string in RESP2 (INFO, CLIENT LIST).
func (w *Writer) Verbatim(s string) {
	if w.proto != 3 {
		w.BulkString(s)
		return
	}
	w.header('=', int64(len(s)+4))
	w.buf = append(w.buf, "txt:"...)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// Raw appends pre-encoded RESP.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }
