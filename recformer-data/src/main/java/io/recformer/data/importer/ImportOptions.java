package io.recformer.data.importer;

import java.util.Objects;

/**
 * Options shared by every importer.
 *
 * @param errorPolicy strict (fail on the first bad line, the default) or lenient (skip and count)
 * @param keepDescription keep the {@code description} attribute after title, brand and category.
 *     Descriptions are long (often hundreds of tokens) and the paper does not use them; turning
 *     this off saves memory on the multi-GB raw files. Default true, so nothing is lost on import
 *     and {@link io.recformer.core.item.AttributeLayout} can select later.
 * @param decodeHtmlEntities decode HTML entities such as <code>&amp;amp;</code> and <code>&amp;#39;
 *     </code> in text attributes, as the paper's preprocessing does. Default true.
 * @param progress receives progress; progress is also logged
 * @param progressIntervalMillis how often progress is reported, in milliseconds (>= 0; typical
 *     5000)
 * @param name dataset name, or null to derive it from the source file names
 * @param recBoleFields column names and rating threshold of RecBole atomic files
 */
public record ImportOptions(
    ErrorPolicy errorPolicy,
    boolean keepDescription,
    boolean decodeHtmlEntities,
    ProgressListener progress,
    long progressIntervalMillis,
    String name,
    RecBoleFields recBoleFields) {

  public ImportOptions {
    Objects.requireNonNull(errorPolicy, "errorPolicy");
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(recBoleFields, "recBoleFields");
    if (progressIntervalMillis < 0) {
      throw new IllegalArgumentException(
          "progressIntervalMillis must be >= 0, got " + progressIntervalMillis);
    }
    if (name != null && name.isBlank()) {
      throw new IllegalArgumentException("name must be null or non-blank, got '" + name + "'");
    }
  }

  /** Strict errors, descriptions kept, entities decoded, progress logged every 5 s. */
  public static ImportOptions defaults() {
    return new ImportOptions(
        ErrorPolicy.STRICT,
        true,
        true,
        ProgressListener.NONE,
        5000,
        null,
        RecBoleFields.defaults());
  }

  /** Like {@link #defaults()} but skipping and counting bad lines. */
  public static ImportOptions lenient() {
    return defaults().withErrorPolicy(ErrorPolicy.LENIENT);
  }

  public ImportOptions withErrorPolicy(ErrorPolicy policy) {
    return new ImportOptions(
        policy,
        keepDescription,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        name,
        recBoleFields);
  }

  public ImportOptions withKeepDescription(boolean keep) {
    return new ImportOptions(
        errorPolicy,
        keep,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        name,
        recBoleFields);
  }

  public ImportOptions withDecodeHtmlEntities(boolean decode) {
    return new ImportOptions(
        errorPolicy,
        keepDescription,
        decode,
        progress,
        progressIntervalMillis,
        name,
        recBoleFields);
  }

  public ImportOptions withProgress(ProgressListener listener, long intervalMillis) {
    return new ImportOptions(
        errorPolicy,
        keepDescription,
        decodeHtmlEntities,
        listener,
        intervalMillis,
        name,
        recBoleFields);
  }

  public ImportOptions withName(String datasetName) {
    return new ImportOptions(
        errorPolicy,
        keepDescription,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        datasetName,
        recBoleFields);
  }

  public ImportOptions withRecBoleFields(RecBoleFields fields) {
    return new ImportOptions(
        errorPolicy,
        keepDescription,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        name,
        fields);
  }

  boolean lenientMode() {
    return errorPolicy == ErrorPolicy.LENIENT;
  }
}
