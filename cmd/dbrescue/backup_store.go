package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/remote"
)

// storeBackupFlags are the flags of backup that only apply to a store
// (-o s3://… or file://…).
func storeBackupFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "watch", Usage: "keep running: take a new version after every change, until SIGINT or SIGTERM (store only)"},
		&cli.DurationFlag{Name: "interval", Value: 10 * time.Second, Usage: "with --watch, look for changes every `D`"},
		&cli.IntFlag{Name: "keep", Usage: "after each version, prune all but the `N` newest versions (store only)"},
		&cli.DurationFlag{Name: "keep-within", Usage: "after each version, prune versions older than `D` (e.g. 720h; store only)"},
		&cli.StringFlag{Name: "max-rate", Usage: "upload at most `BYTES` a second (e.g. 512K, 10M; store only)"},
		&cli.IntFlag{Name: "uploads", Value: 4, Usage: "upload `N` objects at once (store only)"},
		keyFlag(),
	}
}

// storeOnly are the flags that make no sense for a backup file.
var storeOnly = []string{"watch", "interval", "keep", "keep-within", "max-rate", "uploads", "encrypt-key-file"}

// backupToStore is backup with -o naming a store: one version, or, with
// --watch, a version after every change.
func backupToStore(ctx context.Context, cmd *cli.Command, db, url string, read backup.Options) error {
	o := backup.StoreOptions{Options: read, Keep: int(cmd.Int("keep")), KeepWithin: cmd.Duration("keep-within"), Uploads: int(cmd.Int("uploads"))}
	switch {
	case o.Keep < 0 || o.KeepWithin < 0:
		return usageErrorf(cmd.FullName(), "--keep and --keep-within must not be negative")
	case o.Uploads < 1 || o.Uploads > 64:
		return usageErrorf(cmd.FullName(), "--uploads must be between 1 and 64")
	case cmd.Duration("interval") <= 0:
		return usageErrorf(cmd.FullName(), "--interval must be positive")
	}
	if s := cmd.String("max-rate"); s != "" {
		n, err := parseBytes(s)
		if err != nil || n < 1024 {
			return usageErrorf(cmd.FullName(), "--max-rate: want at least 1K bytes a second, e.g. 512K or 10M")
		}
		o.MaxRate = n
	}
	var err error
	if o.Key, err = storeKey(cmd); err != nil {
		return err
	}
	st, err := openStore(ctx, cmd, url)
	if err != nil {
		return err
	}
	holdMemory()
	if !cmd.Bool("watch") {
		progress, done := progressOnTerminal(cmd.Root().ErrWriter)
		o.Progress = progress
		res, err := backup.RunToStore(ctx, db, st, o)
		done()
		if err != nil {
			return err
		}
		rep := newStoreBackupReport(db, res)
		if cmd.Bool("json") {
			return writeJSON(cmd.Writer, rep)
		}
		return rep.printText(cmd.Writer)
	}
	return watch(ctx, cmd, db, st, o)
}

// storeMemoryLimit is the heap a backup to a store aims to stay within
// (debug.SetMemoryLimit), unless GOMEMLIMIT says otherwise. What a run
// keeps grows by about 16 bytes a page of the database (page CRCs and
// locations) plus the metadata capture's survey while it runs; left to
// GOGC alone, the heap grows to twice that before a collection, which for
// a 10 GB database would be several hundred MB.
const storeMemoryLimit = 160 << 20

func holdMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(storeMemoryLimit)
	}
}

// watch runs backup.Watch until the first SIGINT or SIGTERM, which lets
// the version under way finish (exit 0); a second one aborts it. With
// --json it writes one JSON document per line, per run.
func watch(ctx context.Context, cmd *cli.Command, db string, st remote.Store, o backup.StoreOptions) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// The process-wide interrupt handler cancels ctx at the first
	// SIGINT; the run keeps a context of its own, cancelled only by a
	// second signal.
	runCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	stop := make(chan struct{})
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				close(stop)
				continue
			}
			abort()
		}
	}()
	errw := cmd.Root().ErrWriter
	enc := json.NewEncoder(cmd.Writer)
	var printErr error
	report := func(res *backup.StoreResult, err error) {
		if err != nil {
			p := &textPrinter{w: errw}
			p.printf("dbrescue: backup of %s to %s failed (will retry): %v\n", db, st, err)
			return
		}
		if res.Mode == backup.ModeUnchanged && cmd.Bool("json") {
			return
		}
		rep := newStoreBackupReport(db, res)
		if cmd.Bool("json") {
			printErr = enc.Encode(rep)
		} else {
			printErr = rep.printText(cmd.Writer)
		}
	}
	if err := backup.Watch(runCtx, stop, db, st, o, cmd.Duration("interval"), report); err != nil {
		return err
	}
	return printErr
}

// storeBackupReport is the JSON document of a backup to a store. Fields
// are only ever added, never renamed.
type storeBackupReport struct {
	Status         string         `json:"status"` // "written" or "unchanged"
	Mode           string         `json:"mode"`   // "full", "incremental" or "unchanged"
	Database       string         `json:"database"`
	Store          string         `json:"store"`
	Version        string         `json:"version"`
	Base           string         `json:"base,omitempty"`
	BaseProblem    string         `json:"base_problem,omitempty"`
	CopiedWith     string         `json:"copied_with,omitempty"`
	PagesReadFrom  string         `json:"pages_read_from,omitempty"`
	PageSizeFrom   string         `json:"page_size_from,omitempty"`
	PageSize       int            `json:"page_size"`
	PageCount      uint32         `json:"page_count"`
	PagesUploaded  int            `json:"pages_uploaded"`
	PercentWritten float64        `json:"percent_uploaded"`
	BytesUploaded  int64          `json:"bytes_uploaded"`
	Segments       int            `json:"segments_uploaded"`
	Digest         string         `json:"digest"`
	WritersSeen    bool           `json:"writers_seen"`
	Steps          int            `json:"steps"`
	Restarts       int            `json:"restarts"`
	Snapshot       snapshotReport `json:"snapshot"`
	Pruned         *prunedReport  `json:"pruned,omitempty"`
	ElapsedMS      float64        `json:"elapsed_ms"`
}

type prunedReport = backup.PruneResult

func hexDigest(d [32]byte) string { return hex.EncodeToString(d[:]) }

func newStoreBackupReport(db string, r *backup.StoreResult) *storeBackupReport {
	rep := &storeBackupReport{
		Status: "written", Mode: r.Mode, Database: db, Store: r.Store, Version: r.Version, Base: r.Base, BaseProblem: r.BaseProblem,
		CopiedWith: r.CopiedWith, PagesReadFrom: r.PagesReadFrom, PageSizeFrom: r.PageSizeFrom, PageSize: r.PageSize, PageCount: r.PageCount,
		PagesUploaded: r.PagesWritten, BytesUploaded: r.BytesWritten, Segments: r.Segments, Digest: hexDigest(r.Digest),
		WritersSeen: r.WritersSeen, Steps: r.Steps, Restarts: r.Restarts, Snapshot: newSnapshotReport(r.Snapshot),
		Pruned: r.Pruned, ElapsedMS: r.Elapsed,
	}
	if r.Mode == backup.ModeUnchanged {
		rep.Status = "unchanged"
	}
	if r.PageCount > 0 {
		rep.PercentWritten = 100 * float64(r.PagesWritten) / float64(r.PageCount)
	}
	return rep
}

func (r *storeBackupReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	switch r.Mode {
	case backup.ModeUnchanged:
		p.printf("unchanged: version %s in %s is up to date for %s (checked in %.1f ms)\n", r.Version, r.Store, r.Database, r.ElapsedMS)
		return p.err
	case backup.ModeFull:
		p.printf("version %s of %s in %s: full, %d pages of %d bytes, %s uploaded in %d segments and the manifest, in %.1f ms\n",
			r.Version, r.Database, r.Store, r.PagesUploaded, r.PageSize, humanBytes(r.BytesUploaded), r.Segments, r.ElapsedMS)
	default:
		p.printf("version %s of %s in %s: %d of %d pages changed (%.2f%%), %s uploaded in %d segments and the manifest, in %.1f ms\n",
			r.Version, r.Database, r.Store, r.PagesUploaded, r.PageCount, r.PercentWritten, humanBytes(r.BytesUploaded), r.Segments, r.ElapsedMS)
		p.printf("  the other pages are those of version %s\n", r.Base)
	}
	if r.BaseProblem != "" {
		p.printf("  the newest version could not be used, so every page was uploaded: %s\n", r.BaseProblem)
	}
	if r.WritersSeen {
		p.printf("  other connections committed during the backup (at the automatic pace, it then slows down to stay out of their way)\n")
	}
	printSnapshot(p, r.Snapshot)
	printPageSizeFrom(p, r.PageSize, r.PageSizeFrom)
	p.printf("  digest of the whole database (SHA-256) %.16s…\n", r.Digest)
	if pr := r.Pruned; pr != nil {
		p.printf("  pruned %d versions and %d segments (%s); %d versions kept", len(pr.VersionsDeleted), pr.SegmentsDeleted, humanBytes(pr.BytesFreed), len(pr.VersionsKept))
		if len(pr.LiveRuns) > 0 {
			p.printf(", %d backup runs under way left alone", len(pr.LiveRuns))
		}
		p.printf("\n")
		if pr.Skipped != "" {
			p.printf("  no segment was deleted: %s\n", pr.Skipped)
		}
	}
	return p.err
}
