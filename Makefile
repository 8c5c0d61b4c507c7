# Everyday tasks; the scripts hold the logic (see README, "Testing").

# How long each fuzz target runs: a Go duration, or Nx for N inputs.
FUZZTIME ?= 1m

.PHONY: test fuzz

# Every test (go vet, go test -race; PostgreSQL and xmlsec1 when run as root).
test:
	./scripts/test

# Every fuzz target for FUZZTIME, one after another (make fuzz FUZZTIME=10m).
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz
