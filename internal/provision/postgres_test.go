package provision_test

import (
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgresDSN returns the DSN of a new schema of the test database,
// dropped when t ends.
func postgresDSN(t *testing.T) string { return sqltest.PostgresDSN(t) }

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
