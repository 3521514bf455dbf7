package io.recformer.train.optim;

import java.util.Locale;

/**
 * Linear warmup from 0 to the base rate over {@code warmupSteps}, then linear decay to 0 at {@code
 * totalSteps}, as Hugging Face's {@code get_linear_schedule_with_warmup} that the original
 * Recformer uses: the rate of optimizer step {@code s} (0-based) is {@code base * s / warmup} while
 * {@code s < warmup}, then {@code base * max(0, (total - s) / (total - warmup))}. With warmup the
 * first step therefore has rate 0, exactly as the original.
 *
 * @param baseRate peak learning rate (original: 5e-5)
 * @param warmupSteps steps of linear warmup (original: 0 in pre-training, 100 in fine-tuning)
 * @param totalSteps steps after which the rate is 0; at least {@code warmupSteps}
 */
public record LinearSchedule(double baseRate, long warmupSteps, long totalSteps) {

  public LinearSchedule {
    if (!(baseRate > 0) || !Double.isFinite(baseRate)) {
      throw new IllegalArgumentException("baseRate = " + baseRate + " must be finite and > 0");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps = " + warmupSteps + " must be >= 0");
    }
    if (totalSteps < Math.max(1, warmupSteps)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "totalSteps = %d must be >= max(1, warmupSteps = %d)",
              totalSteps,
              warmupSteps));
    }
  }

  /** The learning rate of the 0-based optimizer step {@code step}. */
  public double rate(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step = " + step + " must be >= 0");
    }
    if (step < warmupSteps) {
      return baseRate * step / Math.max(1, warmupSteps);
    }
    return baseRate
        * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  }
}
