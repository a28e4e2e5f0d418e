#!/usr/bin/env bash
# Redis is a machine service: it is started before every session and CI relies on it, so this
# script only checks it and starts it (the machine's own command) if it is down. `stop`
# deliberately leaves it running.
set -euo pipefail

SERVICE=redis
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_DIR="$ROOT/.local/redis"
HOST=127.0.0.1
PORT=6379
TIMEOUT_SECONDS=30
LOG_FILES=("$LOG_DIR/start.log" /var/log/redis/ci.log)

answers() {
  [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]
}

launch_redis() {
  mkdir -p "$LOG_DIR" /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >>"$LOG_DIR/start.log" 2>&1
}

start() {
  start_machine_service launch_redis "$TIMEOUT_SECONDS"
  say "up on $HOST:$PORT"
}

stop() { stop_machine_service; }

status() { report_status "up on $HOST:$PORT" "not answering on $HOST:$PORT"; }

dispatch "$@"
