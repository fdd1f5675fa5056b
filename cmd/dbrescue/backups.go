package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
)

func backupsCommand() *cli.Command {
	return &cli.Command{
		Name:      "backups",
		Usage:     "list the versions of a database kept in a store",
		ArgsUsage: "URL",
		Description: "Lists the versions that dbrescue backup -o URL made in the store at URL\n" +
			"(s3://BUCKET/PREFIX[?endpoint=URL&path-style=true&region=R] or file://DIR), oldest\n" +
			"first: ID, when its snapshot was taken, its size, what its run uploaded and the\n" +
			"SHA-256 digest of the whole database. Each manifest's summary is read with one\n" +
			"small ranged read. A version whose manifest cannot be read is listed with the\n" +
			"reason. An encrypted store needs its key (--encrypt-key-file).\n\n" +
			"Examples:\n" +
			"   dbrescue backups s3://my-bucket/app\n" +
			"   dbrescue backups --json file:///mnt/nas/app --encrypt-key-file app.key",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
			keyFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "URL")
			if err != nil {
				return err
			}
			k, err := storeKey(cmd)
			if err != nil {
				return err
			}
			st, err := openStore(ctx, cmd, args[0])
			if err != nil {
				return err
			}
			list, err := backup.ListVersions(ctx, st, k)
			if err != nil {
				return err
			}
			rep := &backupsReport{Store: st.String(), Versions: []versionReport{}}
			for _, l := range list {
				v := newVersionReport(l.Version)
				v.Problem = l.Problem
				rep.Versions = append(rep.Versions, v)
			}
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, rep)
			}
			return rep.printText(cmd.Writer)
		},
	}
}

// backupsReport is the JSON document of backups. Fields are only ever
// added, never renamed.
type backupsReport struct {
	Store    string          `json:"store"`
	Versions []versionReport `json:"versions"`
}

func (r *backupsReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	if len(r.Versions) == 0 {
		p.printf("%s holds no version\n", r.Store)
		return p.err
	}
	p.printf("%s: %d versions\n", r.Store, len(r.Versions))
	tw := p.table()
	fmt.Fprintf(tw, "ID\tTAKEN (UTC)\tSIZE\tUPLOADED\tDIGEST\n")
	for _, v := range r.Versions {
		taken := v.CapturedAt
		if t, err := time.Parse(time.RFC3339Nano, v.CapturedAt); err == nil {
			taken = t.Format("2006-01-02 15:04:05.000")
		}
		if v.Problem != "" {
			fmt.Fprintf(tw, "%s\t%s\t?\t?\tUNREADABLE: %s\n", v.ID, taken, v.Problem)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s (%d pages)\t%s (%d pages)\t%.16s…\n", v.ID, taken, humanBytes(v.Bytes), v.PageCount,
			humanBytes(v.BytesUploaded), v.PagesUploaded, v.Digest)
	}
	p.flush(tw)
	return p.err
}
