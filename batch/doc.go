// Package batch repairs many damaged databases in one run: the support
// engineer's folder of tickets, each a database with its -wal, -journal,
// metadata backup (DB.meta) and page-level backup (DB.backup) beside it.
//
// Find walks the inputs (files, and directories when asked to recurse),
// picks the databases (files that start with SQLite's header, or carry a
// database's extension), and gives each its companions, found by the
// names dbrescue's own commands give them, and an output path that
// mirrors the input tree under the output directory. Run repairs them on
// N workers, smallest first, and reports each as it finishes.
//
// Each database is repaired in a child process (the running program again,
// told so by an environment variable; see ServeChild), so that a hostile
// or huge file cannot stop or starve the others: the child has a time
// budget (a context deadline inside, a kill outside when it is overrun)
// and a memory budget (GOMEMLIMIT inside; outside, on Linux, a watchdog
// that kills a child whose resident memory passes the budget), and a child
// that crashes fails its database alone. What each child used is
// reported.
//
// What it does not know: how to repair or export; it calls package
// recover and package export, and says nothing of damage itself.
package batch
