#!/usr/bin/env bash
# The SES emulator (npm package aws-ses-v2-local, a devDependency) on a fixed port, run with the
# project's Node 22. It keeps sent mails in memory and shows them at GET /store.
set -euo pipefail

SERVICE=ses
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE_DIR="$ROOT/.local/ses"
PID_FILE="$STATE_DIR/ses.pid"
LOG_FILE="$STATE_DIR/ses.log"
LOCK_FILE="$STATE_DIR/start.lock"
HOST=127.0.0.1
PORT=8005
URL="http://$HOST:$PORT"
NODE="$ROOT/node_modules/.bin/node"
CLI="$ROOT/node_modules/.bin/aws-ses-v2-local"
TIMEOUT_SECONDS=30
STOP_TIMEOUT_SECONDS=10
UP_MESSAGE="emulator up at $URL"
LOG_FILES=("$LOG_FILE")
# A live pid counts only if it is our emulator (pids get reused).
PID_CMDLINE=aws-ses-v2-local

answers() {
  curl -fsS --max-time 2 -o /dev/null "$URL/health-check" 2>/dev/null
}

launch_emulator() {
  local file
  for file in "$NODE" "$CLI"; do
    if [ ! -e "$file" ]; then
      warn "$file is missing; run npm ci first"
      exit 1
    fi
  done
  say "starting aws-ses-v2-local on $URL"
  launch "$LOG_FILE" "$NODE" "$CLI" --host "$HOST" --port "$PORT"
}

start() {
  start_detached launch_emulator "$TIMEOUT_SECONDS" 0.5 "emulator did not answer" "emulator exited during start"
}

# Takes no lock: an emulator started by an earlier version of this script kept start.lock open
# (so locked) for its whole life, and stopping it must not wait for it.
stop() {
  stop_by_pid_file "$STOP_TIMEOUT_SECONDS"
}

status() {
  report_status "$UP_MESSAGE" "emulator not answering at $URL"
}

dispatch "$@"
