#!/bin/sh
# Runs a command with Go and golang.org/x/mod available offline, for the outside client test of
# the service (tests/go_client.rs, tests/go/tlogclient):
#   scripts/with-go.sh CMD [ARG...]
# Installs Debian's golang-go and golang-golang-x-mod-dev if they are missing (needs root and the
# package registry), then runs CMD in GOPATH mode against the packaged sources, with its caches
# in a temporary directory. The exit code is CMD's.
set -eu

MOD=/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog
if ! command -v go >/dev/null 2>&1 || [ ! -d "$MOD" ]; then
    echo "with-go: installing Go and golang.org/x/mod from the distribution's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq golang-go golang-golang-x-mod-dev >&2
fi

DIR=$(mktemp -d /tmp/chancery-go.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export GO111MODULE=off
export GOPATH="/usr/share/gocode:$DIR/gopath"
export GOCACHE="$DIR/cache"
export GOFLAGS=
export GOTOOLCHAIN=local
"$@"
