package columnar_test

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// A partial update keeps the columns it does not carry.
func ExampleLayout_Merge() {
	cols, _ := columnar.ParseColumns([][]byte{[]byte("ctr"), []byte("float32"), []byte("name"), []byte("utf8")})
	s := &columnar.Schema{Key: "id", Columns: cols}
	l, _ := s.Layout()
	b := columnar.NewRowBuilder(l)

	_ = b.Set(0, binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.5)))
	_ = b.Set(1, []byte("alice"))
	stored := b.Append(nil)

	b.Reset()
	_ = b.Set(1, []byte("bob")) // ctr not carried: kept
	row, _ := l.Merge(nil, stored, b.AppendUpdate(nil))

	ctr, _, _ := l.Value(row, 0)
	name, _, _ := l.Value(row, 1)
	fmt.Println(math.Float32frombits(binary.LittleEndian.Uint32(ctr)), string(name), len(row), "bytes")
	// Output: 0.5 bob 11 bytes
}
