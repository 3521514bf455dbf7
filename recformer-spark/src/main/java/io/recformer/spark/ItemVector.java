package io.recformer.spark;

import java.io.Serializable;

/** An encoded item: its catalog row, id and the encoder's (not yet re-normalized) vector. */
// Task data, never compared or hashed: arrays keep Java serialization of a row compact.
@SuppressWarnings("ArrayRecordComponent")
record ItemVector(long row, String id, float[] vector) implements Serializable {
  private static final long serialVersionUID = 1L;
}
