#!/bin/sh
# Runs a command against a throwaway PostgreSQL cluster:
#   scripts/with-postgres.sh CMD [ARG...]
# Installs PostgreSQL from the distribution's packages if it is missing (needs root and the
# package registry), creates a cluster in a temporary directory listening only on loopback,
# runs CMD with CHANCERY_PG_URL set to its connection URL, then stops and removes the cluster.
# The exit code is CMD's.
set -eu

find_bin() {
    for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

if ! BIN=$(find_bin); then
    echo "with-postgres: installing PostgreSQL from the distribution's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
fi

DIR=$(mktemp -d /tmp/chancery-pg.XXXXXX)
PORT=${CHANCERY_PG_PORT:-$(( 20000 + $$ % 20000 ))}
# PostgreSQL refuses to run as root: run the cluster as the postgres user when we are root.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" postgres
    chown postgres "$DIR"
    AS="runuser -u postgres --"
else
    AS=""
fi
cleanup() {
    $AS "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

$AS "$BIN/initdb" -D "$DIR/data" -U chancery --auth=trust -E UTF8 >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    exit 2
}
# fsync and synchronous_commit are left at their defaults (on), so tests can change them with
# ALTER SYSTEM and a reload (command-line settings would override that).
OPTS="-c listen_addresses=127.0.0.1 -p $PORT -k $DIR"
$AS "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "$OPTS" start >/dev/null || {
    cat "$DIR/server.log" >&2
    exit 2
}
export CHANCERY_PG_URL="postgresql://chancery@127.0.0.1:$PORT/postgres"
export CHANCERY_PG_CTL="$BIN/pg_ctl"
export CHANCERY_PG_DATA="$DIR/data"
export CHANCERY_PG_AS="$AS"
export CHANCERY_PG_OPTS="$OPTS"
export CHANCERY_PG_LOG="$DIR/server.log"
set +e
"$@"
STATUS=$?
exit $STATUS
