package io.recformer.bench.baseline;

import java.util.Arrays;
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
 *
 * <p>Scoring is a blocked matrix product: the item matrix is kept transposed in tiles of {@value
 * #TILE} items ({@code [dimension][tile]} doubles, small enough for the L2 cache), and each tile is
 * multiplied by every history of the batch before the next tile is read. Reading the whole item
 * matrix once per history instead (the earlier loop) made scoring memory-bound: about 0.7 GFLOP/s,
 * 470 s per pass over Games. Every score is still the same sequence of double operations (products
 * of the double history vector and the float item values, summed in dimension order, then rounded
 * to float), so scores, and with them ranks and ties, are bit-identical to the earlier loop.
 */
public final class TextBaseline implements SequenceScorer {

  /** Items per tile of the transposed item matrix. */
  static final int TILE = 128;

  private final float[][] itemVectors;
  private final double[][] tiles;
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
    this.tiles = tiles(itemVectors);
    this.decay = decay;
    this.name = name;
  }

  private TextBaseline(float[][] itemVectors, double[][] tiles, double decay, String name) {
    if (!(decay >= 0 && decay <= 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "decay = %s must be in [0, 1]", decay));
    }
    this.itemVectors = itemVectors;
    this.tiles = tiles;
    this.decay = decay;
    this.name = name;
  }

  /**
   * Tile t holds items [t * TILE, ...) transposed: value of dimension j of item i at j * width + i.
   */
  private static double[][] tiles(float[][] vectors) {
    int d = vectors[0].length;
    double[][] out = new double[(vectors.length + TILE - 1) / TILE][];
    for (int t = 0; t < out.length; t++) {
      int from = t * TILE;
      int width = Math.min(TILE, vectors.length - from);
      double[] tile = new double[d * width];
      for (int i = 0; i < width; i++) {
        float[] v = vectors[from + i];
        for (int j = 0; j < d; j++) {
          tile[j * width + i] = v[j];
        }
      }
      out[t] = tile;
    }
    return out;
  }

  public TextBaseline withDecay(double newDecay) {
    return new TextBaseline(itemVectors, tiles, newDecay, name);
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
    int users = histories.size();
    int d = itemVectors[0].length;
    double[][] h = new double[users][];
    float[][] rows = new float[users][];
    for (int u = 0; u < users; u++) {
      h[u] = historyVector(histories.get(u));
      rows[u] = new float[itemVectors.length];
    }
    double[] acc = new double[TILE];
    for (int t = 0; t < tiles.length; t++) {
      double[] tile = tiles[t];
      int from = t * TILE;
      int width = tile.length / d;
      for (int u = 0; u < users; u++) {
        double[] hu = h[u];
        Arrays.fill(acc, 0, width, 0.0);
        // Dimension-outer: each step is an axpy over the tile, which the JIT vectorizes; every
        // acc[i] still sums its products in dimension order, exactly as a per-item dot product.
        for (int j = 0; j < d; j++) {
          double hj = hu[j];
          int base = j * width;
          for (int i = 0; i < width; i++) {
            acc[i] += hj * tile[base + i];
          }
        }
        float[] row = rows[u];
        for (int i = 0; i < width; i++) {
          row[from + i] = (float) acc[i];
        }
      }
    }
    return rows;
  }
}
