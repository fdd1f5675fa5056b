package recover

// Options control a repair.
type Options struct {
	// Output is the path of the new database. It must not exist unless
	// Force is set, and must not be the input.
	Output string
	Force  bool
	// MetaPaths are metadata backups to use; each path's previous
	// generation (.prev) is tried when the path itself is damaged, and the
	// first that verifies is used.
	MetaPaths []string
	// WALPath overrides the WAL to overlay (default: input + "-wal").
	WALPath string
	// NoWAL ignores any WAL.
	NoWAL bool
	// Progress, when set, is called as pages are processed.
	Progress func(done, total uint32)
}
