package io.recformer.data.sample;

import io.recformer.core.item.UserHistory;
import java.util.Objects;

/**
 * A training sample: the history before a target position and the item at that position.
 *
 * @param history the prefix before the target, oldest first; empty only for a target at position 0,
 *     which the original's fine-tuning sampler draws ({@link
 *     FineTuneSampler.Policy#RANDOM_TARGET_ANY_POSITION})
 * @param targetItemId the item at the target position
 * @param targetPosition 0-based position of the target in the user's sequence (= history length)
 */
public record TrainingSample(UserHistory history, String targetItemId, int targetPosition) {
  public TrainingSample {
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(targetItemId, "targetItemId");
    if (targetPosition != history.size()) {
      throw new IllegalArgumentException(
          "sample for user '"
              + history.userId()
              + "': target position "
              + targetPosition
              + " must equal the history length "
              + history.size());
    }
  }

  static TrainingSample at(UserHistory sequence, int position) {
    return new TrainingSample(
        sequence.prefix(position), sequence.itemIds().get(position), position);
  }
}
