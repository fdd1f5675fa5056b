package backup

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Object keys of a store, below its prefix (see doc.go, "Stores"):
//
//	versions/<id>.ver        one version manifest per version, never rewritten
//	segments/<run>-<n>.seg   the pages a run uploaded, packed
//	locks/<run>.<n>.lock     a run under way, refreshed while it lasts
//
// A run's ID and a version's ID are the UTC time (to the nanosecond, so
// that names sort in time order) and 8 random hex digits:
// 20261129T061153.123456789Z-3fa2b1c9. A version's time is its
// snapshot's; a run's, when it started.
const (
	versionDir = "versions/"
	versionExt = ".ver"
	segmentDir = "segments/"
	segmentExt = ".seg"
	lockDir    = "locks/"
	lockExt    = ".lock"
	idTime     = "20060102T150405.000000000Z"
	maxIDLen   = 64
	maxKeyLen  = 256
)

// newID names a run or version at time t.
func newID(t time.Time) string {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err)
	}
	return t.UTC().Format(idTime) + "-" + hex.EncodeToString(r[:])
}

// idTimeOf returns the time an ID was made at.
func idTimeOf(id string) (time.Time, bool) {
	if len(id) < len(idTime) {
		return time.Time{}, false
	}
	t, err := time.Parse(idTime, id[:len(idTime)])
	return t, err == nil
}

func versionKey(id string) string { return versionDir + id + versionExt }

// versionID returns the ID of a version manifest's key, or "" when key is
// not one.
func versionID(key string) string {
	id, ok := strings.CutPrefix(key, versionDir)
	if !ok {
		return ""
	}
	id, ok = strings.CutSuffix(id, versionExt)
	if !ok || id == "" || len(id) > maxIDLen || strings.Contains(id, "/") {
		return ""
	}
	return id
}

func segmentKey(run string, n int) string {
	return fmt.Sprintf("%s%s-%06d%s", segmentDir, run, n, segmentExt)
}

// segmentRun returns the run that uploaded a segment (the key without its
// sequence number), or "".
func segmentRun(key string) string { return runOf(key, segmentDir, segmentExt, '-') }

func lockKey(run string, n int) string { return fmt.Sprintf("%s%s.%d%s", lockDir, run, n, lockExt) }

// lockRun returns the run a lock belongs to, or "".
func lockRun(key string) string { return runOf(key, lockDir, lockExt, '.') }

// runOf returns the run ID in key, dir + run + sep + counter + ext, or "".
func runOf(key, dir, ext string, sep byte) string {
	name, ok := strings.CutPrefix(key, dir)
	if !ok {
		return ""
	}
	name, ok = strings.CutSuffix(name, ext)
	i := strings.LastIndexByte(name, sep)
	if !ok || i <= 0 {
		return ""
	}
	return name[:i]
}
