package columnar

// ipcread.go owns reading Arrow IPC streams from untrusted input (a
// MURR.WRITE argument, an HTTP body, a MURR.CREATE ... SCHEMA argument):
// framing messages ourselves so a lying length costs no memory, bounding
// the memory arrow-go allocates, checking compressed buffers before
// arrow-go inflates them, validating every batch, and turning arrow-go's
// panics into errors.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/endian"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrBadIPC is wrapped by errors about a malformed Arrow IPC stream (RESP
// answers -ERR, HTTP 400). A stream that needs more memory than allowed
// gives an error wrapping ErrTooLarge instead, and a failing source (a
// closed connection) an error wrapping the source's.
var ErrBadIPC = errors.New("corrupt arrow ipc stream")

// unalignedOK: the machine reads Arrow buffers at any address (at full
// speed), so an in-memory stream's bodies are used in place wherever they
// are. Elsewhere only 8-byte aligned ones are.
const unalignedOK = runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" || runtime.GOARCH == "386"

// maxIPCMetadata bounds one message's metadata (flatbuffers: a schema or a
// batch's buffer list), which is read into ordinary memory.
const maxIPCMetadata = 64 << 20

// IPCMemoryLimit is the memory budget ReadIPCStream should get for a
// stream of n bytes held in memory: room for its uncompressed bodies,
// with slack for compressed ones.
func IPCMemoryLimit(n int) int64 { return 4*int64(n) + 16<<20 }

// ReadIPCStream reads an Arrow IPC stream from r: onSchema gets the schema
// first, then onBatch each record batch, which is valid only during the
// call (Retain it to keep it). A stream with no batches is valid; a
// missing end-of-stream marker is tolerated. An error from a callback
// stops reading and is returned as is.
//
// r is untrusted: reading never panics, allocates memory as the bytes
// arrive rather than as lengths claim, and holds at most maxBytes of
// Arrow buffers at a time (an error wrapping ErrTooLarge beyond). Every
// batch passed to onBatch has passed array.ValidateRecordFull, so its
// offsets, sizes and dictionary indexes are consistent. LZ4- and
// ZSTD-compressed bodies are read; arrow-go byte-swaps streams marked
// big-endian. Batches of schemas with union, run-end-encoded or list-view
// fields are refused (ErrBadIPC): no column has such a type, and what
// arrow-go reads for them is not checked here.
func ReadIPCStream(r io.Reader, maxBytes int64, onSchema func(*arrow.Schema) error, onBatch func(arrow.RecordBatch) error) error {
	return readIPC(&ipcMsgReader{r: r, mem: newMemBudget(maxBytes)}, onSchema, onBatch)
}

// ReadIPCBytes is ReadIPCStream of a stream held in memory, b, which it
// reads in place: the Arrow buffers of uncompressed batches are slices of
// b rather than copies, so they count against no budget. b must not
// change until ReadIPCBytes returns. It never writes to b (a stream of
// the other byte order than the machine's is copied to be swapped).
func ReadIPCBytes(b []byte, maxBytes int64, onSchema func(*arrow.Schema) error, onBatch func(arrow.RecordBatch) error) error {
	return readIPC(&ipcMsgReader{src: b, inMemory: true, mem: newMemBudget(maxBytes)}, onSchema, onBatch)
}

func readIPC(mr *ipcMsgReader, onSchema func(*arrow.Schema) error, onBatch func(arrow.RecordBatch) error) error {
	mr.refs.Store(1)
	defer mr.Release()
	fail := func(err error) error { return mr.classify(err) }

	var rdr *ipc.Reader
	if err := recoverPanic(func() (err error) {
		rdr, err = ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mr.mem), ipc.WithEnsureNativeEndian(true))
		return err
	}); err != nil {
		return fail(err)
	}
	defer func() { _ = recoverPanic(func() error { rdr.Release(); return nil }) }()
	schema := rdr.Schema()
	if schema == nil {
		return fail(errors.New("no schema"))
	}
	if err := onSchema(schema); err != nil {
		return err
	}
	for {
		var rec arrow.RecordBatch
		err := recoverPanic(func() (err error) {
			if rec, err = rdr.Read(); err != nil {
				return err
			}
			return array.ValidateRecordFull(rec)
		})
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail(err)
		}
		if err := onBatch(rec); err != nil {
			return err
		}
	}
}

// errStopAfterSchema ends ReadIPCSchema's read after the schema.
var errStopAfterSchema = errors.New("stop")

// ReadIPCSchema returns the schema of the Arrow IPC stream b (MURR.CREATE
// ... SCHEMA). Whatever follows the schema message is not read.
func ReadIPCSchema(b []byte) (*arrow.Schema, error) {
	var schema *arrow.Schema
	err := ReadIPCBytes(b, IPCMemoryLimit(len(b)), func(s *arrow.Schema) error {
		schema = s
		return errStopAfterSchema
	}, nil)
	if err != errStopAfterSchema {
		return nil, err
	}
	return schema, nil
}

// DecodeIPC reads the Arrow IPC stream r (see ReadIPCStream; maxBytes
// bounds its buffers) and appends its rows to u (see Decoder.Record). It
// is all or nothing: on error u is left as it was. It returns the number
// of rows appended.
//
// If d.MaxBytes is 0, u may grow by at most 4 × maxBytes: a small
// compressed stream can inflate to maxBytes of buffers, and those to more
// rows than a client should get for a few bytes.
func (d *Decoder) DecodeIPC(r io.Reader, maxBytes int64, u *Updates) (rows int, err error) {
	return d.decodeIPC(&ipcMsgReader{r: r, mem: newMemBudget(maxBytes)}, maxBytes, u)
}

// DecodeIPCBytes is DecodeIPC of a stream held in memory, read in place
// (see ReadIPCBytes). As it can count the stream's rows before decoding
// them, u grows once for all of them rather than batch by batch.
func (d *Decoder) DecodeIPCBytes(b []byte, maxBytes int64, u *Updates) (rows int, err error) {
	d.expect, d.expectBytes = ipcStreamRows(b), 2*int64(len(b))
	defer func() { d.expect, d.expectBytes = 0, 0 }()
	return d.decodeIPC(&ipcMsgReader{src: b, inMemory: true, mem: newMemBudget(maxBytes)}, maxBytes, u)
}

func (d *Decoder) decodeIPC(mr *ipcMsgReader, maxBytes int64, u *Updates) (rows int, err error) {
	start := u.Len()
	if d.MaxBytes == 0 && maxBytes > 0 {
		d.MaxBytes = u.Bytes() + int(min(4*maxBytes, math.MaxInt/2))
		defer func() { d.MaxBytes = 0 }()
	}
	err = readIPC(mr, d.Bind, func(rec arrow.RecordBatch) error { return d.Record(rec, u) })
	if err != nil {
		u.Truncate(start)
		return 0, err
	}
	return u.Len() - start, nil
}

// ipcStreamRows returns the rows the record batches of stream b claim,
// walking their messages without reading bodies, or 0 if it cannot tell
// (what it finds amiss is left for the real read to report).
func ipcStreamRows(b []byte) int64 {
	var rows int64
	for len(b) >= 4 {
		n := int64(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if n == 0xFFFFFFFF {
			if len(b) < 4 {
				return 0
			}
			n = int64(binary.LittleEndian.Uint32(b))
			b = b[4:]
		}
		if n == 0 {
			break
		}
		if n > int64(len(b)) {
			return 0
		}
		info, err := parseIPCMessage(b[:n])
		if err != nil || info.bodyLen < 0 || info.bodyLen > int64(len(b))-n {
			return 0
		}
		if info.kind == ipcHdrRecordBatch {
			length, err := info.batch.int64(0) // RecordBatch.length
			if err != nil || length < 0 || length > math.MaxInt32 {
				return 0
			}
			rows += length
		}
		b = b[n+info.bodyLen:]
	}
	return min(rows, math.MaxInt32)
}

// recoverPanic runs f, turning a panic into an error: arrow-go panics on some
// malformed input (flatbuffers it reads unchecked, buffers shorter than
// their arrays) and our allocator panics when over budget.
func recoverPanic(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = fmt.Errorf("panic: %w", e)
			} else {
				err = fmt.Errorf("panic: %v", p)
			}
		}
	}()
	return f()
}

// errOverBudget is what budget panics with; arrow-go's recover handlers
// wrap it, so errors.Is finds it.
var errOverBudget = errors.New("memory memBudget exceeded")

// memBudget is a memory.Allocator that refuses, by panicking with
// errOverBudget, to hold more than limit bytes at once. It counts what is
// allocated and not yet freed; arrow-go frees buffers when their reference
// counts drop, so a long stream of batches processed one at a time stays
// within a budget the size of a batch. It is safe for concurrent use.
type memBudget struct {
	mem      memory.GoAllocator
	limit    int64
	live     atomic.Int64
	exceeded atomic.Bool
}

func newMemBudget(limit int64) *memBudget {
	if limit <= 0 {
		limit = 1
	}
	return &memBudget{limit: limit}
}

func (b *memBudget) charge(n int) {
	if n < 0 {
		b.live.Add(int64(n))
		return
	}
	if b.live.Add(int64(n)) > b.limit {
		b.live.Add(-int64(n))
		b.exceeded.Store(true)
		panic(errOverBudget)
	}
}

func (b *memBudget) Allocate(size int) []byte {
	if size < 0 {
		panic(fmt.Errorf("negative allocation of %d bytes", size))
	}
	b.charge(size)
	return b.mem.Allocate(size)
}

func (b *memBudget) Reallocate(size int, old []byte) []byte {
	if size < 0 {
		panic(fmt.Errorf("negative allocation of %d bytes", size))
	}
	b.charge(size - len(old))
	return b.mem.Reallocate(size, old)
}

func (b *memBudget) Free(p []byte) {
	b.live.Add(-int64(len(p)))
	b.mem.Free(p)
}

// errTooLargeFor is the error for a budget of limit bytes exceeded.
func errTooLargeFor(what string, limit int64) error {
	return fmt.Errorf("%w: %s needs more than %d bytes of memory", ErrTooLarge, what, limit)
}

// ipcMsgReader frames IPC messages for ipc.Reader (an ipc.MessageReader).
// Unlike arrow-go's, it reads a body as it arrives instead of allocating
// its claimed length up front, allocates bodies from the budget, and
// checks compressed buffers' claimed sizes before arrow-go inflates them.
type ipcMsgReader struct {
	r   io.Reader
	mem *memBudget
	// inMemory: the stream is src (ReadIPCBytes), read from pos; bodies
	// are slices of it unless swap (the stream is of the other byte
	// order) or the machine needs aligned buffers and a body is not.
	inMemory bool
	src      []byte
	pos      int
	swap     bool

	refs   atomic.Int64
	msg    *ipc.Message
	n      int // messages read
	plan   *ipcPlan
	srcErr error // a failure of r itself (not an end of input)
	bad    error // the first problem found in the stream
}

func (m *ipcMsgReader) Retain() { m.refs.Add(1) }

func (m *ipcMsgReader) Release() {
	if m.refs.Add(-1) == 0 && m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
}

// classify turns an error out of ipc.Reader into ours.
func (m *ipcMsgReader) classify(err error) error {
	switch {
	case m.srcErr != nil:
		return fmt.Errorf("reading arrow ipc stream: %w", m.srcErr)
	case m.bad != nil: // found by our own checks, arrow-go's error wraps it
		return m.bad
	case m.mem.exceeded.Load() || errors.Is(err, errOverBudget):
		return errTooLargeFor("arrow ipc stream", m.mem.limit)
	case m.n == 0:
		return fmt.Errorf("%w: empty stream (no schema message)", ErrBadIPC)
	}
	return fmt.Errorf("%w: %w", ErrBadIPC, err)
}

// fill reads len(p) bytes; at the very start of a message (atStart) a
// clean end of input is io.EOF, elsewhere it is a truncated stream.
func (m *ipcMsgReader) fill(p []byte, atStart bool) error {
	if m.inMemory {
		k := copy(p, m.src[m.pos:])
		m.pos += k
		switch {
		case k == len(p):
			return nil
		case atStart && k == 0:
			return io.EOF
		}
		return m.fail(fmt.Errorf("%w: truncated stream", ErrBadIPC))
	}
	k, err := io.ReadFull(m.r, p)
	switch {
	case err == nil:
		return nil
	case err == io.EOF && atStart && k == 0:
		return io.EOF
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return m.fail(fmt.Errorf("%w: truncated stream", ErrBadIPC))
	}
	m.srcErr = err
	return err
}

func (m *ipcMsgReader) fail(err error) error {
	if m.bad == nil {
		m.bad = err
	}
	return err
}

// Message returns the next message, valid until the next call, or io.EOF
// at the end of the stream.
func (m *ipcMsgReader) Message() (*ipc.Message, error) {
	if m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
	var hdr [4]byte
	if err := m.fill(hdr[:], true); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n == 0xFFFFFFFF { // continuation marker, then the length
		if err := m.fill(hdr[:], false); err != nil {
			return nil, err
		}
		n = binary.LittleEndian.Uint32(hdr[:])
	} // else a stream from before Arrow 0.15: the length alone
	if n == 0 {
		return nil, io.EOF // end-of-stream marker
	}
	if n > maxIPCMetadata || int64(n) > m.mem.limit {
		return nil, m.fail(fmt.Errorf("%w: message metadata of %d bytes, more than %d", ErrBadIPC, n, min(maxIPCMetadata, m.mem.limit)))
	}
	meta, err := m.read(int64(n), false)
	if err != nil {
		return nil, err
	}
	info, err := parseIPCMessage(meta)
	if err != nil {
		return nil, m.fail(fmt.Errorf("%w: message %d: %v", ErrBadIPC, m.n, err))
	}
	if info.bodyLen < 0 {
		return nil, m.fail(fmt.Errorf("%w: message %d: negative body length", ErrBadIPC, m.n))
	}
	if err := checkExpansion(info, m.mem.limit); err != nil {
		return nil, m.fail(err)
	}
	if info.kind == ipcHdrSchema {
		if m.plan, err = planBatches(info.msg); err != nil {
			return nil, m.fail(err)
		}
		// arrow-go swaps, in place, the buffers of a schema whose byte
		// order is anything but the machine's.
		m.swap = m.plan.endianness != endian.NativeEndian
	}
	if info.bodyLen > m.mem.limit {
		return nil, m.fail(errTooLargeFor("arrow ipc message", m.mem.limit))
	}
	body, err := m.readBody(info.bodyLen)
	if err != nil {
		return nil, err
	}
	defer body.Release()
	if info.batch != nil {
		if err := m.plan.check(info); err != nil {
			return nil, m.fail(err)
		}
		if err := checkCompressedBuffers(*info.batch, body.Bytes(), m.mem.limit); err != nil {
			return nil, m.fail(err)
		}
	}
	metaBuf := memory.NewBufferBytes(meta)
	if err := recoverPanic(func() error { m.msg = ipc.NewMessage(metaBuf, body); return nil }); err != nil {
		return nil, m.fail(fmt.Errorf("%w: message %d: %v", ErrBadIPC, m.n, err))
	}
	m.n++
	return m.msg, nil
}

// read reads n bytes into ordinary memory, growing the slice as bytes
// arrive (or slices them from an in-memory stream).
func (m *ipcMsgReader) read(n int64, atStart bool) ([]byte, error) {
	if m.inMemory && n <= int64(len(m.src)-m.pos) {
		b := m.src[m.pos : m.pos+int(n) : m.pos+int(n)]
		m.pos += int(n)
		return b, nil
	}
	var b []byte
	for int64(len(b)) < n {
		have := len(b)
		next := min(n, int64(max(2*have, 1<<16)))
		b = append(b, make([]byte, int(next)-have)...)
		if err := m.fill(b[have:], atStart && have == 0); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readBody reads a message body of n bytes into budgeted memory, which
// grows as bytes arrive unless r says how much it holds.
func (m *ipcMsgReader) readBody(n int64) (*memory.Buffer, error) {
	step := int64(1 << 20)
	if m.inMemory {
		if n > int64(len(m.src)-m.pos) {
			return nil, m.fail(fmt.Errorf("%w: truncated stream", ErrBadIPC))
		}
		body := m.src[m.pos : m.pos+int(n) : m.pos+int(n)]
		if !m.swap && (unalignedOK || n == 0 || uintptr(unsafe.Pointer(&body[0]))%8 == 0) {
			m.pos += int(n)
			return memory.NewBufferBytes(body), nil
		}
		step = n
	} else if l, ok := m.r.(interface{ Len() int }); ok { // bytes.Reader and the like
		if n > int64(l.Len()) {
			return nil, m.fail(fmt.Errorf("%w: truncated stream", ErrBadIPC))
		}
		step = n
	}
	buf := memory.NewResizableBuffer(m.mem)
	for have := int64(0); have < n; {
		next := min(n, max(2*have, step))
		if err := recoverPanic(func() error { buf.Resize(int(next)); return nil }); err != nil {
			buf.Release()
			return nil, m.fail(errTooLargeFor("arrow ipc message", m.mem.limit))
		}
		if err := m.fill(buf.Bytes()[have:next], false); err != nil {
			buf.Release()
			return nil, err
		}
		have = next
	}
	return buf, nil
}

// A minimal, bounds-checked reader of the flatbuffers in IPC message
// metadata, for the few fields checked before arrow-go (which reads
// flatbuffers unchecked, recovering from the panics) sees the message.
// Field slots are those of Arrow's Message.fbs and Schema.fbs.

var errBadFlatbuf = errors.New("malformed flatbuffer")

type fbView struct {
	b       []byte
	pos, vt int // table and vtable positions
	vtLen   int
}

func fbViewAt(b []byte, pos int) (fbView, error) {
	if pos < 0 || pos > len(b)-4 {
		return fbView{}, errBadFlatbuf
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(b[pos:])))
	if vt < 0 || vt > len(b)-4 {
		return fbView{}, errBadFlatbuf
	}
	vtLen := int(binary.LittleEndian.Uint16(b[vt:]))
	if vtLen < 4 || vtLen > len(b)-vt {
		return fbView{}, errBadFlatbuf
	}
	return fbView{b: b, pos: pos, vt: vt, vtLen: vtLen}, nil
}

// field returns the position of the field in slot, 0 if it is absent.
// Like the flatbuffers library, it takes a slot as present when its
// entry starts within the vtable's declared length, even if an odd length
// cuts the entry.
func (t fbView) field(slot, size int) (int, error) {
	o := 4 + 2*slot
	if o >= t.vtLen {
		return 0, nil
	}
	if t.vt+o+2 > len(t.b) {
		return 0, errBadFlatbuf
	}
	f := int(binary.LittleEndian.Uint16(t.b[t.vt+o:]))
	if f == 0 {
		return 0, nil
	}
	if p := t.pos + f; p <= len(t.b)-size {
		return p, nil
	}
	return 0, errBadFlatbuf
}

func (t fbView) uint8(slot int) (uint8, error) {
	p, err := t.field(slot, 1)
	if p == 0 {
		return 0, err
	}
	return t.b[p], nil
}

func (t fbView) uint16(slot int) (uint16, error) {
	p, err := t.field(slot, 2)
	if p == 0 {
		return 0, err
	}
	return binary.LittleEndian.Uint16(t.b[p:]), nil
}

func (t fbView) int64(slot int) (int64, error) {
	p, err := t.field(slot, 8)
	if p == 0 {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(t.b[p:])), nil
}

// ref follows the offset in slot: the position it points to, 0 if absent.
func (t fbView) ref(slot int) (int, error) {
	p, err := t.field(slot, 4)
	if p == 0 {
		return 0, err
	}
	q := p + int(binary.LittleEndian.Uint32(t.b[p:]))
	if q <= p || q > len(t.b)-4 {
		return 0, errBadFlatbuf
	}
	return q, nil
}

func (t fbView) table(slot int) (fbView, bool, error) {
	q, err := t.ref(slot)
	if q == 0 {
		return fbView{}, false, err
	}
	sub, err := fbViewAt(t.b, q)
	return sub, err == nil, err
}

// vector returns the position and length of the vector of elemSize-byte
// elements in slot.
func (t fbView) vector(slot, elemSize int) (start, n int, err error) {
	q, err := t.ref(slot)
	if q == 0 {
		return 0, 0, err
	}
	n = int(binary.LittleEndian.Uint32(t.b[q:]))
	if n < 0 || n > (len(t.b)-q-4)/elemSize {
		return 0, 0, errBadFlatbuf
	}
	return q + 4, n, nil
}

// IPC message header types (Message.fbs MessageHeader).
const (
	ipcHdrSchema          = 1
	ipcHdrDictionaryBatch = 2
	ipcHdrRecordBatch     = 3
)

type ipcMsgInfo struct {
	msg     fbView
	kind    uint8 // header type
	bodyLen int64
	batch   *fbView // the RecordBatch table of a record or dictionary batch
	dictID  int64   // a dictionary batch's dictionary id
}

func parseIPCMessage(meta []byte) (info ipcMsgInfo, err error) {
	if len(meta) < 4 {
		return info, errBadFlatbuf
	}
	msg, err := fbViewAt(meta, int(binary.LittleEndian.Uint32(meta)))
	if err != nil {
		return info, err
	}
	kind, err := msg.uint8(1) // header_type
	if err != nil {
		return info, err
	}
	info.msg, info.kind = msg, kind
	if info.bodyLen, err = msg.int64(3); err != nil { // bodyLength
		return info, err
	}
	if kind != ipcHdrRecordBatch && kind != ipcHdrDictionaryBatch {
		return info, nil
	}
	hdr, ok, err := msg.table(2) // header
	if !ok {
		return info, errors.Join(errBadFlatbuf, err)
	}
	if kind == ipcHdrDictionaryBatch {
		if info.dictID, err = hdr.int64(0); err != nil { // DictionaryBatch.id
			return info, err
		}
		if hdr, ok, err = hdr.table(1); !ok { // DictionaryBatch.data
			return info, errors.Join(errBadFlatbuf, err)
		}
	}
	info.batch = &hdr
	return info, nil
}

// ipcShape is how many field nodes, buffers and variadic buffer counts
// arrow-go reads from a batch of some schema.
type ipcShape struct{ nodes, buffers, views int }

// ipcPlan is the shape of a stream's record batches and, by dictionary
// id, of its dictionary batches, worked out from its schema message.
//
// arrow-go reads a batch's i-th field node, buffer and variadic buffer
// count as its schema dictates, without checking i against the lengths of
// those vectors: past their ends it reads whatever bytes follow, and sizes
// a slice by a "count" read there (gigabytes, fatally). So each batch must
// hold at least what the schema makes arrow-go read.
type ipcPlan struct {
	endianness endian.Endianness // the schema's, as arrow-go reads it
	record     ipcShape
	dicts      map[int64]ipcShape
	unmodelled string // a type whose batches are not worked out, and so not read
}

func planBatches(msg fbView) (*ipcPlan, error) {
	p := &ipcPlan{dicts: map[int64]ipcShape{}}
	schema, ok, err := msg.table(2)
	if !ok {
		return nil, fmt.Errorf("%w: schema message without a schema", ErrBadIPC)
	}
	var order uint16
	if order, err = schema.uint16(0); err != nil { // Schema.endianness: 0 little, 1 big
		return nil, fmt.Errorf("%w: schema: %v", ErrBadIPC, err)
	}
	p.endianness = endian.Endianness(int16(order))
	start, n, err := schema.vector(1, 4) // Schema.fields
	for k := 0; k < n && err == nil; k++ {
		var f fbView
		if f, err = schema.elem(start, k); err == nil {
			err = p.field(f, 0, &p.record)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: schema: %v", ErrBadIPC, err)
	}
	return p, nil
}

// field adds what arrow-go reads for field f to into; a dictionary-encoded
// field's values go to a dictionary batch instead.
func (p *ipcPlan) field(f fbView, depth int, into *ipcShape) error {
	if depth > ipcMaxNesting {
		return fmt.Errorf("fields nested deeper than %d", ipcMaxNesting)
	}
	dict, isDict, err := f.table(4) // Field.dictionary
	if err != nil {
		return err
	}
	if !isDict {
		return p.node(f, depth, into)
	}
	into.nodes++
	into.buffers += 2 // the indexes: validity and values
	var values ipcShape
	if err := p.node(f, depth, &values); err != nil {
		return err
	}
	id, err := dict.int64(0) // DictionaryEncoding.id
	if err != nil {
		return err
	}
	prev := p.dicts[id]
	p.dicts[id] = ipcShape{max(prev.nodes, values.nodes), max(prev.buffers, values.buffers), max(prev.views, values.views)}
	return nil
}

// node adds what arrow-go reads for an array of f's type (Schema.fbs
// Type ids), then for its children.
func (p *ipcPlan) node(f fbView, depth int, into *ipcShape) error {
	typ, err := f.uint8(2) // Field.type_type
	if err != nil {
		return err
	}
	into.nodes++
	switch typ {
	case 1: // Null: no buffers
	case 2, 3, 6, 7, 8, 9, 10, 11, 15, 18: // fixed width: validity, values
		into.buffers += 2
	case 4, 5, 19, 20: // (large) binary and utf8: validity, offsets, data
		into.buffers += 3
	case 23, 24: // views: validity, views, then as many as the count says
		into.buffers += 2
		into.views++
	case 12, 17, 21: // list, map, large list: validity, offsets
		into.buffers += 2
	case 13, 16: // struct, fixed-size list: validity
		into.buffers++
	default: // unions, run-end encoded, list views: never a column type
		if p.unmodelled == "" {
			p.unmodelled = fmt.Sprintf("type %d", typ)
		}
	}
	start, n, err := f.vector(5, 4) // Field.children
	for k := 0; k < n && err == nil; k++ {
		var c fbView
		if c, err = f.elem(start, k); err == nil {
			err = p.field(c, depth+1, into)
		}
	}
	return err
}

// check checks a record or dictionary batch against the plan.
func (p *ipcPlan) check(info ipcMsgInfo) error {
	if p == nil {
		return fmt.Errorf("%w: a batch before the schema", ErrBadIPC)
	}
	if p.unmodelled != "" {
		return fmt.Errorf("%w: batches of a schema with %s are not read", ErrBadIPC, p.unmodelled)
	}
	want := p.record
	if info.kind == ipcHdrDictionaryBatch {
		var ok bool
		if want, ok = p.dicts[info.dictID]; !ok {
			return nil // arrow-go refuses an unknown dictionary before reading it
		}
	}
	batch := *info.batch
	_, nodes, err := batch.vector(1, 16) // RecordBatch.nodes
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	_, nbufs, err := batch.vector(2, 16) // RecordBatch.buffers
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	vstart, nviews, err := batch.vector(4, 8) // RecordBatch.variadicBufferCounts
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	if nodes < want.nodes || nviews < want.views {
		return fmt.Errorf("%w: a batch of %d field nodes and %d variadic counts for a schema of %d and %d", ErrBadIPC, nodes, nviews, want.nodes, want.views)
	}
	need := int64(want.buffers)
	for i := range want.views {
		c := int64(binary.LittleEndian.Uint64(batch.b[vstart+8*i:]))
		if c < 0 || c > int64(nbufs) {
			return fmt.Errorf("%w: variadic buffer count %d for a batch of %d buffers", ErrBadIPC, c, nbufs)
		}
		need += c
	}
	if need > int64(nbufs) {
		return fmt.Errorf("%w: a batch of %d buffers for a schema needing %d", ErrBadIPC, nbufs, need)
	}
	return nil
}

// checkCompressedBuffers checks a compressed batch's buffers before
// arrow-go inflates them: each must lie in the body, and the sizes they
// claim uncompressed (and, for ZSTD, the decoder windows their frames
// ask for, which the decoder allocates outside any allocator) must fit
// the budget.
func checkCompressedBuffers(batch fbView, body []byte, limit int64) error {
	comp, ok, err := batch.table(3) // RecordBatch.compression
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	if !ok {
		return nil
	}
	codec, err := comp.uint8(0) // 0: LZ4_FRAME, 1: ZSTD
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	start, n, err := batch.vector(2, 16) // RecordBatch.buffers: {offset, length int64}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadIPC, err)
	}
	var total int64
	for i := range n {
		off := int64(binary.LittleEndian.Uint64(batch.b[start+16*i:]))
		length := int64(binary.LittleEndian.Uint64(batch.b[start+16*i+8:]))
		if length == 0 {
			continue
		}
		if off < 0 || length < 8 || off > int64(len(body)) || length > int64(len(body))-off {
			return fmt.Errorf("%w: compressed arrowBuf %d [%d, +%d) outside the body of %d bytes", ErrBadIPC, i, off, length, len(body))
		}
		size := int64(binary.LittleEndian.Uint64(body[off:]))
		if size == -1 { // stored uncompressed
			continue
		}
		if size < 0 {
			return fmt.Errorf("%w: compressed arrowBuf %d claims %d bytes", ErrBadIPC, i, size)
		}
		if total += size; size > limit || total > limit {
			return errTooLargeFor("arrow ipc batch", limit)
		}
		if codec == 1 {
			w, err := zstdWindow(body[off+8 : off+length])
			if err != nil {
				return fmt.Errorf("%w: arrowBuf %d: %v", ErrBadIPC, i, err)
			}
			if w > uint64(limit)/2 {
				return errTooLargeFor("arrow ipc batch", limit)
			}
		}
	}
	return nil
}

// zstdWindow returns the largest window size the zstd frames in b declare
// (RFC 8878 §3.1.1), walking frame and block headers without decoding.
func zstdWindow(b []byte) (uint64, error) {
	const minWindow = 1 << 10
	var largest uint64
	for len(b) > 0 {
		if len(b) < 8 {
			return 0, errors.New("truncated zstd frame")
		}
		magic := binary.LittleEndian.Uint32(b)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			size := uint64(binary.LittleEndian.Uint32(b[4:]))
			if size > uint64(len(b)-8) {
				return 0, errors.New("truncated skippable zstd frame")
			}
			b = b[8+size:]
			continue
		}
		if magic != 0xFD2FB528 {
			return 0, errors.New("not a zstd frame")
		}
		fhd := b[4]
		single := fhd&0x20 != 0
		p := 5
		var window uint64
		if !single {
			wd := b[p]
			base := uint64(1) << (10 + wd>>3)
			window = base + base/8*uint64(wd&7)
			p++
		}
		p += [4]int{0, 1, 2, 4}[fhd&3] // dictionary id
		fcsSize := [4]int{0, 2, 4, 8}[fhd>>6]
		if fcsSize == 0 && single {
			fcsSize = 1
		}
		if p+fcsSize > len(b) {
			return 0, errors.New("truncated zstd frame header")
		}
		if single {
			var fcs uint64
			for k := fcsSize - 1; k >= 0; k-- {
				fcs = fcs<<8 | uint64(b[p+k])
			}
			if fcsSize == 2 {
				fcs += 256
			}
			window = fcs
		}
		p += fcsSize
		for last := false; !last; {
			if p+3 > len(b) {
				return 0, errors.New("truncated zstd block")
			}
			h := uint32(b[p]) | uint32(b[p+1])<<8 | uint32(b[p+2])<<16
			p += 3
			last = h&1 != 0
			switch size := int(h >> 3); (h >> 1) & 3 {
			case 0, 2: // raw, compressed
				p += size
			case 1: // RLE: one byte
				p++
			default:
				return 0, errors.New("reserved zstd block type")
			}
			if p > len(b) {
				return 0, errors.New("truncated zstd block")
			}
		}
		if fhd&0x04 != 0 { // content checksum
			p += 4
		}
		if p > len(b) {
			return 0, errors.New("truncated zstd frame")
		}
		largest = max(largest, window, minWindow)
		b = b[p:]
	}
	return largest, nil
}

// string returns the length of the string in slot (0 if absent).
func (t fbView) strlen(slot int) (int, error) {
	q, err := t.ref(slot)
	if q == 0 {
		return 0, err
	}
	n := int(binary.LittleEndian.Uint32(t.b[q:]))
	if n < 0 || n > len(t.b)-q-4 {
		return 0, errBadFlatbuf
	}
	return n, nil
}

// elem returns table k of the vector of tables starting at start.
func (t fbView) elem(start, k int) (fbView, error) {
	p := start + 4*k
	return fbViewAt(t.b, p+int(binary.LittleEndian.Uint32(t.b[p:])))
}

// Costs, in bytes, charged for what arrow-go allocates per schema field
// and per custom metadata entry, beyond their strings.
const (
	ipcFieldCost    = 256
	ipcKeyValueCost = 64
	ipcMaxNesting   = 64
)

// checkExpansion bounds what arrow-go allocates decoding a message's
// metadata. arrow-go sizes slices by the vector lengths it reads, and
// flatbuffers may point many offsets at one table or string, so a few
// hundred bytes of schema can expand to any number of fields, copies of
// one long name, or nesting deep enough to exhaust the stack: fatal
// errors, not panics. This walks what arrow-go will read — fields and
// their children, names, time zones, union type ids, custom metadata —
// counting shared parts each time they are reached, and fails when the
// total passes limit or fields nest deeper than ipcMaxNesting.
func checkExpansion(info ipcMsgInfo, limit int64) error {
	w := schemaExpansion{left: limit}
	w.keyValues(info.msg, 4) // Message.custom_metadata
	if info.kind == ipcHdrSchema {
		if schema, ok, err := info.msg.table(2); err != nil {
			w.fail(err)
		} else if ok {
			w.keyValues(schema, 2) // Schema.custom_metadata
			w.fields(schema, 1, 0) // Schema.fields
		}
	}
	switch {
	case w.err != nil:
		return fmt.Errorf("%w: schema: %v", ErrBadIPC, w.err)
	case w.left < 0:
		return errTooLargeFor("arrow ipc schema", limit)
	}
	return nil
}

type schemaExpansion struct {
	left int64
	err  error
}

func (w *schemaExpansion) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *schemaExpansion) ok() bool { return w.err == nil && w.left >= 0 }

func (w *schemaExpansion) str(t fbView, slot int) {
	n, err := t.strlen(slot)
	w.fail(err)
	w.left -= int64(n)
}

func (w *schemaExpansion) keyValues(t fbView, slot int) {
	start, n, err := t.vector(slot, 4)
	w.fail(err)
	for k := 0; k < n && w.ok(); k++ {
		kv, err := t.elem(start, k)
		if err != nil {
			w.fail(err)
			return
		}
		w.left -= ipcKeyValueCost
		w.str(kv, 0)
		w.str(kv, 1)
	}
}

// fields walks the vector of Field tables in slot of t.
func (w *schemaExpansion) fields(t fbView, slot, depth int) {
	start, n, err := t.vector(slot, 4)
	w.fail(err)
	if n > 0 && depth >= ipcMaxNesting {
		w.fail(fmt.Errorf("fields nested deeper than %d", ipcMaxNesting))
		return
	}
	for k := 0; k < n && w.ok(); k++ {
		f, err := t.elem(start, k)
		if err != nil {
			w.fail(err)
			return
		}
		w.left -= ipcFieldCost
		w.str(f, 0) // name
		typ, err := f.uint8(2)
		w.fail(err)
		if tt, ok, err := f.table(3); err != nil {
			w.fail(err)
		} else if ok {
			switch typ {
			case 10: // Timestamp: timezone
				w.str(tt, 1)
			case 14: // Union: typeIds
				_, ids, err := tt.vector(1, 4)
				w.fail(err)
				w.left -= 8 * int64(ids)
			}
		}
		w.keyValues(f, 6)       // custom_metadata
		w.fields(f, 5, depth+1) // children
	}
}
