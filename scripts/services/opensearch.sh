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

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
POM="${SCRIPT_DIR}/opensearch/pom.xml"

BASE="${REPO_ROOT}/.local/opensearch"
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

log() { echo "[opensearch] $*"; }

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

running_pid() {
  [[ -f "${PID_FILE}" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"${PID_FILE}")"
  [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null && echo "${pid}"
}

print_log_tail() {
  for file in "${STDOUT_LOG}" "${LOGS_DIR}/eventline-local.log"; do
    if [[ -f "${file}" ]]; then
      echo "----- last lines of ${file} -----" >&2
      tail -n 40 "${file}" >&2
    fi
  done
}

java_home() {
  if [[ -n "${OPENSEARCH_JAVA_HOME:-}" ]]; then echo "${OPENSEARCH_JAVA_HOME}"; return; fi
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "${JAVA_HOME}"; return; fi
  local java
  java="$(command -v java || true)"
  if [[ -z "${java}" ]]; then
    echo "[opensearch] no java found: install a JDK 11+ (e.g. apt-get install openjdk-17-jdk-headless)" >&2
    exit 1
  fi
  dirname "$(dirname "$(readlink -f "${java}")")"
}

ensure_user() {
  if ! id -u "${RUN_USER}" >/dev/null 2>&1; then
    log "creating system user ${RUN_USER} (OpenSearch refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${RUN_USER}"
  fi
}

ensure_distribution() {
  if [[ -x "${HOME_DIR}/bin/opensearch" ]]; then return; fi
  if [[ ! -f "${ZIP}" ]]; then
    log "downloading OpenSearch ${VERSION} from Maven Central"
    mvn -B -q -Dmaven.repo.local="${REPO_ROOT}/.local/m2" -f "${POM}" dependency:copy@fetch-opensearch -Dopensearch.outputDirectory="${BASE}"
  fi
  log "unpacking ${ZIP##*/}"
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
    log "granting o+x on ${d} so ${RUN_USER} can reach the repository"
    chmod o+x "${d}"
  done
}

start() {
  if is_healthy; then
    log "already running at ${URL} ($(cluster_status))"
    return 0
  fi

  local launcher_pid=""

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
      echo "[opensearch] user ${RUN_USER} cannot reach ${HOME_DIR}: every folder above the repository" \
        "must be traversable by other users (chmod o+x on the one that is not)" >&2
      exit 1
    fi

    log "starting OpenSearch ${VERSION} on ${URL} as ${RUN_USER}"
    cd "${BASE}"
    setsid runuser -u "${RUN_USER}" -- env \
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
      -Ecluster.routing.allocation.disk.threshold_enabled=false \
      >>"${STDOUT_LOG}" 2>&1 </dev/null 9>&- &
    launcher_pid=$!
  else
    log "process $(running_pid) is running; waiting for it to answer"
  fi

  local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until is_healthy; do
    if ((SECONDS >= deadline)); then
      echo "[opensearch] did not become healthy within ${START_TIMEOUT_SECONDS}s" >&2
      print_log_tail
      exit 1
    fi
    # The pid file is empty until the JVM writes it, so also watch the launcher we started.
    if { [[ -n "${launcher_pid}" ]] && ! kill -0 "${launcher_pid}" 2>/dev/null; } ||
      { [[ -s "${PID_FILE}" ]] && ! running_pid >/dev/null; }; then
      echo "[opensearch] process exited during startup" >&2
      print_log_tail
      exit 1
    fi
    sleep 2
  done
  log "ready at ${URL} ($(cluster_status))"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "${PID_FILE}"
    if is_healthy; then
      echo "[opensearch] something answers on ${URL} but was not started by this script; leaving it" >&2
      exit 1
    fi
    log "not running"
    return 0
  fi
  log "stopping pid ${pid}"
  kill -TERM "${pid}"
  local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "pid ${pid} still alive after ${STOP_TIMEOUT_SECONDS}s; sending KILL"
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 1
  done
  rm -f "${PID_FILE}"
  log "stopped"
}

status() {
  if is_healthy; then
    log "running at ${URL} ($(cluster_status)), version ${VERSION}"
    return 0
  fi
  log "not answering at ${URL}"
  return 1
}

main() {
  local command="${1:-}"
  case "${command}" in
    start | stop)
      mkdir -p "${BASE}"
      # Serializes concurrent start/stop calls (services:up and npm test may race). The node
      # is started with fd 9 closed so it does not hold the lock while it runs.
      exec 9>"${LOCK_FILE}"
      flock 9
      "${command}"
      ;;
    status) status ;;
    *)
      echo "usage: $0 start|stop|status" >&2
      exit 2
      ;;
  esac
}

main "$@"
