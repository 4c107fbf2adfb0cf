//go:build !race

package columnar

const replyRaceEnabled = false
