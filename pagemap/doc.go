// Package pagemap draws a census (package census) as a page-map picture:
// one self-contained HTML file, inline SVG and CSS, no script and nothing
// fetched from the network, in which every page of the file (and every
// page missing beyond its end) is a cell coloured by the b-tree that owns
// it and by what it is (interior, leaf, overflow, freelist, pointer map,
// zero, garbage, unreadable, missing). Damaged pages are outlined in red;
// given what a repair made of each page (Outcome), every cell also carries
// a strip saying recovered, kept in lost_and_found, restored from a backup
// or lost. Hovering a cell shows its pages, owner, class and problem (an
// SVG <title>), and a legend says what every colour means.
//
// A large file stays light: when a file has more pages than cells fit
// (Options.MaxCells), a cell covers a block of consecutive pages, takes
// the colour most of them have, is outlined when any is damaged, carries
// the worst outcome among them, and says in its tooltip what it holds.
// Consecutive cells of one row that look alike are drawn as one run.
//
// What it does not know: how a census is taken, what a repair decides, or
// where the file goes beyond WriteFile's atomic write (the caller checks
// an output against its inputs, package outputs).
package pagemap
