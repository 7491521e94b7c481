package io.busbar.verticles.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL SQL text with {@code $n} placeholders and their values, in order, for the PostgreSQL
 * store's statements. The text is built from constants only; every user-supplied value goes through
 * {@link #param(Object)}. Not thread-safe: build and run on one context.
 */
final class PgSql {

  /** The bucket origin of {@link Bucket#ORIGIN_MS}, 2000-01-03T00:00Z, for {@code date_bin}. */
  static final String ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

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

  Tuple params() {
    return Tuple.from(params);
  }

  Future<RowSet<Row>> execute(SqlClient client) {
    return client.preparedQuery(text.toString()).execute(Tuple.from(params));
  }

  @Override
  public String toString() {
    return text.toString();
  }

  /** A {@code timestamptz} parameter for epoch ms. */
  static OffsetDateTime utc(long epochMs) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }

  static long epochMs(OffsetDateTime ts) {
    return ts.toInstant().toEpochMilli();
  }

  /** The epoch ms of a nullable {@code timestamptz} column. */
  static Long epochMsOrNull(Row row, int column) {
    OffsetDateTime ts = row.getOffsetDateTime(column);
    return ts == null ? null : ts.toInstant().toEpochMilli();
  }
}
