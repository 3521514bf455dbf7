package io.recformer.core.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** SHA-256 of artifact files, and the checks of names and hashes recorded in manifests. */
final class FileHashes {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private FileHashes() {}

  /** Lower-case hex SHA-256 of a file's bytes, streamed (model files can be gigabytes). */
  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Validates an optional hash field of a manifest record. */
  static Optional<String> checkHash(String field, Optional<String> hash) {
    if (hash == null) {
      throw new IllegalArgumentException(field + " must be Optional.empty(), not null");
    }
    hash.ifPresent(
        h -> {
          if (!SHA256.matcher(h).matches()) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "%s = '%s' is not a SHA-256: expected 64 lower-case hex digits",
                    field,
                    h));
          }
        });
    return hash;
  }

  /**
   * Validates a file name recorded in a manifest: a plain name inside the artifact directory, so a
   * manifest cannot point elsewhere on the disk.
   */
  static String checkFileName(String field, String name) {
    if (name == null
        || name.isBlank()
        || name.contains("/")
        || name.contains("\\")
        || name.equals(".")
        || name.equals("..")) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s = '%s' must be a plain file name inside the artifact directory",
              field,
              name));
    }
    return name;
  }

  /**
   * Checks that {@code dir/name} exists and, if a hash is recorded, that the file matches it.
   *
   * @param manifest the manifest file, named in messages
   */
  static void verify(Path dir, String name, Optional<String> expected, Path manifest)
      throws IOException {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "missing file named in " + manifest);
    }
    if (expected.isPresent()) {
      String actual = sha256(file);
      if (!actual.equals(expected.get())) {
        throw new ArtifactFormatException(
            String.format(
                Locale.ROOT,
                "%s does not match %s: its sha256 is %s, the manifest records %s (the file was"
                    + " changed or corrupted after the manifest was written)",
                file,
                manifest,
                actual,
                expected.get()));
      }
    }
  }
}
