package io.recformer.core.config;

/** How a sequence's hidden states become one vector. */
public enum Pooling {
  /**
   * The last layer's hidden state of the first ([CLS]) token: the paper's choice (reference section
   * 3).
   */
  CLS,
  /**
   * The mean of the last layer's hidden states over non-padding tokens: how all-MiniLM-L6-v2 was
   * trained.
   */
  MEAN
}
