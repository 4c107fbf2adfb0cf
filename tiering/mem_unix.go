//go:build unix

package tiering

import (
	"fmt"
	"syscall"
)

// allocOffHeap returns n zeroed bytes outside the Go heap: the garbage
// collector neither scans them nor counts them towards its next target,
// so a gigabyte of cached records does not let a gigabyte of garbage
// pile up before the next collection. Pages stay unbacked until written.
func allocOffHeap(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(fmt.Sprintf("tiering: mmap %d bytes: %v", n, err))
	}
	return b
}

// freeOffHeap releases what allocOffHeap returned.
func freeOffHeap(b []byte) {
	if b != nil {
		syscall.Munmap(b)
	}
}

// adviseHugePages asks for transparent huge pages where the kernel
// offers them on request: random lookups over gigabytes then miss the
// TLB far less often.
func adviseHugePages(b []byte) {
	_ = syscall.Madvise(b, madvHugePage)
}
