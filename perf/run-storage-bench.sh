#!/usr/bin/env bash
# Storage benchmark (issue 8): (a) sustained readings/s through MQTT → decode → embedded store of one
# node, (b) REST query latency over a store of 10 million readings. Appends a section (command, date,
# commit, machine, per-thread CPU of the node during ingest) to perf/RESULTS.md.
#
#   perf/run-storage-bench.sh [--duration S] [--devices N] [--window W] [--points P] [--repetitions R]
#
# (a) a fresh node; N device connections publish {"ts":…,"metrics":{"m0":…,…,"m9":…}} at QoS 1 to
#     devices/dev-N/telemetry with an 'app' token; readings accepted = PUBACKs × 10, stored = growth
#     of busbar_storage_events_written_total until it stops.
# (b) a second fresh data directory filled with DuckDB before the node starts (StoreBench load), then
#     a node on it and timed REST queries (StoreBench query).
# Nothing is pinned: the generator and the node share the machine's cores with whatever else runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/hub/target/busbar.jar"
results="$root/perf/RESULTS.md"
command_line="perf/run-storage-bench.sh${*:+ $*}"

duration=30; devices=50; window=100; points=10000000; repetitions=50
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --points) points="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    *) echo "run-storage-bench: unknown option $1" >&2; exit 2 ;;
  esac
done

stale() {
  [ ! -f "$jar" ] && return 0
  [ -n "$(cd "$root" && find pom.xml codecs security verticles perf hub -newer "$jar" -type f \
      \( -name pom.xml -o -path '*/src/main/*' \) -print -quit 2>/dev/null)" ]
}
if stale; then
  echo "run-storage-bench: building hub/target/busbar.jar…" >&2
  (cd "$root" && mvn -B -q -o -DskipTests package -pl hub -am) >&2
fi

work="$(mktemp -d -t busbar-storebench.XXXXXX)"
node_pid=""
stop_node() {
  # only the node this script started, by its pid
  if [ -n "$node_pid" ]; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
  fi
}
cleanup() { stop_node; rm -rf "$work"; }
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_node() { # data dir, log
  mqtt_port="$(free_port)"; http_port="$(free_port)"
  JAVA_OPTS="${BUSBAR_JAVA_OPTS:-}" "$root/busbar" run --mqtt-port "$mqtt_port" --http-port "$http_port" \
    --data-dir "$1" > "$2" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 1200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/ready" || true)" = 200 ] \
       && (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null; then
      return 0
    fi
    kill -0 "$node_pid" 2>/dev/null || { echo "run-storage-bench: node exited, log:" >&2; cat "$2" >&2; exit 1; }
    sleep 0.1
  done
  echo "run-storage-bench: node not ready within 120 s" >&2; cat "$2" >&2; exit 1
}

# per-thread CPU ticks of a process: "name ticks" lines, thread names as the kernel keeps them
thread_ticks() {
  for stat in /proc/"$1"/task/*/stat; do
    line="$(cat "$stat" 2>/dev/null)" || continue
    name="${line#*(}"; name="${name%)*}"
    rest="${line##*) }"
    set -- $rest
    echo "$(echo "$name" | sed 's/[0-9-]*$//' | tr ' ' '_') $(( ${12} + ${13} ))"
  done | awk '{t[$1]+=$2} END {for (n in t) print n, t[n]}' | LC_ALL=C sort
}

token() { # data dir
  java -jar "$jar" token --device bench --role app --data-dir "$1" 2>"$work/token.err" \
    || { cat "$work/token.err" >&2; exit 1; }
}

bench() { java -cp "$jar" io.busbar.perf.StoreBench "$@"; }

started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
t0=$SECONDS

# (a) ingest
start_node "$work/ingest" "$work/ingest.log"
token "$work/ingest" > "$work/ingest.token"
echo "run-storage-bench: (a) node pid $node_pid, mqtt $mqtt_port, http $http_port" >&2
thread_ticks "$node_pid" > "$work/threads.before"
bench ingest --mqtt "127.0.0.1:$mqtt_port" --http "http://127.0.0.1:$http_port" --pid "$node_pid" \
  --password-file "$work/ingest.token" --devices "$devices" --window "$window" --duration "$duration" \
  > "$work/ingest.md"
thread_ticks "$node_pid" > "$work/threads.after"
ingest_rss="$(ps -o rss= -p "$node_pid" | tr -d ' ')"
ingest_queue_full="$(curl -s "http://127.0.0.1:$http_port/metrics" | grep -E '^busbar_(storage|broker)_[a-z_]*(rejected|dropped|full|backpressure|retried)[a-z_]*' | awk '$NF != "0.0"' | head -8 || true)"
ingest_problems="$(grep -cE 'WARN|ERROR|Exception' "$work/ingest.log" || true)"
stop_node
load_mid="$(cut -d' ' -f1-3 /proc/loadavg)"

# (b) query latency over a pre-filled store
end_ms=$(( $(date +%s) / 3600 * 3600 * 1000 ))
echo "run-storage-bench: (b) filling $points readings…" >&2
bench load --data-dir "$work/query" --points "$points" --end "$end_ms" > "$work/load.md"
start_node "$work/query" "$work/query.log"
echo "run-storage-bench: (b) node pid $node_pid, http $http_port" >&2
token "$work/query" > "$work/query.token"
query_status=0
bench query --http "http://127.0.0.1:$http_port" --password-file "$work/query.token" \
  --points "$points" --end "$end_ms" --repetitions "$repetitions" > "$work/query.md" || query_status=$?
query_rss="$(ps -o rss= -p "$node_pid" | tr -d ' ')"
query_problems="$(grep -cE 'WARN|ERROR|Exception' "$work/query.log" || true)"
stop_node
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo
  echo "## Storage benchmark of $started"
  echo
  echo "- Command: \`$command_line\` (commit \`$(cd "$root" && git rev-parse --short HEAD)\`$(cd "$root" && git diff --quiet HEAD -- . ':!perf/RESULTS.md' || echo ', with uncommitted changes')), $(( SECONDS - t0 )) s in all"
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared by the generator, the node and other jobs, nothing pinned; load average before $load_before, between (a) and (b) $load_mid, after $load_after"
  echo "- Java: $(java -version 2>&1 | head -1); node: \`busbar.jar run\`, default JVM flags and conf/busbar.yaml (storage queue 100000, batch 5000, flush 200 ms, ack-on-commit false), fresh data dir per part; resident memory at the end of (a) $ingest_rss KiB, of (b) $query_rss KiB; WARN/ERROR lines in the node log: (a) $ingest_problems, (b) $query_problems"
  echo
  cat "$work/ingest.md"
  echo "Node CPU by thread during (a) (warm-up included; /proc/PID/task, CPU seconds, threads of one name summed):"
  echo
  echo '```'
  LC_ALL=C join -a2 -e0 -o 0,1.2,2.2 "$work/threads.before" "$work/threads.after" \
    | awk '{d=($3-$2)/100; if (d >= 0.5) printf "%8.1f  %s\n", d, $1}' | sort -rn
  echo '```'
  if [ -n "$ingest_queue_full" ]; then
    echo
    echo "Back-pressure / drop counters that were not zero at the end of (a):"
    echo
    echo '```'
    echo "$ingest_queue_full"
    echo '```'
  fi
  echo
  cat "$work/load.md"
  cat "$work/query.md"
  [ "$query_status" = 0 ] || echo "Some queries FAILED (exit $query_status); see the failures column."
} >> "$results"

for log in ingest query; do
  if grep -qE 'WARN|ERROR|Exception' "$work/$log.log"; then
    echo "run-storage-bench: first problems in the ($log) node log:" >&2
    grep -E 'WARN|ERROR|Exception' "$work/$log.log" | head -5 >&2
  fi
done
echo "run-storage-bench: appended to $results" >&2
