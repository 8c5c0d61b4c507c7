package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestComposeReplicasBehindCaddy checks that Caddy balances over exactly the
// jumpgate services of compose.yaml, and that the files compose reads exist
// (env files as their .example).
func TestComposeReplicasBehindCaddy(t *testing.T) {
	compose, caddy := read(t, "compose.yaml"), read(t, "Caddyfile")
	services := regexp.MustCompile(`(?m)^  (jumpgate-[0-9]+):$`).FindAllStringSubmatch(compose, -1)
	upstreams := regexp.MustCompile(`(jumpgate-[0-9]+):8080`).FindAllStringSubmatch(caddy, -1)
	if len(services) < 2 || len(services) != len(upstreams) {
		t.Fatalf("compose has replicas %v, Caddy balances over %v", services, upstreams)
	}
	for i := range services {
		if services[i][1] != upstreams[i][1] {
			t.Errorf("replica %s vs upstream %s", services[i][1], upstreams[i][1])
		}
	}
	for _, m := range regexp.MustCompile(`env_file: ([a-z.]+)`).FindAllStringSubmatch(compose, -1) {
		if _, err := os.Stat(m[1] + ".example"); err != nil {
			t.Errorf("compose reads %s but %s.example is missing", m[1], m[1])
		}
	}
	for _, want := range []string{"image: postgres:15", "dockerfile: Dockerfile", "health_uri /readyz"} {
		if !strings.Contains(compose+caddy, want) {
			t.Errorf("compose.yaml or Caddyfile lacks %q", want)
		}
	}
	if _, err := os.Stat("../Dockerfile"); err != nil {
		t.Fatal(err)
	}
}

// TestDockerfile checks the builder's Go version against go.mod and the
// properties the image promises.
func TestDockerfile(t *testing.T) {
	df, gomod := read(t, "../Dockerfile"), read(t, "../go.mod")
	goVer := regexp.MustCompile(`(?m)^go ([0-9]+\.[0-9]+)`).FindStringSubmatch(gomod)
	if goVer == nil || !strings.Contains(df, "FROM golang:"+goVer[1]+" AS build") {
		t.Errorf("the builder image does not match go.mod's go %v", goVer)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "USER 65532:65532", "EXPOSE 8080", `CMD ["serve"]`, "JUMPGATE_ADDR=0.0.0.0:8080"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestExampleEnvFilesHoldNoSecrets keeps real keys out of the committed
// examples.
func TestExampleEnvFilesHoldNoSecrets(t *testing.T) {
	for _, f := range []string{"jumpgate.env.example", "postgres.env.example"} {
		for _, line := range strings.Split(read(t, f), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			if k == "JUMPGATE_MASTER_KEY" && v != "" || k == "POSTGRES_PASSWORD" && v != "CHANGE-ME" {
				t.Errorf("%s sets %s", f, k)
			}
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	unit := read(t, "jumpgate.service")
	for _, want := range []string{"User=jumpgate", "ExecStart=/usr/local/bin/jumpgate serve", "EnvironmentFile=/etc/jumpgate/jumpgate.env",
		"StateDirectory=jumpgate", "NoNewPrivileges=yes", "ProtectSystem=strict", "LoadCredential=master.key:/etc/jumpgate/master.key",
		"Environment=JUMPGATE_MASTER_KEY_FILE=%d/master.key", "WantedBy=multi-user.target"} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("jumpgate.service lacks %q", want)
		}
	}
}
