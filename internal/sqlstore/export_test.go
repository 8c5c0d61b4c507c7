package sqlstore

// WithDenseMatches lowers the number of FTS matches above which SQLite
// searches switch to LIKE, so that tests reach that path with little data.
func WithDenseMatches(n int) Option { return func(o *options) { o.denseMatches = n } }
