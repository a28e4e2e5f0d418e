#!/usr/bin/env bash
# MariaDB is a machine service: it is started before every session and CI relies on it, so this
# script only checks it, starts it (the machine's own command) if it is down, and makes sure the
# `eventline` database exists. `stop` deliberately leaves it running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOG_DIR="$ROOT/.local/mariadb"
HOST="${EVENTLINE_MYSQL_HOST:-127.0.0.1}"
PORT="${EVENTLINE_MYSQL_PORT:-3306}"
DB_USER="${EVENTLINE_MYSQL_USER:-root}"
DATABASE="${EVENTLINE_MYSQL_DATABASE:-eventline}"
TIMEOUT_SECONDS=60

# The password (empty locally) goes through the environment, never on a command line or in a log.
export MYSQL_PWD="${EVENTLINE_MYSQL_PASSWORD:-}"

answers() {
  mariadb-admin --connect-timeout=2 -h"$HOST" -P"$PORT" -u"$DB_USER" ping >/dev/null 2>&1
}

show_log_tail() {
  for log in "$LOG_DIR/start.log" /var/log/mysql/error.log; do
    if [ -f "$log" ]; then
      echo "--- last lines of $log" >&2
      tail -n 40 "$log" >&2
    fi
  done
}

ensure_database() {
  mariadb -h"$HOST" -P"$PORT" -u"$DB_USER" -e \
    "CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
}

start() {
  if ! answers; then
    mkdir -p "$LOG_DIR"
    echo "mariadb: not answering on $HOST:$PORT, starting it"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >>"$LOG_DIR/start.log" 2>&1
    local waited=0
    until answers; do
      if [ "$waited" -ge "$TIMEOUT_SECONDS" ]; then
        echo "mariadb: did not answer within ${TIMEOUT_SECONDS}s" >&2
        show_log_tail
        exit 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi
  ensure_database
  echo "mariadb: up on $HOST:$PORT, database $DATABASE ready"
}

case "${1:-}" in
  start) start ;;
  stop) echo "mariadb: machine service, left running (started before sessions; CI relies on it)" ;;
  status)
    if answers; then
      echo "mariadb: up on $HOST:$PORT"
    else
      echo "mariadb: not answering on $HOST:$PORT" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
