package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/config"
)

// TestREADMEListsEverySetting keeps the README's configuration table in
// step with the settings.
func TestREADMEListsEverySetting(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, s := range config.Settings {
		row := "| `" + s.Flag() + "` | `" + s.Env + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks the row for %s: %q", s.Name, row)
		}
		if s.Default != "" && !strings.Contains(readme, "`"+s.Default+"`") {
			t.Errorf("README lacks the default of %s: %q", s.Name, s.Default)
		}
	}
}
