package io.recformer.data.importer;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code import.*} provenance entries of an imported dataset, in the one order every importer
 * writes: {@code import.format} first, then the format's own entries (its files, prefix or fields)
 * in the order added, then {@code import.counts} from the finished report. A saved dataset shows
 * them as written, so two importers naming the same thing must name it the same way.
 */
final class ProvenanceBuilder {

  static final String PREFIX = "import.";

  private final Map<String, String> entries = new LinkedHashMap<>();

  ProvenanceBuilder(String format) {
    entries.put(PREFIX + "format", format);
  }

  /**
   * Adds {@code import.<name>}.
   *
   * @throws IllegalArgumentException for {@code format} and {@code counts} (written here) or a name
   *     already added: a second value would silently replace the first
   */
  ProvenanceBuilder put(String name, String value) {
    if (name.equals("counts") || entries.containsKey(PREFIX + name)) {
      throw new IllegalArgumentException("provenance entry import." + name + " is already set");
    }
    entries.put(PREFIX + name, value);
    return this;
  }

  /** Adds {@code import.<name>} with the file's name (not its path: the dataset may move). */
  ProvenanceBuilder file(String name, Path file) {
    return put(name, file.getFileName().toString());
  }

  /** The entries with {@code import.counts} last. */
  Map<String, String> build(ImportReport report) {
    Map<String, String> result = new LinkedHashMap<>(entries);
    result.put(PREFIX + "counts", report.counts().toString());
    return Collections.unmodifiableMap(result);
  }
}
