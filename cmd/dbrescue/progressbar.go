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
// stdout, which carries data and JSON. done stops the bar.
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
			bar = progressbar.NewOptions(max(p.Total, 1),
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(phase+" pages"),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionSetPredictTime(true))
		}
		if p.Total != bar.GetMax() && p.Total > 0 {
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
