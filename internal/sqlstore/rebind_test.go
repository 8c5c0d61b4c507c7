package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	cases := []struct{ in, pg string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"INSERT INTO t VALUES (?, ?), (?, ?)", "INSERT INTO t VALUES ($1, $2), ($3, $4)"},
		{"SELECT '?' , ? FROM t", "SELECT '?' , $1 FROM t"},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
		{`SELECT "we?ird" FROM t WHERE x = ?`, `SELECT "we?ird" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"SELECT ? /* what? */ + ?", "SELECT $1 /* what? */ + $2"},
		{"SELECT ? -- trailing?", "SELECT $1 -- trailing?"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
		{"SELECT a - ? / ?", "SELECT a - $1 / $2"},
		{"LIKE ? ESCAPE '\\'", "LIKE $1 ESCAPE '\\'"},
		{"??", "$1$2"},
	}
	for _, c := range cases {
		if got := Rebind(Postgres, c.in); got != c.pg {
			t.Errorf("Rebind(postgres, %q) = %q, want %q", c.in, got, c.pg)
		}
		if got := Rebind(SQLite, c.in); got != c.in {
			t.Errorf("Rebind(sqlite, %q) = %q, want it unchanged", c.in, got)
		}
	}
}

func TestRebindPlaceholderCount(t *testing.T) {
	q := "INSERT INTO t VALUES " + placeholders(100, 13)
	got := Rebind(Postgres, q)
	if want := "$1300)"; got[len(got)-len(want):] != want {
		t.Errorf("last placeholder: %q", got[len(got)-20:])
	}
}

func TestSearchTerm(t *testing.T) {
	for in, want := range map[string]string{
		"  Alice ": "alice", "ÉMILE": "émile", "a\x1fb": "ab", "a\tb": "ab", "": "",
	} {
		if got := searchTerm(in); got != want {
			t.Errorf("searchTerm(%q) = %q, want %q", in, got, want)
		}
	}
	if got := escapeLike(`50%_off\`); got != `50\%\_off\\` {
		t.Errorf("escapeLike = %q", got)
	}
}
