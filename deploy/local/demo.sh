#!/usr/bin/env bash
# make demo: simulated citizens call 109 on the running dev stack (make up first).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
CALLS=${CALLS:-5}
RATE=${RATE:-1}
set -a; . "$CACHE/dev/ari.env"; set +a
curl -fsS -m 2 "http://${IKOMEK_HTTP_ADDR:-127.0.0.1:8080}/readyz" >/dev/null ||
	{ echo "the controller is not running: make up" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "placing $CALLS calls to 109 at $RATE per second (sipp, real G.711 audio)"
(cd "$work" && sipp -sf "$REPO/deploy/local/demo-caller.xml" -s 109 -key caller "7701$((RANDOM % 900000 + 100000))" -d "${HOLD_MS:-15000}" \
	-i 127.0.0.1 -m "$CALLS" -r "$RATE" -l "$CALLS" -nostdin -timeout 180s -timeout_error \
	"$IKOMEK_SIP_HOST:$IKOMEK_SIP_PORT" >/dev/null 2>&1) && echo "all $CALLS calls completed" ||
	{ echo "some calls failed (see sipp logs)" >&2; exit 1; }
psql "${IKOMEK_DATABASE_URL:-postgres://ikomek@127.0.0.1:5432/ikomek}" -c \
	"SELECT id, line, caller_number, outcome, hangup_cause, arrived_at, ended_at - arrived_at AS duration FROM calls ORDER BY id DESC LIMIT $CALLS"
