//go:build race

package columnar

// replyRaceEnabled: sync.Pool drops items at random under -race, so
// allocation counts mean nothing.
const replyRaceEnabled = true
