//go:build !race

package core_test

// raceEnabled skips the soak test under the race detector, which slows it ~10x.
const raceEnabled = false
