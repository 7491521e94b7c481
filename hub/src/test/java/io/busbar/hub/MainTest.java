package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.Principal;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

  private record Outcome(int exitCode, String out, String err) {}

  private static Outcome execute(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true));
    try {
      int code = cli.execute(args);
      return new Outcome(code, out + captured.toString(), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  /** Verifies that a bad flag value stops start-up with a message naming the key and value. */
  @Test
  void badFlagValueNamesTheKey(@TempDir Path dir) {
    Outcome outcome = execute("run", "--data-dir", dir.toString(), "--mqtt-port", "abc");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("mqtt.port").contains("'abc'");
  }

  /** Verifies that an unknown flag is refused by name. */
  @Test
  void unknownFlagIsNamed() {
    Outcome outcome = execute("run", "--mqtt-prot", "1884");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("--mqtt-prot");
  }

  /** Verifies that a config file with a bad value stops start-up naming the key. */
  @Test
  void badConfigFileValueNamesTheKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "storage:\n  flush-interval: sometimes\n");
    Outcome outcome = execute("run", "--data-dir", dir.toString(), "--config", file.toString());
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("storage.flush-interval").contains("sometimes");
  }

  /** Verifies that a bad binary frame layout stops start-up naming the exact key. */
  @Test
  void badFrameLayoutNamesTheKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("frames.yaml");
    Files.writeString(
        file,
        "frames:\n  layouts:\n    plc9:\n      length: 4\n      fields:\n        - {name: t, offset: 0, type: u24}\n");
    Outcome outcome = execute("run", "--data-dir", dir.toString(), "--config", file.toString());
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("frames.layouts.plc9.fields[0].type").contains("u24");
  }

  /**
   * Verifies that `busbar token` prints a JWT that the node's key validates, with the asked claims.
   */
  @Test
  void tokenCommandMintsAValidToken(@TempDir Path dir) throws Exception {
    Outcome outcome =
        execute(
            "token",
            "--data-dir",
            dir.toString(),
            "--device",
            "press-7",
            "--tenant",
            "acme",
            "--ttl",
            "1h");
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    String token = outcome.out().trim();
    assertThat(token.split("\\.")).hasSize(3);
    Vertx vertx = Vertx.vertx();
    try {
      Principal principal =
          DevelopmentIssuer.loadOrCreate(vertx, dir)
              .authenticator()
              .authenticate(token)
              .toCompletionStage()
              .toCompletableFuture()
              .get();
      assertThat(principal.subject()).isEqualTo("press-7");
      assertThat(principal.tenant()).isEqualTo("acme");
    } finally {
      vertx.close();
    }
  }

  /** Verifies that a bad --ttl is refused with a message naming the value. */
  @Test
  void badTtlIsRefused(@TempDir Path dir) {
    Outcome outcome =
        execute("token", "--data-dir", dir.toString(), "--device", "d1", "--ttl", "forever");
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.err()).contains("forever");
  }
}
