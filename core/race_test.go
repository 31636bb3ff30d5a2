//go:build race

package core_test

// raceEnabled lightens timing tests under the race detector, which slows them ~10x.
const raceEnabled = true
