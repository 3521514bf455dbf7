package io.recformer.bench.paper;

import java.util.List;

/**
 * Mean and sample standard deviation (n - 1 in the denominator) of one metric over a row's seeds.
 *
 * @param sd 0 for a single seed (no spread measured: see {@link #measured()})
 */
public record Spread(double mean, double sd, int n) {

  /** Mean and sample standard deviation of the values (at least one). */
  public static Spread of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    double mean = sum / values.size();
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    double sd = values.size() > 1 ? Math.sqrt(squares / (values.size() - 1)) : 0;
    return new Spread(mean, sd, values.size());
  }

  /** True when the spread comes from at least two seeds. */
  public boolean measured() {
    return n > 1;
  }
}
