//go:build !unix

package loadreport

import "time"

// processCPUTime is not measured on this platform: reports carry no CPU.
func processCPUTime() (time.Duration, bool) { return 0, false }
