// Package deploy holds the deployment files (Dockerfile companions, compose, Caddy, systemd) and tests that keep them consistent.
package deploy
