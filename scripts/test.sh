#!/usr/bin/env bash
# Installs what the test suite needs if it is missing, then runs all of it:
# formatting and vet checks, unit tests, and the black-box compatibility
# tests against real redis-server, redis-cli, python3-redis and node clients,
# and the S3 tests against a real MinIO.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
/usr/bin/python3 -c 'import redis' 2>/dev/null || missing+=(python3-redis)
command -v node >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# A real MinIO for the S3 tests (a cold build takes about 4 minutes).
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
if ! command -v minio >/dev/null && [ ! -x "$(go env GOPATH)/bin/minio" ]; then
  echo "installing minio $minio_version (go install)"
  go install "github.com/minio/minio@$minio_version"
fi
if [ -f compat_test/node/package-lock.json ] && [ ! -d compat_test/node/node_modules ]; then
  (cd compat_test/node && npm ci --no-audit --no-fund --loglevel=error)
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 -timeout 40m ./...
