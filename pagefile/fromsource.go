package pagefile

// FromSource presents pages some other source serves (SQLite's
// sqlite_dbpage inside a read transaction, say) as a File with geometry g,
// so that everything written against a File reads them too. The header is
// page 1's; there is no WAL or journal of its own to overlay (the source
// serves the committed pages already), and Main is nil.
func FromSource(src Source, g Geometry) (*File, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	if src.PageSize() != g.PageSize {
		return nil, Corrupt(0, 16, ErrBadValue, "source pages are %d bytes, geometry says %d", src.PageSize(), g.PageSize)
	}
	f := &File{Source: src, Geometry: g}
	if src.PageCount() >= 1 {
		page1 := make([]byte, g.PageSize)
		if err := src.ReadPage(1, page1); err != nil {
			return nil, err
		}
		f.FileHeader = ParseHeader(page1)
	} else {
		f.FileHeader = ParseHeader(nil)
	}
	f.Header = f.FileHeader
	return f, nil
}
