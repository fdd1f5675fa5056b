package testdb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// childReady is the line a child test process prints when its work begins.
const childReady = "dbrescue: child ready"

// ChildReady tells the parent of a child test process (see StartChild)
// that the work the child will be killed in begins now.
func ChildReady() { fmt.Println(childReady) }

// Child is a test running in a process of its own, to be killed.
type Child struct{ cmd *exec.Cmd }

// StartChild runs the test named test in a new process of the running
// test binary, with env added to its environment, and returns once the
// child has called ChildReady. A kill timed from then falls on the
// child's work, not on its start, whose length varies with the machine's
// load: a crash test's kills would otherwise land before any work on a
// busy machine and prove nothing.
func StartChild(t testing.TB, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		if lines.Text() == childReady {
			// What the child prints after is read and dropped, so that a
			// full pipe never stalls its work before the kill.
			go func() {
				for lines.Scan() {
				}
			}()
			return &Child{cmd: cmd}
		}
		seen = append(seen, lines.Text())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatalf("child %s ended before its work began: %s", test, strings.Join(seen, "\n"))
	return nil
}

// Kill kills the child with SIGKILL, as a crash would, and waits for it.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait() // "signal: killed"
}
