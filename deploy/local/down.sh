#!/usr/bin/env bash
# make down: stops what make up started (the controller, the dev Asterisk, and
# PostgreSQL or Redis only if make up had to start them). Running it twice is harmless.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
RUN="$CACHE/dev"
if [ -s "$RUN/ikomekd.pid" ] && kill -0 "$(cat "$RUN/ikomekd.pid")" 2>/dev/null; then
	pid=$(cat "$RUN/ikomekd.pid")
	echo "stopping ikomekd ($pid)"
	kill "$pid"
	for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$RUN/ikomekd.pid"
[ -x "$CACHE/root/usr/sbin/asterisk" ] && "$STACK" asterisk-down dev
"$STACK" services-down
echo "down"
