package io.recformer.data.stats;

import java.util.Arrays;
import java.util.Locale;

/**
 * Summary of an integer distribution. Percentiles use the nearest-rank method (the smallest value
 * with at least p% of the values at or below it).
 *
 * @param count number of values
 * @param min smallest value
 * @param max largest value
 * @param mean arithmetic mean
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 */
public record Distribution(long count, int min, int max, double mean, int p50, int p90, int p99) {

  /** The distribution of these values (copied and sorted); empty input gives all zeros. */
  public static Distribution of(int[] values) {
    if (values.length == 0) {
      return new Distribution(0, 0, 0, 0, 0, 0, 0);
    }
    int[] sorted = values.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (int v : sorted) {
      sum += v;
    }
    return new Distribution(
        sorted.length,
        sorted[0],
        sorted[sorted.length - 1],
        sum / sorted.length,
        rank(sorted, 50),
        rank(sorted, 90),
        rank(sorted, 99));
  }

  private static int rank(int[] sorted, int percent) {
    int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** {@code min / p50 / mean / p90 / p99 / max}. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "min %d / median %d / mean %.2f / p90 %d / p99 %d / max %d",
        min,
        p50,
        mean,
        p90,
        p99,
        max);
  }
}
