#!/usr/bin/env bash
# Local OpenSearch 2.x for the `services` backend and the contract tests.
#
#   scripts/services/opensearch.sh start|stop|status
#
# - Downloads org.opensearch.distribution.integ-test-zip:opensearch:<version>:zip from Maven
#   Central with Maven (version pinned in scripts/services/opensearch/pom.xml) and unpacks it
#   under .local/opensearch/. The integ-test-zip has no security plugin and no bundled JDK, so
#   it serves plain http on 127.0.0.1:9200 and runs on the system Java (11+).
# - OpenSearch refuses to run as root, so it runs as the system user `eventline-search`
#   (created on first start), which owns the unpacked distribution and the data/log folders.
# - Single node (discovery.type=single-node: bootstrap checks such as vm.max_map_count become
#   warnings), 512 MiB heap, disk watermarks off (a fairly full disk must not make indices
#   read-only or leave shards unassigned), data and logs under .local/opensearch/.
# - start waits (bounded) until _cluster/health is yellow or green; a second start while it
#   is running returns at once. status exits 0 only when the cluster answers.
set -euo pipefail

SERVICE=opensearch
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
POM="${SERVICES_DIR}/opensearch/pom.xml"

BASE="${ROOT}/.local/opensearch"
VERSION="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "${POM}")"
ZIP="${BASE}/opensearch-${VERSION}.zip"
HOME_DIR="${BASE}/opensearch-${VERSION}"
DATA_DIR="${BASE}/data"
LOGS_DIR="${BASE}/logs"
RUN_DIR="${BASE}/run"
PID_FILE="${RUN_DIR}/opensearch.pid"
STDOUT_LOG="${BASE}/opensearch.log"
LOCK_FILE="${BASE}/.lock"

RUN_USER="eventline-search"
HOST="127.0.0.1"
PORT="9200"
URL="http://${HOST}:${PORT}"
START_TIMEOUT_SECONDS="${OPENSEARCH_START_TIMEOUT_SECONDS:-120}"
STOP_TIMEOUT_SECONDS=60
LOG_FILES=("${STDOUT_LOG}" "${LOGS_DIR}/eventline-local.log")

# Prints the cluster status (green/yellow/red) or nothing when the node does not answer.
cluster_status() {
  curl -fsS --max-time 3 "${URL}/_cluster/health" 2>/dev/null \
    | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' || true
}

is_healthy() {
  local status
  status="$(cluster_status)"
  [[ "${status}" == "green" || "${status}" == "yellow" ]]
}

java_home() {
  if [[ -n "${OPENSEARCH_JAVA_HOME:-}" ]]; then echo "${OPENSEARCH_JAVA_HOME}"; return; fi
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "${JAVA_HOME}"; return; fi
  local java
  java="$(command -v java || true)"
  if [[ -z "${java}" ]]; then
    warn "no java found: install a JDK 11+ (e.g. apt-get install openjdk-17-jdk-headless)"
    exit 1
  fi
  dirname "$(dirname "$(readlink -f "${java}")")"
}

ensure_user() {
  if ! id -u "${RUN_USER}" >/dev/null 2>&1; then
    say "creating system user ${RUN_USER} (OpenSearch refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${RUN_USER}"
  fi
}

ensure_distribution() {
  if [[ -x "${HOME_DIR}/bin/opensearch" ]]; then return; fi
  if [[ ! -f "${ZIP}" ]]; then
    say "downloading OpenSearch ${VERSION} from Maven Central"
    mvn -B -q -Dmaven.repo.local="${ROOT}/.local/m2" -f "${POM}" dependency:copy@fetch-opensearch -Dopensearch.outputDirectory="${BASE}"
  fi
  say "unpacking ${ZIP##*/}"
  local staging="${BASE}/.unpack.$$"
  rm -rf "${staging}"
  mkdir -p "${staging}"
  unzip -q "${ZIP}" -d "${staging}"
  mv "${staging}/opensearch-${VERSION}" "${HOME_DIR}"
  rm -rf "${staging}"
}

# The service user must be able to walk down to the distribution. A clone under a private folder
# (e.g. /root) is not, so give "others" search permission (x, not read) on each blocking ancestor.
grant_traverse() {
  local dir="$1" blocked=()
  while [[ "${dir}" != "/" ]]; do
    dir="$(dirname "${dir}")"
    if ! runuser -u "${RUN_USER}" -- test -x "${dir}" 2>/dev/null; then blocked+=("${dir}"); fi
  done
  local d
  for d in "${blocked[@]}"; do
    say "granting o+x on ${d} so ${RUN_USER} can reach the repository"
    chmod o+x "${d}"
  done
}

# The pid file is empty until the JVM writes it, so also watch the launcher this call started.
node_alive() {
  if [[ -n "${LAUNCHED_PID}" ]] && ! kill -0 "${LAUNCHED_PID}" 2>/dev/null; then return 1; fi
  if [[ -s "${PID_FILE}" ]] && ! running_pid >/dev/null; then return 1; fi
}

start() {
  # Serializes concurrent start/stop calls (services:up and npm test may race).
  take_lock
  if is_healthy; then
    say "already running at ${URL} ($(cluster_status))"
    return 0
  fi

  if ! running_pid >/dev/null; then
    ensure_user
    ensure_distribution
    mkdir -p "${DATA_DIR}" "${LOGS_DIR}" "${RUN_DIR}"
    rm -f "${PID_FILE}"
    # The node writes its keystore into config/, its pid file into run/ (-p, so the file names
    # the JVM itself, not a wrapper) and needs its data and log folders.
    chown -R "${RUN_USER}:" "${HOME_DIR}" "${DATA_DIR}" "${LOGS_DIR}" "${RUN_DIR}"
    touch "${STDOUT_LOG}" && chown "${RUN_USER}:" "${STDOUT_LOG}"
    grant_traverse "${HOME_DIR}"
    if ! runuser -u "${RUN_USER}" -- test -x "${HOME_DIR}/bin/opensearch"; then
      warn "user ${RUN_USER} cannot reach ${HOME_DIR}: every folder above the repository" \
        "must be traversable by other users (chmod o+x on the one that is not)"
      exit 1
    fi

    say "starting OpenSearch ${VERSION} on ${URL} as ${RUN_USER}"
    cd "${BASE}"
    launch "${STDOUT_LOG}" runuser -u "${RUN_USER}" -- env \
      OPENSEARCH_JAVA_HOME="$(java_home)" \
      OPENSEARCH_JAVA_OPTS="-Xms512m -Xmx512m" \
      OPENSEARCH_PATH_CONF="${HOME_DIR}/config" \
      "${HOME_DIR}/bin/opensearch" \
      -p "${PID_FILE}" \
      -Ecluster.name=eventline-local \
      -Enode.name=eventline-local-1 \
      -Ediscovery.type=single-node \
      -Enetwork.host="${HOST}" \
      -Ehttp.port="${PORT}" \
      -Epath.data="${DATA_DIR}" \
      -Epath.logs="${LOGS_DIR}" \
      -Ecluster.routing.allocation.disk.threshold_enabled=false
  else
    say "process $(running_pid) is running; waiting for it to answer"
  fi

  wait_until is_healthy "${START_TIMEOUT_SECONDS}" 2 "did not become healthy" node_alive "process exited during startup"
  say "ready at ${URL} ($(cluster_status))"
}

stop() {
  take_lock
  if ! running_pid >/dev/null && is_healthy; then
    rm -f "${PID_FILE}"
    warn "something answers on ${URL} but was not started by this script; leaving it"
    exit 1
  fi
  stop_by_pid_file "${STOP_TIMEOUT_SECONDS}"
}

status() {
  if is_healthy; then
    say "running at ${URL} ($(cluster_status)), version ${VERSION}"
    return 0
  fi
  warn "not answering at ${URL}"
  return 1
}

dispatch "$@"
