#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for the tests: a new cluster in a folder of its own,
# on a free port of 127.0.0.1, trust authentication, no fsync (the data do not matter).
#
#   tests/support/start_postgres.sh [start [DIR]]   start one; prints its URL on stdout
#   tests/support/start_postgres.sh stop DIR        stop it and delete DIR
#
# DIR (default: a new temporary folder) holds the cluster, its socket and its log; it is named
# on stderr with the command that stops the server. Typical use from the project's root:
#
#   export POSTGRES_TEST_URL="$(tests/support/start_postgres.sh)"
#   pytest -q -n0 tests/unit/test_postgres_migrations.py
#   tests/support/start_postgres.sh stop /tmp/tmp.XXXXXXXXXX
#
# The tests connect as role `copp` (it may create databases: each test gets a fresh one) to
# the database `copp_test`. As root the server runs as the system user `postgres` (created
# when missing); the Debian package `postgresql` is installed when no `initdb` is found.
set -euo pipefail

pg_user=copp
pg_db=copp_test
os_user=postgres

say() { echo "$*" >&2; }

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

install_postgres() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else return 1; fi
    fi
    command -v apt-get >/dev/null || return 1
    say "== installing postgresql"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 \
        || { $sudo apt-get update -qq >/dev/null 2>&1 \
            && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
                >/dev/null 2>&1; } \
        || return 1
    # The package makes (and may start) a cluster of its own: not wanted, ours is made below.
    local conf
    for conf in /etc/postgresql/*/main; do
        [ -d "$conf" ] || continue
        if command -v pg_dropcluster >/dev/null; then
            $sudo pg_dropcluster --stop "$(basename "$(dirname "$conf")")" main \
                >/dev/null 2>&1 || true
        fi
    done
}

# Runs a server-side command as the owner of the cluster (never as root: PostgreSQL refuses).
as_owner() {
    if [ "$(id -u)" -ne 0 ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u "$os_user" -- "$@"
    else
        su -s /bin/sh "$os_user" -c "$(printf '%q ' "$@")"
    fi
}

free_port() {
    "${PYTHON:-python3}" -c \
        'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir="${1:-}"
    local bin port locale_opt attempt opts
    if ! bin="$(find_bin)"; then
        install_postgres || true
        bin="$(find_bin)" \
            || { say "PostgreSQL is not installed and could not be installed"; return 1; }
    fi
    if [ -z "$dir" ]; then dir="$(mktemp -d)"; else mkdir -p "$dir"; fi
    if [ "$(id -u)" -eq 0 ]; then
        id -u "$os_user" >/dev/null 2>&1 \
            || useradd --system --no-create-home --shell /usr/sbin/nologin "$os_user"
        chown "$os_user" "$dir"
    fi
    chmod 700 "$dir"
    locale_opt="--no-locale"
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale_opt="--locale=C.UTF-8"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 "$locale_opt" --no-sync \
        >"$dir/initdb.log" 2>&1 || { say "initdb failed:"; cat "$dir/initdb.log" >&2; return 1; }
    # No autovacuum: its workers on a test database would stop a forced DROP DATABASE by a
    # role that may not end other roles' sessions; test databases live for seconds.
    opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c autovacuum=off"
    # Another process may take the chosen port before the server binds it: try a few.
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $opts" start >/dev/null 2>&1; then
            break
        fi
        if [ "$attempt" -eq 5 ]; then
            say "PostgreSQL did not start:"
            tail -n 20 "$dir/server.log" >&2 || true
            return 1
        fi
    done
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 15 \
        || { say "PostgreSQL does not answer on port $port"; return 1; }
    "$bin/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE $pg_user LOGIN CREATEDB" \
        -c "GRANT pg_signal_backend TO $pg_user" \
        -c "CREATE DATABASE $pg_db OWNER $pg_user" >/dev/null
    say "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port in $dir"
    if [ -t 2 ]; then say "   stop it with: $0 stop $dir"; fi
    echo "postgresql://$pg_user@127.0.0.1:$port/$pg_db"
}

stop() {
    local dir="${1:?stop needs the folder the server was started in}"
    local bin
    if [ -f "$dir/data/postmaster.pid" ] && bin="$(find_bin)"; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-start}" in
    start) start "${2:-}" ;;
    stop) stop "${2:-}" ;;
    *) say "usage: $0 [start [DIR] | stop DIR]"; exit 2 ;;
esac
