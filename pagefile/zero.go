package pagefile

// AllZero reports whether b holds only zero bytes: a page never written or
// wiped (the census's class Zero), a journal header that PERSIST mode
// zeroed. It stops at the first byte that is not zero, so a page with
// content answers after a byte or two.
func AllZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
