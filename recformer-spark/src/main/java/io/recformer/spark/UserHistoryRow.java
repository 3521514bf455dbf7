package io.recformer.spark;

import java.io.Serializable;

/** A user to score: their id and history item ids, oldest first. */
// Task data, never compared or hashed: arrays keep Java serialization of a row compact.
@SuppressWarnings("ArrayRecordComponent")
record UserHistoryRow(String userId, String[] history) implements Serializable {
  private static final long serialVersionUID = 1L;
}
