#!/usr/bin/env bash
# Starts every local service Eventline's `services` backend and tests use, idempotently:
# MariaDB and Redis (machine services: checked, started if down), Apache Kafka (KRaft),
# OpenSearch, the SES emulator, cognito-local (with the local user pool, see cognito.sh); then
# creates the manifest's Kafka topics. Debian's chromium (for the browser tests) is installed when
# missing (chromium.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export PATH="$ROOT/node_modules/.bin:$PATH"

bash "$SERVICES_DIR/mariadb.sh" start
bash "$SERVICES_DIR/redis.sh" start
bash "$SERVICES_DIR/ses.sh" start
bash "$SERVICES_DIR/cognito.sh" start
bash "$SERVICES_DIR/chromium.sh"
# The two JVMs start in parallel: together they are most of the wait.
bash "$SERVICES_DIR/kafka.sh" start &
kafka=$!
bash "$SERVICES_DIR/opensearch.sh" start &
opensearch=$!
status=0
wait "$kafka" || status=$?
wait "$opensearch" || status=$?
if [ "$status" -ne 0 ]; then
  echo "services:up failed (see the messages above)" >&2
  exit "$status"
fi
(cd "$ROOT" && tsx scripts/services/create-topics.ts)
echo "services: all up"
