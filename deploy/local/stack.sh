#!/usr/bin/env bash
# Local stack on one Debian 12 machine, as root: PostgreSQL, Redis and an Asterisk 22
# that runs from a private Debian root (Debian 12 ships no asterisk package).
#
#   stack.sh deps                 install missing Debian packages
#   stack.sh test-deps            deps, and what only the tests need (chromium)
#   stack.sh postgres-up          start PostgreSQL if it is down; create role and database
#   stack.sh redis-up             start Redis if it is down
#   stack.sh asterisk-root        build the Asterisk root once (reused when present)
#   stack.sh asterisk-up INST     render asterisk/ for instance INST (dev|test) and start it
#   stack.sh asterisk-down INST   stop instance INST
#   stack.sh asterisk-env INST    print the instance's settings as KEY=value lines
#   stack.sh asterisk-running INST  exit 0 when instance INST is up and answering ARI
#   stack.sh services-down        stop PostgreSQL and Redis if this script started them
#
# Instances keep apart: each has its own ports, directories and ARI credentials, so the
# test instance runs beside a live one.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${IKOMEK_CACHE:-/var/cache/ikomek}
ROOT=${IKOMEK_ASTERISK_ROOT:-$CACHE/root}
STARTED="$CACHE/started-services"
PG_DB=${IKOMEK_PG_DB:-ikomek}

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts services)"; }

apt_updated=
apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The console's browser tests drive Debian's chromium through chromedriver.
cmd_test_deps() {
	cmd_deps
	apt_install chromium chromium-driver
}

cmd_deps() {
	need_root
	apt_install postgresql redis-server sip-tester debootstrap sox libsox-fmt-base espeak-ng \
		ca-certificates curl util-linux make git
	mkdir -p "$CACHE"
	ensure_go
}

# Go: the machine's toolchain when there is one; otherwise a Go >= 1.21 from Debian's
# bookworm-backports, which fetches the exact toolchain go.mod names from the Go
# module proxy (GOTOOLCHAIN=auto).
ensure_go() {
	if command -v go >/dev/null || [ -x /usr/local/go/bin/go ]; then return 0; fi
	local list=/etc/apt/sources.list.d/ikomek-backports.list
	if [ ! -f "$list" ]; then
		log "no Go toolchain: adding bookworm-backports for a current Go"
		echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
		apt_updated=
	fi
	if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
	local pkg
	pkg=$(apt-cache search --names-only '^golang-1\.[0-9]+-go$' | awk '{print $1}' | sort -V | tail -n1)
	local ver=${pkg#golang-}
	ver=${ver%-go}
	# Go >= 1.21 fetches the toolchain go.mod asks for; older ones cannot.
	if [ -z "$pkg" ] || [ "${ver#1.}" -lt 21 ]; then
		die "no Go >= 1.21 package found (got '${pkg:-none}'); install Go 1.26 into /usr/local/go"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports "$pkg" >/dev/null
	ln -sf "/usr/lib/go-$ver/bin/go" /usr/local/bin/go
	log "installed $pkg; go.mod's toolchain is fetched on first use"
}

mark_started() { mkdir -p "$CACHE"; grep -qx "$1" "$STARTED" 2>/dev/null || echo "$1" >>"$STARTED"; }

cmd_postgres_up() {
	if ! pg_isready -q -h 127.0.0.1 -p 5432; then
		command -v pg_ctlcluster >/dev/null || apt_install postgresql
		local ver
		ver=$(ls /etc/postgresql | sort -V | tail -n1)
		[ -n "$ver" ] || die "no PostgreSQL cluster under /etc/postgresql"
		log "starting PostgreSQL $ver"
		pg_ctlcluster --skip-systemctl-redirect "$ver" main start
		mark_started postgres
		for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
		pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not come up on 127.0.0.1:5432"
	fi
	# The application's role and database; tests create their own databases.
	local psql=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qtA)
	"${psql[@]}" -c 'select 1' >/dev/null 2>&1 || postgres_trust_local
	"${psql[@]}" -c "select 1 from pg_roles where rolname='ikomek'" | grep -q 1 ||
		"${psql[@]}" -c "create role ikomek login createdb"
	"${psql[@]}" -c "select 1 from pg_database where datname='$PG_DB'" | grep -q 1 ||
		"${psql[@]}" -c "create database $PG_DB owner ikomek"
}

# postgres_trust_local lets the development stack's users (postgres for the tests,
# ikomek for the controller) connect from this machine without a password, as
# `make up` and `make test` do. Debian's own pg_hba.conf asks for one over TCP and
# for a matching system user over the socket; the lines are added at its top, once.
postgres_trust_local() {
	local hba
	hba=$(su postgres -c "psql -qtA -c 'show hba_file'") || die "cannot ask PostgreSQL for its pg_hba.conf"
	grep -q '^# ikomek development stack' "$hba" && return 0
	log "letting postgres and ikomek connect from this machine without a password ($hba)"
	{
		echo '# ikomek development stack: tests and the controller connect without a password'
		echo 'local all postgres,ikomek trust'
		echo 'host all postgres,ikomek 127.0.0.1/32 trust'
		cat "$hba"
	} >"$hba.ikomek" && cat "$hba.ikomek" >"$hba" && rm -f "$hba.ikomek"
	su postgres -c "psql -qtA -c 'select pg_reload_conf()'" >/dev/null
	for _ in $(seq 1 20); do psql -h 127.0.0.1 -U postgres -qtA -c 'select 1' >/dev/null 2>&1 && return 0; sleep 0.2; done
	die "PostgreSQL still refuses postgres from 127.0.0.1 after the change to $hba"
}

cmd_redis_up() {
	if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
		command -v redis-server >/dev/null || apt_install redis-server
		log "starting Redis"
		mkdir -p /var/lib/redis /var/log/redis
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ikomek.log
		mark_started redis
		for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
		redis-cli ping >/dev/null 2>&1 || die "Redis did not come up on 127.0.0.1:6379"
	fi
}

cmd_services_down() {
	[ -f "$STARTED" ] || return 0
	if grep -qx redis "$STARTED"; then log "stopping Redis"; redis-cli shutdown nosave >/dev/null 2>&1 || true; fi
	if grep -qx postgres "$STARTED"; then
		log "stopping PostgreSQL"
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main stop || true
	fi
	rm -f "$STARTED"
}

cmd_asterisk_root() {
	if [ -x "$ROOT/usr/sbin/asterisk" ]; then return 0; fi
	need_root
	command -v debootstrap >/dev/null || apt_install debootstrap
	log "building the Asterisk root in $ROOT (a few minutes, once)"
	rm -rf "$ROOT.tmp"
	mkdir -p "$CACHE"
	if ! debootstrap --variant=minbase \
		--include=asterisk,asterisk-modules,asterisk-core-sounds-en-wav,asterisk-core-sounds-ru-wav,asterisk-moh-opsound-wav \
		sid "$ROOT.tmp" >"$CACHE/debootstrap.log" 2>&1; then
		tail -n 20 "$CACHE/debootstrap.log" >&2
		die "debootstrap of Debian sid with asterisk failed (log: $CACHE/debootstrap.log); sid moves daily, retry later"
	fi
	[ -x "$ROOT.tmp/usr/sbin/asterisk" ] || die "the root was built but has no /usr/sbin/asterisk"
	mv "$ROOT.tmp" "$ROOT"
	log "Asterisk root ready: $(chroot "$ROOT" /usr/sbin/asterisk -V)"
}

# Instance settings. Each value can be overridden from the environment.
inst_settings() {
	local inst=$1
	case "$inst" in
	dev)
		HTTP_PORT=${IKOMEK_AST_HTTP_PORT:-8088}; SIP_PORT=${IKOMEK_AST_SIP_PORT:-5060}
		RTP_START=${IKOMEK_AST_RTP_START:-10000}; RTP_END=${IKOMEK_AST_RTP_END:-10999}
		ENTITYID=${IKOMEK_AST_ENTITYID:-02:1c:00:00:01:09} ;;
	test)
		HTTP_PORT=${IKOMEK_AST_HTTP_PORT:-18088}; SIP_PORT=${IKOMEK_AST_SIP_PORT:-15060}
		RTP_START=${IKOMEK_AST_RTP_START:-11000}; RTP_END=${IKOMEK_AST_RTP_END:-11999}
		ENTITYID=${IKOMEK_AST_ENTITYID:-02:1c:00:00:02:09} ;;
	*) die "unknown instance '$inst' (dev or test)" ;;
	esac
	HTTP_BIND=${IKOMEK_AST_HTTP_BIND:-127.0.0.1}
	SIP_BIND=${IKOMEK_AST_SIP_BIND:-127.0.0.1}
	TRUNK_MATCH=${IKOMEK_AST_TRUNK_MATCH:-127.0.0.0/8}
	ARI_APP=${IKOMEK_ARI_APP:-ikomek}
	SYSTEMNAME="ikomek-$inst"
	INSTDIR="/var/lib/ikomek/$inst"     # as seen inside the root
	HOSTDIR="$ROOT$INSTDIR"             # as seen from the host
	SECRETS="$CACHE/$inst/secret.env"
	mkdir -p "$CACHE/$inst"
	if [ ! -s "$SECRETS" ]; then
		umask 077
		printf 'IKOMEK_ARI_USER=%s\nIKOMEK_ARI_PASSWORD=%s\n' "${IKOMEK_ARI_USER:-ikomek}" \
			"${IKOMEK_ARI_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')}" >"$SECRETS"
	fi
	# shellcheck disable=SC1090
	. "$SECRETS"
	ARI_USER=$IKOMEK_ARI_USER
	ARI_PASSWORD=$IKOMEK_ARI_PASSWORD
	CONF="$INSTDIR/etc/asterisk.conf"
}

render_config() {
	# Asterisk does not create the recording folder itself: bridge recording fails without it.
	mkdir -p "$HOSTDIR"/{etc,db,spool/recording,run,log}
	local f out
	for f in "$REPO"/asterisk/*.conf; do
		out="$HOSTDIR/etc/$(basename "$f")"
		sed -e "s|@@INSTDIR@@|$INSTDIR|g" -e "s|@@SYSTEMNAME@@|$SYSTEMNAME|g" \
			-e "s|@@ENTITYID@@|$ENTITYID|g" -e "s|@@HTTP_BIND@@|$HTTP_BIND|g" \
			-e "s|@@HTTP_PORT@@|$HTTP_PORT|g" -e "s|@@SIP_BIND@@|$SIP_BIND|g" \
			-e "s|@@SIP_PORT@@|$SIP_PORT|g" -e "s|@@RTP_START@@|$RTP_START|g" \
			-e "s|@@RTP_END@@|$RTP_END|g" -e "s|@@TRUNK_MATCH@@|$TRUNK_MATCH|g" \
			-e "s|@@ARI_USER@@|$ARI_USER|g" -e "s|@@ARI_PASSWORD@@|$ARI_PASSWORD|g" \
			-e "s|@@ARI_APP@@|$ARI_APP|g" "$f" >"$out.tmp"
		mv "$out.tmp" "$out"
	done
	chmod 600 "$HOSTDIR/etc/ari.conf"
	# Project prompts (Kazakh and Russian) live beside the stock sounds.
	# Debian ships the Russian set under its voice's name; "ru" must find it.
	local sounds="$ROOT/usr/share/asterisk/sounds" lang
	[ -e "$sounds/ru" ] || ln -s ru_RU_f_IvrvoiceRU "$sounds/ru"
	for lang in "$REPO"/asterisk/sounds/*/; do
		lang=$(basename "$lang")
		mkdir -p "$sounds/$lang"
		cp -a "$REPO/asterisk/sounds/$lang/." "$sounds/$lang/"
	done
}

# Asterisk looks up this machine's name and A.ROOT-SERVERS.NET (to learn its own
# address) for every new media session; without answers in the root's /etc/hosts each
# lookup goes to DNS and, under load, answering and creating channels wait on it.
write_hosts() {
	local name
	name=$(hostname 2>/dev/null || echo localhost)
	cat >"$ROOT/etc/hosts.tmp" <<HOSTS
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
127.0.1.1	$name
198.41.0.4	A.ROOT-SERVERS.NET a.root-servers.net
HOSTS
	mv "$ROOT/etc/hosts.tmp" "$ROOT/etc/hosts"
}

mount_root() {
	write_hosts
	mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
	mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
}

ari_ping() {
	curl -fsS -m 2 -u "$ARI_USER:$ARI_PASSWORD" "http://$HTTP_BIND:$HTTP_PORT/ari/asterisk/ping" >/dev/null 2>&1
}

ast_pid() {
	local pidfile="$HOSTDIR/run/asterisk.pid" pid
	[ -s "$pidfile" ] || return 1
	pid=$(cat "$pidfile")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

cmd_asterisk_up() {
	local inst=${1:?instance}
	need_root
	cmd_asterisk_root
	inst_settings "$inst"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/$inst.lock"
	flock 9
	render_config
	mount_root
	if ast_pid >/dev/null; then
		if ari_ping; then
			chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" -rx 'core reload' >/dev/null 2>&1 || true
			log "Asterisk '$inst' already running; configuration reloaded"
			return 0
		fi
	else
		log "starting Asterisk '$inst' (ARI http://$HTTP_BIND:$HTTP_PORT/ari, SIP udp $SIP_BIND:$SIP_PORT)"
		rm -f "$HOSTDIR/run/asterisk.ctl"
		chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" >"$CACHE/$inst/start.log" 2>&1 9>&- ||
			die "Asterisk '$inst' failed to start: $(tail -n 5 "$CACHE/$inst/start.log")"
	fi
	for _ in $(seq 1 100); do ari_ping && break; sleep 0.2; done
	ari_ping || die "Asterisk '$inst' is not answering ARI on $HTTP_BIND:$HTTP_PORT (log: $HOSTDIR/log/messages.log)"
	log "Asterisk '$inst' ready"
}

cmd_asterisk_down() {
	local inst=${1:?instance} pid
	inst_settings "$inst"
	if pid=$(ast_pid); then
		log "stopping Asterisk '$inst'"
		chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" -rx 'core stop now' >/dev/null 2>&1 || kill "$pid" || true
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	else
		log "Asterisk '$inst' is not running"
	fi
	unmount_root_if_idle
}

# The root's /dev and /proc stay mounted while any instance runs; with none left they
# are unmounted, so the root can be removed safely.
unmount_root_if_idle() {
	local other
	for other in dev test; do
		[ -s "$ROOT/var/lib/ikomek/$other/run/asterisk.pid" ] &&
			kill -0 "$(cat "$ROOT/var/lib/ikomek/$other/run/asterisk.pid")" 2>/dev/null && return 0
	done
	mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
	mountpoint -q "$ROOT/dev" && umount "$ROOT/dev"
	return 0
}

cmd_asterisk_env() {
	local inst=${1:?instance}
	inst_settings "$inst"
	cat <<EOF
IKOMEK_ARI_URL=http://$HTTP_BIND:$HTTP_PORT/ari
IKOMEK_ARI_USER=$ARI_USER
IKOMEK_ARI_PASSWORD=$ARI_PASSWORD
IKOMEK_ARI_APP=$ARI_APP
IKOMEK_SIP_HOST=$SIP_BIND
IKOMEK_SIP_PORT=$SIP_PORT
IKOMEK_ASTERISK_DIR=$HOSTDIR
EOF
}

case "${1:-}" in
deps) cmd_deps ;;
test-deps) cmd_test_deps ;;
postgres-up) cmd_postgres_up ;;
redis-up) cmd_redis_up ;;
services-down) cmd_services_down ;;
asterisk-root) cmd_asterisk_root ;;
asterisk-up) shift; cmd_asterisk_up "$@"; cmd_asterisk_env "$1" >"$CACHE/$1/ari.env" ;;
asterisk-down) shift; cmd_asterisk_down "$@" ;;
asterisk-env) shift; cmd_asterisk_env "$@" ;;
asterisk-running) shift; inst_settings "${1:?instance}"; ast_pid >/dev/null && ari_ping ;;
*) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
