#!/usr/bin/env bash
# make demo: on the running dev stack (make up first), three demo operators (sipp
# softphones that register with digest auth and answer with real audio) log in, and
# simulated citizens call 109, choose Russian in the menu and wait in the queue; each
# operator talks TALK_MS and ends the call, then has the wrap-up time before the next.
# CALLS=5 RATE=1 TALK_MS=10000.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
CALLS=${CALLS:-5}
RATE=${RATE:-1}
TALK_MS=${TALK_MS:-10000}
OPERATORS=(demo1 demo2 demo3)
set -a; . "$CACHE/dev/ari.env"; set +a
HTTP=${IKOMEK_HTTP_ADDR:-127.0.0.1:8080}
API="http://$HTTP/api/v1"
TOKEN=$(cat "$CACHE/dev/admin.token")
curl -fsS -m 2 "http://$HTTP/readyz" >/dev/null || { echo "the controller is not ready: make up" >&2; exit 1; }
api() { curl -sS -m 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }

work=$(mktemp -d /tmp/ikomek-demo.XXXXXX)
pids=()
cleanup() {
	for l in "${OPERATORS[@]}"; do api -X POST "$API/operators/$l/logout" >/dev/null 2>&1 || true; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

port=25060
for l in "${OPERATORS[@]}"; do
	pw="demo-$l-password"
	api -X POST "$API/operators" -d "{\"login\":\"$l\",\"full_name\":\"Demo operator $l\",\"languages\":[\"ru\",\"kk\"],\"sip_password\":\"$pw\"}" >/dev/null
	api -X PATCH "$API/operators/$l" -d "{\"active\":true,\"sip_password\":\"$pw\"}" >/dev/null
	port=$((port + 2))
	(cd "$work" && exec sipp -sf "$REPO/deploy/local/demo-operator.xml" -i 127.0.0.1 -p "$port" -mp $((port * 10 % 20000 + 30000)) \
		-d "$TALK_MS" -aa -nostdin "$IKOMEK_SIP_HOST:$IKOMEK_SIP_PORT" >/dev/null 2>&1) &
	pids+=($!)
	sleep 0.3
	(cd "$work" && sipp -sf "$REPO/deploy/local/demo-register.xml" -i 127.0.0.1 -key login "$l" -key contact_port "$port" \
		-au "$l" -ap "$pw" -m 1 -nostdin -timeout 15s -timeout_error "$IKOMEK_SIP_HOST:$IKOMEK_SIP_PORT" >/dev/null 2>&1) ||
		{ echo "operator $l could not register" >&2; exit 1; }
	for _ in $(seq 1 200); do
		api "$API/operators/$l/live" | grep -q '"registered":true' && break
		sleep 0.2
	done
	api -X POST "$API/operators/$l/login" >/dev/null
	echo "operator $l: $(api "$API/operators/$l/live")"
	# The operator's console token, made once.
	if [ ! -s "$CACHE/dev/$l.token" ]; then
		api -X POST "$API/tokens" -d "{\"name\":\"Demo operator $l\",\"role\":\"operator\",\"subject\":\"$l\"}" |
			sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' >"$CACHE/dev/$l.token"
		chmod 600 "$CACHE/dev/$l.token"
	fi
done
echo "watch in the console: http://$HTTP/console/ (supervisor: $CACHE/dev/supervisor.token, operators: $CACHE/dev/demo1.token ...)"

echo "placing $CALLS calls to 109 at $RATE per second (sipp citizens, real G.711 audio)"
(cd "$work" && sipp -sf "$REPO/deploy/local/demo-caller.xml" -s 109 -key caller "7701$((RANDOM % 900000 + 100000))" \
	-i 127.0.0.1 -m "$CALLS" -r "$RATE" -l "$CALLS" -nostdin -timeout 300s -timeout_error \
	"$IKOMEK_SIP_HOST:$IKOMEK_SIP_PORT" >/dev/null 2>&1) && echo "all $CALLS calls completed" ||
	echo "some calls failed (sipp logs in $work)" >&2
db="${IKOMEK_DATABASE_URL:-postgres://ikomek@127.0.0.1:5432/ikomek}"
# The last hang-up's record and recording are written just after sipp exits.
for _ in $(seq 1 50); do
	[ "$(psql "$db" -qtAc "SELECT count(*) FROM calls WHERE ended_at IS NULL")" = 0 ] && break
	sleep 0.2
done
sleep 1
psql "$db" -c \
	"SELECT c.id, c.caller_number, c.outcome, c.operator_login, round(extract(epoch FROM c.connected_at - c.queued_at)::numeric, 1) AS wait_s,
	        round(r.duration_seconds::numeric, 1) AS recorded_s, r.path
	   FROM calls c LEFT JOIN recordings r ON r.call_id = c.id ORDER BY c.id DESC LIMIT $CALLS"
