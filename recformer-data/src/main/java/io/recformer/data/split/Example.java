package io.recformer.data.split;

import io.recformer.core.item.UserHistory;
import java.util.Objects;

/**
 * One evaluation example: a user's input history and the item to predict.
 *
 * @param history the input sequence, oldest first (non-empty)
 * @param targetItemId the held-out next item
 */
public record Example(UserHistory history, String targetItemId) {
  public Example {
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(targetItemId, "targetItemId");
    if (history.size() == 0) {
      throw new IllegalArgumentException(
          "example for user '" + history.userId() + "' has an empty history");
    }
  }

  public String userId() {
    return history.userId();
  }
}
