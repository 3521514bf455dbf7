package io.recformer.train.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import io.recformer.train.optim.OptimizerStep;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The optimizer step shared by pre-training and fine-tuning, around the micro-batches that
 * accumulate its gradient: dropout is reseeded from the step's number before its first micro-batch
 * (so a run resumed mid-epoch draws what an uninterrupted one would), then the step clips, checks
 * and applies the gradients ({@link OptimizerStep}), copies the weights to the other replicas
 * ({@link DataParallel#broadcastWeights()}) and reads the step's losses back from the device once
 * ({@link StepLosses}), as the means over its micro-batches.
 */
public final class TrainingStep {

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

  public TrainingStep(OptimizerStep stepper, DataParallel parallel, StepLosses losses) {
    this.stepper = stepper;
    this.parallel = parallel;
    this.losses = losses;
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
    OptimizerStep.Outcome outcome = stepper.apply(parameters, rate, rateFactor, stepNumber);
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
