#!/usr/bin/env bash
# Redis is a machine service: it is started before every session and CI relies on it, so this
# script only checks it and starts it (the machine's own command) if it is down. `stop`
# deliberately leaves it running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOG_DIR="$ROOT/.local/redis"
HOST=127.0.0.1
PORT=6379
TIMEOUT_SECONDS=30

answers() {
  [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]
}

show_log_tail() {
  for log in "$LOG_DIR/start.log" /var/log/redis/ci.log; do
    if [ -f "$log" ]; then
      echo "--- last lines of $log" >&2
      tail -n 40 "$log" >&2
    fi
  done
}

start() {
  if ! answers; then
    mkdir -p "$LOG_DIR" /var/lib/redis /var/log/redis
    echo "redis: not answering on $HOST:$PORT, starting it"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >>"$LOG_DIR/start.log" 2>&1
    local waited=0
    until answers; do
      if [ "$waited" -ge "$TIMEOUT_SECONDS" ]; then
        echo "redis: did not answer within ${TIMEOUT_SECONDS}s" >&2
        show_log_tail
        exit 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi
  echo "redis: up on $HOST:$PORT"
}

case "${1:-}" in
  start) start ;;
  stop) echo "redis: machine service, left running (started before sessions; CI relies on it)" ;;
  status)
    if answers; then
      echo "redis: up on $HOST:$PORT"
    else
      echo "redis: not answering on $HOST:$PORT" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
