package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dbrescue/dbrescue/backup"
)

// progressOnTerminal returns a progress callback drawing a bar on stderr
// when stderr is a terminal, and nil (no progress at all) otherwise, so
// logs, pipes and tests get no escape sequences. Progress never goes to
// stdout, which carries data and JSON. Each phase gets its own bar; a
// phase that cannot count (Total 0, such as SQLite's integrity_check)
// gets a spinner, so the bar never sits still while work goes on. done
// stops the bar.
func progressOnTerminal(stderr io.Writer) (progress func(backup.Progress), done func()) {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	phase := ""
	progress = func(p backup.Progress) {
		if bar == nil || p.Phase != phase {
			if bar != nil {
				_ = bar.Finish()
			}
			phase = p.Phase
			total := p.Total
			if total <= 0 {
				total = -1 // a spinner
			}
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(phase),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionSetPredictTime(true))
		}
		if p.Total > 0 && p.Total != bar.GetMax() {
			bar.ChangeMax(p.Total)
		}
		_ = bar.Set(p.Done)
	}
	done = func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return progress, done
}
