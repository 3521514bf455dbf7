package io.recformer.core.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a saved artifact came from, stamped into its manifest the way Tribuo stamps its models:
 * enough to tell two artifacts apart and to rerun what produced one.
 *
 * @param datasetFingerprint identifies the data the artifact was built from (e.g. a hash of the
 *     split files), or {@code "none"}
 * @param seed the seed of the run that produced the artifact
 * @param libraryVersion recformer version that wrote the artifact
 * @param javaVersion Java runtime version and vendor
 * @param os operating system name and version
 * @param arch CPU architecture as Java reports it ({@code amd64}, {@code aarch64})
 * @param gitCommit source commit, or {@code "unknown"}
 * @param createdAt creation time (written as ISO-8601 UTC, e.g. {@code 2026-11-27T08:00:00Z})
 * @param extras further facts in insertion order (engine versions, command line, ...)
 */
public record Provenance(
    String datasetFingerprint,
    long seed,
    String libraryVersion,
    String javaVersion,
    String os,
    String arch,
    String gitCommit,
    Instant createdAt,
    Map<String, String> extras) {

  public Provenance {
    requireText("datasetFingerprint", datasetFingerprint);
    requireText("libraryVersion", libraryVersion);
    requireText("javaVersion", javaVersion);
    requireText("os", os);
    requireText("arch", arch);
    requireText("gitCommit", gitCommit);
    if (createdAt == null) {
      throw new IllegalArgumentException("createdAt is required");
    }
    if (extras == null) {
      throw new IllegalArgumentException("extras must be a map (may be empty), not null");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    extras.forEach(
        (k, v) -> {
          if (k == null || v == null) {
            throw new IllegalArgumentException(
                "extras entry " + k + " = " + v + " must have a non-null key and value");
          }
          copy.put(k, v);
        });
    // LinkedHashMap keeps the caller's order (Map.copyOf would not).
    extras = Collections.unmodifiableMap(copy);
  }

  /**
   * Provenance of an artifact created now by this process: library version, Java version, OS,
   * architecture and git commit are captured from the environment (see {@code docs/formats.md}).
   *
   * @param datasetFingerprint the data's fingerprint, or {@code "none"}
   * @param seed the run's seed
   * @param extras further facts, kept in iteration order (may be empty)
   */
  public static Provenance capture(
      String datasetFingerprint, long seed, Map<String, String> extras) {
    return new Provenance(
        datasetFingerprint,
        seed,
        LibraryVersion.get(),
        System.getProperty("java.version", "unknown")
            + " ("
            + System.getProperty("java.vendor", "unknown vendor")
            + ")",
        System.getProperty("os.name", "unknown") + " " + System.getProperty("os.version", ""),
        System.getProperty("os.arch", "unknown"),
        GitCommit.detect(),
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        extras);
  }

  private static void requireText(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "provenance %s = %s must be non-blank text",
              field,
              value == null ? "null" : "'" + value + "'"));
    }
  }

  /** This provenance as an indented JSON object, the form manifests embed. */
  public String toJson() {
    try {
      return ManifestFiles.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toNode());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("could not serialize provenance", e);
    }
  }

  ObjectNode toNode() {
    ObjectNode node = ManifestFiles.MAPPER.createObjectNode();
    node.put("datasetFingerprint", datasetFingerprint);
    node.put("seed", seed);
    node.put("libraryVersion", libraryVersion);
    node.put("javaVersion", javaVersion);
    node.put("os", os);
    node.put("arch", arch);
    node.put("gitCommit", gitCommit);
    node.put("createdAt", createdAt.toString());
    ObjectNode e = node.putObject("extras");
    extras.forEach(e::put);
    return node;
  }

  static Provenance read(Fields f) throws ArtifactFormatException {
    String fingerprint = f.string("datasetFingerprint");
    long seed = f.int64("seed");
    String library = f.string("libraryVersion");
    String java = f.string("javaVersion");
    String os = f.string("os");
    String arch = f.string("arch");
    String commit = f.string("gitCommit");
    String created = f.string("createdAt");
    Instant createdAt;
    try {
      createdAt = Instant.parse(created);
    } catch (DateTimeParseException e) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "provenance field 'createdAt' in %s is '%s', expected an ISO-8601 UTC time such as"
                  + " 2026-11-27T08:00:00Z",
              f.source(),
              created),
          e);
    }
    Map<String, String> extras = f.stringMap("extras");
    f.rejectUnknown();
    try {
      return new Provenance(fingerprint, seed, library, java, os, arch, commit, createdAt, extras);
    } catch (IllegalArgumentException e) {
      throw f.invalid(e);
    }
  }
}
