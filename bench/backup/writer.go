package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"os"
	"time"
)

// runWriter is the writer process of the load test: it commits one small
// transaction (insert a row numbered with the commit, bump the counter) at
// the given rate until its stdin is closed, then saves the start time and
// latency of every commit to out, one "start_ns latency_ns" line each.
// It uses synchronous=NORMAL, the usual setting of apps in WAL mode.
func runWriter(path string, rate int, out string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var seq int64
	if err := db.QueryRow(`SELECT max(seq) FROM t`).Scan(&seq); err != nil {
		return err
	}
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var starts, lats []int64
	for {
		select {
		case <-stop:
			return saveLatencies(out, starts, lats)
		case <-tick.C:
		}
		seq++
		t0 := time.Now()
		if err := commitOne(db, seq); err != nil {
			return err
		}
		starts = append(starts, t0.UnixNano())
		lats = append(lats, int64(time.Since(t0)))
	}
}

func commitOne(db *sql.DB, seq int64) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO t(seq, b) VALUES(?, randomblob(200))`, seq); err != nil {
		_ = tx.Rollback()
		return err
	}
	if _, err := tx.Exec(`UPDATE counter SET n = ?`, seq); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func saveLatencies(out string, starts, lats []int64) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i := range starts {
		fmt.Fprintf(w, "%d %d\n", starts[i], lats[i])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
