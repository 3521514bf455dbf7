package io.recformer.bench.baseline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Most-popular recommender: every item's score is the number of times it occurs in the training
 * sequences, the same list for every user.
 *
 * <p>Counting follows RecBole's {@code Pop}, which counts the interactions of the training part
 * only: with a leave-one-out split that is each user's items except the last two, so neither the
 * validation nor the test targets leak into the counts (even at test time, where the validation
 * item is part of the input). Every occurrence counts, repeats included. Items never seen in
 * training all score 0 and tie with each other, which is why the tie policy matters here.
 */
public final class PopularityBaseline implements SequenceScorer {

  private final float[] counts;

  private PopularityBaseline(float[] counts) {
    this.counts = counts;
  }

  /**
   * Counts item occurrences in {@code trainSequences}.
   *
   * @param itemCount catalog size
   * @param trainSequences training sequences in catalog indices
   * @throws IllegalArgumentException if an index is outside the catalog
   */
  public static PopularityBaseline fit(int itemCount, List<int[]> trainSequences) {
    if (itemCount < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "itemCount = %d must be >= 1", itemCount));
    }
    float[] counts = new float[itemCount];
    for (int[] sequence : trainSequences) {
      for (int item : sequence) {
        if (item < 0 || item >= itemCount) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "training item index %d is out of range: must be in [0, %d)",
                  item,
                  itemCount));
        }
        counts[item]++;
      }
    }
    return new PopularityBaseline(counts);
  }

  /** The training count of an item. */
  public int count(int item) {
    return (int) counts[item];
  }

  @Override
  public String name() {
    return "Popularity";
  }

  @Override
  public int itemCount() {
    return counts.length;
  }

  @Override
  public float[][] score(List<int[]> histories) {
    float[][] rows = new float[histories.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = Arrays.copyOf(counts, counts.length);
    }
    return rows;
  }
}
