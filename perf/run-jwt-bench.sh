#!/usr/bin/env bash
# CPU cost of one JWT validation (JMH): io.busbar.security.jmh.JwtValidationBenchmark from the
# security module's test classes, ES256, RS256, PS256 and EdDSA through MultiIssuerAuthenticator
# with a static-key issuer, plus the cache-hit paths. Prints JMH's table; nothing is appended.
#
#   perf/run-jwt-bench.sh [JMH options…]      e.g. perf/run-jwt-bench.sh -p alg=ES256 '.*verify'
#
# Short settings for a shared 2-core machine: one fork, 3 × 2 s warm-up, 5 × 2 s measurement;
# JWT_BENCH_SETTINGS replaces them (e.g. JWT_BENCH_SETTINGS='-f 1 -wi 1 -w 1s -i 1 -r 1s').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d -t busbar-jmh.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# test classes (the JMH annotation processor writes META-INF/BenchmarkList there); no tests run
# in one reactor build, so that codecs resolves to its fresh target/classes, not a jar in ~/.m2;
# each module writes the file, security (built last) wins
mvn -B -o -q -pl security -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/cp.txt" >&2
cp="$root/security/target/test-classes:$root/security/target/classes:$(cat "$work/cp.txt")"

# shellcheck disable=SC2086 # the settings are several words
exec java -cp "$cp" org.openjdk.jmh.Main ${JWT_BENCH_SETTINGS:--f 1 -wi 3 -w 2s -i 5 -r 2s} \
  "${@:-io.busbar.security.jmh.JwtValidationBenchmark}"
