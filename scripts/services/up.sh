#!/usr/bin/env bash
# Starts every local service Eventline's `services` backend and tests use, idempotently:
# MariaDB and Redis (machine services: checked, started if down), Apache Kafka (KRaft),
# OpenSearch, the SES emulator; then creates the manifest's Kafka topics.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$root/node_modules/.bin:$PATH"

bash "$here/mariadb.sh" start
bash "$here/redis.sh" start
bash "$here/ses.sh" start
# The two JVMs start in parallel: together they are most of the wait.
bash "$here/kafka.sh" start &
kafka=$!
bash "$here/opensearch.sh" start &
opensearch=$!
status=0
wait "$kafka" || status=$?
wait "$opensearch" || status=$?
if [ "$status" -ne 0 ]; then
  echo "services:up failed (see the messages above)" >&2
  exit "$status"
fi
(cd "$root" && tsx scripts/services/create-topics.ts)
echo "services: all up"
