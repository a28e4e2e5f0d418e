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

SERVICE=kafka
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
POM="$SERVICES_DIR/kafka/pom.xml"
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
STOP_TIMEOUT_SECONDS=30
UP_MESSAGE="up at $HOST:$PORT"
LOG_FILES=("$LOG_FILE" "$SERVER_LOG")
# A live pid counts only if it is our broker (pids get reused).
PID_CMDLINE="kafka.Kafka $CONFIG_DIR/server.properties"
JAVA=(java -Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Dlog4j.configuration="file:$CONFIG_DIR/log4j.properties" -cp "$LIB_DIR/*")

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

# Fetches the jars once per pom content: a changed version in the pom fetches again.
fetch_jars() {
  local stamp
  stamp="$(sha256sum "$POM" | cut -c1-16)"
  if [ -f "$LIB_DIR/.fetched-$stamp" ]; then
    return 0
  fi
  if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    warn "needs java (17+) and mvn on PATH"
    exit 1
  fi
  say "fetching the Kafka jars from Maven Central into $LIB_DIR"
  rm -rf "$LIB_DIR"
  mkdir -p "$LIB_DIR"
  # Maven's own cache goes under .local too: every download of the project lives in one folder.
  if ! mvn -q -B -Dmaven.repo.local="$ROOT/.local/m2" -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB_DIR" \
    >"$STATE_DIR/fetch.log" 2>&1; then
    LOG_FILES=("$STATE_DIR/fetch.log")
    fail "fetching the jars failed"
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
  "${JAVA[@]}" "$@"
}

# KRaft storage is formatted exactly once; meta.properties marks a formatted log dir.
format_storage() {
  if [ -f "$DATA_DIR/meta.properties" ]; then
    return 0
  fi
  mkdir -p "$DATA_DIR"
  local cluster_id
  cluster_id="$(run_java kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
  say "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! run_java kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_DIR/server.properties" >>"$LOG_FILE" 2>&1; then
    fail "formatting the storage failed"
  fi
}

launch_broker() {
  fetch_jars
  write_config
  format_storage
  say "starting Kafka (KRaft broker+controller) on $HOST:$PORT"
  launch "$LOG_FILE" "${JAVA[@]}" kafka.Kafka "$CONFIG_DIR/server.properties"
}

start() {
  start_detached launch_broker "$TIMEOUT_SECONDS" 0.5 "broker did not answer a metadata request" \
    "broker exited during start"
}

stop() {
  take_lock
  # SIGTERM runs Kafka's shutdown hook: controlled shutdown, logs flushed, clean-shutdown marker.
  stop_by_pid_file "$STOP_TIMEOUT_SECONDS"
}

status() {
  if answers; then
    say "$UP_MESSAGE"
    return 0
  fi
  if running_pid >/dev/null; then
    warn "process running but not answering on $HOST:$PORT"
  else
    warn "down"
  fi
  return 1
}

dispatch "$@"
