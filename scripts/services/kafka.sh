#!/usr/bin/env bash
# Apache Kafka for local development and tests: one KRaft node that is broker and controller at
# once, PLAINTEXT on 127.0.0.1:9092 (controller on 127.0.0.1:9093), run from the Maven Central
# jars (no tarball download). The version is one Amazon MSK offers (3.9.x), pinned in
# scripts/services/kafka/pom.xml. Topics are not auto-created: scripts/services/create-topics.ts
# creates the manifest's topics, so a typo in a topic name fails like it would on MSK.
#
#   bash scripts/services/kafka.sh start|stop|status
#
# Everything lives under .local/kafka: lib/ (jars), config/, data/ (log dirs, formatted once),
# kafka.log (JVM stdout/stderr) and server.log (broker log4j output).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POM="$ROOT/scripts/services/kafka/pom.xml"
STATE_DIR="$ROOT/.local/kafka"
LIB_DIR="$STATE_DIR/lib"
CONFIG_DIR="$STATE_DIR/config"
DATA_DIR="$STATE_DIR/data"
PID_FILE="$STATE_DIR/kafka.pid"
LOG_FILE="$STATE_DIR/kafka.log"
SERVER_LOG="$STATE_DIR/server.log"
LOCK_FILE="$STATE_DIR/.lock"
HOST=127.0.0.1
PORT=9092
CONTROLLER_PORT=9093
TIMEOUT_SECONDS=90
JAVA_OPTS=(-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true)

# True when the broker answers a Metadata request (v4, no topics) with at least one broker.
# Spoken over bash's /dev/tcp so status costs no JVM start-up. Request: size, api key 3,
# version 4, correlation id "EVL1", client id "probe", topics [] and allow_auto_topic_creation=false.
answers() {
  local fd hex
  # The group scopes the stderr redirection (a bare `exec ... 2>/dev/null` would keep it).
  { exec {fd}<>"/dev/tcp/$HOST/$PORT"; } 2>/dev/null || return 1
  printf '\x00\x00\x00\x14\x00\x03\x00\x04EVL1\x00\x05probe\x00\x00\x00\x00\x00' >&"$fd" 2>/dev/null || {
    exec {fd}>&-
    return 1
  }
  # Response: size, correlation id, throttle_time_ms, broker count.
  hex="$(timeout 5 head -c 16 <&"$fd" 2>/dev/null | od -An -tx1 | tr -d ' \n')" || true
  exec {fd}>&-
  [ "${#hex}" -eq 32 ] && [ "${hex:8:8}" = "45564c31" ] && [ $((16#${hex:24:8})) -ge 1 ]
}

# The pid in the pid file, if that process is still our broker (pids get reused).
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG_DIR/server.properties" || return 1
  echo "$pid"
}

show_log_tail() {
  local file
  for file in "$LOG_FILE" "$SERVER_LOG"; do
    if [ -f "$file" ]; then
      echo "--- last lines of $file" >&2
      tail -n 40 "$file" >&2
    fi
  done
}

# Fetches the jars once per pom content: a changed version in the pom fetches again.
fetch_jars() {
  local stamp
  stamp="$(sha256sum "$POM" | cut -c1-16)"
  if [ -f "$LIB_DIR/.fetched-$stamp" ]; then
    return 0
  fi
  if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    echo "kafka: needs java (17+) and mvn on PATH" >&2
    exit 1
  fi
  echo "kafka: fetching the Kafka jars from Maven Central into $LIB_DIR"
  rm -rf "$LIB_DIR"
  mkdir -p "$LIB_DIR"
  # Maven's own cache goes under .local too: every download of the project lives in one folder.
  if ! mvn -q -B -Dmaven.repo.local="$ROOT/.local/m2" -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB_DIR" \
    >"$STATE_DIR/fetch.log" 2>&1; then
    echo "kafka: fetching the jars failed" >&2
    tail -n 40 "$STATE_DIR/fetch.log" >&2
    exit 1
  fi
  touch "$LIB_DIR/.fetched-$stamp"
}

write_config() {
  mkdir -p "$CONFIG_DIR"
  cat >"$CONFIG_DIR/server.properties" <<EOF
# Written by scripts/services/kafka.sh; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
# Like MSK with a declared topic list: producing to an undeclared topic fails.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
# A single local consumer per group should not wait 3 s for others to join.
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=104857600
EOF
  cat >"$CONFIG_DIR/log4j.properties" <<EOF
# Written by scripts/services/kafka.sh. One rolling file instead of the distribution's six.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$SERVER_LOG
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
}

run_java() {
  java "${JAVA_OPTS[@]}" -Dlog4j.configuration="file:$CONFIG_DIR/log4j.properties" -cp "$LIB_DIR/*" "$@"
}

# KRaft storage is formatted exactly once; meta.properties marks a formatted log dir.
format_storage() {
  if [ -f "$DATA_DIR/meta.properties" ]; then
    return 0
  fi
  mkdir -p "$DATA_DIR"
  local cluster_id
  cluster_id="$(run_java kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
  echo "kafka: formatting $DATA_DIR (cluster id $cluster_id)"
  if ! run_java kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_DIR/server.properties" >>"$LOG_FILE" 2>&1; then
    echo "kafka: formatting the storage failed" >&2
    show_log_tail
    exit 1
  fi
}

start() {
  if answers; then
    echo "kafka: up at $HOST:$PORT"
    return 0
  fi
  mkdir -p "$STATE_DIR"
  # Serializes concurrent starts (services:up and a test run at once): one launches, others wait.
  exec {lock}>"$LOCK_FILE"
  flock "$lock"
  if ! running_pid >/dev/null; then
    if answers; then
      echo "kafka: up at $HOST:$PORT"
      return 0
    fi
    fetch_jars
    write_config
    format_storage
    echo "kafka: starting Kafka (KRaft broker+controller) on $HOST:$PORT"
    # setsid detaches it from this shell's process group so it outlives the caller; the lock's
    # descriptor is closed for it, or the broker would hold the lock for its whole life.
    setsid java "${JAVA_OPTS[@]}" -Dlog4j.configuration="file:$CONFIG_DIR/log4j.properties" \
      -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_DIR/server.properties" >>"$LOG_FILE" 2>&1 </dev/null {lock}>&- &
    echo $! >"$PID_FILE"
  fi
  local waited=0
  until answers; do
    if ! running_pid >/dev/null; then
      echo "kafka: broker exited during start" >&2
      show_log_tail
      exit 1
    fi
    if [ "$waited" -ge $((TIMEOUT_SECONDS * 2)) ]; then
      echo "kafka: broker did not answer a metadata request within ${TIMEOUT_SECONDS}s" >&2
      show_log_tail
      exit 1
    fi
    sleep 0.5 # waited counts half seconds
    waited=$((waited + 1))
  done
  echo "kafka: up at $HOST:$PORT"
}

stop() {
  mkdir -p "$STATE_DIR"
  exec {lock}>"$LOCK_FILE"
  flock "$lock"
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    echo "kafka: not running (no live pid in $PID_FILE)"
    return 0
  fi
  echo "kafka: stopping (pid $pid)"
  # SIGTERM runs Kafka's shutdown hook: controlled shutdown, logs flushed, clean-shutdown marker.
  kill -TERM "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 60 ]; then
      echo "kafka: still running after 30s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  echo "kafka: stopped"
}

status() {
  if answers; then
    echo "kafka: up at $HOST:$PORT"
    return 0
  fi
  if running_pid >/dev/null; then
    echo "kafka: process running but not answering on $HOST:$PORT" >&2
  else
    echo "kafka: down" >&2
  fi
  return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
