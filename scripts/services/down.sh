#!/usr/bin/env bash
# Stops the services this project started (Kafka, OpenSearch, the SES emulator). MariaDB and
# Redis belong to the machine and stay up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for service in ses kafka opensearch; do
  bash "$here/$service.sh" stop
done
