package io.recformer.data.importer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which columns of RecBole atomic files hold what, named as RecBole's {@code USER_ID_FIELD}, {@code
 * ITEM_ID_FIELD} and {@code TIME_FIELD} settings name them, plus the rating threshold and the names
 * given to item text columns. Read by the {@code recbole-atomic} and {@code
 * sequential-split-atomic} importers; {@link Datasets#importAuto(java.nio.file.Path,
 * ImportOptions)} refuses anything but {@link #defaults()} for other formats.
 *
 * @param userField user id column of the interaction files (default {@code user_id})
 * @param itemField item id column of the interaction and item files (default {@code item_id}); the
 *     sequential split form reads the history from {@code <itemField>_list}, as RecBole does
 * @param timeField timestamp column (default {@code timestamp}, seconds, fractions truncated). The
 *     default is optional: without it sequences keep file order. Any other name must exist, so a
 *     typo cannot silently lose the chronological order.
 * @param ratingField rating column, read only when {@code minRating} is set (default {@code
 *     rating})
 * @param minRating interactions rated below it are dropped and counted, like RecBole's {@code
 *     val_interval: {rating: "[R,inf)"}}; null keeps every interaction. Keeping only high ratings
 *     (typically 3 or 4 on a 1-5 scale) leaves clearer positive signals but shorter histories.
 * @param attributeNames item file column name (without its {@code :type}) to attribute key, e.g.
 *     {@code movie_title -> title}; an unmapped text column keeps its own name
 */
public record RecBoleFields(
    String userField,
    String itemField,
    String timeField,
    String ratingField,
    Double minRating,
    Map<String, String> attributeNames) {

  /** RecBole's default time field; the only time field that may be absent. */
  static final String DEFAULT_TIME_FIELD = "timestamp";

  public RecBoleFields {
    checkName("userField", userField);
    checkName("itemField", itemField);
    checkName("timeField", timeField);
    checkName("ratingField", ratingField);
    if (minRating != null && !Double.isFinite(minRating)) {
      throw new IllegalArgumentException("minRating must be finite or null, got " + minRating);
    }
    Objects.requireNonNull(attributeNames, "attributeNames");
    Map<String, String> byKey = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : attributeNames.entrySet()) {
      checkName("attributeNames column", e.getKey());
      if (e.getValue() == null || e.getValue().isBlank()) {
        throw new IllegalArgumentException(
            "attributeNames: column '" + e.getKey() + "' is mapped to a blank attribute key");
      }
      String previous = byKey.putIfAbsent(e.getValue(), e.getKey());
      if (previous != null) {
        throw new IllegalArgumentException(
            "attributeNames: columns '"
                + previous
                + "' and '"
                + e.getKey()
                + "' are both mapped to attribute '"
                + e.getValue()
                + "'");
      }
    }
    attributeNames = Collections.unmodifiableMap(new LinkedHashMap<>(attributeNames));
  }

  /** RecBole's default field names, no rating threshold, no renamed columns. */
  public static RecBoleFields defaults() {
    return new RecBoleFields("user_id", "item_id", DEFAULT_TIME_FIELD, "rating", null, Map.of());
  }

  public RecBoleFields withMinRating(Double rating) {
    return new RecBoleFields(userField, itemField, timeField, ratingField, rating, attributeNames);
  }

  public RecBoleFields withAttributeNames(Map<String, String> names) {
    return new RecBoleFields(userField, itemField, timeField, ratingField, minRating, names);
  }

  /** True when the time column must exist: the caller named one other than the default. */
  boolean requiresTime() {
    return !DEFAULT_TIME_FIELD.equals(timeField);
  }

  private static void checkName(String what, String name) {
    if (name == null || name.isBlank() || name.contains(":") || name.contains("\t")) {
      throw new IllegalArgumentException(
          what + " must be a column name without ':' or tabs, got '" + name + "'");
    }
  }
}
