package io.recformer.core.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How spread out a set of item vectors is under cosine similarity, from a sample of its rows.
 *
 * <p>Why it matters: training divides cosines by a temperature tau before the softmax. Text
 * encoders are often anisotropic (every pair of items has a cosine near some high mean), so the
 * cosines one query sees vary by only a few hundredths; divided by tau = 0.05 that is well under
 * one nat of logit spread, the softmax over the catalog is nearly uniform, and the loss weighs
 * every negative about equally instead of the near misses that decide the top ten. {@link
 * #logitSpread(double)} gives that spread for a candidate tau.
 *
 * <p>Statistics are over ordered pairs of distinct sampled rows (a row's cosine with itself is left
 * out): {@code meanCosine} is the mean cosine, {@code rowSpread} the mean over rows of the standard
 * deviation of that row's cosines, {@code nearestCosine} the mean over rows of the highest one.
 * Zero rows are rejected: they have no direction.
 *
 * @param meanCosine mean cosine between two distinct items
 * @param rowSpread mean per-row standard deviation of the cosines
 * @param nearestCosine mean cosine of an item with its nearest other item in the sample
 * @param rowsSampled rows the statistics come from
 * @param rows rows of the whole matrix
 */
public record CosineSpread(
    double meanCosine, double rowSpread, double nearestCosine, int rowsSampled, long rows) {

  /** Rows sampled by default: the pairwise pass is rowsSampled^2 x dim multiply-adds. */
  public static final int DEFAULT_SAMPLE = 2048;

  /** Logit standard deviation a query of this spread sees at temperature tau. */
  public double logitSpread(double temperature) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature = " + temperature + " must be > 0");
    }
    return rowSpread / temperature;
  }

  /**
   * The fields of this record plus the temperature and {@link #logitSpread(double)} at it, the form
   * run reports and evaluation files store.
   */
  public ObjectNode toJson(double temperature) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.put("meanCosine", meanCosine);
    node.put("rowSpread", rowSpread);
    node.put("nearestCosine", nearestCosine);
    node.put("rowsSampled", rowsSampled);
    node.put("rows", rows);
    node.put("temperature", temperature);
    node.put("logitSpreadAtTemperature", logitSpread(temperature));
    return node;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "cosine between items: mean %.4f, per-item sd %.4f, nearest %.4f (%d of %d rows)",
        meanCosine,
        rowSpread,
        nearestCosine,
        rowsSampled,
        rows);
  }

  /**
   * The rows to sample from a matrix of {@code rows} rows: all of them in order if there are at
   * most {@code max}, otherwise {@code max} distinct rows drawn with the seed, sorted.
   */
  public static long[] sampleRows(long rows, int max, long seed) {
    if (rows < 2) {
      throw new IllegalArgumentException("rows = " + rows + " must be >= 2");
    }
    if (max < 2) {
      throw new IllegalArgumentException("max = " + max + " must be >= 2");
    }
    if (rows <= max) {
      long[] all = new long[(int) rows];
      Arrays.setAll(all, i -> i);
      return all;
    }
    // Floyd's algorithm: max distinct values without materializing the range.
    SplittableRandom random = new SplittableRandom(seed);
    HashSet<Long> chosen = new HashSet<>();
    for (long j = rows - max; j < rows; j++) {
      long t = random.nextLong(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /**
   * The spread of the given rows (already sampled, see {@link #sampleRows}) of a matrix with {@code
   * rows} rows in all.
   *
   * @param sample at least two rows of equal length, none all zeros
   * @param rows row count of the whole matrix, for the record
   */
  public static CosineSpread of(float[][] sample, long rows) {
    int m = sample.length;
    if (m < 2) {
      throw new IllegalArgumentException("need at least 2 sampled rows, got " + m);
    }
    if (rows < m) {
      throw new IllegalArgumentException("rows = " + rows + " is below the sample's " + m);
    }
    int dim = sample[0].length;
    double[][] unit = new double[m][];
    for (int i = 0; i < m; i++) {
      if (sample[i].length != dim) {
        throw new IllegalArgumentException(
            "sampled row " + i + " has " + sample[i].length + " values, row 0 has " + dim);
      }
      unit[i] = unit(sample[i], i);
    }
    // One pass over the pairs i < j; each cosine counts for both of its rows. Cosines lie in
    // [-1, 1] and are summed in double, so the sum-of-squares variance loses nothing that matters.
    double[] sum = new double[m];
    double[] squares = new double[m];
    double[] nearest = new double[m];
    Arrays.fill(nearest, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        double c = dot(unit[i], unit[j]);
        sum[i] += c;
        sum[j] += c;
        squares[i] += c * c;
        squares[j] += c * c;
        nearest[i] = Math.max(nearest[i], c);
        nearest[j] = Math.max(nearest[j], c);
      }
    }
    double sumMean = 0;
    double sumSd = 0;
    double sumNearest = 0;
    for (int i = 0; i < m; i++) {
      double mean = sum[i] / (m - 1);
      sumMean += mean;
      sumSd += Math.sqrt(Math.max(0, squares[i] / (m - 1) - mean * mean));
      sumNearest += nearest[i];
    }
    return new CosineSpread(sumMean / m, sumSd / m, sumNearest / m, m, rows);
  }

  private static double[] unit(float[] row, int index) {
    double norm = 0;
    for (float v : row) {
      norm += (double) v * v;
    }
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Double.isFinite(norm)) {
      throw new IllegalArgumentException(
          "sampled row "
              + index
              + " has norm "
              + norm
              + "; a cosine needs a finite non-zero vector");
    }
    double[] u = new double[row.length];
    for (int k = 0; k < row.length; k++) {
      u[k] = row[k] / norm;
    }
    return u;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }
}
