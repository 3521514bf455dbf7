package io.recformer.core.item;

import java.util.List;
import java.util.Objects;

/**
 * One user's interactions in chronological order (oldest first), with timestamps where known.
 *
 * @param userId the user identifier, non-blank
 * @param itemIds the item ids, oldest first
 * @param timestamps seconds since the epoch, one per item, or an empty list when unknown
 */
public record UserHistory(String userId, List<String> itemIds, List<Long> timestamps) {

  public UserHistory {
    Objects.requireNonNull(userId, "user id");
    if (userId.isBlank()) {
      throw new IllegalArgumentException("user id must not be blank");
    }
    itemIds =
        List.copyOf(Objects.requireNonNull(itemIds, () -> "item ids of user '" + userId + "'"));
    timestamps =
        List.copyOf(
            Objects.requireNonNull(timestamps, () -> "timestamps of user '" + userId + "'"));
    if (!timestamps.isEmpty() && timestamps.size() != itemIds.size()) {
      throw new IllegalArgumentException(
          "user '"
              + userId
              + "' has "
              + itemIds.size()
              + " items but "
              + timestamps.size()
              + " timestamps");
    }
  }

  /** A history without timestamps. */
  public static UserHistory of(String userId, List<String> itemIds) {
    return new UserHistory(userId, itemIds, List.of());
  }

  public int size() {
    return itemIds.size();
  }

  public boolean hasTimestamps() {
    return !timestamps.isEmpty();
  }

  /** The first {@code length} interactions (a prefix keeps its timestamps). */
  public UserHistory prefix(int length) {
    if (length < 0 || length > itemIds.size()) {
      throw new IllegalArgumentException(
          "prefix length "
              + length
              + " outside [0, "
              + itemIds.size()
              + "] for user '"
              + userId
              + "'");
    }
    return new UserHistory(
        userId,
        itemIds.subList(0, length),
        timestamps.isEmpty() ? List.of() : timestamps.subList(0, length));
  }
}
