package io.busbar.verticles.mqtt;

import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * A self-signed certificate for the TLS listener when none is configured (development only): made
 * once under a directory and reused across restarts, so clients that trust it keep trusting it.
 * Blocking file and key work: call from a worker.
 *
 * @param certPath the PEM certificate ({@code CN=localhost})
 * @param keyPath the PEM private key
 */
record DevCertificate(Path certPath, Path keyPath) {

  static final String CERT_FILE = "dev-mqtt-cert.pem";
  static final String KEY_FILE = "dev-mqtt-key.pem";

  /**
   * The certificate in {@code dir}, created there first if missing.
   *
   * @throws UncheckedIOException when the files cannot be written
   */
  static DevCertificate loadOrCreate(Path dir) {
    try {
      Path cert = dir.resolve(CERT_FILE);
      Path key = dir.resolve(KEY_FILE);
      if (!Files.exists(cert) || !Files.exists(key)) {
        Files.createDirectories(dir);
        SelfSignedCertificate generated = SelfSignedCertificate.create("localhost");
        Files.copy(Path.of(generated.privateKeyPath()), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of(generated.certificatePath()), cert, StandardCopyOption.REPLACE_EXISTING);
        generated.delete();
      }
      return new DevCertificate(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a development certificate in " + dir, e);
    }
  }

  /** The SHA-256 fingerprint of a PEM certificate, as colon-separated hex (what browsers show). */
  static String fingerprint(Path certPath) {
    try (InputStream in = Files.newInputStream(certPath)) {
      X509Certificate cert =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("not a certificate: " + certPath, e);
    }
  }
}
