package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain makes the test binary a batch child when Run starts it, as
// dbrescue's main does. Inputs named for a misbehaviour make the child
// misbehave instead of repairing: "hog" takes memory and keeps it, "hang"
// never finishes, "crash" panics.
func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(testChild())
	}
	os.Exit(m.Run())
}

func testChild() int {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		return 1
	}
	var req request
	if err := json.Unmarshal(data, &req); err != nil {
		return 1
	}
	switch name := req.Job.Input; {
	case strings.Contains(name, "hog"):
		hog := make([]byte, 1<<30)
		for i := 0; i < len(hog); i += 4096 {
			hog[i] = 1
		}
		time.Sleep(time.Minute)
		return int(hog[len(hog)/2])
	case strings.Contains(name, "hang"):
		time.Sleep(time.Minute)
	case strings.Contains(name, "crash"):
		panic("a hostile file crashed the repair")
	}
	return ServeChild(context.Background(), bytes.NewReader(data), os.Stdout)
}
