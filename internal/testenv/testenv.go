package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every
// dependency must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// missing fails the test under CI and skips it elsewhere.
func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required under CI=true but is not available", what)
	}
	t.Skipf("%s not available", what)
}

// PostgresURL returns the URL of the PostgreSQL test database from
// JUMPGATE_TEST_POSTGRES. Without it the test is skipped, or fails under CI.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("JUMPGATE_TEST_POSTGRES")
	if u == "" {
		missing(t, "PostgreSQL (JUMPGATE_TEST_POSTGRES)")
	}
	return u
}

// Command returns the path of an outside program. Without it the test is
// skipped, or fails under CI.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name)
	}
	return p
}
