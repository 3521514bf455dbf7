package io.recformer.train.run;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * The optimizer steps of one epoch, shared by pre-training and fine-tuning: it walks the epoch's
 * planned micro-batches from where a saved run left off, reseeds dropout before each accumulation
 * group's first micro-batch (from the number of steps taken, so a resumed run draws what an
 * uninterrupted one would), steps after {@code accumulation} micro-batches or at the epoch's last
 * one ({@link TrainingStep}), logs progress with rate and ETA, and at a step boundary inside the
 * epoch saves a resume point when the trainer asks for one or a stop was requested ({@link
 * StopSignal}), ending the run with {@link RunStoppedException} in the latter case.
 */
public final class StepLoop {

  /** What a trainer does inside the loop. */
  public interface Epoch<B> {

    /** Forward and backward of one micro-batch; its gradient accumulates until the step. */
    void microBatch(B batch);

    /** Samples (sequences, pairs) in a micro-batch, for progress and sample counts. */
    int samples(B batch);

    /**
     * After each optimizer step: logs it and does what the trainer does between steps (a
     * validation, a matrix refresh).
     *
     * @return true if the step ends the epoch early (a step budget was reached)
     */
    boolean afterStep(Step step) throws IOException;

    /** True if the trainer keeps a resume point after this step anyway (say, after validating). */
    default boolean resumePointAfter(Step step) {
      return false;
    }

    /** Saves a point to resume from inside the epoch, after {@code batchesDone} micro-batches. */
    void saveInsideEpoch(int batchesDone) throws IOException;
  }

  /**
   * One optimizer step that was taken.
   *
   * @param number the run's step count after it (1-based step number)
   * @param rate its learning rate
   * @param result gradient norms and mean losses
   * @param samples samples of its micro-batches
   * @param batchesDone micro-batches of the epoch done after it
   * @param lastOfEpoch whether it was the epoch's last step
   */
  public record Step(
      long number,
      double rate,
      TrainingStep.Result result,
      int samples,
      int batchesDone,
      boolean lastOfEpoch) {

    /** The step's first loss component (the total). */
    public double loss() {
      return result.losses()[0];
    }
  }

  /**
   * The fixed settings of an epoch's steps.
   *
   * @param parameters the trained parameters by name, in a stable order
   * @param rateFactor per-parameter factor on the learning rate
   * @param rate the learning rate of the step taken after {@code n} steps of the run
   * @param dropoutSeedBase added to the step count to seed dropout
   */
  public record Plan(
      Map<String, NDArray> parameters,
      ToDoubleFunction<String> rateFactor,
      LongToDoubleFunction rate,
      long dropoutSeedBase) {}

  private final TrainingStep trainingStep;
  private final int accumulation;
  private final StopSignal stop;
  private final Path runRoot;

  /**
   * @param accumulation micro-batches per optimizer step
   * @param runRoot the run directory, named by {@link RunStoppedException}
   */
  public StepLoop(TrainingStep trainingStep, int accumulation, StopSignal stop, Path runRoot) {
    if (accumulation < 1) {
      throw new IllegalArgumentException("accumulation = " + accumulation + " must be >= 1");
    }
    this.trainingStep = trainingStep;
    this.accumulation = accumulation;
    this.stop = stop;
    this.runRoot = runRoot;
  }

  /**
   * Trains {@code batches} from index {@code from} on.
   *
   * @param globalStep optimizer steps of the run before this call
   * @return true if {@link Epoch#afterStep} ended the epoch early
   */
  public <B> boolean run(
      Epoch<B> epoch, Plan plan, List<B> batches, int from, long globalStep, Progress progress)
      throws IOException {
    long step = globalStep;
    int inGroup = 0;
    int samplesInGroup = 0;
    for (int b = from; b < batches.size(); b++) {
      B batch = batches.get(b);
      if (inGroup == 0) {
        TrainingStep.seedDropout(plan.dropoutSeedBase() + step);
      }
      epoch.microBatch(batch);
      inGroup++;
      samplesInGroup += epoch.samples(batch);
      boolean last = b == batches.size() - 1;
      if (inGroup < accumulation && !last) {
        continue;
      }
      double rate = plan.rate().applyAsDouble(step);
      TrainingStep.Result result =
          trainingStep.apply(plan.parameters(), rate, plan.rateFactor(), step + 1, inGroup);
      step++;
      Step done = new Step(step, rate, result, samplesInGroup, b + 1, last);
      progress.advance(
          samplesInGroup, String.format(Locale.ROOT, "step %d, loss %.4f", step, done.loss()));
      inGroup = 0;
      samplesInGroup = 0;
      boolean ended = epoch.afterStep(done);
      boolean stopRequested = stop.requested();
      if (!last && !ended && (stopRequested || epoch.resumePointAfter(done))) {
        // The epoch's last step goes on to the epoch's end, which saves anyway.
        epoch.saveInsideEpoch(b + 1);
        if (stopRequested) {
          throw new RunStoppedException(runRoot, step, stop);
        }
      }
      if (ended) {
        return true;
      }
    }
    return false;
  }
}
