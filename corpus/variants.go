package corpus

// Variant is a named Spec: one way real app databases differ from the
// default.
type Variant struct {
	Name string
	Spec Spec
}

// Variants lists the database variants the corpus covers, each on its own:
// every page size apps use, both UTF-16 byte orders, both auto_vacuum
// modes, reserved bytes (SQLCipher, WCDB), WAL with frames not yet
// checkpointed and an uncommitted tail, and deleted rows (freelist pages
// and freeblocks). Seed and size are left for the caller to set.
func Variants() []Variant {
	return []Variant{
		{"default", Spec{}},
		{"ps1024", Spec{PageSize: 1024}},
		{"ps8192", Spec{PageSize: 8192}},
		{"ps65536", Spec{PageSize: 65536}},
		{"utf16le", Spec{Encoding: UTF16LE}},
		{"utf16be", Spec{Encoding: UTF16BE}},
		{"autovacuum-full", Spec{AutoVacuum: "full"}},
		{"autovacuum-incremental", Spec{AutoVacuum: "incremental"}},
		{"reserved32", Spec{Reserved: 32}},
		{"wal", Spec{WAL: true}},
		{"deletes", Spec{Deletes: true}},
	}
}

// matrixGeometries are the geometries the benchmark matrix cycles through,
// one per seed, so a few seeds already mix page sizes, encodings,
// auto_vacuum and reserved bytes. All have deleted rows: real app databases
// have a freelist.
var matrixGeometries = []Spec{
	{PageSize: 4096},
	{PageSize: 1024, Encoding: UTF16LE, AutoVacuum: "full"},
	{PageSize: 8192, Reserved: 32, AutoVacuum: "incremental"},
	{PageSize: 65536, Encoding: UTF16BE},
	{PageSize: 4096, Reserved: 12, Encoding: UTF16BE},
}
