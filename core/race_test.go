//go:build race

package core_test

// raceEnabled lightens or skips timing and soak tests under the race detector, which
// slows them ~10x.
const raceEnabled = true
