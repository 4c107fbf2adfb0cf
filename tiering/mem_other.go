//go:build !unix

package tiering

func allocOffHeap(n int) []byte { return make([]byte, n) }

func freeOffHeap([]byte) {}

func adviseHugePages([]byte) {}
