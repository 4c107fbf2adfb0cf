package columnar

// ipcwrite.go owns the low-level Arrow IPC stream writing for MURR.READ
// replies (reply.go): the encapsulated schema message, made once per
// ReadPlan with arrow-go's writer, and the RecordBatch message, built once
// per ReadPlan as a flatbuffer template (github.com/google/flatbuffers)
// whose per-batch numbers — row count, field nodes, buffer offsets and
// lengths, body length — are patched in place for each reply. Nothing here
// allocates per reply.
//
// Stream layout (Arrow columnar format, "IPC streaming format"):
//
//	<0xFFFFFFFF> <int32 metadata size> <flatbuffer Message> <padding to 8>  (schema)
//	<0xFFFFFFFF> <int32 metadata size> <flatbuffer Message> <padding to 8>  (record batch)
//	<body: each buffer padded to a multiple of 8 bytes>
//	<0xFFFFFFFF> <0x00000000>                                               (end of stream)

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	flatbuffers "github.com/google/flatbuffers/go"
)

const (
	ipcAlign = 8 // alignment of messages and body buffers

	// Message.fbs enum values.
	ipcMetadataV5         = 4 // MetadataVersion.V5
	ipcHeaderRecordBatch  = 3 // MessageHeader.RecordBatch
	ipcStructSize         = 16
	ipcMessageFields      = 5 // version, header_type, header, bodyLength, custom_metadata
	ipcRecordBatchFields  = 5 // length, nodes, buffers, compression, variadicBufferCounts
	ipcMessageBodyLength  = 3 // field slot numbers
	ipcMessageVersion     = 0
	ipcMessageHeaderType  = 1
	ipcMessageHeader      = 2
	ipcRecordBatchLength  = 0
	ipcRecordBatchNodes   = 1
	ipcRecordBatchBuffers = 2
)

// ipcEOS is the end-of-stream marker: continuation, then a zero length.
var ipcEOS = [8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}

// ipcPad returns n rounded up to a multiple of ipcAlign.
func ipcPad(n int) int { return (n + ipcAlign - 1) &^ (ipcAlign - 1) }

// encodeSchemaMessage returns the encapsulated schema message of as, as
// arrow-go's stream writer writes it (without the end-of-stream marker).
func encodeSchemaMessage(as *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(as))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encoding arrow schema: %w", err)
	}
	b := buf.Bytes()
	if !bytes.HasSuffix(b, ipcEOS[:]) || len(b)%ipcAlign != 0 {
		return nil, errors.New("encoding arrow schema: unexpected writer output")
	}
	return b[:len(b)-len(ipcEOS)], nil
}

// batchTemplate is an encapsulated RecordBatch message with a fixed number
// of field nodes and buffers. Its numbers are placeholders: appendTo copies
// it and patches in the real ones at the recorded positions.
type batchTemplate struct {
	msg        []byte // prefix, flatbuffer, padding
	lengthPos  int    // RecordBatch.length (int64)
	bodyPos    int    // Message.bodyLength (int64)
	nodesPos   int    // first FieldNode struct: length int64, null_count int64
	buffersPos int    // first Buffer struct: offset int64, length int64
	nnodes     int
	nbuffers   int
}

// newBatchTemplate builds the template for nnodes field nodes and nbuffers
// buffers. Placeholder values are non-zero so that the flatbuffer builder
// keeps every scalar field (it omits fields equal to their default).
func newBatchTemplate(nnodes, nbuffers int) (*batchTemplate, error) {
	b := flatbuffers.NewBuilder(128 + ipcStructSize*(nnodes+nbuffers))
	const placeholder = 1

	b.StartVector(ipcStructSize, nbuffers, 8)
	for range nbuffers {
		b.Prep(8, ipcStructSize)
		b.PrependInt64(placeholder) // length
		b.PrependInt64(placeholder) // offset
	}
	buffers := b.EndVector(nbuffers)

	b.StartVector(ipcStructSize, nnodes, 8)
	for range nnodes {
		b.Prep(8, ipcStructSize)
		b.PrependInt64(placeholder) // null_count
		b.PrependInt64(placeholder) // length
	}
	nodes := b.EndVector(nnodes)

	b.StartObject(ipcRecordBatchFields)
	b.PrependInt64Slot(ipcRecordBatchLength, placeholder, 0)
	b.PrependUOffsetTSlot(ipcRecordBatchNodes, nodes, 0)
	b.PrependUOffsetTSlot(ipcRecordBatchBuffers, buffers, 0)
	batch := b.EndObject()

	b.StartObject(ipcMessageFields)
	b.PrependInt64Slot(ipcMessageBodyLength, placeholder, 0)
	b.PrependUOffsetTSlot(ipcMessageHeader, batch, 0)
	b.PrependInt16Slot(ipcMessageVersion, ipcMetadataV5, 0)
	b.PrependByteSlot(ipcMessageHeaderType, ipcHeaderRecordBatch, 0)
	b.Finish(b.EndObject())
	fb := b.FinishedBytes()

	// Find the fields to patch by reading the flatbuffer back.
	slot := func(field int) flatbuffers.VOffsetT {
		return flatbuffers.VOffsetT(4 + 2*field) // vtable entry of a field
	}
	msg := flatbuffers.Table{Bytes: fb, Pos: flatbuffers.GetUOffsetT(fb)}
	bodyOff := msg.Offset(slot(ipcMessageBodyLength))
	hdrOff := msg.Offset(slot(ipcMessageHeader))
	if bodyOff == 0 || hdrOff == 0 {
		return nil, errors.New("record batch template: missing message field")
	}
	rb := flatbuffers.Table{Bytes: fb, Pos: msg.Indirect(msg.Pos + flatbuffers.UOffsetT(hdrOff))}
	lenOff := rb.Offset(slot(ipcRecordBatchLength))
	nodesOff := rb.Offset(slot(ipcRecordBatchNodes))
	bufsOff := rb.Offset(slot(ipcRecordBatchBuffers))
	if lenOff == 0 || nodesOff == 0 || bufsOff == 0 ||
		rb.VectorLen(flatbuffers.UOffsetT(nodesOff)) != nnodes ||
		rb.VectorLen(flatbuffers.UOffsetT(bufsOff)) != nbuffers {
		return nil, errors.New("record batch template: missing record batch field")
	}

	const prefix = 8 // continuation marker and metadata size
	size := ipcPad(prefix+len(fb)) - prefix
	t := &batchTemplate{
		msg:        make([]byte, prefix+size),
		bodyPos:    prefix + int(msg.Pos) + int(bodyOff),
		lengthPos:  prefix + int(rb.Pos) + int(lenOff),
		nodesPos:   prefix + int(rb.Vector(flatbuffers.UOffsetT(nodesOff))),
		buffersPos: prefix + int(rb.Vector(flatbuffers.UOffsetT(bufsOff))),
		nnodes:     nnodes,
		nbuffers:   nbuffers,
	}
	binary.LittleEndian.PutUint32(t.msg, 0xFFFFFFFF)
	binary.LittleEndian.PutUint32(t.msg[4:], uint32(size))
	copy(t.msg[prefix:], fb)
	return t, nil
}

// ipcNode is a FieldNode: a (sub)array's length and null count.
type ipcNode struct{ length, nulls int }

// appendTo appends the message for a batch of length rows with the given
// field nodes and body buffer lengths (in buffer order; offsets follow
// from the lengths, each buffer padded to ipcAlign), and returns dst and
// the body length.
func (t *batchTemplate) appendTo(dst []byte, length int, nodes []ipcNode, bufLens []int) ([]byte, int) {
	base := len(dst)
	dst = append(dst, t.msg...)
	m := dst[base:]
	le := binary.LittleEndian
	le.PutUint64(m[t.lengthPos:], uint64(length))
	for i, n := range nodes[:t.nnodes] {
		p := t.nodesPos + i*ipcStructSize
		le.PutUint64(m[p:], uint64(n.length))
		le.PutUint64(m[p+8:], uint64(n.nulls))
	}
	off := 0
	for i, n := range bufLens[:t.nbuffers] {
		p := t.buffersPos + i*ipcStructSize
		le.PutUint64(m[p:], uint64(off))
		le.PutUint64(m[p+8:], uint64(n))
		off += ipcPad(n)
	}
	le.PutUint64(m[t.bodyPos:], uint64(off))
	return dst, off
}

// appendPadded appends b and zero bytes up to a multiple of ipcAlign.
func appendPadded(dst, b []byte) []byte {
	dst = append(dst, b...)
	var zero [ipcAlign]byte
	return append(dst, zero[:ipcPad(len(b))-len(b)]...)
}
