package io.busbar.security.jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The development key pair on disk: {@code keys/dev-signing-key.pem} (PKCS#8 private key) and
 * {@code keys/dev-signing-key.pub.pem} (X.509 SubjectPublicKeyInfo). Blocking file I/O, serialised
 * within the JVM by a monitor and across processes (e.g. {@code busbar token} while a node starts)
 * by a lock file, so two starters never end up with different keys.
 */
final class SigningKeyFiles {

  static final String PRIVATE_KEY_FILE = "dev-signing-key.pem";
  static final String PUBLIC_KEY_FILE = "dev-signing-key.pub.pem";
  private static final String LOCK_FILE = ".dev-signing-key.lock";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Object JVM_LOCK = new Object();

  /** The loaded pair, and its PEM forms as handed to vertx-auth. */
  record Loaded(KeyPair keyPair, String privatePem, String publicPem, boolean created) {}

  private SigningKeyFiles() {}

  static Loaded loadOrCreate(Path keysDir) {
    synchronized (JVM_LOCK) {
      try {
        createPrivateDirectories(keysDir);
        try (FileChannel lockChannel =
                FileChannel.open(
                    keysDir.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock ignored = lockChannel.lock()) {
          Path privateFile = keysDir.resolve(PRIVATE_KEY_FILE);
          Path publicFile = keysDir.resolve(PUBLIC_KEY_FILE);
          if (Files.exists(privateFile)) {
            return load(privateFile, publicFile);
          }
          return create(privateFile, publicFile);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load or create the signing key in " + keysDir, e);
      }
    }
  }

  private static Loaded load(Path privateFile, Path publicFile) throws IOException {
    if (!Files.exists(publicFile)) {
      throw new IllegalStateException(
          "signing key "
              + privateFile
              + " exists but its public key "
              + publicFile
              + " is missing");
    }
    String privatePem = Files.readString(privateFile, StandardCharsets.US_ASCII);
    String publicPem = Files.readString(publicFile, StandardCharsets.US_ASCII);
    try {
      KeyFactory kf = KeyFactory.getInstance("EC");
      ECPrivateKey privateKey =
          (ECPrivateKey)
              kf.generatePrivate(new PKCS8EncodedKeySpec(pemBody(privatePem, "PRIVATE KEY")));
      ECPublicKey publicKey =
          (ECPublicKey) kf.generatePublic(new X509EncodedKeySpec(pemBody(publicPem, "PUBLIC KEY")));
      if (privateKey.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IllegalStateException("signing key " + privateFile + " is not a P-256 key");
      }
      KeyPair pair = new KeyPair(publicKey, privateKey);
      requireMatchingPair(pair, privateFile, publicFile);
      return new Loaded(pair, privatePem, publicPem, false);
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IllegalStateException(
          "signing key files " + privateFile + " / " + publicFile + " are not a P-256 key pair", e);
    }
  }

  private static Loaded create(Path privateFile, Path publicFile) throws IOException {
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate P-256 keys", e);
    }
    String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
    // public first: a private key file on disk always has its public half next to it
    writeAtomically(publicFile, publicPem, false);
    writeAtomically(privateFile, privatePem, true);
    return new Loaded(pair, privatePem, publicPem, true);
  }

  private static void requireMatchingPair(KeyPair pair, Path privateFile, Path publicFile)
      throws GeneralSecurityException {
    byte[] probe = "busbar key pair check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(pair.getPrivate());
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(pair.getPublic());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new IllegalStateException(
          "public key " + publicFile + " does not belong to private key " + privateFile);
    }
  }

  private static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (supportsPosix(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static void writeAtomically(Path target, String content, boolean secret)
      throws IOException {
    Path dir = target.getParent();
    FileAttribute<?>[] attributes =
        secret && supportsPosix(dir)
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            }
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp", attributes);
    try {
      Files.writeString(temp, content, StandardCharsets.US_ASCII);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static boolean supportsPosix(Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing != null
        && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static byte[] pemBody(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("no " + type + " PEM block");
    }
    return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
  }

  /** The public key as a JWK (RFC 7518 §6.2.1), without {@code kid}, {@code alg}, {@code use}. */
  static String[] coordinates(ECPublicKey key) {
    return new String[] {
      B64URL.encodeToString(unsigned32(key.getW().getAffineX())),
      B64URL.encodeToString(unsigned32(key.getW().getAffineY()))
    };
  }

  /** RFC 7638 JWK thumbprint: SHA-256 of the required members in lexicographic order. */
  static String thumbprint(ECPublicKey key) {
    String[] xy = coordinates(key);
    String canonical =
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + xy[0] + "\",\"y\":\"" + xy[1] + "\"}";
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return B64URL.encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** RFC 7518 §6.2.1.2: a P-256 coordinate is exactly 32 octets, big-endian, left-padded. */
  private static byte[] unsigned32(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
    return out;
  }
}
