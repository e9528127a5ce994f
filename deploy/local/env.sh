# Sourced by the local scripts: common paths and the Go toolchain on PATH.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${IKOMEK_CACHE:-/var/cache/ikomek}
STACK="$REPO/deploy/local/stack.sh"
export PATH="$PATH:/usr/local/go/bin"
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
