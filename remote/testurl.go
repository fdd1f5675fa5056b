package remote

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

var testSeq atomic.Int64

// TestURL returns the store URL base (an s3:// or file:// URL, as the
// test server script exports it) with a fresh prefix below its own, named
// after name, so that tests sharing one bucket never see each other's
// objects.
func TestURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, name)
	u.Path = strings.TrimSuffix(u.Path, "/") + fmt.Sprintf("/%s-%x-%d", clean, time.Now().UnixNano(), testSeq.Add(1))
	return u.String()
}

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }
