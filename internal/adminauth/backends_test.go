package adminauth_test

import (
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/sqlstore/sqltest"
)

// backends runs fn against a temp SQLite file and, when
// JUMPGATE_TEST_POSTGRES is set (always under CI), a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) { sqltest.Backends(t, fn) }
