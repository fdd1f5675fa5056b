// Package outputs holds the one rule every dbrescue command that writes
// obeys: an output is never, and never aliases, a file the command reads
// or a file that belongs to one (a database's -wal, -shm and -journal, a
// metadata backup's previous generation, a page-level backup's manifest,
// journal and lock file). The rule holds whatever --force says: --force
// lets a command replace an output of its own kind, never its input.
//
// A command lists what it reads and what it writes as two sets of Files
// (Database, Meta, Backup and File add a path with its companions) and
// calls Check before it touches anything. Two paths are the same file when
// they are the same path once made absolute and cleaned, when they resolve
// to the same real path (symbolic links followed, also in directories and
// also where the file does not exist yet), or when both exist and are one
// inode (hard links).
//
// What it does not know: file formats and whether a path holds what its
// name says. It knows the companions' names (SuffixWAL, SuffixPrev, ...),
// which packages master and backup take from here, and compares paths and
// inodes, nothing else.
package outputs
