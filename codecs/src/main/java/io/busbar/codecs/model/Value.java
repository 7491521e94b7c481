package io.busbar.codecs.model;

import java.util.Objects;

/** The typed value of one reading: a number, a text or a boolean. */
public sealed interface Value permits Value.Numeric, Value.Text, Value.Bool {

  /** Returns the value as a plain Java object (Double, String or Boolean), for JSON. */
  Object toJava();

  static Value of(double number) {
    return new Numeric(number);
  }

  static Value of(String text) {
    return new Text(text);
  }

  static Value of(boolean flag) {
    return new Bool(flag);
  }

  record Numeric(double value) implements Value {
    @Override
    public Object toJava() {
      return value;
    }
  }

  record Text(String value) implements Value {
    public Text {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Object toJava() {
      return value;
    }
  }

  record Bool(boolean value) implements Value {
    @Override
    public Object toJava() {
      return value;
    }
  }
}
