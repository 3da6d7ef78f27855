//go:build !unix

package loadtest

import "time"

// ProcessCPU is unknown here.
func ProcessCPU() time.Duration { return 0 }
