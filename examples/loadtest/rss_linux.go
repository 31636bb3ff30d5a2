//go:build linux

package main

import (
	"bytes"
	"os"
	"strconv"
)

// processRSS returns this process's resident memory in bytes, from /proc/self/statm
// (its second field, in pages); 0 when it cannot be read.
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
