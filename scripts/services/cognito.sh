#!/usr/bin/env bash
# Amazon Cognito user pools as emulated by cognito-local (npm package, a devDependency) on a fixed
# port, run with the project's Node 22. Its data (users, pools, clients) lives under
# .local/cognito/.cognito/ (cognito-local keeps it under ./.cognito of its working directory).
# `start` then makes sure the local pool exists (scripts/services/cognito-pool.ts: pool, app
# client, `admin` group; idempotent) and writes their ids to .local/cognito/pool.json.
set -euo pipefail

SERVICE=cognito
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE_DIR="$ROOT/.local/cognito"
PID_FILE="$STATE_DIR/cognito.pid"
LOG_FILE="$STATE_DIR/cognito.log"
LOCK_FILE="$STATE_DIR/start.lock"
CONFIG_FILE="$STATE_DIR/.cognito/config.json"
POOL_FILE="$STATE_DIR/pool.json"
HOST=127.0.0.1
PORT=9229
URL="http://$HOST:$PORT"
NODE="$ROOT/node_modules/.bin/node"
CLI="$ROOT/node_modules/.bin/cognito-local"
TSX="$ROOT/node_modules/.bin/tsx"
TIMEOUT_SECONDS=30
STOP_TIMEOUT_SECONDS=10
UP_MESSAGE="cognito-local up at $URL"
LOG_FILES=("$LOG_FILE")
# A live pid counts only if it is our cognito-local (pids get reused).
PID_CMDLINE=cognito-local

answers() {
  curl -fsS --max-time 2 -o /dev/null "$URL/health" 2>/dev/null
}

launch_cognito() {
  local file
  for file in "$NODE" "$CLI" "$TSX"; do
    if [ ! -e "$file" ]; then
      warn "$file is missing; run npm ci first"
      exit 1
    fi
  done
  mkdir -p "$(dirname "$CONFIG_FILE")"
  # Tokens say iss=<IssuerDomain>/<poolId>, pinned to the address the adapter calls; new pools
  # get usernames (cognito-local's default is email addresses as usernames).
  printf '{"TokenConfig":{"IssuerDomain":"%s"},"UserPoolDefaults":{"UsernameAttributes":[]}}\n' "$URL" >"$CONFIG_FILE"
  say "starting cognito-local on $URL (data in $STATE_DIR/.cognito)"
  cd "$STATE_DIR"
  launch "$LOG_FILE" env HOST="$HOST" PORT="$PORT" "$NODE" "$CLI"
}

start() {
  start_detached launch_cognito "$TIMEOUT_SECONDS" 0.5 "cognito-local did not answer" "cognito-local exited during start"
  # One setup at a time (services:up and a test run at once would each create a pool).
  take_lock
  # tsx runs on the project's Node 22 (node_modules/.bin first on PATH).
  PATH="$ROOT/node_modules/.bin:$PATH" COGNITO_ENDPOINT="$URL" COGNITO_ISSUER_DOMAIN="$URL" COGNITO_POOL_FILE="$POOL_FILE" \
    "$TSX" "$SERVICES_DIR/cognito-pool.ts" || fail "the local user pool could not be set up"
}

stop() {
  stop_by_pid_file "$STOP_TIMEOUT_SECONDS"
}

status() {
  if ! answers; then
    warn "cognito-local not answering at $URL"
    return 1
  fi
  if [ ! -f "$POOL_FILE" ]; then
    warn "cognito-local answers but has no local pool ($POOL_FILE missing): run npm run services:up"
    return 1
  fi
  say "$UP_MESSAGE (pool ids in $POOL_FILE)"
}

dispatch "$@"
