//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time (user and system) the process has used so far;
// 0 where that is unavailable.
func ProcessCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
