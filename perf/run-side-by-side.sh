#!/usr/bin/env bash
# Measures Busbar and Mosquitto side by side on this machine, one scenario after the other against
# each broker, and appends the tables (with the command, date and machine) to perf/RESULTS.md.
#
#   perf/run-side-by-side.sh [bench options…]
#   perf/run-side-by-side.sh --duration 5 --scenario qos1-fanin,latency
#
# Bench options (java -cp hub/target/busbar.jar io.busbar.perf.Bench --help): --duration, --scenario,
# --publishers, --subscribers, --rate, --fanout-rate, --connections, --payload, --window, --warmup.
# Nothing is pinned: generator and both brokers share the machine's cores.
#
# PAUSE_DAMON=1 turns the kernel's DAMON monitors (/sys/kernel/mm/damon/admin/kdamonds/*) off for
# the run and back on after it (needs root). On this VM a kdamond samples all physical memory every
# 500 ms for proactive reclaim; it stalls each process in proportion to its resident memory, which
# is why conf/jvm.options keeps Busbar's heap small (see perf/RESULTS.md). The state is recorded.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/hub/target/busbar.jar"
results="$root/perf/RESULTS.md"
command_line="perf/run-side-by-side.sh${*:+ $*}"
mosquitto_bin="${MOSQUITTO:-/usr/sbin/mosquitto}"

[ -x "$mosquitto_bin" ] || { echo "run-side-by-side: $mosquitto_bin is missing (apt-get install mosquitto)" >&2; exit 1; }

stale() {
  [ ! -f "$jar" ] && return 0
  [ -n "$(cd "$root" && find pom.xml codecs security verticles perf hub -newer "$jar" -type f \
      \( -name pom.xml -o -path '*/src/main/*' \) -print -quit 2>/dev/null)" ]
}
if stale; then
  echo "run-side-by-side: building hub/target/busbar.jar…" >&2
  (cd "$root" && mvn -B -q -o -DskipTests package -pl hub -am) >&2
fi

work="$(mktemp -d -t busbar-bench.XXXXXX)"
mosquitto_pid=""
busbar_pid=""
cleanup() {
  # only the two brokers this script started, by their pids
  [ -n "$busbar_pid" ] && kill "$busbar_pid" 2>/dev/null && wait "$busbar_pid" 2>/dev/null || true
  [ -n "$mosquitto_pid" ] && kill "$mosquitto_pid" 2>/dev/null && wait "$mosquitto_pid" 2>/dev/null || true
  rm -rf "$work"
  for f in "${damon_paused[@]}"; do echo on > "$f" || true; done
}
trap cleanup EXIT

damon_paused=()
damon_state() {
  local states
  states="$(cat /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null | paste -sd, -)"
  echo "${states:-none}"
}
if [ "${PAUSE_DAMON:-0}" = 1 ]; then
  for f in /sys/kernel/mm/damon/admin/kdamonds/*/state; do
    [ -f "$f" ] && [ "$(cat "$f")" = on ] || continue
    echo off > "$f" || { echo "run-side-by-side: cannot write $f (PAUSE_DAMON needs root)" >&2; exit 1; }
    damon_paused+=("$f")
  done
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port, pid, what, log
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "run-side-by-side: $3 exited, log:" >&2; cat "$4" >&2; exit 1; }
    sleep 0.1
  done
  echo "run-side-by-side: $3 did not listen on $1 within 60 s" >&2; cat "$4" >&2; exit 1
}

# Mosquitto: loopback only, anonymous, no persistence, queues large enough not to drop in a run,
# TCP_NODELAY like Busbar (Vert.x sets it by default) so latency compares the brokers, not Nagle,
# and the same outgoing QoS 1 window as Busbar gives an MQTT 3.1.1 client (65535; Mosquitto's
# default of 20 would throttle the single QoS 1 subscriber of the fan-in scenarios).
mosquitto_port="$(free_port)"
cat > "$work/mosquitto.conf" <<CONF
listener $mosquitto_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_queued_bytes 0
max_inflight_messages 65535
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mosquitto_pid=$!
wait_for_port "$mosquitto_port" "$mosquitto_pid" mosquitto "$work/mosquitto.log"

# Busbar: one node with a fresh data directory, started by ./busbar with the JVM flags of
# conf/jvm.options (then BUSBAR_JAVA_OPTS, which may override them). The per-source CONNECT rate
# limit (security.rate-limit.connects-per-second, burst 1000) is turned off: every connection of
# the bench comes from 127.0.0.1, and the storm measures the cost of a CONNECT, not that limit
# (Mosquitto has none).
busbar_port="$(free_port)"
http_port="$(free_port)"
BUSBAR_SECURITY_RATE_LIMIT_CONNECTS_PER_SECOND=0 \
JAVA_OPTS="${BUSBAR_JAVA_OPTS:-}" "$root/busbar" run --mqtt-port "$busbar_port" --http-port "$http_port" \
  --data-dir "$work/busbar" > "$work/busbar.log" 2>&1 &
busbar_pid=$!
wait_for_port "$busbar_port" "$busbar_pid" busbar "$work/busbar.log"

# an application token: 'app' may publish and subscribe anywhere in its tenant (bench/…)
java -jar "$jar" token --device bench --role app --data-dir "$work/busbar" > "$work/token" 2>"$work/token.err" \
  || { cat "$work/token.err" >&2; exit 1; }

started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
damon_during="$(damon_state)"
echo "run-side-by-side: busbar on $busbar_port (pid $busbar_pid), mosquitto on $mosquitto_port (pid $mosquitto_pid)" >&2

# 10 s warm-up per scenario kind and broker (and a storm): Busbar's JIT compiler is still busy after
# 3 s (its compiler threads count in the broker CPU time), Mosquitto needs none
java -cp "$jar" io.busbar.perf.Bench \
  --target "busbar=127.0.0.1:$busbar_port" --target "mosquitto=127.0.0.1:$mosquitto_port" \
  --pid "busbar=$busbar_pid" --pid "mosquitto=$mosquitto_pid" \
  --username bench --password-file "$work/token" \
  --duration 8 --warmup 10 "$@" > "$work/report.md"

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
busbar_rss="$(ps -o rss= -p "$busbar_pid" 2>/dev/null | tr -d ' ' || echo '?')"
mosquitto_rss="$(ps -o rss= -p "$mosquitto_pid" 2>/dev/null | tr -d ' ' || echo '?')"
busbar_alive=yes; kill -0 "$busbar_pid" 2>/dev/null || busbar_alive="NO (exited during the run)"
mosquitto_alive=yes; kill -0 "$mosquitto_pid" 2>/dev/null || mosquitto_alive="NO (exited during the run)"
busbar_problems="$(grep -cE 'WARN|ERROR|Exception' "$work/busbar.log" || true)"

{
  echo
  echo "## Run of $started"
  echo
  echo "- Command: \`$command_line\` (commit \`$(cd "$root" && git rev-parse --short HEAD)\`$(cd "$root" && git diff --quiet HEAD -- . ':!perf/RESULTS.md' || echo ', with uncommitted changes'))"
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared by the generator and both brokers, nothing pinned; load average before $load_before, after $load_after (other jobs ran on this machine); kernel DAMON monitors during the run: $damon_during${PAUSE_DAMON:+ (PAUSE_DAMON=$PAUSE_DAMON)}"
  echo "- Java: $(java -version 2>&1 | head -1); Mosquitto: $("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/mosquitto version //') with \`max_queued_messages 1000000\`, \`max_inflight_messages 65535\`, \`set_tcp_nodelay true\`, persistence off"
  echo "- Busbar: \`./busbar run\`, JVM flags: conf/jvm.options${BUSBAR_JAVA_OPTS:+ then $BUSBAR_JAVA_OPTS}, fresh data dir, per-source connect rate limit off; resident memory at the end $busbar_rss KiB (Mosquitto $mosquitto_rss KiB); still running at the end: busbar $busbar_alive, mosquitto $mosquitto_alive; WARN/ERROR lines in its log: $busbar_problems"
  echo
  cat "$work/report.md"
} >> "$results"

if [ "$busbar_problems" != "0" ]; then
  echo "run-side-by-side: first Busbar log problems:" >&2
  grep -E 'WARN|ERROR|Exception' "$work/busbar.log" | head -5 >&2
fi
echo "run-side-by-side: appended to $results" >&2
