package s3sync

import (
	"fmt"
	"strings"
)

// The bucket layout. Everything but the heartbeat is written once and
// never changed; what a restore needs is found by listing.
//
//	writers/<epoch>.json                one per writer start: who, and the log position it starts from
//	heartbeat/<epoch>                   rewritten by the live writer every HeartbeatInterval
//	log/<epoch>/<first>-<last>.seg      committed batches first..last, in order
//	snap/<epoch>-<seq>.json             a snapshot manifest: the files of a checkpoint at seq
//	snapfiles/<epoch>-<seq>/<name>      a snapshot's small files (MANIFEST, OPTIONS, WAL)
//	sst/<dbid>/<name>                   SSTs, shared by every snapshot that holds them
//
// Numbers are zero-padded so that keys sort in numeric order.
const (
	writersDir   = "writers/"
	heartbeatDir = "heartbeat/"
	logDir       = "log/"
	snapDir      = "snap/"
	snapFilesDir = "snapfiles/"
	sstDir       = "sst/"
)

func writerKey(epoch uint64) string    { return fmt.Sprintf("%s%08d.json", writersDir, epoch) }
func heartbeatKey(epoch uint64) string { return fmt.Sprintf("%s%08d", heartbeatDir, epoch) }
func logPrefix(epoch uint64) string    { return fmt.Sprintf("%s%08d/", logDir, epoch) }

func segmentKey(epoch, first, last uint64) string {
	return fmt.Sprintf("%s%020d-%020d.seg", logPrefix(epoch), first, last)
}

func snapKey(epoch, seq uint64) string { return fmt.Sprintf("%s%08d-%020d.json", snapDir, epoch, seq) }

func snapFileKey(epoch, seq uint64, name string) string {
	return fmt.Sprintf("%s%08d-%020d/%s", snapFilesDir, epoch, seq, name)
}

func sstKey(dbid, name string) string { return sstDir + dbid + "/" + name }

// parseWriterKey returns the epoch of a writers/ key.
func parseWriterKey(key string) (epoch uint64, ok bool) {
	rest, found := strings.CutPrefix(key, writersDir)
	if !found {
		return 0, false
	}
	n, err := fmt.Sscanf(rest, "%08d.json", &epoch)
	return epoch, err == nil && n == 1 && rest == fmt.Sprintf("%08d.json", epoch)
}

// parseSegmentKey returns the range of a log/<epoch>/ key.
func parseSegmentKey(epoch uint64, key string) (first, last uint64, ok bool) {
	rest, found := strings.CutPrefix(key, logPrefix(epoch))
	if !found {
		return 0, 0, false
	}
	n, err := fmt.Sscanf(rest, "%020d-%020d.seg", &first, &last)
	ok = err == nil && n == 2 && first <= last && key == segmentKey(epoch, first, last)
	return first, last, ok
}

// parseSnapKey returns the epoch and sequence number of a snap/ key.
func parseSnapKey(key string) (epoch, seq uint64, ok bool) {
	rest, found := strings.CutPrefix(key, snapDir)
	if !found {
		return 0, 0, false
	}
	n, err := fmt.Sscanf(rest, "%08d-%020d.json", &epoch, &seq)
	return epoch, seq, err == nil && n == 2 && key == snapKey(epoch, seq)
}
