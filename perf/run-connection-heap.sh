#!/usr/bin/env bash
# Live heap per idle MQTT connection on one Busbar node: `jmap -histo:live` (a full collection, then
# the live objects) before and while HoldConnections holds N idle 3.1.1 connections, each with the
# same app token; prints the difference per connection and the node's resident memory, and appends
# a section to perf/RESULTS.md.
#
#   perf/run-connection-heap.sh [--connections N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/hub/target/busbar.jar"
results="$root/perf/RESULTS.md"
command_line="perf/run-connection-heap.sh${*:+ $*}"

connections=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    *) echo "run-connection-heap: unknown option $1 (known: --connections N)" >&2; exit 2 ;;
  esac
done
command -v jmap >/dev/null || { echo "run-connection-heap: jmap (a JDK) is needed" >&2; exit 1; }
ulimit -n $((connections * 2 + 1000)) 2>/dev/null || true

work="$(mktemp -d -t busbar-heap.XXXXXX)"
busbar_pid=""
hold_pid=""
cleanup() {
  [ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null || true
  [ -n "$busbar_pid" ] && kill "$busbar_pid" 2>/dev/null && wait "$busbar_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

mqtt_port="$(free_port)"
http_port="$(free_port)"
# ./busbar builds the jar when it is missing or older than the sources
BUSBAR_SECURITY_RATE_LIMIT_CONNECTS_PER_SECOND=0 \
JAVA_OPTS="${BUSBAR_JAVA_OPTS:-}" "$root/busbar" run --mqtt-port "$mqtt_port" \
  --http-port "$http_port" --data-dir "$work/busbar" > "$work/busbar.log" 2>&1 &
busbar_pid=$!
for _ in $(seq 1 3000); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null; then break; fi
  kill -0 "$busbar_pid" 2>/dev/null || { echo "run-connection-heap: busbar exited, log:" >&2; cat "$work/busbar.log" >&2; exit 1; }
  sleep 0.1
done
# the launcher execs java: the node's pid is the launcher's
java -jar "$jar" token --device bench --role app --data-dir "$work/busbar" > "$work/token.txt"

live_bytes() { jmap -histo:live "$busbar_pid" | awk '$1 == "Total" { print $3 }'; }
resident_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$busbar_pid/status"; }

before="$(live_bytes)"
rss_before="$(resident_kib)"
java -cp "$jar" io.busbar.perf.HoldConnections --port "$mqtt_port" --password-file "$work/token.txt" \
  --connections "$connections" > "$work/hold.out" 2>&1 &
hold_pid=$!
until grep -q '^held ' "$work/hold.out"; do
  kill -0 "$hold_pid" 2>/dev/null || { echo "run-connection-heap: the holder exited:" >&2; cat "$work/hold.out" >&2; exit 1; }
  sleep 0.5
done
held="$(awk '/^held / { print $2 }' "$work/hold.out")"
failed="$(awk '/^held / { print $4 }' "$work/hold.out")"
sleep 2
after="$(live_bytes)"
rss_after="$(resident_kib)"
per="$(( (after - before) / (held > 0 ? held : 1) ))"

section="$(cat <<MD

## Connection heap, run of $(date -u '+%Y-%m-%d %H:%M:%S UTC')

- Command: \`$command_line\` (commit \`$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)\`)
- Busbar: \`./busbar run\`, JVM flags: conf/jvm.options${BUSBAR_JAVA_OPTS:+ then $BUSBAR_JAVA_OPTS}; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)

| figure | value |
|---|---:|
| idle 3.1.1 connections held (refused) | $held ($failed) |
| live heap before, bytes | $before |
| live heap while held, bytes | $after |
| **live heap per connection, bytes** ↓ | **$per** |
| resident before → while held, KiB | $rss_before → $rss_after |
MD
)"
echo "$section"
echo "$section" >> "$results"
echo "run-connection-heap: appended to $results" >&2
