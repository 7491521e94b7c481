/**
 * JMH benchmarks of the security hot paths (JWT validation), in test sources so that the production
 * jar carries no JMH; run by {@code perf/run-jwt-bench.sh}, never by {@code mvn verify}. The
 * benchmark threads are JMH's.
 */
package io.busbar.security.jmh;
