#!/usr/bin/env bash
# One line per service; exits non-zero when any is down.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
down=0
for service in mariadb redis kafka opensearch ses cognito; do
  if bash "$SERVICES_DIR/$service.sh" status >/dev/null 2>&1; then
    printf '%-11s up\n' "$service"
  else
    printf '%-11s DOWN\n' "$service"
    down=1
  fi
done
exit "$down"
