package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

const (
	benchUsers = 100_000
	benchBatch = 1_000
)

var (
	syllables  = []string{"ka", "lo", "mi", "ran", "tor", "vel", "sen", "dor", "bri", "mar", "qui", "zen", "hal", "por", "fen"}
	firstNames = []string{"Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Milo", "Nia",
		"Omar", "Pia", "Quin", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wren", "Xia", "Yara", "Zeb"}
)

// benchLastName is one of 15³ = 3,375 made-up last names.
func benchLastName(r *rand.Rand) string {
	s := syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))]
	return strings.ToUpper(s[:1]) + s[1:]
}

// benchUser is the n-th user of the benchmark directory.
func benchUser(r *rand.Rand, n int) directory.User {
	first, last := firstNames[r.IntN(len(firstNames))], benchLastName(r)
	username := fmt.Sprintf("%s.%s%d", strings.ToLower(first), strings.ToLower(last), n)
	at := t0.Add(time.Duration(n) * time.Second)
	return directory.User{
		ID: fmt.Sprintf("u%07d", n), Username: username, Email: username + fmt.Sprintf("@corp%d.example", n%20),
		FirstName: first, LastName: last, DisplayName: first + " " + last, EmployeeID: fmt.Sprintf("E%07d", n),
		State: directory.UserActivated, CreatedAt: at, UpdatedAt: at,
	}
}

// fillUsers creates benchUsers users in Updates of benchBatch.
func fillUsers(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	batch := make([]directory.User, benchBatch)
	for start := 0; start < benchUsers; start += benchBatch {
		for i := range batch {
			batch[i] = benchUser(r, start+i)
		}
		if err := s.Update(ctx, func(tx directory.Tx) error { return tx.CreateUsers(ctx, batch) }); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDSN(b *testing.B, dialect string) string {
	if dialect == sqlstore.SQLite {
		return sqliteFileDSN(b)
	}
	return postgresDSN(b)
}

// BenchmarkCreateUsers creates 100,000 users per iteration in a new database,
// 1,000 per CreateUsers in one Update, and reports users/s.
func BenchmarkCreateUsers(b *testing.B) {
	for _, dialect := range []string{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(dialect, func(b *testing.B) {
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				s, err := sqlstore.Open(context.Background(), benchDSN(b, dialect))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				fillUsers(b, s)
				elapsed += time.Since(start)
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchUsers*b.N)/elapsed.Seconds(), "users/s")
		})
	}
}

// BenchmarkListUsersSearch asks for the first page of 50 users matching a
// search term in a directory of 100,000 users and reports the p50 and p99
// latency of one ListUsers (count and page, in a View). Terms:
//   - name: a whole last name (about 30-60 matches),
//   - fragment: two syllables (a few hundred to a few thousand matches),
//   - broad: a domain part every user has (100,000 matches),
//   - short: two characters, below the trigram minimum (a scan),
//   - none: no search at all, for comparison.
func BenchmarkListUsersSearch(b *testing.B) {
	kinds := []struct {
		name  string
		terms func(r *rand.Rand) string
	}{
		{"name", func(r *rand.Rand) string { return strings.ToLower(benchLastName(r)) }},
		{"fragment", func(r *rand.Rand) string {
			return syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))]
		}},
		{"broad", func(r *rand.Rand) string { return ".example" }},
		{"short", func(r *rand.Rand) string { return syllables[r.IntN(len(syllables))][:2] }},
		{"none", func(r *rand.Rand) string { return "" }},
	}
	for _, dialect := range []string{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(dialect, func(b *testing.B) {
			s, err := sqlstore.Open(context.Background(), benchDSN(b, dialect))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			fillUsers(b, s)
			ctx := context.Background()
			// As an import does after loading; autovacuum would too.
			if err := s.Optimize(ctx); err != nil {
				b.Fatal(err)
			}
			for _, k := range kinds {
				b.Run(k.name, func(b *testing.B) {
					r := rand.New(rand.NewPCG(3, 4))
					lat := make([]time.Duration, 0, b.N)
					matched := 0
					b.ResetTimer()
					for range b.N {
						term := k.terms(r)
						start := time.Now()
						err := s.View(ctx, func(tx directory.Tx) error {
							us, n, err := tx.ListUsers(ctx, directory.UserFilter{Search: term, Limit: 50})
							if err == nil && len(us) != min(n, 50) {
								err = fmt.Errorf("page of %d for %d matches", len(us), n)
							}
							matched += n
							return err
						})
						lat = append(lat, time.Since(start))
						if err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					slices.Sort(lat)
					ms := func(q float64) float64 {
						return float64(lat[min(int(q*float64(len(lat))), len(lat)-1)]) / float64(time.Millisecond)
					}
					b.ReportMetric(ms(0.50), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
					b.ReportMetric(float64(matched)/float64(b.N), "matches/op")
				})
			}
		})
	}
}
