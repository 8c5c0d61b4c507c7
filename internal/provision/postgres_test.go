package provision_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// postgresDSN returns the DSN of a new schema of the test database,
// dropped when t ends.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `BEGIN; SELECT pg_advisory_xact_lock(4242);
		CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; COMMIT`); err != nil {
		t.Fatalf("create pg_trgm: %v", err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "provisiontest_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgres runs the main scenarios on PostgreSQL.
func TestPostgres(t *testing.T) {
	for name, fn := range map[string]func(*testing.T, *env){
		"UserLifecycle": testUserLifecycle, "GroupDeleted": testGroupDeleted, "GroupUnbound": testGroupUnbound,
		"GroupRename": testGroupRenameAndMembership, "Faults": testConvergesWithFaults, "Crash": testCrashSafety,
		"PlanAndSyncNow": testPlanAndSyncNow,
	} {
		t.Run(name, func(t *testing.T) { fn(t, newEnvDSN(t, postgresDSN(t))) })
	}
}
