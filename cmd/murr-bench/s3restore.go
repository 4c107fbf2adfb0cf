package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/murr-sidecar/murr-sidecar/internal/procs"
)

// restorePhase loads the writer, stops it, measures raw GETs of the
// prefix and then the restore of a fresh node.
func (s *s3Env) restorePhase() error {
	const prefix = "restore"
	rows := rowsForBytes(int64(s.cfg.dataMiB) << 20)
	d := newDenseRows(rows, s3Cols, 42)

	w, err := s.startNode("writer", prefix)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			w.Kill()
		}
	}()
	c, err := dial(s.ctx, w.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.do(30*time.Second, d.createArgs(s3Table)...); err != nil {
		return fmt.Errorf("MURR.CREATE: %w", err)
	}
	fmt.Fprintf(s.log, "writer   loading %s rows (%d MiB of keys and values) with MURR.WRITE, %s rows per command ...\n",
		groupThousands(int64(rows)), s.cfg.dataMiB, groupThousands(int64(s.cfg.batchRows)))
	res, err := loadChunked(s.ctx, w.Addr, rows, s.cfg.batchRows, 1, func(lo, hi int) (*pipelineLoad, error) {
		return buildWriteLoad(d, s3Table, lo, hi, s.cfg.batchRows)
	})
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loaded := time.Now()
	info, err := describe(c, s3Table)
	if err != nil {
		return err
	}
	if info.Rows != int64(rows) {
		return fmt.Errorf("the writer's MURR.DESCRIBE says %d rows after loading %d", info.Rows, rows)
	}
	fmt.Fprintf(s.log, "writer   MURR.WRITE with --s3: %s (%s); MURR.DESCRIBE: %s rows, %s\n", RowsPerSec.format(res.rate()),
		fmtSeconds(res.Elapsed), groupThousands(info.Rows), Bytes.format(float64(info.Bytes)))

	// Everything acknowledged must reach the bucket: wait for the
	// shipper, then stop the writer, which ships the rest and marks its
	// heartbeat stopped so the next writer need not wait for its lease.
	// One batch for MURR.CREATE and one per MURR.WRITE.
	wantSeq := uint64(1 + (rows+s.cfg.batchRows-1)/s.cfg.batchRows)
	st, err := s.waitDrained(c, wantSeq)
	if err != nil {
		return err
	}
	drained := time.Now()
	fmt.Fprintf(s.log, "writer   shipped everything %s after the load ended (s3_shipped_seq %d, %d segments, %s of log, %d snapshots of %s in all, last at seq %d)\n",
		fmtSeconds(drained.Sub(loaded)), st.ShippedSeq, st.Segments, Bytes.format(float64(st.LogBytes)), st.Snapshots,
		Bytes.format(float64(st.SnapshotBytes)), st.SnapshotSeq)
	c.Close()
	stopped = true
	if err := stopNode("writer", w); err != nil {
		return err
	}

	objs, err := s.listObjects(prefix)
	if err != nil {
		return err
	}
	layout := describeLayout(objs)
	fmt.Fprintf(s.log, "bucket   %s\n", layout.String())

	// The baselines: MinIO's GET throughput for every object under the
	// prefix, and for the objects a restore needs (the newest snapshot's
	// files and the log after it), once into memory and once into files
	// fsynced one by one, as the restore writes them.
	need, err := s.restoreSet(prefix, objs, layout)
	if err != nil {
		return err
	}
	var raw, rawNeed, rawFiles transferResult
	for _, b := range []struct {
		what string
		objs []minio.ObjectInfo
		dir  string
		res  *transferResult
	}{
		{"every object under the prefix", objs, "", &raw},
		{"the objects a restore needs", need, "", &rawNeed},
		{"the objects a restore needs, into fsynced files", need, filepath.Join(s.dir, "rawget"), &rawFiles},
	} {
		if *b.res, err = s.rawGet(b.objs, b.dir); err != nil {
			return fmt.Errorf("raw GET: %w", err)
		}
		fmt.Fprintf(s.log, "minio    raw GET of %s: %d objects, %s, %d at once: %s, %s\n", b.what, len(b.objs), Bytes.format(float64(b.res.bytes)),
			s.cfg.parallel, fmtSeconds(b.res.took), MiBPerSec.format(b.res.rate()))
	}
	if err := os.RemoveAll(filepath.Join(s.dir, "rawget")); err != nil {
		return err
	}

	r, err := s.timeRestore(prefix, d)
	if err != nil {
		return err
	}

	ready := r.ready.Seconds()
	fetched := r.info.RestoreBytes + layout.logAfterSnap
	s.rows = append(s.rows,
		Row{Name: "restore: time from process start to PONG", Unit: Seconds, Redis: math.NaN(), Sidecar: ready,
			Note: fmt.Sprintf("first LOADING after %s; %s", fmtSeconds(r.listening), r.phases)},
		Row{Name: "restore: snapshot + log fetched (baseline: newest manifest + log after)", Unit: Bytes, Redis: float64(rawNeed.bytes), Sidecar: float64(fetched),
			Note: fmt.Sprintf("s3_restore_bytes %s in %d files, and %s of log after the snapshot (%d batches replayed)",
				Bytes.format(float64(r.info.RestoreBytes)), r.info.RestoreFiles, Bytes.format(float64(layout.logAfterSnap)), r.info.ReplayedBatches)},
		Row{Name: "restore: s3_restore_bytes / time to PONG (baseline: raw GET)", Unit: MiBPerSec, Redis: rawNeed.rate(), Sidecar: float64(r.info.RestoreBytes) / ready,
			Note: fmt.Sprintf("raw: GET of the same objects, %d at once, into memory", s.cfg.parallel)},
		Row{Name: "restore: fetched / time to PONG (baseline: raw GET into files)", Unit: MiBPerSec, Redis: rawFiles.rate(), Sidecar: float64(fetched) / ready,
			Note: "raw: the same GETs written to files, each fsynced, as the restore does"},
		Row{Name: "restore: fetched / time restoring (baseline: raw GET into files)", Unit: MiBPerSec, Redis: rawFiles.rate(), Sidecar: r.restoreRate(fetched),
			Note: "time in s3_phase restoring and replaying only"},
		Row{Name: "load with --s3: MURR.WRITE", Unit: RowsPerSec, Redis: math.NaN(), Sidecar: res.rate(),
			Note: fmt.Sprintf("%s rows; shipped all %s after the last reply", groupThousands(int64(rows)), fmtSeconds(drained.Sub(loaded)))},
	)
	s.notes = append(s.notes,
		fmt.Sprintf("restore: raw GET of every object under the prefix (%s): %s", Bytes.format(float64(raw.bytes)), MiBPerSec.format(raw.rate())),
		fmt.Sprintf("restore: the writer loaded %s rows (%s by MURR.DESCRIBE) and was stopped with SIGTERM; bucket then held %s",
			groupThousands(int64(rows)), Bytes.format(float64(info.Bytes)), layout.String()),
		fmt.Sprintf("restore: the fresh node's MURR.DESCRIBE said %s rows and %d sampled rows read back exactly", groupThousands(r.rows), r.checked),
	)
	return nil
}

// waitDrained polls INFO s3 until nothing is pending and s3_shipped_seq
// has reached wantSeq, or has not moved for 5s with nothing pending (the
// server counted its batches differently). s3_pending_batches alone is
// not enough: it leaves out the batches of a segment being uploaded.
func (s *s3Env) waitDrained(c *client, wantSeq uint64) (s3Info, error) {
	deadline := time.Now().Add(s.cfg.drainLimit)
	var lastSeq uint64
	lastMove := time.Now()
	for {
		st, err := infoS3(c)
		if err != nil {
			return st, err
		}
		if st.ShippedSeq != lastSeq {
			lastSeq, lastMove = st.ShippedSeq, time.Now()
		}
		if st.PendingBatches == 0 && (st.ShippedSeq >= wantSeq || time.Since(lastMove) > 5*time.Second) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("the writer still had %d batches (%s) pending after %s (s3_errors %d)",
				st.PendingBatches, Bytes.format(float64(st.LagBytes)), s.cfg.drainLimit, st.Errors)
		}
		select {
		case <-s.ctx.Done():
			return st, s.ctx.Err()
		case <-time.After(s3InfoPoll):
		}
	}
}

// bucketLayout sums up the objects under a prefix by kind.
type bucketLayout struct {
	objects, bytes int64
	segs, segBytes int64
	ssts, sstBytes int64
	snaps          int64
	snapSeq        uint64 // of the newest snapshot
	snapKey        string // its manifest (full object name)
	logAfterSnap   int64  // bytes of segments ending after snapSeq
	logAfter       []minio.ObjectInfo
}

// describeLayout reads keys (relative to the prefix) as s3sync lays them
// out: snap/<epoch>-<seq>.json, log/<epoch>/<first>-<last>.seg,
// sst/<dbid>/<name>.
func describeLayout(objs []minio.ObjectInfo) bucketLayout {
	var l bucketLayout
	type seg struct {
		last uint64
		obj  minio.ObjectInfo
	}
	var segs []seg
	for _, o := range objs {
		l.objects++
		l.bytes += o.Size
		key := o.Key[strings.IndexByte(o.Key, '/')+1:]
		switch {
		case strings.HasPrefix(key, "sst/"):
			l.ssts++
			l.sstBytes += o.Size
		case strings.HasPrefix(key, "snap/"):
			l.snaps++
			if _, rest, ok := strings.Cut(strings.TrimSuffix(key[len("snap/"):], ".json"), "-"); ok {
				if seq, err := strconv.ParseUint(rest, 10, 64); err == nil && (l.snapKey == "" || seq >= l.snapSeq) {
					l.snapSeq, l.snapKey = seq, o.Key
				}
			}
		case strings.HasPrefix(key, "log/") && strings.HasSuffix(key, ".seg"):
			l.segs++
			l.segBytes += o.Size
			name := strings.TrimSuffix(key[strings.LastIndexByte(key, '/')+1:], ".seg")
			if _, last, ok := strings.Cut(name, "-"); ok {
				if n, err := strconv.ParseUint(last, 10, 64); err == nil {
					segs = append(segs, seg{n, o})
				}
			}
		}
	}
	for _, sg := range segs {
		if sg.last > l.snapSeq {
			l.logAfterSnap += sg.obj.Size
			l.logAfter = append(l.logAfter, sg.obj)
		}
	}
	return l
}

func (l bucketLayout) String() string {
	return fmt.Sprintf("%d objects, %s: %d SSTs (%s), %d log segments (%s), %d snapshots (newest at seq %d; %s of log after it)",
		l.objects, Bytes.format(float64(l.bytes)), l.ssts, Bytes.format(float64(l.sstBytes)), l.segs,
		Bytes.format(float64(l.segBytes)), l.snaps, l.snapSeq, Bytes.format(float64(l.logAfterSnap)))
}

// listObjects lists every object under prefix.
func (s *s3Env) listObjects(prefix string) ([]minio.ObjectInfo, error) {
	var out []minio.ObjectInfo
	for o := range s.mc.ListObjects(s.ctx, s3Bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s/%s: %w", s3Bucket, prefix, o.Err)
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing under %s/%s: the writer mirrored nothing", s3Bucket, prefix)
	}
	return out, nil
}

// transferResult is what a timed download did.
type transferResult struct {
	bytes int64
	took  time.Duration
}

func (r transferResult) rate() float64 { return float64(r.bytes) / r.took.Seconds() }

// restoreSet lists the objects a restore of prefix fetches: the files
// the newest snapshot manifest names, and the log segments after it.
func (s *s3Env) restoreSet(prefix string, objs []minio.ObjectInfo, l bucketLayout) ([]minio.ObjectInfo, error) {
	if l.snapKey == "" {
		return l.logAfter, nil
	}
	obj, err := s.mc.GetObject(s.ctx, s3Bucket, l.snapKey, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	var man struct {
		Files []struct {
			Key  string `json:"key"`
			Size int64  `json:"size"`
		} `json:"files"`
	}
	if err := json.NewDecoder(obj).Decode(&man); err != nil {
		return nil, fmt.Errorf("snapshot manifest %s: %w", l.snapKey, err)
	}
	sizes := map[string]int64{}
	for _, o := range objs {
		sizes[o.Key] = o.Size
	}
	var out []minio.ObjectInfo
	for _, f := range man.Files {
		key := prefix + "/" + f.Key
		if size, ok := sizes[key]; !ok || size != f.Size {
			return nil, fmt.Errorf("snapshot manifest %s names %s (%d bytes), not in the listing as such", l.snapKey, key, f.Size)
		}
		out = append(out, minio.ObjectInfo{Key: key, Size: f.Size})
	}
	return append(out, l.logAfter...), nil
}

// rawGet downloads objs, --s3-parallel at once, into io.Discard, or into
// files in dir (made and left for the caller to remove) that are fsynced
// one by one.
func (s *s3Env) rawGet(objs []minio.ObjectInfo, dir string) (transferResult, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return transferResult{}, err
		}
	}
	ctx, cancel := context.WithCancelCause(s.ctx)
	defer cancel(nil)
	next := make(chan minio.ObjectInfo)
	var total atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range s.cfg.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for o := range next {
				obj, err := s.mc.GetObject(ctx, s3Bucket, o.Key, minio.GetObjectOptions{})
				if err != nil {
					cancel(err)
					continue
				}
				n, err := copyObject(obj, o.Key, dir, buf)
				obj.Close()
				total.Add(n)
				if err == nil && n != o.Size {
					err = fmt.Errorf("%s: got %d bytes, listed %d", o.Key, n, o.Size)
				}
				if err != nil {
					cancel(fmt.Errorf("GET %s: %w", o.Key, err))
				}
			}
		}()
	}
	for _, o := range objs {
		select {
		case next <- o:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	res := transferResult{bytes: total.Load(), took: time.Since(start)}
	return res, context.Cause(ctx)
}

// copyObject copies r into io.Discard, or into a new file in dir named
// after key that is fsynced before it is closed.
func copyObject(r io.Reader, key, dir string, buf []byte) (int64, error) {
	r = struct{ io.Reader }{r} // no WriterTo: use buf
	if dir == "" {
		return io.CopyBuffer(io.Discard, r, buf)
	}
	f, err := os.Create(filepath.Join(dir, strings.ReplaceAll(key, "/", "_")))
	if err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(f, r, buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// restoreResult is what timing a fresh node's start measured.
type restoreResult struct {
	ready     time.Duration // from launch to the first PONG
	listening time.Duration // from launch to the first LOADING (or PONG)
	phases    string        // time spent in each s3_phase seen while loading
	info      s3Info        // INFO s3 once ready
	rows      int64
	checked   int
	// busy is the time seen in the phases that download and replay.
	busy time.Duration
}

// restoreRate is bytes over the time spent restoring and replaying, or
// over the time to PONG if no phase was seen.
func (r restoreResult) restoreRate(bytes int64) float64 {
	if r.busy <= 0 {
		return float64(bytes) / r.ready.Seconds()
	}
	return float64(bytes) / r.busy.Seconds()
}

// timeRestore starts a fresh node on prefix, times it to PONG, checks
// its data against d, and stops it.
func (s *s3Env) timeRestore(prefix string, d *rowData) (r restoreResult, err error) {
	fmt.Fprintf(s.log, "restore  starting a fresh node (empty data directory) on the same prefix ...\n")
	start := time.Now()
	p, err := procs.LaunchSidecar(s.e.srv.sidecarBin, filepath.Join(s.dir, "fresh"), s.creds, s.s3Args(prefix)...)
	if err != nil {
		return r, err
	}
	defer func() {
		if serr := stopNode("fresh node", p); err == nil {
			err = serr
		}
	}()
	var ph phaseClock
	deadline := start.Add(s.cfg.readyLimit)
	lastInfo := time.Time{}
	for {
		if exited, _ := p.Wait(0); exited {
			return r, fmt.Errorf("the fresh node exited while restoring:\n%s", tail(p.Log(), 20))
		}
		reply, err := pingOnce(p.Addr)
		now := time.Now()
		if err == nil && r.listening == 0 {
			r.listening = now.Sub(start)
		}
		if reply == "+PONG" {
			r.ready = now.Sub(start)
			break
		}
		if err == nil && !strings.HasPrefix(reply, "-LOADING") {
			return r, fmt.Errorf("the fresh node answered PING with %q while starting", reply)
		}
		if err == nil && now.Sub(lastInfo) >= 250*time.Millisecond {
			lastInfo = now
			if c, err := dial(s.ctx, p.Addr); err == nil {
				if st, err := infoS3(c); err == nil {
					ph.observe(st.Phase, now)
				}
				c.Close()
			}
		}
		if now.After(deadline) {
			return r, fmt.Errorf("the fresh node did not answer PONG within %s:\n%s", s.cfg.readyLimit, tail(p.Log(), 20))
		}
		select {
		case <-s.ctx.Done():
			return r, s.ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	ph.observe("ready", start.Add(r.ready))
	r.phases = ph.String()
	r.busy = ph.spent["restoring"] + ph.spent["replaying"]
	c, err := dial(s.ctx, p.Addr)
	if err != nil {
		return r, err
	}
	defer c.Close()
	if r.info, err = infoS3(c); err != nil {
		return r, err
	}
	fmt.Fprintf(s.log, "restore  PONG after %s (%s); s3_restore_bytes %s in %d files, %d batches replayed: %s\n",
		fmtSeconds(r.ready), r.phases, Bytes.format(float64(r.info.RestoreBytes)), r.info.RestoreFiles, r.info.ReplayedBatches,
		MiBPerSec.format(float64(r.info.RestoreBytes)/r.ready.Seconds()))

	// A restore that brought back nothing, or not everything, fails
	// the workload.
	info, err := describe(c, s3Table)
	if err != nil {
		return r, fmt.Errorf("after the restore: %w", err)
	}
	r.rows = info.Rows
	if info.Rows != int64(d.n) {
		return r, fmt.Errorf("after the restore MURR.DESCRIBE says %d rows; the writer had %d", info.Rows, d.n)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	sample := sampleRows(rng, [][2]int{{0, d.n}}, s.cfg.checkSample)
	if err := checkTable(c, s3Table, d, sample); err != nil {
		return r, fmt.Errorf("after the restore: %w", err)
	}
	r.checked = len(sample)
	return r, nil
}

// pingOnce sends PING on a new connection and returns the reply line
// ("+PONG", "-LOADING ..."), or an error if nothing answers.
func pingOnce(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// phaseClock adds up how long a node was seen in each phase.
type phaseClock struct {
	order []string
	spent map[string]time.Duration
	cur   string
	since time.Time
}

func (p *phaseClock) observe(phase string, at time.Time) {
	if p.spent == nil {
		p.spent = map[string]time.Duration{}
	}
	if p.cur != "" {
		p.spent[p.cur] += at.Sub(p.since)
	}
	if _, ok := p.spent[phase]; !ok {
		p.order = append(p.order, phase)
		p.spent[phase] += 0
	}
	p.cur, p.since = phase, at
}

// String lists the phases in the order first seen, with the time spent
// in each, leaving out the last ("ready").
func (p *phaseClock) String() string {
	var parts []string
	for _, ph := range p.order {
		if ph == p.cur {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s", ph, fmtSeconds(p.spent[ph])))
	}
	if len(parts) == 0 {
		return "no phase seen in INFO s3"
	}
	return "phases seen: " + strings.Join(parts, ", ")
}
