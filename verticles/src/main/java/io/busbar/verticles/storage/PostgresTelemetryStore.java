package io.busbar.verticles.storage;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Value;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL database behind the {@link PostgresStorageVerticle}: schema, batch writes and
 * queries, all through the non-blocking vertx-pg-client pool. Every method returns at once; the
 * futures complete on the calling verticle's context.
 *
 * <p>Tables: {@code telemetry} (raw readings; a TimescaleDB hypertable on {@code ts} when the
 * extension is installed or can be) and {@code dead_letters}, created if missing. Schema creation
 * holds a transaction-level advisory lock, so nodes starting at once do not race on it. Times are
 * {@code timestamptz} (microseconds, holding our millisecond values exactly).
 *
 * <p>Indexes: {@code telemetry (device, ts)} serves every query shape — the latest rows of a window
 * walk it backwards, buckets and latest-per-metric read one device's slice of it — and {@code
 * dead_letters (received_at)} the newest-first dead-letter query.
 *
 * <p>Every user-supplied value is a bind parameter; the SQL text is built from constants only.
 * Buckets use {@code date_bin} (PostgreSQL 14+) with the origin 2000-01-03T00:00Z of {@link
 * Bucket}, so bucket starts are the same as the DuckDB store's.
 */
final class PostgresTelemetryStore {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresTelemetryStore.class);

  /** Held while creating the schema: an arbitrary constant shared by every Busbar node. */
  private static final long SCHEMA_LOCK = 0x6275736261724c4bL;

  static final String TELEMETRY_DDL =
      """
      CREATE TABLE IF NOT EXISTS telemetry (
        tenant  text             NOT NULL,
        device  text             NOT NULL,
        metric  text             NOT NULL,
        ts      timestamptz      NOT NULL,
        num     double precision,
        txt     text,
        bool    boolean,
        quality text             NOT NULL,
        unit    text,
        topic   text             NOT NULL
      )""";

  static final String TELEMETRY_INDEX =
      "CREATE INDEX IF NOT EXISTS telemetry_device_ts ON telemetry (device, ts)";

  static final String DEAD_LETTERS_DDL =
      """
      CREATE TABLE IF NOT EXISTS dead_letters (
        tenant      text        NOT NULL,
        device      text        NOT NULL,
        topic       text        NOT NULL,
        reason      text        NOT NULL,
        payload     bytea       NOT NULL,
        received_at timestamptz NOT NULL
      )""";

  static final String DEAD_LETTERS_INDEX =
      "CREATE INDEX IF NOT EXISTS dead_letters_received_at ON dead_letters (received_at)";

  private static final String INSERT_TELEMETRY =
      "INSERT INTO telemetry (tenant, device, metric, ts, num, txt, bool, quality, unit, topic)"
          + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

  private static final String INSERT_DEAD_LETTER =
      "INSERT INTO dead_letters (tenant, device, topic, reason, payload, received_at)"
          + " VALUES ($1, $2, $3, $4, $5, $6)";

  private static final String ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

  private final Pool pool;
  private final boolean hypertable;

  private PostgresTelemetryStore(Pool pool, boolean hypertable) {
    this.pool = pool;
    this.hypertable = hypertable;
  }

  /**
   * Connects and creates the tables if missing.
   *
   * @return fails with the driver's exception if the database cannot be reached or the schema
   *     cannot be created (e.g. no CREATE privilege); the pool is closed then
   */
  static Future<PostgresTelemetryStore> open(Vertx vertx, PostgresStorageConfig config) {
    PgConnectOptions connect = PgConnectOptions.fromUri(config.url());
    // a bounded wait queue: beyond it a request fails at once instead of piling up
    PoolOptions options =
        new PoolOptions()
            .setMaxSize(config.poolSize())
            .setMaxWaitQueueSize(PostgresStorageVerticle.MAX_PENDING_QUERIES + 16)
            .setName("busbar-storage-pg");
    Pool pool = PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build();
    return timescale(pool)
        .compose(
            hyper ->
                pool.withTransaction(
                        conn ->
                            run(conn, "SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")")
                                .compose(v -> run(conn, TELEMETRY_DDL))
                                .compose(
                                    v ->
                                        hyper
                                            ? run(
                                                conn,
                                                "SELECT create_hypertable('telemetry', 'ts',"
                                                    + " if_not_exists => TRUE,"
                                                    + " migrate_data => TRUE)")
                                            : Future.succeededFuture())
                                .compose(v -> run(conn, TELEMETRY_INDEX))
                                .compose(v -> run(conn, DEAD_LETTERS_DDL))
                                .compose(v -> run(conn, DEAD_LETTERS_INDEX)))
                    .map(v -> new PostgresTelemetryStore(pool, hyper)))
        .recover(e -> pool.close().transform(closed -> Future.failedFuture(e)));
  }

  /**
   * Whether {@code telemetry} is to be a hypertable: TimescaleDB installed in the database, or
   * available and installable by this user. Otherwise plain PostgreSQL (the normal case).
   */
  private static Future<Boolean> timescale(Pool pool) {
    return pool.query(
            "SELECT installed_version FROM pg_available_extensions WHERE name = 'timescaledb'")
        .execute()
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture(false);
              }
              if (rows.iterator().next().getString(0) != null) {
                return Future.succeededFuture(true);
              }
              return pool.query("CREATE EXTENSION IF NOT EXISTS timescaledb")
                  .execute()
                  .map(true)
                  .recover(
                      e -> {
                        LOG.warn(
                            "TimescaleDB is available but could not be created ({}); using a"
                                + " plain telemetry table",
                            e.getMessage());
                        return Future.succeededFuture(false);
                      });
            });
  }

  private static Future<Void> run(SqlClient client, String sql) {
    return client.query(sql).execute().mapEmpty();
  }

  /** Whether {@code telemetry} is a TimescaleDB hypertable. */
  boolean hypertable() {
    return hypertable;
  }

  /**
   * Inserts the events and dead letters in one transaction: either all are stored or none. Events
   * whose timestamp is outside years 1 to 9999 are skipped (as in the DuckDB store).
   *
   * @return the number of events skipped; fails with the driver's exception, nothing written
   */
  Future<Integer> write(List<Event> events, List<DeadLetter> deadLetters) {
    List<Tuple> readings = new ArrayList<>(events.size());
    for (Event event : events) {
      if (!TelemetryQuery.inRange(event.timestamp())) {
        continue;
      }
      Value value = event.value();
      readings.add(
          Tuple.of(
              text(event.tenant()),
              text(event.deviceId()),
              text(event.metric()),
              utc(event.timestamp()),
              value instanceof Value.Numeric n ? n.value() : null,
              value instanceof Value.Text t ? text(t.value()) : null,
              value instanceof Value.Bool b ? b.value() : null,
              event.quality().name(),
              text(event.unit()),
              text(event.sourceTopic())));
    }
    List<Tuple> letters = new ArrayList<>(deadLetters.size());
    for (DeadLetter letter : deadLetters) {
      long receivedAt =
          TelemetryQuery.inRange(letter.receivedAt())
              ? letter.receivedAt()
              : System.currentTimeMillis();
      letters.add(
          Tuple.of(
              text(letter.tenant()),
              text(letter.deviceId()),
              text(letter.topic()),
              text(letter.reason()),
              Buffer.buffer(letter.payload() == null ? new byte[0] : letter.payload()),
              utc(receivedAt)));
    }
    int skipped = events.size() - readings.size();
    if (readings.isEmpty() && letters.isEmpty()) {
      return Future.succeededFuture(skipped);
    }
    return pool.withTransaction(
        conn -> {
          // executeBatch pipelines one Bind/Execute per row and a single Sync: one round trip
          Future<?> first =
              readings.isEmpty()
                  ? Future.succeededFuture()
                  : conn.preparedQuery(INSERT_TELEMETRY).executeBatch(readings);
          return first
              .compose(
                  v ->
                      letters.isEmpty()
                          ? Future.succeededFuture()
                          : conn.preparedQuery(INSERT_DEAD_LETTER).executeBatch(letters))
              .map(skipped);
        });
  }

  /** One page of readings, buckets or latest values, oldest first. */
  Future<TelemetryPage> telemetry(TelemetryQuery query) {
    if (query.latest()) {
      return latest(query);
    }
    if (query.bucket() != null) {
      return bucketed(query);
    }
    return raw(query);
  }

  private Future<TelemetryPage> raw(TelemetryQuery query) {
    PgSql sql = new PgSql("SELECT metric, ts, num, txt, bool, quality, unit FROM telemetry WHERE ");
    seriesFilter(sql, query, query.from(), query.to());
    if (query.cursor() != null) {
      OffsetDateTime ts = utc(query.cursor().ts());
      sql.append(" AND (ts < ")
          .param(ts)
          .append(" OR (ts = ")
          .param(ts)
          .append(" AND metric < ")
          .param(query.cursor().metric())
          .append("))");
    }
    sql.append(" ORDER BY ts DESC, metric DESC LIMIT ").param(query.limit());
    return sql.execute(pool)
        .map(
            rows -> {
              List<JsonObject> newestFirst = new ArrayList<>(rows.size());
              rows.forEach(row -> newestFirst.add(reading(row)));
              return StorageReplies.page(StorageReplies.oldestFirst(newestFirst), query.limit());
            });
  }

  private Future<TelemetryPage> latest(TelemetryQuery query) {
    PgSql sql =
        new PgSql(
            "SELECT DISTINCT ON (metric) metric, ts, num, txt, bool, quality, unit"
                + " FROM telemetry WHERE ");
    seriesFilter(sql, query, query.from(), query.to());
    sql.append(" ORDER BY metric, ts DESC LIMIT ").param(query.limit());
    return sql.execute(pool)
        .map(
            rows -> {
              JsonArray readings = new JsonArray();
              rows.forEach(row -> readings.add(reading(row)));
              return new TelemetryPage(readings, null);
            });
  }

  private Future<TelemetryPage> bucketed(TelemetryQuery query) {
    Bucket bucket = query.bucket();
    Long to = query.to();
    if (query.cursor() != null) {
      // rows of buckets after the cursor's bucket cannot be on the next page
      long end = query.cursor().ts() + bucket.millis();
      to = to == null ? end : Math.min(to, end);
    }
    // the stride is an enum constant, never user input
    PgSql sql =
        new PgSql(
            "SELECT metric, b, v FROM (SELECT metric, date_bin(interval '"
                + bucket.millis()
                + " milliseconds', ts, "
                + ORIGIN
                + ") AS b, "
                + aggregateSql(query.agg())
                + " AS v FROM telemetry WHERE ");
    seriesFilter(sql, query, query.from(), to);
    sql.append(" AND num IS NOT NULL GROUP BY metric, b) g");
    if (query.cursor() != null) {
      OffsetDateTime ts = utc(query.cursor().ts());
      sql.append(" WHERE b < ")
          .param(ts)
          .append(" OR (b = ")
          .param(ts)
          .append(" AND metric < ")
          .param(query.cursor().metric())
          .append(")");
    }
    sql.append(" ORDER BY b DESC, metric DESC LIMIT ").param(query.limit());
    boolean count = query.agg() == Aggregate.COUNT;
    return sql.execute(pool)
        .map(
            rows -> {
              List<JsonObject> newestFirst = new ArrayList<>(rows.size());
              for (Row row : rows) {
                // not a ?: expression, which would widen the Long of count to a double
                Object value;
                if (count) {
                  value = row.getLong(2);
                } else {
                  value = row.getDouble(2);
                }
                newestFirst.add(
                    StorageReplies.bucket(
                        row.getString(0), epochMs(row.getOffsetDateTime(1)), value));
              }
              return StorageReplies.page(StorageReplies.oldestFirst(newestFirst), query.limit());
            });
  }

  /** How a bucket's numeric readings become its value; constants only. */
  private static String aggregateSql(Aggregate agg) {
    return switch (agg) {
      case AVG -> "avg(num)";
      case MIN -> "min(num)";
      case MAX -> "max(num)";
      case LAST -> "(array_agg(num ORDER BY ts DESC))[1]";
      case COUNT -> "count(num)";
    };
  }

  /** {@code device = $n [AND tenant = $n] [AND metric = $n] [AND ts >= $n] [AND ts < $n]}. */
  private static void seriesFilter(PgSql sql, TelemetryQuery query, Long from, Long to) {
    sql.append("device = ").param(query.device());
    if (query.tenant() != null) {
      sql.append(" AND tenant = ").param(query.tenant());
    }
    if (query.metric() != null) {
      sql.append(" AND metric = ").param(query.metric());
    }
    if (from != null) {
      sql.append(" AND ts >= ").param(utc(from));
    }
    if (to != null) {
      sql.append(" AND ts < ").param(utc(to));
    }
  }

  private static JsonObject reading(Row row) {
    return StorageReplies.reading(
        row.getString(0),
        epochMs(row.getOffsetDateTime(1)),
        row.getDouble(2),
        row.getString(3),
        row.getBoolean(4),
        row.getString(5),
        row.getString(6));
  }

  /** The latest dead letters, newest first, in the shape of the DuckDB store's. */
  Future<JsonArray> deadLetters(DeadLetterQuery query) {
    PgSql sql =
        new PgSql("SELECT tenant, device, topic, reason, payload, received_at FROM dead_letters");
    if (query.tenant() != null) {
      sql.append(" WHERE tenant = ").param(query.tenant());
    }
    sql.append(" ORDER BY received_at DESC LIMIT ").param(query.limit());
    return sql.execute(pool)
        .map(
            rows -> {
              JsonArray letters = new JsonArray();
              for (Row row : rows) {
                Buffer payload = row.getBuffer(4);
                letters.add(
                    StorageReplies.deadLetter(
                        row.getString(0),
                        row.getString(1),
                        row.getString(2),
                        row.getString(3),
                        payload == null ? new byte[0] : payload.getBytes(),
                        epochMs(row.getOffsetDateTime(5))));
              }
              return letters;
            });
  }

  /** Closes the pool; queries still running fail. */
  Future<Void> close() {
    return pool.close();
  }

  /** PostgreSQL text cannot hold U+0000; a device's string must not fail a whole batch. */
  private static String text(String s) {
    return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
  }

  private static OffsetDateTime utc(long epochMs) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }

  private static long epochMs(OffsetDateTime ts) {
    return ts.toInstant().toEpochMilli();
  }

  /** SQL text with {@code $n} placeholders and their values, in order. */
  private static final class PgSql {
    private final StringBuilder text;
    private final List<Object> params = new ArrayList<>();

    PgSql(String text) {
      this.text = new StringBuilder(text);
    }

    PgSql append(String more) {
      text.append(more);
      return this;
    }

    PgSql param(Object value) {
      params.add(value);
      text.append('$').append(params.size());
      return this;
    }

    Future<RowSet<Row>> execute(SqlClient client) {
      return client.preparedQuery(text.toString()).execute(Tuple.from(params));
    }
  }
}
