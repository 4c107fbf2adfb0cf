//go:build unix && !linux

package tiering

// madvHugePage is MADV_NORMAL: no huge-page hint outside Linux.
const madvHugePage = 0
