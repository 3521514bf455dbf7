package io.recformer.infer.index;

import java.util.List;
import java.util.OptionalInt;

/**
 * Item vectors with their ids, answering "which K items are most similar to this query vector?" by
 * cosine similarity.
 *
 * <p>Contract shared by every implementation (the exact flat index today, an approximate one
 * later):
 *
 * <ul>
 *   <li>Rows are dense, {@code 0..size()-1}, and stable for the lifetime of the instance.
 *   <li>Queries are normalized internally; the score of an item is the cosine similarity with the
 *       query. Zero, NaN or infinite queries and queries of the wrong dimension are rejected with
 *       an {@link IllegalArgumentException}.
 *   <li>Results are sorted by score descending; equal scores are ordered by ascending row, so the
 *       result is deterministic.
 *   <li>{@code k < 0} is rejected; {@code k == 0} returns an empty list; {@code k > size()} returns
 *       every item that passes the exclusions and filters.
 *   <li>Instances are safe for concurrent queries from many threads.
 * </ul>
 */
public interface ItemIndex {

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

  /** The {@code k} items most similar to {@code query} (see the class contract). */
  List<ScoredItem> topK(float[] query, int k, QueryOptions options);

  /** {@link #topK(float[], int, QueryOptions)} with {@link QueryOptions#DEFAULTS}. */
  default List<ScoredItem> topK(float[] query, int k) {
    return topK(query, k, QueryOptions.DEFAULTS);
  }

  /**
   * Answers several queries in one scan over the items: element {@code i} of the result equals
   * {@code topK(queries[i], k, options)}. Faster per query than separate calls, because each block
   * of item vectors is read from memory once for the whole batch.
   */
  List<List<ScoredItem>> topK(float[][] queries, int k, QueryOptions options);
}
