package io.recformer.train.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import io.recformer.train.model.Precision;
import io.recformer.train.optim.DynamicLossScaler;
import io.recformer.train.optim.OptimizerStep;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimizer step shared by pre-training and fine-tuning, around the micro-batches that
 * accumulate its gradient: dropout is reseeded from the step's number before its first micro-batch
 * (so a run resumed mid-epoch draws what an uninterrupted one would), then the step clips, checks
 * and applies the gradients ({@link OptimizerStep}), copies the weights to the other replicas
 * ({@link DataParallel#broadcastWeights()}) and reads the step's losses back from the device once
 * ({@link StepLosses}), as the means over its micro-batches.
 *
 * <p>Under {@link Precision#FP16_MIXED} the step owns a {@link DynamicLossScaler}: every backward
 * of its micro-batches multiplies the loss by the scale ({@link DataParallel#scaleLossesBy}), the
 * optimizer step divides the gradients by it before the norm, the clip and AdamW, a step whose
 * gradients overflowed is skipped and counted as any non-finite step, and the scale then moves
 * (halved after an overflow, doubled after {@link DynamicLossScaler#GROWTH_INTERVAL} good steps).
 * Its state belongs in the resumable checkpoint ({@code ResumePoint}, via {@link #lossScaler()}).
 */
public final class TrainingStep {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingStep.class);

  /**
   * What one step did.
   *
   * @param outcome the gradient norms and whether the step was skipped
   * @param losses each loss component's mean over the step's micro-batches
   */
  // The losses array is the step's own, read once and never compared.
  @SuppressWarnings("ArrayRecordComponent")
  public record Result(OptimizerStep.Outcome outcome, double[] losses) {}

  private final OptimizerStep stepper;
  private final DataParallel parallel;
  private final StepLosses losses;
  private final DynamicLossScaler scaler;

  /** A float32 step: no loss scaling. */
  public TrainingStep(OptimizerStep stepper, DataParallel parallel, StepLosses losses) {
    this(stepper, parallel, losses, Precision.FP32);
  }

  /** A step for {@code precision}: {@link Precision#FP16_MIXED} scales with PyTorch's defaults. */
  public TrainingStep(
      OptimizerStep stepper, DataParallel parallel, StepLosses losses, Precision precision) {
    this(
        stepper,
        parallel,
        losses,
        precision == Precision.FP16_MIXED ? DynamicLossScaler.defaults() : null);
  }

  /**
   * A step with a given scaler (tests start from a scale of their choice).
   *
   * @param scaler null for no loss scaling; installed into {@code parallel} until another step is
   *     made for it
   */
  public TrainingStep(
      OptimizerStep stepper, DataParallel parallel, StepLosses losses, DynamicLossScaler scaler) {
    this.stepper = stepper;
    this.parallel = parallel;
    this.losses = losses;
    this.scaler = scaler;
    parallel.scaleLossesBy(scaler == null ? () -> 1 : scaler::scale);
  }

  /** The loss scaler of a mixed-precision step, null in float32. */
  public DynamicLossScaler lossScaler() {
    return scaler;
  }

  /** Reseeds dropout for the step about to accumulate; call before its first micro-batch. */
  public static void seedDropout(long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
  }

  /**
   * Applies the accumulated gradients of {@code microBatches} micro-batches.
   *
   * @param parameters parameter name to its array, in a stable order
   * @param rate the learning rate of this step
   * @param rateFactor per-parameter factor on the rate
   * @param stepNumber the step's 1-based number, for logs
   */
  public Result apply(
      Map<String, NDArray> parameters,
      double rate,
      ToDoubleFunction<String> rateFactor,
      long stepNumber,
      int microBatches) {
    double scale = scaler == null ? 1 : scaler.scale();
    OptimizerStep.Outcome outcome = stepper.apply(parameters, rate, rateFactor, stepNumber, scale);
    if (scaler != null) {
      scaler.update(outcome.skipped());
      if (scaler.scale() != scale) {
        LOG.info("step {}: loss scale {} -> {}", stepNumber, scale, scaler.scale());
      }
    }
    parallel.broadcastWeights();
    double[] means = losses.readAndReset();
    for (int i = 0; i < means.length; i++) {
      means[i] /= microBatches;
    }
    return new Result(outcome, means);
  }

  /** Steps skipped so far because of a non-finite gradient norm. */
  public long skippedSteps() {
    return stepper.skippedSteps();
  }
}
