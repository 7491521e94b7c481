package io.busbar.verticles.storage;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Value;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
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
import java.time.OffsetDateTime;
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
            .setMaxWaitQueueSize(QueryGate.MAX_PENDING + 16)
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
                                .compose(v -> run(conn, DEAD_LETTERS_INDEX))
                                .compose(v -> PostgresRollups.createSchema(conn)))
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
    long oldest = Long.MAX_VALUE;
    for (Event event : events) {
      if (TelemetryQuery.inRange(event.timestamp())) {
        oldest = Math.min(oldest, event.timestamp());
      }
    }
    long oldestTs = oldest;
    return pool.withTransaction(
        conn -> {
          // waits while a rollup runs, so a late reading is seen by it or marks its hour dirty
          Future<?> first =
              readings.isEmpty()
                  ? Future.succeededFuture()
                  : PostgresRollups.lockForWrite(conn)
                      // executeBatch pipelines one Bind/Execute per row and a single Sync
                      .compose(v -> conn.preparedQuery(INSERT_TELEMETRY).executeBatch(readings))
                      .compose(v -> PostgresRollups.noteWritten(conn, oldestTs));
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

  /**
   * Buckets from raw rows and, for buckets of an hour or more, from the rollups ({@link
   * BucketSources}), read in one REPEATABLE READ snapshot so the watermark and the tables agree.
   */
  private Future<TelemetryPage> bucketed(TelemetryQuery query) {
    Bucket bucket = query.bucket();
    Long to = query.to();
    if (query.cursor() != null) {
      // rows of buckets after the cursor's bucket cannot be on the next page
      long end = query.cursor().ts() + bucket.millis();
      to = to == null ? end : Math.min(to, end);
    }
    Long windowTo = to;
    boolean count = query.agg() == Aggregate.COUNT;
    Future<RowSet<Row>> result;
    if (!BucketSources.usesRollups(bucket)) {
      // raw rows only: one statement, no snapshot to share
      List<BucketSources.Source> sources = BucketSources.plan(bucket, query.from(), windowTo, null);
      result =
          sources.isEmpty()
              ? Future.succeededFuture(null)
              : bucketSql(query, sources).execute(pool);
    } else {
      result =
          pool.withTransaction(
              conn ->
                  conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                      .execute()
                      .compose(v -> conn.query("SELECT hour_done FROM rollup_state").execute())
                      .compose(
                          state -> {
                            Long hourDone =
                                state.size() == 0
                                    ? null
                                    : PgSql.epochMsOrNull(state.iterator().next(), 0);
                            List<BucketSources.Source> sources =
                                BucketSources.plan(bucket, query.from(), windowTo, hourDone);
                            return sources.isEmpty()
                                ? Future.<RowSet<Row>>succeededFuture(null)
                                : bucketSql(query, sources).execute(conn);
                          }));
    }
    return result.map(
        rows -> {
          if (rows == null) {
            return new TelemetryPage(new JsonArray(), null);
          }
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
                StorageReplies.bucket(row.getString(0), epochMs(row.getOffsetDateTime(1)), value));
          }
          return StorageReplies.page(StorageReplies.oldestFirst(newestFirst), query.limit());
        });
  }

  /** Partial sums {@code n, s, lo, hi, lv, lt} per source, combined per metric and bucket. */
  private static PgSql bucketSql(TelemetryQuery query, List<BucketSources.Source> sources) {
    // the stride is an enum constant, never user input
    String bin = "date_bin(interval '" + query.bucket().millis() + " milliseconds', ";
    PgSql sql =
        new PgSql(
            "SELECT metric, b, v FROM (SELECT metric, b, "
                + combineSql(query.agg())
                + " AS v FROM (");
    for (int i = 0; i < sources.size(); i++) {
      BucketSources.Source source = sources.get(i);
      if (i > 0) {
        sql.append(" UNION ALL ");
      }
      String time = source.table().timeColumn();
      if (source.table() == BucketSources.Table.RAW) {
        sql.append(
            "SELECT metric, "
                + bin
                + "ts, "
                + PgSql.ORIGIN
                + ") AS b, 1::bigint AS n, num AS s, num AS lo, num AS hi, num AS lv, ts AS lt"
                + " FROM telemetry WHERE ");
      } else {
        sql.append(
            "SELECT metric, "
                + bin
                + "bucket, "
                + PgSql.ORIGIN
                + ") AS b, n, total AS s, lo, hi, last_value AS lv, last_ts AS lt FROM "
                + source.table().sqlName()
                + " WHERE ");
      }
      seriesFilter(sql, query, time, source.from(), source.to());
      if (source.table() == BucketSources.Table.RAW) {
        sql.append(" AND num IS NOT NULL");
      }
    }
    sql.append(") u GROUP BY metric, b) g");
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
    return sql;
  }

  /** How partial sums become a bucket's value, as {@link Aggregate#combineSql()}; constants. */
  private static String combineSql(Aggregate agg) {
    return switch (agg) {
      case AVG -> "sum(s) / sum(n)::double precision";
      case MIN -> "min(lo)";
      case MAX -> "max(hi)";
      case LAST -> "(array_agg(lv ORDER BY lt DESC))[1]";
      case COUNT -> "sum(n)::bigint";
    };
  }

  /** {@code device = $n [AND tenant = $n] [AND metric = $n] [AND ts >= $n] [AND ts < $n]}. */
  private static void seriesFilter(PgSql sql, TelemetryQuery query, Long from, Long to) {
    seriesFilter(sql, query, "ts", from, to);
  }

  /** As above on {@code timeColumn} (a constant). */
  private static void seriesFilter(
      PgSql sql, TelemetryQuery query, String timeColumn, Long from, Long to) {
    sql.append("device = ").param(query.device());
    if (query.tenant() != null) {
      sql.append(" AND tenant = ").param(query.tenant());
    }
    if (query.metric() != null) {
      sql.append(" AND metric = ").param(query.metric());
    }
    if (from != null) {
      sql.append(" AND " + timeColumn + " >= ").param(utc(from));
    }
    if (to != null) {
      sql.append(" AND " + timeColumn + " < ").param(utc(to));
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

  /**
   * One rollup and retention pass ({@link PostgresRollups}).
   *
   * @return fails with the driver's exception
   */
  Future<Rollups.Result> maintain(long nowMs, RetentionPolicy retention) {
    return PostgresRollups.run(pool, nowMs, retention);
  }

  /**
   * Streams the request's readings into a Parquet file ({@link PostgresParquetExport}).
   *
   * @return {@code {path, rows, bytes}}
   */
  Future<JsonObject> export(ExportRequest request, WorkerExecutor worker) {
    return PostgresParquetExport.export(pool, worker, request);
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
    return PgSql.utc(epochMs);
  }

  private static long epochMs(OffsetDateTime ts) {
    return PgSql.epochMs(ts);
  }
}
