#!/usr/bin/env bash
# Stops the services this project started (Kafka, OpenSearch, the SES emulator, cognito-local).
# MariaDB and Redis belong to the machine and stay up.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for service in ses cognito kafka opensearch; do
  bash "$SERVICES_DIR/$service.sh" stop
done
