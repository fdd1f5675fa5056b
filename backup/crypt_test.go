package backup

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/master"
)

func TestParseKey(t *testing.T) {
	good := strings.Repeat("0f", 32)
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{good, true},
		{good + "\n", true},
		{"  " + strings.ToUpper(good) + " \r\n", true},
		{good[:62], false},
		{good + "00", false},
		{strings.Repeat("zz", 32), false},
		{"", false},
	} {
		k, err := ParseKey([]byte(tc.text))
		if (err == nil) != tc.ok {
			t.Errorf("ParseKey(%q): %v", tc.text, err)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseKey(%q): %v is not ErrBadKey", tc.text, err)
		}
		if err == nil && len(k.ID()) != 16 {
			t.Errorf("key ID %q", k.ID())
		}
	}
	a, _ := ParseKey([]byte(good))
	b, _ := ParseKey([]byte(strings.Repeat("f0", 32)))
	if a.ID() == b.ID() {
		t.Errorf("two keys with one ID")
	}
	sealed := a.seal(nil, []byte("page"), []byte("where"))
	if got, err := a.open(nil, sealed, []byte("where")); err != nil || string(got) != "page" {
		t.Errorf("open: %q, %v", got, err)
	}
	for _, tc := range []struct {
		k      *Key
		sealed []byte
		aad    string
	}{{b, sealed, "where"}, {a, sealed, "elsewhere"}, {a, sealed[:len(sealed)-1], "where"}, {a, sealed[:5], "where"}} {
		if _, err := tc.k.open(nil, tc.sealed, []byte(tc.aad)); err == nil {
			t.Errorf("opened with key %s, aad %q, %d bytes", tc.k.ID(), tc.aad, len(tc.sealed))
		}
	}
}

// TestRateLimit: objects start no sooner than the bytes before them
// allow at the rate (a lower bound only: sleeping longer is the machine's
// business).
func TestRateLimit(t *testing.T) {
	r := newRateLimit(1 << 20)
	start := time.Now()
	for range 4 {
		if err := r.wait(context.Background(), 100<<10); err != nil {
			t.Fatal(err)
		}
	}
	// The fourth starts once the first three (300 KiB) had their time.
	if d, want := time.Since(start), 300*time.Second/1024; d < want {
		t.Errorf("4 waits of 100 KiB at 1 MiB/s took %v, want at least %v", d, want)
	}
	if err := newRateLimit(0).wait(context.Background(), 1<<30); err != nil {
		t.Errorf("no limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := newRateLimit(1)
	_ = slow.wait(ctx, 10)
	if err := slow.wait(ctx, 10); err == nil {
		t.Errorf("a cancelled wait succeeded")
	}
}

func TestSegmentSizeFollowsTheRate(t *testing.T) {
	for _, tc := range []struct {
		rate int64
		want int
	}{{0, 4 << 20}, {100 << 20, 4 << 20}, {1 << 20, 2 << 20}, {1 << 10, 256 << 10}} {
		if got := (StoreOptions{MaxRate: tc.rate}).withDefaults().SegmentSize; got != tc.want {
			t.Errorf("MaxRate %d: segments of %d, want %d", tc.rate, got, tc.want)
		}
	}
}

// TestHighEntropy: pages of random bytes skip zstd's entropy stage, pages
// of text and of zeros do not; both kinds decode to the page.
func TestHighEntropy(t *testing.T) {
	random := make([]byte, 4096)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	text := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog; ", 92))[:4096]
	zeros := make([]byte, 4096)
	for _, tc := range []struct {
		name string
		page []byte
		high bool
	}{{"random", random, true}, {"text", text, false}, {"zeros", zeros, false}} {
		if got := highEntropy(tc.page); got != tc.high {
			t.Errorf("%s: highEntropy %v", tc.name, got)
		}
		var w segmentWriter
		w.reset("segments/x-000000.seg", nil, 4096, nil)
		l := w.add(tc.page)
		got := make([]byte, 4096)
		if _, err := openFrame(w.key, int64(l.off), w.buf[l.off:l.off+l.n], nil, master.PageCRC(tc.page), got, nil); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
