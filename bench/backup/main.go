// Command backup measures dbrescue's page-level backup on a large WAL
// database and prints Markdown table rows.
//
// Speed: a full backup (SQLite's online backup API, page CRCs, metadata
// backup, fsync) against `cp` of the same file, with and without a sync of
// the copy; then an incremental backup after 1% of the pages changed,
// counting the pages written.
//
// Load: a writer in another process (this program re-executed with
// -writer) commits small transactions at a fixed rate while full backups
// run one after the other; its commit-latency p50/p99 during the backups
// is reported next to the same figures without a backup, and the last
// backup is checked against a reference snapshot of the commit it holds
// and with integrity_check.
//
//	go run ./bench/backup                    # 1 GB database under /tmp
//	go run ./bench/backup -mb 600 -runs 1 -skip-speed
//	eval "$(bash .ci/s3-test-server start)"; go run ./bench/backup -remote   # to versitygw; see remote.go
//
// The database is kept in -dir between runs (building 1 GB takes a while).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/backup"
)

func main() {
	writer := flag.String("writer", "", "internal: run as the writer process on this database")
	rate := flag.Int("rate", 250, "writer: transactions per second to aim for")
	latOut := flag.String("latencies", "", "internal: where the writer saves its commit latencies")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "dbrescue-bench-backup"), "directory for the database and backups (kept)")
	mb := flag.Int("mb", 1024, "size of the database to build, in MB")
	runs := flag.Int("runs", 3, "runs per speed measurement; the median is reported")
	baseline := flag.Duration("baseline", 15*time.Second, "load: how long to measure the writer without a backup")
	step := flag.Int("step-pages", 1024, "backup: pages per step")
	pause := flag.Duration("pause", 0, "backup: pause between steps (0: automatic)")
	fullSpeed := flag.Bool("full-speed", false, "backup: never pause (backup.NoPause)")
	skipSpeed := flag.Bool("skip-speed", false, "skip the speed comparison")
	skipLoad := flag.Bool("skip-load", false, "skip the load test")
	loadBackups := flag.Int("load-backups", 10, "load: full backups taken one after the other while the writer runs")
	loadAPI := flag.Bool("load-backup-api", false, "load: take the backups with SQLite's backup API")
	apiBackup := flag.String("api-backup", "", "internal: back the database up to this file with the backup API and print the result")
	remoteRun := flag.Bool("remote", false, "measure backups to the S3 test server (.ci/s3-test-server) instead")
	versions := flag.Int("versions", 20, "remote: consecutive versions under the writer")
	flag.Parse()
	if *fullSpeed {
		*pause = backup.NoPause
	}
	if *apiBackup != "" {
		res, err := backup.Run(context.Background(), flag.Arg(0), *apiBackup, backup.Options{StepPages: *step, Pause: *pause, BackupAPI: true})
		if err != nil {
			log.Fatal(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *writer != "" {
		if err := runWriter(*writer, *rate, *latOut); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx := context.Background()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	db := filepath.Join(*dir, "app.db")
	if err := ensureDB(ctx, db, *mb); err != nil {
		log.Fatal(err)
	}
	st, err := os.Stat(db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("| database | %.0f MB (%d bytes), 4096-byte pages, WAL mode |\n", float64(st.Size())/1e6, st.Size())
	if *remoteRun {
		if err := remoteBench(ctx, db, *rate, *versions, *baseline, *skipLoad); err != nil {
			log.Fatal(err)
		}
		return
	}
	if !*skipSpeed {
		if err := speed(ctx, db, *runs, *step, *pause); err != nil {
			log.Fatal(err)
		}
	}
	if !*skipLoad {
		if err := load(ctx, db, *rate, *baseline, *step, *pause, *loadBackups, *loadAPI); err != nil {
			log.Fatal(err)
		}
	}
}
