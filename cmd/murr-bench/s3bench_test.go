package main

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

func TestRowsForBytes(t *testing.T) {
	// size adds up keys "0".."n-1" plus ten 4-byte values each.
	size := func(n int) int64 {
		var total int64
		for i := range n {
			total += int64(len(strconv.Itoa(i))) + 4*s3Cols
		}
		return total
	}
	for _, target := range []int64{1, 41, 42, 410, 411, 1000, 4509, 4510, 4511, 1 << 20, 3 << 20} {
		n := rowsForBytes(target)
		if size(n) < target {
			t.Errorf("rowsForBytes(%d) = %d: %d bytes, short of the target", target, n, size(n))
		}
		if n > 1 && size(n-1) >= target {
			t.Errorf("rowsForBytes(%d) = %d: %d rows already make %d bytes", target, n, n-1, size(n-1))
		}
	}
	if n := rowsForBytes(0); n != 1 {
		t.Errorf("rowsForBytes(0) = %d, want 1", n)
	}
	// 1 GiB is about 22 million rows of 47 to 48 bytes.
	if n := rowsForBytes(1 << 30); n < 22_000_000 || n > 23_000_000 {
		t.Errorf("rowsForBytes(1 GiB) = %d", n)
	}
}

func TestParseS3Info(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\n\r\n# S3\r\ns3_role:writer\r\ns3_phase:mirroring\r\ns3_ready:1\r\n" +
		"s3_epoch:3\r\ns3_shipped_seq:1234\r\ns3_lag_seconds:0.512\r\ns3_lag_bytes:4096\r\ns3_pending_batches:7\r\n" +
		"s3_segments:12\r\ns3_log_bytes:987654\r\ns3_snapshots:2\r\ns3_snapshot_seq:1200\r\ns3_snapshot_age_seconds:3.250\r\n" +
		"s3_snapshot_bytes:55555\r\ns3_gc_deleted:0\r\ns3_errors:1\r\ns3_restore_bytes:1073741824\r\ns3_restore_files:17\r\n" +
		"s3_replayed_batches:42\r\n"
	st, err := parseS3Info(info)
	if err != nil {
		t.Fatal(err)
	}
	want := s3Info{Phase: "mirroring", Ready: true, ShippedSeq: 1234, LagSeconds: 0.512, LagBytes: 4096, PendingBatches: 7,
		Segments: 12, LogBytes: 987654, Snapshots: 2, SnapshotSeq: 1200, SnapshotBytes: 55555, Errors: 1,
		RestoreBytes: 1 << 30, RestoreFiles: 17, ReplayedBatches: 42}
	if st.missing != nil {
		t.Errorf("missing %q", st.missing)
	}
	st.missing = nil
	if !reflect.DeepEqual(st, want) {
		t.Errorf("got  %+v\nwant %+v", st, want)
	}

	// A section without some fields still parses; they are named.
	st, err = parseS3Info("s3_phase:restoring\ns3_restore_bytes:10\n")
	if err != nil || st.Phase != "restoring" || st.RestoreBytes != 10 || !slices.Contains(st.missing, "s3_lag_seconds") {
		t.Errorf("partial section: %+v, %v", st, err)
	}

	for _, bad := range []string{
		"# Server\r\nredis_version:7.0.15\r\n", // no --s3
		"s3_phase:x\r\ns3_lag_seconds:soon\r\n",
		"s3_phase:x\r\ns3_ready:yes\r\n",
		"s3_phase:x\r\ns3_shipped_seq:-1\r\n",
	} {
		if _, err := parseS3Info(bad); err == nil {
			t.Errorf("parseS3Info(%q): no error", bad)
		}
	}
}

func TestSummarizeFloats(t *testing.T) {
	vals := make([]float64, 0, 200)
	for i := 200; i >= 1; i-- {
		vals = append(vals, float64(i)/100)
	}
	s := summarizeFloats(vals)
	if s.N != 200 || s.P50 != 1.00 || s.P99 != 1.98 || s.Max != 2.00 || math.Abs(s.Avg-1.005) > 1e-9 {
		t.Errorf("got %+v", s)
	}
	if s := summarizeFloats(nil); s.N != 0 || !math.IsNaN(s.P50) || !math.IsNaN(s.Max) {
		t.Errorf("empty: got %+v", s)
	}
	if s := summarizeFloats([]float64{0.25}); s.P50 != 0.25 || s.P99 != 0.25 || s.Max != 0.25 {
		t.Errorf("one sample: got %+v", s)
	}
}

func TestDescribeLayout(t *testing.T) {
	obj := func(key string, size int64) minio.ObjectInfo { return minio.ObjectInfo{Key: key, Size: size} }
	l := describeLayout([]minio.ObjectInfo{
		obj("restore/writers/00000001.json", 100),
		obj("restore/heartbeat/00000001", 50),
		obj("restore/snap/00000001-00000000000000000000.json", 10),
		obj("restore/snap/00000001-00000000000000000040.json", 20),
		obj("restore/snapfiles/00000001-00000000000000000040/MANIFEST-000001", 5),
		obj("restore/sst/abc/000010.sst", 1000),
		obj("restore/sst/abc/000011.sst", 2000),
		obj("restore/log/00000001/00000000000000000001-00000000000000000030.seg", 300),
		obj("restore/log/00000001/00000000000000000031-00000000000000000040.seg", 400),
		obj("restore/log/00000001/00000000000000000041-00000000000000000050.seg", 500),
	})
	want := bucketLayout{objects: 10, bytes: 4385, segs: 3, segBytes: 1200, ssts: 2, sstBytes: 3000, snaps: 2, snapSeq: 40,
		snapKey: "restore/snap/00000001-00000000000000000040.json", logAfterSnap: 500,
		logAfter: []minio.ObjectInfo{obj("restore/log/00000001/00000000000000000041-00000000000000000050.seg", 500)}}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("got  %+v\nwant %+v", l, want)
	}
	if s := l.String(); !strings.Contains(s, "newest at seq 40") {
		t.Errorf("String() = %q", s)
	}
}

func TestPhaseClock(t *testing.T) {
	var p phaseClock
	t0 := time.Unix(0, 0)
	p.observe("starting", t0)
	p.observe("restoring", t0.Add(250*time.Millisecond))
	p.observe("restoring", t0.Add(time.Second))
	p.observe("replaying", t0.Add(3*time.Second))
	p.observe("ready", t0.Add(3500*time.Millisecond))
	if got, want := p.String(), "phases seen: starting 0.25s, restoring 2.75s, replaying 0.50s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var empty phaseClock
	empty.observe("ready", t0)
	if got := empty.String(); got != "no phase seen in INFO s3" {
		t.Errorf("empty: %q", got)
	}
}

func TestS3ConfigCheck(t *testing.T) {
	cfg, err := parseFlags([]string{"--workloads=s3", "--s3-data-mib=0", "--s3-lag-time=0s", "--s3-sync-time=-1s"}, &strings.Builder{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"--s3-data-mib", "--s3-lag-time", "--s3-sync-time"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	cfg, err = parseFlags([]string{"--workloads=s3", "--s3-data-mib=64"}, &strings.Builder{})
	if err != nil || cfg.s3.dataMiB != 64 || cfg.s3.parallel != 8 || cfg.s3.batchRows != 100_000 {
		t.Errorf("got %+v, %v", cfg.s3, err)
	}
}
