package io.recformer.data.dataset;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The manifest of a saved dataset ({@code manifest.json}): format version, counts, attribute keys,
 * the content fingerprint, per-file checksums and the provenance record.
 *
 * @param formatVersion on-disk format version; readers refuse versions they do not know
 * @param name dataset name
 * @param users number of users
 * @param items number of items
 * @param interactions total number of interactions
 * @param hasTimestamps whether every user has timestamps
 * @param attributeKeys attribute keys in first-seen order over the catalog
 * @param fingerprint content fingerprint, {@code sha256:<hex>} (see {@link Dataset#fingerprint()})
 * @param fileSha256 SHA-256 of each data file, by file name
 * @param provenance where the data came from and the steps applied, in order
 */
public record DatasetManifest(
    int formatVersion,
    String name,
    int users,
    int items,
    long interactions,
    boolean hasTimestamps,
    List<String> attributeKeys,
    String fingerprint,
    Map<String, String> fileSha256,
    Map<String, String> provenance) {

  /** The dataset format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /**
   * The value of the manifest's {@code format} field, identifying a Recformer dataset directory.
   */
  public static final String FORMAT_NAME = "recformer-dataset";

  public DatasetManifest {
    Objects.requireNonNull(name, "name");
    attributeKeys = List.copyOf(attributeKeys);
    Objects.requireNonNull(fingerprint, "fingerprint");
    fileSha256 = Collections.unmodifiableMap(new LinkedHashMap<>(fileSha256));
    provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    if (users < 0 || items < 0 || interactions < 0) {
      throw new IllegalArgumentException(
          "manifest counts must be >= 0, got users="
              + users
              + ", items="
              + items
              + ", interactions="
              + interactions);
    }
  }
}
