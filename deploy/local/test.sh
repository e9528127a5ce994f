#!/usr/bin/env bash
# make test: every test. Unit tests, integration tests against the real PostgreSQL
# and Redis, end-to-end tests through the real Asterisk with sipp. Starts what is
# missing and stops the test Asterisk again if it started it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

"$STACK" test-deps
"$STACK" postgres-up
"$STACK" redis-up
started_asterisk=
"$STACK" asterisk-running test || started_asterisk=1
"$STACK" asterisk-up test
cleanup() { if [ -n "$started_asterisk" ]; then "$STACK" asterisk-down test; fi; }
trap cleanup EXIT

cd "$REPO"
go vet ./...
go test -count=1 -timeout 25m ${GOTESTFLAGS:-} ./...
