package io.busbar.verticles.mqtt;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for TLS tests: P-256 keys, a CA certificate, server
 * certificates for {@code localhost}/127.0.0.1 and client certificates naming a device (CN and a
 * SAN), written as PEM files or handed to a client as key and trust managers.
 */
public final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate with its key. */
  public record Issued(X509Certificate certificate, KeyPair keys, X509Certificate issuer) {

    /** Writes the certificate (with its issuer) and the PKCS#8 key as PEM files. */
    public void write(Path certFile, Path keyFile) {
      try {
        Files.writeString(certFile, pem(certificate) + pem(issuer));
        // PKCS#8 ("PRIVATE KEY"), the form every TLS engine reads
        Files.writeString(
            keyFile,
            "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Key managers presenting this certificate (mutual TLS clients). */
    public KeyManagerFactory keyManagers() {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
            "me", keys.getPrivate(), new char[0], new X509Certificate[] {certificate, issuer});
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        return kmf;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  final X509Certificate caCertificate;
  private final KeyPair caKeys;

  public TestPki(String name) {
    caKeys = keyPair();
    caCertificate =
        sign(new X500Name("CN=" + name), caKeys, true, null, caKeys, Duration.ofDays(2));
  }

  /** Writes the CA certificate as a PEM file (a listener's trust for client certificates). */
  public void writeCa(Path file) {
    try {
      Files.writeString(file, pem(caCertificate));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server certificate for {@code localhost} and 127.0.0.1. */
  public Issued server() {
    KeyPair keys = keyPair();
    GeneralNames names =
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            });
    return new Issued(
        sign(new X500Name("CN=localhost"), keys, false, names, caKeys, Duration.ofDays(2)),
        keys,
        caCertificate);
  }

  /** A client certificate with {@code CN=cn} and the DNS name {@code sanDns} (may be null). */
  public Issued client(String cn, String sanDns) {
    return client(cn, sanDns, Duration.ofDays(2));
  }

  /**
   * A client certificate as above that stops being valid {@code validity} from now (X.509 times
   * have whole seconds).
   */
  public Issued client(String cn, String sanDns, Duration validity) {
    KeyPair keys = keyPair();
    GeneralNames names =
        sanDns == null ? null : new GeneralNames(new GeneralName(GeneralName.dNSName, sanDns));
    return new Issued(
        sign(new X500Name("CN=" + cn + ",O=Busbar test"), keys, false, names, caKeys, validity),
        keys,
        caCertificate);
  }

  /** Trust managers trusting this CA only. */
  public TrustManagerFactory trustManagers() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("ca", caCertificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      return tmf;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private X509Certificate sign(
      X500Name subject,
      KeyPair keys,
      boolean ca,
      GeneralNames names,
      KeyPair signer,
      Duration validity) {
    try {
      Instant now = Instant.now();
      X500Name issuerName =
          caCertificate == null
              ? subject
              : new X500Name(caCertificate.getSubjectX500Principal().getName());
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuerName,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(validity)),
              subject,
              keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              ca
                  ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                  : KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      if (names != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, names);
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(Object object) {
    try (StringWriter out = new StringWriter();
        JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
      writer.flush();
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
