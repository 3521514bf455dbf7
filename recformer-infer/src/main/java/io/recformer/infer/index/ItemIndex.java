package io.recformer.infer.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Item vectors with their ids, answering "which K items are most similar to this query vector?" by
 * cosine similarity. {@link ExactItemIndex} compares every item; an approximate index (HNSW) is
 * meant to implement the same interface, so that the recommender and the catalog work with either.
 *
 * <p>Contract shared by every implementation:
 *
 * <ul>
 *   <li>Rows are dense, {@code 0..size()-1}, and stable: a row keeps its id for the lifetime of the
 *       instance and of every index {@linkplain #add derived} from it.
 *   <li>Queries are normalized internally; the score of an item is the cosine similarity with the
 *       query. Zero, NaN or infinite queries and queries of the wrong dimension are rejected with
 *       an {@link IllegalArgumentException}.
 *   <li>Results are sorted by score descending; equal scores are ordered by ascending row, so the
 *       result is deterministic. An approximate index may miss items, never invent them: every
 *       returned score is the item's true cosine with the query.
 *   <li>{@code k < 0} is rejected; {@code k == 0} returns an empty list; {@code k > size()} returns
 *       every item that passes the exclusions and filters.
 *   <li>{@link QueryOptions#threads()} and {@link QueryOptions#executor()} bound the threads one
 *       query uses; an index never starts threads of its own for a query when given an executor.
 *   <li>Instances are safe for concurrent queries from many threads, also while {@link #add} runs.
 *   <li>{@link #add} publishes safely: a query running on this instance or on the returned one
 *       never sees a partially added item (an id without its vector or the reverse).
 *   <li>Each row carries a text fingerprint ({@link #textFingerprint}): a hash of the item text the
 *       vector was computed from, 0 when unknown, saved and reopened with the index. The catalog
 *       uses it to find items whose text changed since they were embedded.
 *   <li>{@link #save} writes atomically (temporary file, fsync, move); every file format has a
 *       version checked on open and checksums that {@code verify} methods check.
 * </ul>
 */
public interface ItemIndex {

  /** What {@link #add} does with an id the index already holds. */
  enum OnExisting {
    /**
     * Reject the whole call, naming the id (the default: silent replacement hides id collisions).
     */
    FAIL,
    /** Replace the stored vector and text fingerprint; the item keeps its row. */
    REPLACE
  }

  /** Number of items. */
  int size();

  /** Length of every vector. */
  int dimension();

  /**
   * Identifies the model (or bundle) whose encoder produced the vectors, so that an index is never
   * queried with vectors of another model. May be empty, never null.
   */
  String fingerprint();

  /**
   * The id of the item at {@code row}; fails with {@link IndexOutOfBoundsException} outside range.
   */
  String itemId(int row);

  /** The row of this item, or empty when the index does not hold it. */
  OptionalInt rowOf(String itemId);

  /**
   * The fingerprint of the text the vector of {@code row} was computed from (see {@code
   * io.recformer.infer.catalog.TextFingerprint}), or 0 when the index does not know it (indexes
   * saved in format version 1, or built from vectors without text).
   */
  long textFingerprint(int row);

  /** A copy of the stored (normalized) vector of {@code row}. */
  float[] vector(int row);

  /** The {@code k} items most similar to {@code query} (see the class contract). */
  List<ScoredItem> topK(float[] query, int k, QueryOptions options);

  /** {@link #topK(float[], int, QueryOptions)} with {@link QueryOptions#DEFAULTS}. */
  default List<ScoredItem> topK(float[] query, int k) {
    return topK(query, k, QueryOptions.DEFAULTS);
  }

  /**
   * Answers several queries at once: element {@code i} of the result equals {@code topK(queries[i],
   * k, options)}. The exact index reads each block of item vectors from memory once for the whole
   * batch, which makes a batch cheaper per query than separate calls.
   */
  List<List<ScoredItem>> topK(float[][] queries, int k, QueryOptions options);

  /**
   * The index to query from now on: this index's items at unchanged rows, followed by the new ids
   * in the given order (ids already present keep their row under {@link OnExisting#REPLACE}).
   * Vectors are validated (dimension, finite, not all zero) and normalized; the caller's arrays are
   * not modified. A persistent implementation (the exact index) returns a new instance and leaves
   * this one unchanged; one that grows in place may return {@code this}. Calls must not overlap
   * (the caller serializes additions); queries may run concurrently.
   *
   * @param textFingerprints one per id (0 = unknown)
   * @throws IllegalArgumentException naming the id when an id repeats within the call, is already
   *     present under {@link OnExisting#FAIL}, or its vector is invalid; the index is then
   *     unchanged
   */
  ItemIndex add(
      List<String> ids, float[][] vectors, long[] textFingerprints, OnExisting onExisting);

  /** {@link #add} of new ids with unknown text fingerprints. */
  default ItemIndex add(List<String> ids, float[][] vectors) {
    return add(ids, vectors, new long[ids.size()], OnExisting.FAIL);
  }

  /**
   * Writes this index to {@code file} atomically, in a format that the implementation's {@code
   * open} reads back (the exact index: docs/formats.md, "Item index"). A mapped index is written
   * without a heap copy of its vectors.
   */
  void save(Path file) throws IOException;
}
