#!/usr/bin/env bash
# make up: everything a developer needs, on one machine, as root. Running it again
# only restarts the controller with a fresh build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
INST=dev
RUN="$CACHE/$INST"
mkdir -p "$RUN"

"$STACK" deps
"$STACK" postgres-up
"$STACK" redis-up
"$STACK" asterisk-up "$INST"

echo "building ikomekd and ikomekctl"
(cd "$REPO" && go build -o bin/ikomekd ./cmd/ikomekd && go build -o bin/ikomekctl ./cmd/ikomekctl)

set -a
. "$CACHE/$INST/ari.env"
IKOMEK_DATABASE_URL=${IKOMEK_DATABASE_URL:-postgres://ikomek@127.0.0.1:5432/ikomek?sslmode=disable}
IKOMEK_HTTP_ADDR=${IKOMEK_HTTP_ADDR:-127.0.0.1:8080}
IKOMEK_RECORDINGS_DIR=${IKOMEK_RECORDINGS_DIR:-$REPO/recordings}
set +a

"$REPO/bin/ikomekctl" migrate

# Demo data: the city's ticket catalogue and the standard QC form (both idempotent), and
# tokens for trying the API and the console (kept out of the repository).
"$REPO/bin/ikomekctl" seed catalog
"$REPO/bin/ikomekctl" seed qc-form
# token FILE ROLE NAME [SUBJECT]: a demo token kept in $RUN/FILE, made once.
token() {
	[ -s "$RUN/$1" ] && return 0
	"$REPO/bin/ikomekctl" tokens create --role "$2" --name "$3" ${4:+--subject "$4"} --json |
		sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' >"$RUN/$1"
	chmod 600 "$RUN/$1"
}
token admin.token admin "demo admin"
token supervisor.token supervisor "demo supervisor"
token qc.token qc "demo reviewer"
token water.token department "demo water utility" water

# (Re)start the controller.
if [ -s "$RUN/ikomekd.pid" ] && kill -0 "$(cat "$RUN/ikomekd.pid")" 2>/dev/null; then
	kill "$(cat "$RUN/ikomekd.pid")"
	for _ in $(seq 1 100); do kill -0 "$(cat "$RUN/ikomekd.pid")" 2>/dev/null || break; sleep 0.1; done
fi
nohup "$REPO/bin/ikomekd" >>"$RUN/ikomekd.log" 2>&1 &
echo $! >"$RUN/ikomekd.pid"
for _ in $(seq 1 100); do
	curl -fsS -m 1 "http://$IKOMEK_HTTP_ADDR/readyz" >/dev/null 2>&1 && break
	sleep 0.2
done
curl -fsS -m 2 "http://$IKOMEK_HTTP_ADDR/readyz" >/dev/null ||
	{ tail -n 30 "$RUN/ikomekd.log"; echo "ikomekd is not ready: curl http://$IKOMEK_HTTP_ADDR/readyz" >&2; exit 1; }

cat <<INFO

iKomek is up.
  API        http://$IKOMEK_HTTP_ADDR/api/v1   (admin token: $RUN/admin.token)
  console    http://$IKOMEK_HTTP_ADDR/console/   (tokens: $RUN/supervisor.token qc.token water.token;
             make demo adds one per demo operator: $RUN/demo1.token ...)
  health     http://$IKOMEK_HTTP_ADDR/healthz  http://$IKOMEK_HTTP_ADDR/readyz
  metrics    http://$IKOMEK_HTTP_ADDR/metrics
  SIP        udp:$IKOMEK_SIP_HOST:$IKOMEK_SIP_PORT  (dial 109 or 556655 from 127.0.0.0/8)
  ARI        $IKOMEK_ARI_URL (user $IKOMEK_ARI_USER; password in $CACHE/$INST/secret.env)
  logs       $RUN/ikomekd.log   $IKOMEK_ASTERISK_DIR/log/messages.log
Try: make demo    Stop: make down
INFO
