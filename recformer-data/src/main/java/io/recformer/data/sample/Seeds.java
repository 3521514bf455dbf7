package io.recformer.data.sample;

import java.util.SplittableRandom;

/**
 * Derives one independent random stream per (seed, epoch), so epochs can be replayed in any order.
 */
final class Seeds {

  private Seeds() {}

  static SplittableRandom forEpoch(long seed, int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    // SplitMix64 finalizer over (seed, epoch): well-mixed, distinct streams per epoch.
    long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return new SplittableRandom(z ^ (z >>> 31));
  }
}
