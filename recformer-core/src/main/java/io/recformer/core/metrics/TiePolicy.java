package io.recformer.core.metrics;

/**
 * How items scoring exactly the same as the target are ordered relative to it. Ties are rare with a
 * trained model in float32 but common with degenerate scores (an untrained model, a constant
 * baseline, quantized vectors), where the choice can move a metric from 0 to 1; every reported
 * number should state the policy it used.
 *
 * <p>With {@code g} the number of (non-excluded) items scoring strictly higher than the target and
 * {@code t} the number of other items scoring equal to it, the target's 0-based rank is one of
 * {@code g, g + 1, ..., g + t}.
 */
public enum TiePolicy {
  /**
   * Optimistic: rank = {@code g}, every tie is broken in the target's favour. This is the original
   * Recformer's rule (reference section 6); use it to compare with published numbers.
   */
  ORIGINAL,
  /** Rank = {@code g + t}, every tie is broken against the target: a lower bound on the metrics. */
  PESSIMISTIC,
  /**
   * The exact expected value of each metric under uniformly random tie-breaking: the metric is
   * averaged over the {@code t + 1} equally likely ranks {@code g .. g + t}. This is not the metric
   * of the expected rank (NDCG and MRR are convex in the rank, so those differ).
   */
  EXPECTED
}
