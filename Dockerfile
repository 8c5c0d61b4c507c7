# syntax=docker/dockerfile:1
# Jumpgate container image: a static, pure-Go binary (SQLite is modernc.org/sqlite,
# no cgo) on a distroless base, running as an unprivileged user.
#
#   docker build -t jumpgate --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -p 8080:8080 -e JUMPGATE_MASTER_KEY=... -e JUMPGATE_BASE_URL=http://localhost:8080 jumpgate
#
# Several replicas on PostgreSQL: deploy/compose.yaml and docs/scale-out.md.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a change of the code alone reuses this layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" \
      -o /out/jumpgate ./cmd/jumpgate && \
    mkdir -p /out/data

# static-debian12: CA certificates, tzdata and /etc/passwd with the user
# nonroot (65532); no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jumpgate /usr/local/bin/jumpgate
# The default SQLite database lives here; mount a volume to keep it.
COPY --from=build --chown=65532:65532 /out/data /var/lib/jumpgate
WORKDIR /var/lib/jumpgate
ENV JUMPGATE_ADDR=0.0.0.0:8080 \
    JUMPGATE_DATA_DIR=/var/lib/jumpgate \
    JUMPGATE_DB=sqlite:/var/lib/jumpgate/jumpgate.db \
    JUMPGATE_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080
VOLUME ["/var/lib/jumpgate"]
ENTRYPOINT ["/usr/local/bin/jumpgate"]
CMD ["serve"]
