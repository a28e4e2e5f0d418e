# shellcheck shell=bash
# The shape every local service script shares, sourced (never run) by kafka.sh, opensearch.sh,
# ses.sh, mariadb.sh and redis.sh, so that each of them only says what is specific to it:
#
#   set -euo pipefail
#   SERVICE=name                        # starts every message: "name: ..."
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   HOST=... PORT=... LOG_FILES=(...)   # and, as its functions need: PID_FILE, LOCK_FILE, ...
#   answers() { ...; }                  # true when the service serves requests
#   start() { ...; } stop() { ...; } status() { ...; }
#   dispatch "$@"
#
# Sourcing it only sets the variables below and defines functions; it leaves the shell options
# to the script.

# The variables are for the scripts that source this file.
# shellcheck disable=SC2034
# Where this folder and the repository are, wherever the script was started from.
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SERVICES_DIR/../.." && pwd)"
# The logs whose last lines a failed start shows.
LOG_FILES=()
# Set when the script names a pid file its service may be found by.
PID_FILE=""
# When set, a live pid counts only if its command line matches this (grep) pattern.
PID_CMDLINE=""
# The pid of the process `launch` started last.
LAUNCHED_PID=""

say() { echo "$SERVICE: $*"; }
warn() { echo "$SERVICE: $*" >&2; }

# The last lines of every log in LOG_FILES (to stderr), so a failed start explains itself.
show_log_tail() {
  local file
  for file in "${LOG_FILES[@]}"; do
    if [ -f "$file" ]; then
      echo "--- last lines of $file" >&2
      tail -n 40 "$file" >&2
    else
      echo "--- no log at $file" >&2
    fi
  done
}

# fail MESSAGE: says what went wrong, shows the logs and exits 1.
fail() {
  warn "$*"
  show_log_tail
  exit 1
}

# The pid in PID_FILE, if that process is still alive and (with PID_CMDLINE) still ours: pids get
# reused. Fails otherwise.
running_pid() {
  [ -n "$PID_FILE" ] && [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -n "$PID_CMDLINE" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$PID_CMDLINE" || return 1
  fi
  echo "$pid"
}

# True while the service lives: the process this call launched, watched by its pid (for a moment
# after the fork its command line is still this shell's, which running_pid would not count), or
# else the one in PID_FILE.
process_alive() {
  if [ -n "$LAUNCHED_PID" ]; then
    kill -0 "$LAUNCHED_PID" 2>/dev/null
  else
    running_pid >/dev/null
  fi
}

# Holds LOCK_FILE until the script exits, waiting while another call holds it. It is fd 9, which
# `launch` closes for the service: a service holding the lock for its whole life would make the
# next start that finds it not answering wait forever.
take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock 9
}

# launch LOG COMMAND...: starts COMMAND in the background with its output appended to LOG and
# sets LAUNCHED_PID. setsid detaches it from this shell's process group so it outlives the caller.
launch() {
  local log="$1"
  shift
  setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
  LAUNCHED_PID=$!
}

# wait_until READY TIMEOUT POLL WHAT [ALIVE DIED]: runs the command READY every POLL seconds until
# it succeeds. Fails (see `fail`) with "WHAT within TIMEOUTs" once TIMEOUT seconds have passed, or
# with DIED as soon as the command ALIVE fails: a process that exited will not answer later.
wait_until() {
  local ready="$1" timeout="$2" poll="$3" what="$4" alive="${5:-}" died="${6:-}"
  local deadline=$((SECONDS + timeout))
  until "$ready"; do
    if [ -n "$alive" ] && ! "$alive"; then
      fail "$died"
    fi
    if ((SECONDS >= deadline)); then
      fail "$what within ${timeout}s"
    fi
    sleep "$poll"
  done
}

# start_detached LAUNCH TIMEOUT POLL WHAT DIED: the start of a process this project runs itself
# and finds by PID_FILE (Kafka, the SES emulator); says UP_MESSAGE once `answers` succeeds. The
# function LAUNCH prepares and `launch`es the process; it runs only when nothing answers and no
# live pid is on file. WHAT and DIED are as for wait_until.
start_detached() {
  local launch_fn="$1" timeout="$2" poll="$3" what="$4" died="$5"
  if answers; then
    say "$UP_MESSAGE"
    return 0
  fi
  # Serializes concurrent starts (services:up and a test run at once): one launches, others wait.
  take_lock
  if answers; then
    say "$UP_MESSAGE"
    return 0
  fi
  if ! running_pid >/dev/null; then
    "$launch_fn"
    echo "$LAUNCHED_PID" >"$PID_FILE"
  fi
  wait_until answers "$timeout" "$poll" "$what" process_alive "$died"
  say "$UP_MESSAGE"
}

# stop_by_pid_file GRACE: stops the process in PID_FILE with SIGTERM (the service's own clean
# shutdown) and, if it is still there after GRACE seconds, SIGKILL; then removes the pid file.
stop_by_pid_file() {
  local grace="$1" pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running (no live pid in $PID_FILE)"
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      warn "still running after ${grace}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  say "stopped"
}

# Machine services (MariaDB, Redis) are started before every session and CI relies on them: this
# project only checks them and, when one is down, starts it with LAUNCH (the machine's own
# command) and waits TIMEOUT seconds for it. `stop` leaves them running.
start_machine_service() {
  local launch_fn="$1" timeout="$2"
  if ! answers; then
    say "not answering on $HOST:$PORT, starting it"
    "$launch_fn"
    wait_until answers "$timeout" 1 "did not answer"
  fi
}

stop_machine_service() {
  say "machine service, left running (started before sessions; CI relies on it)"
}

# report_status UP DOWN: UP on stdout and status 0 when `answers` succeeds; else DOWN on stderr
# and status 1.
report_status() {
  if answers; then
    say "$1"
    return 0
  fi
  warn "$2"
  return 1
}

# dispatch "$@": runs the script's start, stop or status function; anything else is a usage error.
# `halt` really stops the service, for the fault tests (test/support/service-control.ts), which
# start it again: a script with a `halt` function (a machine service, whose `stop` leaves it
# running) runs that, any other its `stop`.
dispatch() {
  case "${1:-}" in
    start | stop | status) "$1" ;;
    halt)
      if declare -F halt >/dev/null; then
        halt
      else
        stop
      fi
      ;;
    *)
      echo "usage: $0 start|stop|status|halt" >&2
      exit 2
      ;;
  esac
}
