package io.recformer.train.model;

/**
 * How self-attention is computed. Every mode gives the same numbers (Hugging Face Longformer
 * semantics: a band of w/2 keys on each side plus the global tokens); they differ only in cost.
 */
public enum AttentionMode {
  /**
   * The mode for real use: exact sliding-window attention, computed by {@link #DENSE_BAND} when the
   * padded sequence spans at most {@link #DENSE_MAX_CHUNKS} chunks of w/2 and by {@link #CHUNKED}
   * otherwise (see {@link #resolve}).
   */
  SLIDING_WINDOW,
  /** Always the chunked O(n w) computation (a 3 w/2-key block per chunk of w/2 queries). */
  CHUNKED,
  /**
   * Always one n x n score matrix per head with an additive band-and-global mask: more
   * multiply-adds than {@link #CHUNKED} but none of its block building, so cheaper for short
   * sequences.
   */
  DENSE_BAND,
  /**
   * A test oracle and benchmark comparator: the same masked n x n computation as {@link
   * #DENSE_BAND}, named for the tests that check {@link #CHUNKED} against it. Never chosen by
   * {@link #resolve}.
   */
  FULL_ORACLE;

  /**
   * The longest padded sequence, in chunks of w/2, that {@link #SLIDING_WINDOW} computes densely.
   * Measured with {@code io.recformer.train.bench.AttentionCrossover} on an idle machine
   * (docs/benchmarks.md, "Dense band or chunks"): at MiniLM size, window 64, a training step is
   * 1.17x faster dense at 2 chunks (64 tokens), 1.02x at 4 (128 tokens, fine-tuning's length) and
   * slower from 6 chunks on (0.92x, then 0.61x at 8).
   */
  static final int DENSE_MAX_CHUNKS = 4;

  /**
   * The computation used for a batch padded to {@code paddedLength} tokens with chunk length {@code
   * chunk} = w/2: {@link #SLIDING_WINDOW} becomes {@link #DENSE_BAND} or {@link #CHUNKED}, every
   * other mode is itself.
   */
  AttentionMode resolve(int paddedLength, int chunk) {
    if (this != SLIDING_WINDOW) {
      return this;
    }
    return paddedLength <= (long) DENSE_MAX_CHUNKS * chunk ? DENSE_BAND : CHUNKED;
  }
}
