package io.recformer.spark;

import java.io.Serializable;

/** An encoded user: the history vector and the distinct history item ids (for exclusion). */
// Task data, never compared or hashed: arrays keep Java serialization of a row compact.
@SuppressWarnings("ArrayRecordComponent")
record EncodedUser(String userId, float[] vector, String[] historyIds) implements Serializable {
  private static final long serialVersionUID = 1L;
}
