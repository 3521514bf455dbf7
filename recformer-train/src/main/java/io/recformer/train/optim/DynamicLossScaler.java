package io.recformer.train.optim;

import java.util.Locale;

/**
 * Dynamic loss scaling for float16 training: the loss is multiplied by {@link #scale()} before
 * backward so that small gradients do not flush to zero in float16, the gradients are divided by it
 * again before clipping and the optimizer ({@link OptimizerStep#apply(java.util.Map, double,
 * java.util.function.ToDoubleFunction, long, double)}), and the scale follows the gradients: a step
 * whose gradients overflowed (a non-finite norm, which {@link OptimizerStep} already skips and
 * counts) halves it; {@code growthInterval} good steps in a row double it.
 *
 * <p>The policy is the usual one of mixed-precision trainers (PyTorch's {@code GradScaler}: initial
 * 2^16, factor 2 up, 0.5 down, 2000 steps); the scale never drops below {@code minScale} so that a
 * run whose gradients are NaN for another reason than overflow does not underflow the scale to 0.
 */
public final class DynamicLossScaler {

  /** The defaults of PyTorch's {@code GradScaler}. */
  public static final double INITIAL_SCALE = 65536;

  public static final int GROWTH_INTERVAL = 2000;

  private final double growthFactor;
  private final double backoffFactor;
  private final int growthInterval;
  private final double minScale;
  private double scale;
  private int goodSteps;

  /**
   * @param initialScale the first scale (a power of two keeps the scaling exact)
   * @param growthInterval good steps in a row before the scale grows
   * @param growthFactor factor on the scale after {@code growthInterval} good steps (> 1)
   * @param backoffFactor factor on the scale after an overflow (in (0, 1))
   * @param minScale the scale never goes below this (> 0)
   */
  public DynamicLossScaler(
      double initialScale,
      int growthInterval,
      double growthFactor,
      double backoffFactor,
      double minScale) {
    if (!(initialScale > 0) || Double.isInfinite(initialScale)) {
      throw new IllegalArgumentException("initial loss scale " + initialScale + " must be > 0");
    }
    if (growthInterval < 1) {
      throw new IllegalArgumentException("growthInterval " + growthInterval + " must be >= 1");
    }
    if (!(growthFactor > 1)) {
      throw new IllegalArgumentException("growthFactor " + growthFactor + " must be > 1");
    }
    if (!(backoffFactor > 0 && backoffFactor < 1)) {
      throw new IllegalArgumentException("backoffFactor " + backoffFactor + " must be in (0, 1)");
    }
    if (!(minScale > 0) || minScale > initialScale) {
      throw new IllegalArgumentException(
          "minScale " + minScale + " must be in (0, initial scale " + initialScale + "]");
    }
    this.scale = initialScale;
    this.growthInterval = growthInterval;
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.minScale = minScale;
  }

  /** PyTorch's defaults: 2^16, x2 after 2000 good steps, x0.5 on overflow, never below 1. */
  public static DynamicLossScaler defaults() {
    return new DynamicLossScaler(INITIAL_SCALE, GROWTH_INTERVAL, 2, 0.5, 1);
  }

  /** The factor on the loss before backward (and the divisor of the gradients after it). */
  public double scale() {
    return scale;
  }

  /** Good steps since the last change of the scale. */
  public int goodSteps() {
    return goodSteps;
  }

  /**
   * Moves the scale after a step: {@code skipped} (the step's gradients were not finite and {@link
   * OptimizerStep} skipped it) backs off; otherwise a good step counts toward growth.
   */
  public void update(boolean skipped) {
    if (skipped) {
      scale = Math.max(minScale, scale * backoffFactor);
      goodSteps = 0;
    } else if (++goodSteps >= growthInterval) {
      scale *= growthFactor;
      goodSteps = 0;
    }
  }

  /** Restores the state of a checkpoint ({@link #scale()}, {@link #goodSteps()}). */
  public void restore(double savedScale, int savedGoodSteps) {
    if (!(savedScale >= minScale) || Double.isInfinite(savedScale) || savedGoodSteps < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "saved loss scale %s / good steps %d: the scale must be >= %s and finite, the count"
                  + " >= 0",
              savedScale,
              savedGoodSteps,
              minScale));
    }
    scale = savedScale;
    goodSteps = savedGoodSteps;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "DynamicLossScaler[scale %.0f, %d good]", scale, goodSteps);
  }
}
