package backup

import (
	"os"
	"time"
)

// NoPause is the Options.Pause that makes a copy run at full speed however
// busy the writers are.
const NoPause time.Duration = -1

// gentlePausePerMiB is how long the automatic pace sleeps per MiB copied
// once writers are seen. On the 1 GB benchmark (2 cores, a writer
// committing 250 small transactions a second in another process, ten
// backups in a row), 2 ms kept the writer's commit p99 at 1.24-1.56x its
// p99 without a backup in three runs, for a copy of about 2.85 s instead
// of 0.6 s at full speed (p99 about 10x); 1 ms gave 1.34-1.99x in four
// runs, too close to the 2x aimed at.
const gentlePausePerMiB = 2 * time.Millisecond

// pacer decides the pause after each step of a file copy, and notices
// when other connections commit during it: the WAL grows or is rewritten
// with every commit, so a change of its size or modification time since
// the copy began is the sign. A fixed Pause is always slept. The automatic
// pace (Pause 0) runs at full speed while no other connection commits,
// and slows down for the rest of the copy (gentlePausePerMiB) as soon as
// one does.
type pacer struct {
	fixed time.Duration
	auto  bool
	wal   string
	size  int64
	mtime time.Time
	busy  bool // writers were seen
}

func newPacer(walPath string, pause time.Duration) *pacer {
	p := &pacer{fixed: max(pause, 0), auto: pause == 0, wal: walPath}
	p.size, p.mtime = statWAL(walPath)
	return p
}

// fullSpeed reports whether the copy may still run flat out (and keep the
// disk busy with fsyncs behind it): no fixed pause, and no writer seen by
// the automatic pace.
func (p *pacer) fullSpeed() bool { return p.fixed == 0 && (!p.auto || !p.busy) }

// after returns the pause to sleep after a step that copied n bytes.
func (p *pacer) after(n int) time.Duration {
	if !p.busy {
		size, mtime := statWAL(p.wal)
		p.busy = size != p.size || !mtime.Equal(p.mtime)
	}
	switch {
	case p.fixed > 0:
		return p.fixed
	case p.auto && p.busy:
		return time.Duration(int64(n) * int64(gentlePausePerMiB) >> 20)
	}
	return 0
}

// statWAL returns the size and modification time of the WAL at path, or
// zeros when there is none.
func statWAL(path string) (int64, time.Time) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, time.Time{}
	}
	return st.Size(), st.ModTime()
}
