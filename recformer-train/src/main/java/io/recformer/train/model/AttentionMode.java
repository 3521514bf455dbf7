package io.recformer.train.model;

/**
 * How self-attention is computed. Both give the same numbers (Hugging Face Longformer semantics);
 * they differ only in cost.
 */
public enum AttentionMode {
  /** Chunked sliding-window attention, O(n w) time and memory. The only mode for real use. */
  SLIDING_WINDOW,
  /**
   * One masked n x n score matrix per head, O(n^2). A test oracle and benchmark comparator for
   * {@link #SLIDING_WINDOW}; never use it for training or serving.
   */
  FULL_ORACLE
}
