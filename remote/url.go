package remote

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// IsURL reports whether s names a store (s3://… or file://…) rather than
// a local backup file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "s3://") || strings.HasPrefix(s, "file://")
}

// Open opens the store a URL names:
//
//	s3://BUCKET[/PREFIX][?endpoint=URL&path-style=true&region=R]
//	file:///ABSOLUTE/DIR or file://RELATIVE/DIR
//
// An s3 store takes its credentials (and, unless the URL says, its region
// and endpoint) from the AWS environment and config chain; see the
// package documentation.
func Open(ctx context.Context, rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch u.Scheme {
	case "file":
		if len(u.Query()) > 0 {
			return nil, fmt.Errorf("%w: %s: a file store takes no options", ErrBadURL, rawURL)
		}
		dir := u.Host + u.Path // file://rel/dir has "rel" as its host
		if u.Opaque != "" {
			dir = u.Opaque
		}
		if dir == "" {
			return nil, fmt.Errorf("%w: %s names no directory", ErrBadURL, rawURL)
		}
		return OpenDir(filepath.FromSlash(dir))
	case "s3":
		return openS3URL(ctx, rawURL, u)
	}
	return nil, fmt.Errorf("%w: %q: want s3://BUCKET/PREFIX or file://DIR", ErrBadURL, rawURL)
}

// s3Config is what an s3:// URL says.
type s3Config struct {
	bucket, prefix, endpoint, region string
	pathStyle                        bool
}

func parseS3URL(rawURL string, u *url.URL) (s3Config, error) {
	c := s3Config{bucket: u.Host, prefix: strings.Trim(u.Path, "/")}
	if c.bucket == "" {
		return c, fmt.Errorf("%w: %s names no bucket", ErrBadURL, rawURL)
	}
	if c.prefix != "" {
		if err := CheckKey(c.prefix); err != nil {
			return c, fmt.Errorf("%w: prefix %q: %v", ErrBadURL, c.prefix, err)
		}
		c.prefix += "/"
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "path-style", "region":
		default:
			return c, fmt.Errorf("%w: %s: unknown option %q (endpoint, path-style, region)", ErrBadURL, rawURL, k)
		}
	}
	c.endpoint, c.region = q.Get("endpoint"), q.Get("region")
	if c.endpoint != "" && !strings.Contains(c.endpoint, "://") {
		c.endpoint = "https://" + c.endpoint
	}
	if v := q.Get("path-style"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%w: path-style=%q", ErrBadURL, v)
		}
		c.pathStyle = b
	} else if c.endpoint != "" {
		c.pathStyle = literalHost(c.endpoint)
	}
	return c, nil
}

// literalHost reports whether an endpoint's host is an IP address or
// localhost, which cannot route buckets by host name.
func literalHost(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || net.ParseIP(h) != nil
}
