package batch

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// watchEvery is how often the watchdog reads a child's memory.
const watchEvery = 50 * time.Millisecond

// watchdog kills a child whose resident memory passes a budget.
type watchdog struct {
	done chan struct{}
	wg   sync.WaitGroup
	over bool
}

// watch starts a watchdog over p for a budget of limit bytes (0: none).
func watch(p *os.Process, limit int64) *watchdog {
	d := &watchdog{done: make(chan struct{})}
	if limit <= 0 {
		return d
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-d.done:
				return
			case <-t.C:
				if rss := residentBytes(p.Pid); rss > limit {
					d.over = true
					_ = p.Kill()
					return
				}
			}
		}
	}()
	return d
}

// stop ends the watchdog and reports whether it killed the child.
func (d *watchdog) stop() bool {
	close(d.done)
	d.wg.Wait()
	return d.over
}

// residentBytes is the resident memory of process pid (VmRSS), 0 when it
// cannot be read.
func residentBytes(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// peakRSS is a finished child's peak resident memory in bytes.
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		return ru.Maxrss << 10 // kilobytes on Linux
	}
	return 0
}
