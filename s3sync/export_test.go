package s3sync

// Crash stops the mirror's loops the way kill -9 would: nothing more is
// shipped and the heartbeat is not marked stopped.
func (m *Mirror) Crash() {
	m.closeOnce.Do(func() {
		close(m.stop)
		m.wg.Wait()
		m.setPhase("crashed")
	})
}

// EncodeSegment encodes batches, numbered from first, as one segment.
func EncodeSegment(first uint64, batches [][]byte) []byte {
	var w segmentWriter
	for i, b := range batches {
		w.add(first+uint64(i), b)
	}
	return w.finish()
}

// DecodeSegment exposes decodeSegment to the fuzz target.
var DecodeSegment = decodeSegment
