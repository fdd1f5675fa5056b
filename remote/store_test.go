package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStoreContract runs the four operations every store must get right
// on a directory and, when the test server runs, on S3.
func TestStoreContract(t *testing.T) {
	for name, open := range testStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			if err := st.Create(ctx, "a/one", []byte("hello world")); err != nil {
				t.Fatal(err)
			}
			if err := st.Create(ctx, "a/two", []byte("2")); err != nil {
				t.Fatal(err)
			}
			if err := st.Create(ctx, "b", nil); err != nil {
				t.Fatal(err)
			}
			err := st.Create(ctx, "a/one", []byte("clobber"))
			if !errors.Is(err, ErrExists) {
				t.Fatalf("second create of a/one: %v, want ErrExists", err)
			}
			var se *Error
			if !errors.As(err, &se) || se.Op != "create" || se.Key != "a/one" {
				t.Errorf("error %#v does not say what failed", err)
			}
			for _, tc := range []struct {
				off, n int64
				want   string
			}{{0, 11, "hello world"}, {6, 5, "world"}, {6, 100, "world"}, {0, 5, "hello"}, {11, 4, ""}, {40, 4, ""}} {
				got, err := st.ReadRange(ctx, "a/one", tc.off, tc.n)
				if err != nil {
					t.Fatalf("read %d+%d: %v", tc.off, tc.n, err)
				}
				if string(got) != tc.want {
					t.Errorf("read %d+%d = %q, want %q", tc.off, tc.n, got, tc.want)
				}
			}
			if _, err := st.ReadRange(ctx, "a/none", 0, 4); !errors.Is(err, ErrNotFound) {
				t.Errorf("read of a missing object: %v, want ErrNotFound", err)
			}
			objs, err := st.List(ctx, "a/")
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, o := range objs {
				keys = append(keys, fmt.Sprintf("%s:%d", o.Key, o.Size))
				if time.Since(o.Modified) > time.Hour || time.Until(o.Modified) > time.Hour {
					t.Errorf("%s modified %v", o.Key, o.Modified)
				}
			}
			if diff := cmp.Diff([]string{"a/one:11", "a/two:1"}, keys); diff != "" {
				t.Errorf("list a/ (-want +got):\n%s", diff)
			}
			if err := st.Delete(ctx, []string{"a/one", "a/missing"}); err != nil {
				t.Fatal(err)
			}
			objs, err = st.List(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			keys = keys[:0]
			for _, o := range objs {
				keys = append(keys, o.Key)
			}
			if diff := cmp.Diff([]string{"a/two", "b"}, keys); diff != "" {
				t.Errorf("list after delete (-want +got):\n%s", diff)
			}
			for _, bad := range []string{"", "../x", "a/../../x", "/abs", "a//b", "a/./b", "a b", "a\x00"} {
				if err := st.Create(ctx, bad, []byte("x")); !errors.Is(err, ErrBadKey) {
					t.Errorf("create %q: %v, want ErrBadKey", bad, err)
				}
			}
		})
	}
}

// TestCreateRace: of many writers creating one key at once, exactly one
// succeeds and the object holds its bytes, whole.
func TestCreateRace(t *testing.T) {
	for name, open := range testStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			const n = 8
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = st.Create(ctx, "v/head", []byte(strings.Repeat(fmt.Sprint(i), 100000)))
				}()
			}
			wg.Wait()
			won := -1
			for i, err := range errs {
				switch {
				case err == nil && won >= 0:
					t.Fatalf("writers %d and %d both created the key", won, i)
				case err == nil:
					won = i
				case !errors.Is(err, ErrExists):
					t.Fatalf("writer %d: %v", i, err)
				}
			}
			if won < 0 {
				t.Fatal("no writer created the key")
			}
			got, err := st.ReadRange(ctx, "v/head", 0, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != strings.Repeat(fmt.Sprint(won), 100000) {
				t.Errorf("the object is not the winner's bytes")
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{"s3://", "s3:///x", "s3://b/p?nope=1", "s3://b/../x", "s3://b/p?path-style=maybe", "ftp://x", "file://", "file:///x?endpoint=y", "/plain/path"} {
		if _, err := Open(ctx, bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("Open(%q): %v, want ErrBadURL", bad, err)
		}
	}
	dir := t.TempDir()
	st, err := Open(ctx, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.(*Dir).Root(); got != dir {
		t.Errorf("file store root %q, want %q", got, dir)
	}
	for _, tc := range []struct {
		url  string
		want s3Config
	}{
		{"s3://bkt", s3Config{bucket: "bkt"}},
		{"s3://bkt/a/b/", s3Config{bucket: "bkt", prefix: "a/b/"}},
		{"s3://bkt/p?endpoint=http://127.0.0.1:9000", s3Config{bucket: "bkt", prefix: "p/", endpoint: "http://127.0.0.1:9000", pathStyle: true}},
		{"s3://bkt/p?endpoint=s3.example.com&region=eu-west-3", s3Config{bucket: "bkt", prefix: "p/", endpoint: "https://s3.example.com", region: "eu-west-3"}},
		{"s3://bkt/p?endpoint=https://s3.example.com&path-style=true", s3Config{bucket: "bkt", prefix: "p/", endpoint: "https://s3.example.com", pathStyle: true}},
	} {
		u, err := parseURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseS3URL(tc.url, u)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(s3Config{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.url, diff)
		}
	}
}

// openTestS3 opens a fresh prefix on the test server, or skips.
func openTestS3(t *testing.T) Store {
	t.Helper()
	base := os.Getenv("DBRESCUE_TEST_S3_URL")
	if base == "" {
		t.Skip("no S3 test server: run eval \"$(bash .ci/s3-test-server start)\" first")
	}
	st, err := Open(context.Background(), TestURL(base, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// testStores opens a fresh store of each kind.
var testStores = map[string]func(t *testing.T) Store{
	"file": func(t *testing.T) Store {
		st, err := OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
	"s3": openTestS3,
}

// TestEndpointFromEnvironment: with AWS_ENDPOINT_URL_S3 the URL need not
// name the endpoint.
func TestEndpointFromEnvironment(t *testing.T) {
	base := os.Getenv("DBRESCUE_TEST_S3_URL")
	if base == "" {
		t.Skip("no S3 test server: run eval \"$(bash .ci/s3-test-server start)\" first")
	}
	u, err := parseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", u.Query().Get("endpoint"))
	ctx := context.Background()
	st, err := Open(ctx, TestURL("s3://"+u.Host+"?path-style=true", t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ReadRange(ctx, "x", 0, 1); err != nil || string(got) != "y" {
		t.Fatalf("read back %q, %v", got, err)
	}
}
