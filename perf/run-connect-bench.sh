#!/usr/bin/env bash
# Connects per second with JWT validation against one Busbar node: the bench's connect-storm
# scenario with ES256 tokens (the node's development issuer) and RS256 tokens (a bench issuer with a
# static RSA public key in a temporary config), each with DISTINCT tokens per CONNECT (every one a
# signature verification) and with one SAME token (cache hits after the first). Appends a section
# to perf/RESULTS.md with the command, date, machine load, connects/s and broker CPU per connect.
#
#   perf/run-connect-bench.sh [--connections N] [--concurrency N]
#
# The storm makes an unrecorded pass of N CONNECTs, then the measured pass of N; the distinct runs
# mint 2 × N tokens so that no token is ever sent twice. The per-source connect limit is off (every
# connection comes from 127.0.0.1); the MQTT token cache (mqtt.token-cache) keeps its default.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/hub/target/busbar.jar"
results="$root/perf/RESULTS.md"
command_line="perf/run-connect-bench.sh${*:+ $*}"

connections=3000
concurrency=100
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    *) echo "run-connect-bench: unknown option $1 (known: --connections N, --concurrency N)" >&2; exit 2 ;;
  esac
done

stale() {
  [ ! -f "$jar" ] && return 0
  [ -n "$(cd "$root" && find pom.xml codecs security verticles perf hub -newer "$jar" -type f \
      \( -name pom.xml -o -path '*/src/main/*' \) -print -quit 2>/dev/null)" ]
}
if stale; then
  echo "run-connect-bench: building hub/target/busbar.jar…" >&2
  (cd "$root" && mvn -B -q -o -DskipTests package -pl hub -am) >&2
fi
command -v openssl >/dev/null || { echo "run-connect-bench: openssl is needed for the RSA key" >&2; exit 1; }

work="$(mktemp -d -t busbar-connect.XXXXXX)"
busbar_pid=""
cleanup() {
  # only the node this script started, by its pid
  [ -n "$busbar_pid" ] && kill "$busbar_pid" 2>/dev/null && wait "$busbar_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# the RS256 bench issuer: a fresh 2048-bit key, its public half in an issuers entry
rsa_issuer="busbar-bench-rs256"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null
openssl pkey -in "$work/rsa.pem" -pubout -out "$work/rsa.pub.pem"
cat > "$work/busbar.yaml" <<CONF
issuers:
  bench-rs256:
    iss: $rsa_issuer
    public-key-pem: $work/rsa.pub.pem
    algorithms: [RS256]
CONF

busbar_port="$(free_port)"
http_port="$(free_port)"
BUSBAR_SECURITY_RATE_LIMIT_CONNECTS_PER_SECOND=0 \
JAVA_OPTS="${BUSBAR_JAVA_OPTS:-}" "$root/busbar" run --config "$work/busbar.yaml" --mqtt-port "$busbar_port" \
  --http-port "$http_port" --data-dir "$work/busbar" > "$work/busbar.log" 2>&1 &
busbar_pid=$!
for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$busbar_port") 2>/dev/null; then break; fi
  kill -0 "$busbar_pid" 2>/dev/null || { echo "run-connect-bench: busbar exited, log:" >&2; cat "$work/busbar.log" >&2; exit 1; }
  sleep 0.1
done

# tokens: sub 'bench' (the CONNECT user name), role app, tenant default; each with its own jti
tokens=$((2 * connections))
echo "run-connect-bench: minting $tokens ES256 and $tokens RS256 tokens…" >&2
java -jar "$jar" token --device bench --role app --data-dir "$work/busbar" --count "$tokens" > "$work/es256-distinct.txt"
java -jar "$jar" token --device bench --role app --key "$work/rsa.pem" --alg RS256 \
  --issuer "$rsa_issuer" --count "$tokens" > "$work/rs256-distinct.txt"
head -1 "$work/es256-distinct.txt" > "$work/es256-same.txt"
head -1 "$work/rs256-distinct.txt" > "$work/rs256-same.txt"

started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
summary="$work/summary.md"
details="$work/details.md"
: > "$details"
{
  echo "| case | connects/s ↑ | connected | failed | connect p50 ms | connect p99 ms | broker CPU s | broker CPU µs per connect ↓ | load average before |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
} > "$summary"

cell() { # report, figure → the broker column of that row (the figure name, then a space)
  awk -F'|' -v f="$2" 'substr($2, 1, length(f) + 2) == " " f " " { v=$3; gsub(/[ ,]/, "", v); print v; exit }' "$1"
}

for case in es256-distinct es256-same rs256-distinct rs256-same; do
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "run-connect-bench: $case (load $load)…" >&2
  java -cp "$jar" io.busbar.perf.Bench --target "$case=127.0.0.1:$busbar_port" --pid "$case=$busbar_pid" \
    --username bench --token-file "$work/$case.txt" --scenario connect-storm \
    --connections "$connections" --concurrency "$concurrency" > "$work/$case.md"
  rate="$(cell "$work/$case.md" 'connects/s')"
  ok="$(cell "$work/$case.md" connected)"
  failed="$(cell "$work/$case.md" failed)"
  p50="$(cell "$work/$case.md" 'connect p50 ms')"
  p99="$(cell "$work/$case.md" 'connect p99 ms')"
  cpu="$(cell "$work/$case.md" 'broker CPU s')"
  per="$(awk -v c="$cpu" -v n="$ok" 'BEGIN { if (n > 0 && c != "") printf "%.0f", c * 1e6 / n; else print "—" }')"
  echo "| $case | $rate | $ok | $failed | $p50 | $p99 | $cpu | $per | $load |" >> "$summary"
  { echo "##### $case"; echo; sed 's/^#### /**/; s/(`connect-storm`)$/(`connect-storm`)**/' "$work/$case.md"; } >> "$details"
  sleep 2
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
busbar_alive=yes; kill -0 "$busbar_pid" 2>/dev/null || busbar_alive="NO (exited during the run)"
busbar_problems="$(grep -cE 'WARN|ERROR|Exception' "$work/busbar.log" || true)"
{
  echo
  echo "## JWT connect storm, $started"
  echo
  echo "- Command: \`$command_line\` (commit \`$(cd "$root" && git rev-parse --short HEAD)\`$(cd "$root" && git diff --quiet HEAD -- . ':!perf/RESULTS.md' || echo ', with uncommitted changes'))"
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared by the generator, the node and other builders' jobs, nothing pinned; load average per case below, $load_after after the last"
  echo "- Java: $(java -version 2>&1 | head -1); node: \`busbar.jar run\`, default JVM flags, fresh data dir, per-source connect limit off, \`mqtt.token-cache\` at its default (30 s); still running at the end: $busbar_alive; WARN/ERROR lines in its log: $busbar_problems"
  echo "- Storm: $connections clean-session MQTT 3.1.1 CONNECTs (user name \`bench\`, the token as password), $concurrency outstanding, after an unrecorded pass of $connections; *distinct*: $tokens tokens, each sent once (a signature verification per CONNECT); *same*: one token (verified once, then MQTT token-cache hits). ES256: the node's development issuer (P-256); RS256: an \`issuers\` entry with a static 2048-bit RSA public key (\`busbar token --key … --alg RS256 --count N\`)"
  echo "- Broker CPU µs per connect = broker CPU s of the measured pass (from /proc, 10 ms ticks) / connected; it includes TCP accept, MQTT, session set-up and teardown, not only the token"
  echo
  cat "$summary"
  echo
  cat "$details"
} >> "$results"
cat "$summary" >&2
echo "run-connect-bench: appended to $results" >&2
