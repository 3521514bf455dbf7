package io.recformer.infer.index;

import java.util.Objects;

/**
 * One result of a top-K query.
 *
 * @param itemId the item's id
 * @param row the item's row in the index (stable for the index's lifetime)
 * @param score cosine similarity between the query and the item, in [-1, 1] up to float rounding
 */
public record ScoredItem(String itemId, int row, float score) {

  public ScoredItem {
    Objects.requireNonNull(itemId, "itemId");
    if (row < 0) {
      throw new IllegalArgumentException("row must be >= 0, was " + row);
    }
  }
}
