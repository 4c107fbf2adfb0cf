package columnar_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/murr-sidecar/murr-sidecar/columnar"
)

// A MURR.READ reply: one row per key in request order, a missing key's row
// null in every column; the stream decodes with any Arrow IPC reader.
func ExampleReadPlan() {
	cols, _ := columnar.ParseColumns([][]byte{[]byte("score"), []byte("float32"), []byte("tag"), []byte("utf8")})
	s := &columnar.Schema{Key: "id", Columns: cols}
	l, _ := s.Layout()
	b := columnar.NewRowBuilder(l)
	_ = b.Set(0, binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.5)))
	_ = b.Set(1, []byte("hot"))
	stored := columnar.Row(b.Append(nil))

	plan, err := columnar.NewReadPlan("features", s, []string{"id", "score", "tag"})
	if err != nil {
		panic(err)
	}
	reply := plan.NewReply(3)
	defer reply.Release()
	_ = reply.Add([]byte("a"), stored)
	_ = reply.Add([]byte("missing"), nil)
	_ = reply.Add([]byte("a"), stored)

	rd, _ := ipc.NewReader(bytes.NewReader(reply.Bytes()))
	defer rd.Release()
	for rd.Next() {
		rec := rd.RecordBatch()
		for i, col := range rec.Columns() {
			fmt.Println(rec.ColumnName(i), col)
		}
	}
	_, err = columnar.NewReadPlan("features", s, []string{"nope"})
	fmt.Println(err)
	// Output:
	// id ["a" (null) "a"]
	// score [0.5 (null) 0.5]
	// tag ["hot" (null) "hot"]
	// no such column 'nope' in table 'features'
}

// The text form of stored values, as FORMAT RESP shows them in RESP2.
func ExampleScalarValue_AppendText() {
	for _, v := range []struct {
		typ   columnar.Type
		value []byte
	}{
		{columnar.Scalar(columnar.KindFloat32), binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.1))},
		{columnar.Scalar(columnar.KindFloat64), binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Inf(-1)))},
		{columnar.Scalar(columnar.KindUint64), binary.LittleEndian.AppendUint64(nil, math.MaxUint64)},
		{columnar.Scalar(columnar.KindBool), []byte{1}},
	} {
		s, _ := v.typ.Scalar(v.value)
		fmt.Printf("%s %s\n", v.typ, s.AppendText(nil))
	}
	// Output:
	// float32 0.1
	// float64 -inf
	// uint64 18446744073709551615
	// bool 1
}
