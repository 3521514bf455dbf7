package io.recformer.core.metrics;

/**
 * Whether the items of a user's input history take part in the ranking of that user's target. Every
 * reported number should state the policy it used.
 */
public enum HistoryPolicy {
  /**
   * History items stay in the ranking and compete with the target: the original Recformer's
   * protocol (reference section 6); use it to compare with published numbers.
   */
  KEEP,
  /**
   * History items are removed from the ranking (common in the sequential-recommendation
   * literature). The target itself is never removed, even when it also occurs in the history.
   */
  EXCLUDE
}
