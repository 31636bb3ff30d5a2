//go:build !race

package nethttp_test

// raceEnabled scales load tests down under the race detector, which slows them ~10x.
const raceEnabled = false
