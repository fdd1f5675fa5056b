//go:build !linux

package batch

import "os"

// watchdog is a no-op where a process's memory is not read: the memory
// budget is then GOMEMLIMIT inside the child alone.
type watchdog struct{}

func watch(*os.Process, int64) *watchdog { return &watchdog{} }

func (*watchdog) stop() bool { return false }

// peakRSS is not known here.
func peakRSS(*os.ProcessState) int64 { return 0 }
