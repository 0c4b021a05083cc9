#!/bin/bash
# A throwaway PostgreSQL for tests: `test-postgres.sh start DIR PORT` creates a cluster in DIR listening only
# on the unix socket DIR/.s.PGSQL.PORT (no TCP), with a trusted user and database `nimbus`;
# `test-postgres.sh createdb DIR PORT NAME` adds a database; `test-postgres.sh stop DIR` stops it and removes DIR. PostgreSQL refuses to run as root, so as root the
# cluster belongs to the `postgres` user that Debian's package creates.
set -euo pipefail
cmd=$1 dir=$2 port=${3:-5432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)"; exit 2; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U nimbus --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log"; exit 1; }
    # fsync off: a test cluster is thrown away; durability is PostgreSQL's, not what the tests check.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=300" \
        >/dev/null || { cat "$dir/server.log"; exit 1; }
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U nimbus nimbus
    ;;
createdb)
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U nimbus "$4"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start DIR PORT | createdb DIR PORT NAME | stop DIR"; exit 2 ;;
esac
