package io.recformer.data.importer;

import io.recformer.data.source.LineSource;
import java.util.Objects;

/**
 * Options shared by every importer.
 *
 * @param errorPolicy strict (fail on the first bad line, the default) or lenient (skip and count)
 * @param maxLineBytes the longest line (in bytes, without the line end) a line-based file may have;
 *     a longer line is an error, or is skipped and counted ({@code skipped.line-too-long}) in
 *     lenient mode, without ever being held in memory. It bounds the memory one line can take, so a
 *     file without line breaks fails with a clear error instead of running out of memory. Default
 *     {@link #DEFAULT_MAX_LINE_BYTES} (64 MiB), far above real review and metadata lines (a few
 *     KB); at most {@link #MAX_LINE_BYTES_LIMIT}.
 * @param allowTruncated accept a gzip file that ends early, keeping the complete lines before the
 *     cut (counted as {@code skipped.truncated-gzip} and logged). Off by default, in lenient mode
 *     too: a cut file silently loses data, so keeping it must be asked for explicitly.
 * @param keepDescription keep the {@code description} attribute after title, brand and category.
 *     Descriptions are long (often hundreds of tokens) and the paper does not use them; turning
 *     this off saves memory on the multi-GB raw files. Default true, so nothing is lost on import
 *     and {@link io.recformer.core.item.AttributeLayout} can select later.
 * @param decodeHtmlEntities decode HTML entities such as <code>&amp;amp;</code> and <code>&amp;#39;
 *     </code> in text attributes, as the paper's preprocessing does. Default true.
 * @param progress receives progress; the importer also logs it, so a listener that only logs would
 *     log every line twice
 * @param progressIntervalMillis how often progress is reported, in milliseconds (>= 0; typical
 *     5000)
 * @param name dataset name, or null to derive it from the source file names
 * @param recBoleFields column names and rating threshold of RecBole atomic files
 */
public record ImportOptions(
    ErrorPolicy errorPolicy,
    long maxLineBytes,
    boolean allowTruncated,
    boolean keepDescription,
    boolean decodeHtmlEntities,
    ProgressListener progress,
    long progressIntervalMillis,
    String name,
    RecBoleFields recBoleFields) {

  /** The default {@link #maxLineBytes()}: 64 MiB. */
  public static final long DEFAULT_MAX_LINE_BYTES = LineSource.DEFAULT_MAX_LINE_BYTES;

  /** The largest {@link #maxLineBytes()}: the largest byte array a JVM can allocate. */
  public static final long MAX_LINE_BYTES_LIMIT = LineSource.MAX_LINE_BYTES_LIMIT;

  public ImportOptions {
    Objects.requireNonNull(errorPolicy, "errorPolicy");
    if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "maxLineBytes = "
              + maxLineBytes
              + " must be between 1 and "
              + MAX_LINE_BYTES_LIMIT
              + " (default "
              + DEFAULT_MAX_LINE_BYTES
              + ")");
    }
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

  /**
   * Strict errors, lines up to 64 MiB, truncated gzip refused, descriptions kept, entities decoded,
   * progress logged every 5 s.
   */
  public static ImportOptions defaults() {
    return new ImportOptions(
        ErrorPolicy.STRICT,
        DEFAULT_MAX_LINE_BYTES,
        false,
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
        maxLineBytes,
        allowTruncated,
        keepDescription,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        name,
        recBoleFields);
  }

  /** See {@link #maxLineBytes()}. */
  public ImportOptions withMaxLineBytes(long bytes) {
    return new ImportOptions(
        errorPolicy,
        bytes,
        allowTruncated,
        keepDescription,
        decodeHtmlEntities,
        progress,
        progressIntervalMillis,
        name,
        recBoleFields);
  }

  /** See {@link #allowTruncated()}. */
  public ImportOptions withAllowTruncated(boolean allow) {
    return new ImportOptions(
        errorPolicy,
        maxLineBytes,
        allow,
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
        maxLineBytes,
        allowTruncated,
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
        maxLineBytes,
        allowTruncated,
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
        maxLineBytes,
        allowTruncated,
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
        maxLineBytes,
        allowTruncated,
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
        maxLineBytes,
        allowTruncated,
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
