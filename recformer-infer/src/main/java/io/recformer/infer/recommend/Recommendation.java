package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import java.util.Objects;

/**
 * One recommended item.
 *
 * @param item the item, with its text attributes
 * @param score cosine similarity between the user's and the item's vectors, in [-1, 1], minus the
 *     options' history penalty for the user's own items
 * @param rank 0-based position in the list
 */
public record Recommendation(Item item, float score, int rank) {

  public Recommendation {
    Objects.requireNonNull(item, "item");
  }

  /** Shortcut for {@code item().id()}. */
  public String itemId() {
    return item.id();
  }
}
