# shellcheck shell=bash
# Sourced by scripts/test and scripts/chaos/cluster_burst.py: a throwaway PostgreSQL cluster in a temp folder.
#
#   start_throwaway_postgres [extra postgres -c settings...]
#       installs PostgreSQL with apt-get when initdb is missing, runs initdb in a temp folder, starts
#       the server on a free loopback port and creates database "taskpulse". Sets:
#         TP_PG_URL   postgres://taskpulse@127.0.0.1:PORT/taskpulse?sslmode=disable
#         TP_PG_DIR   the temp folder (data, socket, server log)
#         TP_PG_PORT  the port
#   stop_throwaway_postgres
#       stops the server and removes the folder (call it from an EXIT trap).
#
# initdb refuses to run as root, so as root the server runs as the "postgres" user the Debian package
# creates. Needs scripts/lib/system-packages.sh sourced first.

_tp_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

_tp_pg_as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_throwaway_postgres() {
    local bin
    if ! bin="$(_tp_pg_bin)"; then
        ensure_system_packages postgresql
        bin="$(_tp_pg_bin)" || { echo "PostgreSQL was installed but initdb is not found" >&2; return 1; }
    fi
    if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home postgres
    fi
    TP_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/taskpulse-pg.XXXXXX")"
    TP_PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    chmod 755 "$TP_PG_DIR"
    if [[ "$(id -u)" -eq 0 ]]; then chown postgres "$TP_PG_DIR"; fi
    _tp_pg_as_owner "$bin/initdb" -D "$TP_PG_DIR/data" -U taskpulse --auth=trust -E UTF8 --no-sync >"$TP_PG_DIR/initdb.log" 2>&1 \
        || { cat "$TP_PG_DIR/initdb.log" >&2; return 1; }
    local -a options=(-p "$TP_PG_PORT" -k "$TP_PG_DIR" -c listen_addresses=127.0.0.1 -c max_connections=400)
    local setting
    for setting in "$@"; do options+=(-c "$setting"); done
    _tp_pg_as_owner "$bin/pg_ctl" -D "$TP_PG_DIR/data" -l "$TP_PG_DIR/server.log" -w -t 60 -o "${options[*]}" start >/dev/null \
        || { cat "$TP_PG_DIR/server.log" >&2; return 1; }
    TP_PG_BIN="$bin"
    "$bin/createdb" -h 127.0.0.1 -p "$TP_PG_PORT" -U taskpulse taskpulse
    TP_PG_URL="postgres://taskpulse@127.0.0.1:$TP_PG_PORT/taskpulse?sslmode=disable"
    export TP_PG_URL TP_PG_DIR TP_PG_PORT TP_PG_BIN
}

stop_throwaway_postgres() {
    if [[ -n "${TP_PG_DIR:-}" && -d "$TP_PG_DIR/data" ]]; then
        _tp_pg_as_owner "$TP_PG_BIN/pg_ctl" -D "$TP_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [[ -n "${TP_PG_DIR:-}" ]]; then rm -rf "$TP_PG_DIR"; fi
}
