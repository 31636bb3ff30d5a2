//go:build race

package adaptertest

// raceEnabled scales the Load scenario down under the race detector, which slows it ~10x.
const raceEnabled = true
