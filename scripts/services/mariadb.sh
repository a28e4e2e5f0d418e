#!/usr/bin/env bash
# MariaDB is a machine service: it is started before every session and CI relies on it, so this
# script only checks it, starts it (the machine's own command) if it is down, and makes sure the
# `eventline` database exists. `stop` deliberately leaves it running; `halt` (the fault tests
# only, which start it again) really stops it.
set -euo pipefail

SERVICE=mariadb
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_DIR="$ROOT/.local/mariadb"
HOST="${EVENTLINE_MYSQL_HOST:-127.0.0.1}"
PORT="${EVENTLINE_MYSQL_PORT:-3306}"
DB_USER="${EVENTLINE_MYSQL_USER:-root}"
DATABASE="${EVENTLINE_MYSQL_DATABASE:-eventline}"
TIMEOUT_SECONDS=60
LOG_FILES=("$LOG_DIR/start.log" /var/log/mysql/error.log)

# The password (empty locally) goes through the environment, never on a command line or in a log.
export MYSQL_PWD="${EVENTLINE_MYSQL_PASSWORD:-}"

answers() {
  mariadb-admin --connect-timeout=2 -h"$HOST" -P"$PORT" -u"$DB_USER" ping >/dev/null 2>&1
}

launch_mariadb() {
  mkdir -p "$LOG_DIR"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >>"$LOG_DIR/start.log" 2>&1
}

ensure_database() {
  mariadb -h"$HOST" -P"$PORT" -u"$DB_USER" -e \
    "CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
}

start() {
  start_machine_service launch_mariadb "$TIMEOUT_SECONDS"
  ensure_database
  say "up on $HOST:$PORT, database $DATABASE ready"
}

stop() { stop_machine_service; }

# The real stop, for the fault tests only (they start it again): SIGTERM is MariaDB's clean
# shutdown; returns once the process has exited (SIGKILL after 60 s).
halt() {
  start-stop-daemon --stop --oknodo --retry TERM/60/KILL/5 --exec /usr/sbin/mariadbd >/dev/null
  say "halted; \`bash $0 start\` (or npm run services:up) starts it again"
}

status() { report_status "up on $HOST:$PORT" "not answering on $HOST:$PORT"; }

dispatch "$@"
