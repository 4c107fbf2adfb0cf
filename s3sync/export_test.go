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

// SegmentRoundTrip encodes batches as one segment and decodes it.
func SegmentRoundTrip(first uint64, batches [][]byte) ([]byte, error) {
	var w segmentWriter
	for i, b := range batches {
		w.add(first+uint64(i), b)
	}
	return w.finish(), nil
}

// DecodeSegment exposes decodeSegment to the fuzz target.
var DecodeSegment = decodeSegment
