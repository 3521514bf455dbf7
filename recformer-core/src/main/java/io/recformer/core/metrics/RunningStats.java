package io.recformer.core.metrics;

/**
 * Count, mean and sum of squared deviations of a stream of values (Welford's update), mergeable
 * with another instance (Chan et al.'s pairwise formula) so that partial results computed in
 * parallel combine without loss of precision. Not thread-safe; the owner synchronizes.
 */
final class RunningStats {
  private long count;
  private double mean;
  private double m2;

  void add(double x) {
    count++;
    double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }

  void merge(RunningStats other) {
    if (other.count == 0) {
      return;
    }
    if (count == 0) {
      count = other.count;
      mean = other.mean;
      m2 = other.m2;
      return;
    }
    long n = count + other.count;
    double delta = other.mean - mean;
    mean += delta * other.count / n;
    m2 += other.m2 + delta * delta * ((double) count * other.count / n);
    count = n;
  }

  long count() {
    return count;
  }

  double mean() {
    return count == 0 ? Double.NaN : mean;
  }

  /** Sample standard deviation / sqrt(n): NaN below two values. */
  double standardError() {
    if (count < 2) {
      return Double.NaN;
    }
    double variance = Math.max(0, m2 / (count - 1));
    return Math.sqrt(variance / count);
  }

  RunningStats copy() {
    RunningStats c = new RunningStats();
    c.count = count;
    c.mean = mean;
    c.m2 = m2;
    return c;
  }
}
