#!/usr/bin/env bash
# The floor of a CONNECT's cost: the bench's connection storm against Busbar, Mosquitto and three
# servers that accept every CONNECT and do nothing else (io.busbar.perf.bench.ConnectFloor:
# vertx-mqtt's server, a Vert.x NetServer answering fixed bytes, Netty with its MQTT codec on
# Vert.x's event loop), one after the other in one run, repeated. Appends the tables to
# perf/RESULTS.md with the command. CPU-second ratios are the figure to read on a shared machine.
#
#   perf/run-connect-floor.sh [--reps N] [--connections N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/hub/target/busbar.jar"
results="$root/perf/RESULTS.md"
command_line="perf/run-connect-floor.sh${*:+ $*}"
reps=4
connections=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "run-connect-floor: unknown option $1 (known: --reps N, --connections N)" >&2; exit 2 ;;
  esac
done
[ -x /usr/sbin/mosquitto ] || { echo "run-connect-floor: mosquitto is missing (apt-get install mosquitto)" >&2; exit 1; }
if [ ! -f "$jar" ] || [ -n "$(cd "$root" && find pom.xml codecs security verticles perf hub -newer "$jar" -type f \
    \( -name pom.xml -o -path '*/src/main/*' \) -print -quit 2>/dev/null)" ]; then
  echo "run-connect-floor: building hub/target/busbar.jar…" >&2
  (cd "$root" && mvn -B -q -o -DskipTests package -pl hub -am) >&2
fi

work="$(mktemp -d -t busbar-floor.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for_port() {
  for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "run-connect-floor: nothing listens on $1" >&2; exit 1
}

targets=()
start() { # name, port, command…
  local name="$1" port="$2"; shift 2
  "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  wait_for_port "$port"
  targets+=(--target "$name=127.0.0.1:$port" --pid "$name=$!")
}
port="$(free_port)"; http="$(free_port)"
start busbar "$port" env BUSBAR_SECURITY_RATE_LIMIT_CONNECTS_PER_SECOND=0 \
  java -jar "$jar" run --mqtt-port "$port" --http-port "$http" --data-dir "$work/busbar"
java -jar "$jar" token --device bench --role app --data-dir "$work/busbar" > "$work/token" 2>/dev/null
port="$(free_port)"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n' "$port" > "$work/mosquitto.conf"
start mosquitto "$port" /usr/sbin/mosquitto -c "$work/mosquitto.conf"
for floor in netty vertx-net vertx-mqtt; do
  port="$(free_port)"
  start "$floor" "$port" java -cp "$jar" io.busbar.perf.bench.ConnectFloor "$floor" "$port"
done

started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo
  echo "## Connect floor, run of $started"
  echo
  echo "- Command: \`$command_line\` (commit \`$(cd "$root" && git rev-parse --short HEAD)\`$(cd "$root" && git diff --quiet HEAD -- . ':!perf/RESULTS.md' || echo ', with uncommitted changes'))"
  echo "- Machine: $(nproc) cores, load average before $load_before; each repetition runs the storm (an unrecorded pass, then the measured pass of $connections CONNECTs) against every server in turn; the last column compares the first two"
  echo
} > "$work/section.md"
for r in $(seq 1 "$reps"); do
  java -cp "$jar" io.busbar.perf.Bench "${targets[@]}" --username bench --password-file "$work/token" \
    --scenario connect-storm --connections "$connections" > "$work/r.md" 2> "$work/r.err" \
    || { cat "$work/r.err" >&2; exit 1; }
  { echo "Repetition $r:"; echo; grep -E '^(\| (figure|connects\/s|failed|broker CPU s|per broker CPU-second)|\|---)' "$work/r.md"; echo; } >> "$work/section.md"
done
cat "$work/section.md" >> "$results"
cat "$work/section.md"
echo "run-connect-floor: appended to $results" >&2
