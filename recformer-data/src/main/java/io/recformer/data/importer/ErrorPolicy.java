package io.recformer.data.importer;

/** What an importer does with a bad line or entry. */
public enum ErrorPolicy {
  /** Fail on the first bad line with an error naming file, line and field (the default). */
  STRICT,
  /** Skip bad lines, count them by reason in the {@link ImportReport}, and log the first few. */
  LENIENT
}
