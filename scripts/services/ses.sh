#!/usr/bin/env bash
# The SES emulator (npm package aws-ses-v2-local, a devDependency) on a fixed port, run with the
# project's Node 22. It keeps sent mails in memory and shows them at GET /store.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="$ROOT/.local/ses"
PID_FILE="$STATE_DIR/ses.pid"
LOG_FILE="$STATE_DIR/ses.log"
HOST=127.0.0.1
PORT=8005
URL="http://$HOST:$PORT"
NODE="$ROOT/node_modules/.bin/node"
CLI="$ROOT/node_modules/.bin/aws-ses-v2-local"
TIMEOUT_SECONDS=30

answers() {
  curl -fsS --max-time 2 -o /dev/null "$URL/health-check" 2>/dev/null
}

# The pid in the pid file, if that process is still our emulator (pids get reused).
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q aws-ses-v2-local || return 1
  echo "$pid"
}

show_log_tail() {
  if [ -f "$LOG_FILE" ]; then
    echo "--- last lines of $LOG_FILE" >&2
    tail -n 40 "$LOG_FILE" >&2
  fi
}

start() {
  if answers; then
    echo "ses: emulator up at $URL"
    return 0
  fi
  for file in "$NODE" "$CLI"; do
    if [ ! -e "$file" ]; then
      echo "ses: $file is missing; run npm ci first" >&2
      exit 1
    fi
  done
  mkdir -p "$STATE_DIR"
  # Serializes concurrent starts (services:up and a test run at once): one launches, others wait.
  exec {lock}>"$STATE_DIR/start.lock"
  flock "$lock"
  if answers; then
    echo "ses: emulator up at $URL"
    return 0
  fi
  if ! running_pid >/dev/null; then
    echo "ses: starting aws-ses-v2-local on $URL"
    # setsid detaches it from this shell's process group so it outlives the caller.
    setsid "$NODE" "$CLI" --host "$HOST" --port "$PORT" >>"$LOG_FILE" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
  fi
  local waited=0
  until answers; do
    if ! running_pid >/dev/null; then
      echo "ses: emulator exited during start" >&2
      show_log_tail
      exit 1
    fi
    if [ "$waited" -ge $((TIMEOUT_SECONDS * 2)) ]; then
      echo "ses: emulator did not answer within ${TIMEOUT_SECONDS}s" >&2
      show_log_tail
      exit 1
    fi
    sleep 0.5 # waited counts half seconds
    waited=$((waited + 1))
  done
  echo "ses: emulator up at $URL"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    echo "ses: not running (no live pid in $PID_FILE)"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
  fi
  rm -f "$PID_FILE"
  echo "ses: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if answers; then
      echo "ses: emulator up at $URL"
    else
      echo "ses: emulator not answering at $URL" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
