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

  /**
   * Verifies that `busbar token --count 3` prints three distinct tokens, one per line, all valid.
   */
  @Test
  void tokenCountPrintsDistinctValidTokens(@TempDir Path dir) throws Exception {
    Outcome outcome =
        execute("token", "--data-dir", dir.toString(), "--device", "bench", "--count", "3");
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    java.util.List<String> tokens = outcome.out().lines().toList();
    assertThat(tokens).hasSize(3).doesNotHaveDuplicates();
    Vertx vertx = Vertx.vertx();
    try {
      var authenticator = DevelopmentIssuer.loadOrCreate(vertx, dir).authenticator();
      for (String token : tokens) {
        assertThat(
                authenticator
                    .authenticate(token)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get()
                    .subject())
            .isEqualTo("bench");
      }
    } finally {
      vertx.close();
    }
  }

  /**
   * Verifies that `busbar token --key PEM --alg RS256 --issuer ISS` signs with that RSA key, so an
   * issuer holding its public key accepts the token.
   */
  @Test
  void tokenWithKeySignsRs256(@TempDir Path dir) throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    java.security.KeyPair pair = generator.generateKeyPair();
    Path pem = dir.resolve("rsa.pem");
    java.nio.file.Files.writeString(
        pem,
        "-----BEGIN PRIVATE KEY-----\n"
            + java.util.Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    Outcome outcome =
        execute(
            "token",
            "--device",
            "bench",
            "--key",
            pem.toString(),
            "--alg",
            "RS256",
            "--issuer",
            "bench-rsa",
            "--count",
            "2");
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    java.util.List<String> tokens = outcome.out().lines().toList();
    assertThat(tokens).hasSize(2).doesNotHaveDuplicates();
    var config =
        io.busbar.security.jwt.IssuerConfig.builder("bench-rsa")
            .algorithms(java.util.Set.of(io.busbar.security.jwt.JwsAlgorithm.RS256))
            .staticKeys(
                java.util.List.of(
                    io.busbar.security.jwt.JsonWebKeys.parsePem(
                        "-----BEGIN PUBLIC KEY-----\n"
                            + java.util.Base64.getMimeEncoder()
                                .encodeToString(pair.getPublic().getEncoded())
                            + "\n-----END PUBLIC KEY-----\n",
                        null)))
            .build();
    var authenticator =
        new io.busbar.security.jwt.MultiIssuerAuthenticator(
            java.util.Map.of(
                config, new io.busbar.security.jwt.StaticKeySource(config.staticKeys())),
            null,
            java.time.Clock.systemUTC());
    Principal principal =
        authenticator.authenticate(tokens.get(0)).toCompletionStage().toCompletableFuture().get();
    assertThat(principal.issuer()).isEqualTo("bench-rsa");
  }

  /** Verifies that --key without --issuer, and --alg without --key, are refused. */
  @Test
  void tokenKeyOptionsAreChecked(@TempDir Path dir) {
    assertThat(execute("token", "--device", "d", "--key", dir.resolve("k.pem").toString()).err())
        .contains("--issuer");
    assertThat(
            execute("token", "--data-dir", dir.toString(), "--device", "d", "--alg", "RS256")
                .exitCode())
        .isEqualTo(2);
  }
}
