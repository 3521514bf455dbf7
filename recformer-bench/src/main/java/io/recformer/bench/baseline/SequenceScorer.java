package io.recformer.bench.baseline;

import java.util.List;

/**
 * A next-item recommender that scores every catalog item for an input history. Histories are dense
 * catalog indices, oldest first; higher scores rank first.
 */
public interface SequenceScorer {

  /** A short label for tables, e.g. {@code "SASRec"}. */
  String name();

  /** Number of catalog items scored (the length of every score row). */
  int itemCount();

  /**
   * Scores every item for each history.
   *
   * @param histories input histories (non-empty, catalog indices)
   * @return one row of {@link #itemCount()} scores per history
   */
  float[][] score(List<int[]> histories);
}
