package io.recformer.bench.baseline;

import java.util.List;
import java.util.Locale;

/**
 * Zero-shot text baseline (ZESRec/UniSRec-like, no training): item vectors are L2-normalized
 * sentence embeddings of the items' text, the history vector is a recency-weighted mean of its
 * items' vectors, and an item's score is the cosine between the two.
 *
 * <p>The weight of the item {@code a} steps before the most recent one is {@code decay^a} ({@code
 * decay = 1} is a plain mean, {@code decay = 0} keeps only the last item). Item vectors are unit
 * length, so the cosine is the dot product with the normalized history vector.
 */
public final class TextBaseline implements SequenceScorer {

  private final float[][] itemVectors;
  private final double decay;
  private final String name;

  /**
   * @param itemVectors one unit-length vector per catalog item, all of one dimension
   * @param decay recency weight factor in [0, 1]
   */
  public TextBaseline(float[][] itemVectors, double decay, String name) {
    if (itemVectors.length == 0) {
      throw new IllegalArgumentException(
          "itemVectors must hold one vector per catalog item, got none");
    }
    if (!(decay >= 0 && decay <= 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "decay = %s must be in [0, 1]", decay));
    }
    int d = itemVectors[0].length;
    for (int i = 0; i < itemVectors.length; i++) {
      if (itemVectors[i] == null || itemVectors[i].length != d) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "item vector %d has dimension %s, expected %d like item 0",
                i,
                itemVectors[i] == null ? "null" : Integer.toString(itemVectors[i].length),
                d));
      }
    }
    this.itemVectors = itemVectors;
    this.decay = decay;
    this.name = name;
  }

  public TextBaseline withDecay(double newDecay) {
    return new TextBaseline(itemVectors, newDecay, name);
  }

  public double decay() {
    return decay;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int itemCount() {
    return itemVectors.length;
  }

  /** The normalized recency-weighted history vector (zero if the weighted sum vanishes). */
  public double[] historyVector(int[] history) {
    if (history.length == 0) {
      throw new IllegalArgumentException("cannot score an empty history");
    }
    int d = itemVectors[0].length;
    double[] h = new double[d];
    double w = 1;
    for (int a = 0; a < history.length; a++) {
      int item = history[history.length - 1 - a];
      if (item < 0 || item >= itemVectors.length) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "history item index %d is out of range: must be in [0, %d)",
                item,
                itemVectors.length));
      }
      if (w == 0) {
        break;
      }
      float[] v = itemVectors[item];
      for (int j = 0; j < d; j++) {
        h[j] += w * v[j];
      }
      w *= decay;
    }
    double norm = 0;
    for (double x : h) {
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) {
      for (int j = 0; j < d; j++) {
        h[j] /= norm;
      }
    }
    return h;
  }

  @Override
  public float[][] score(List<int[]> histories) {
    float[][] rows = new float[histories.size()][];
    int d = itemVectors[0].length;
    for (int r = 0; r < rows.length; r++) {
      double[] h = historyVector(histories.get(r));
      float[] row = new float[itemVectors.length];
      for (int i = 0; i < itemVectors.length; i++) {
        float[] v = itemVectors[i];
        double s = 0;
        for (int j = 0; j < d; j++) {
          s += h[j] * v[j];
        }
        row[i] = (float) s;
      }
      rows[r] = row;
    }
    return rows;
  }
}
