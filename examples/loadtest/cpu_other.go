//go:build !unix

package main

import "time"

// processCPU is not measured on this system: the report shows zero CPU.
func processCPU() time.Duration { return 0 }
