package io.recformer.train.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import io.recformer.core.metrics.MetricReport;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.optim.LinearSchedule;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.Progress;
import io.recformer.train.run.StageRunner;
import io.recformer.train.run.StepLoop;
import io.recformer.train.run.TrainingStep;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * One fine-tuning stage's side of the shared loop ({@link StageRunner} for the epochs, {@link
 * StepLoop} for the steps): an epoch's item matrix (stage 1 re-encodes it at the start of every
 * epoch, or takes the one the last validation encoded), its samples and length-grouped
 * micro-batches, the matrix copies on the other devices, each step's log row and matrix refresh,
 * the validation with the best model kept, and the saves after an epoch or inside one.
 */
final class FineTuneStage implements StageRunner.Stage, StepLoop.Epoch<List<TrainingSample>> {

  private final FineTuneLoop loop;
  private final FineTuneOptions options;
  private final FineTuneState state;
  private final ItemMatrices matrices;
  private final boolean reencode;
  private final boolean trainable;
  private final int patience;
  private final int samplesPerEpoch;
  private final LinearSchedule schedule;
  private final TrainingStep trainingStep;
  private final StepLoop stepLoop;
  private final int refreshSteps;
  private final double matrixRateFactor;
  // The matrix each device trains against in the current epoch.
  private List<NDArray> replicaMatrices;

  /**
   * @param reencode stage 1: the item matrix is encoded anew for every epoch
   * @param trainable the item matrix is a parameter
   * @param patience evaluations without improvement that end the stage
   */
  FineTuneStage(
      FineTuneLoop loop,
      boolean reencode,
      boolean trainable,
      int patience,
      int samplesPerEpoch,
      LinearSchedule schedule,
      TrainingStep trainingStep) {
    this.loop = loop;
    this.options = loop.options;
    this.state = loop.state;
    this.matrices = loop.matrices;
    this.reencode = reencode;
    this.trainable = trainable;
    this.patience = patience;
    this.samplesPerEpoch = samplesPerEpoch;
    this.schedule = schedule;
    this.trainingStep = trainingStep;
    this.stepLoop =
        new StepLoop(
            trainingStep, options.gradientAccumulation(), loop.tuner.stop, loop.run.root());
    boolean secondStage = state.stage.equals(FineTuner.STAGE2);
    this.refreshSteps = state.stage.equals(FineTuner.STAGE1) ? options.matrixRefreshSteps() : 0;
    this.matrixRateFactor = options.matrixRateFactor(secondStage);
  }

  @Override
  public void trainEpoch(int epoch) throws IOException {
    if (reencode && state.batchesDoneInEpoch == 0) { // mid-epoch, the saved matrix was loaded
      NDArray kept = matrices.takeKeptForNextEpoch();
      NDArray initial = kept == null ? matrices.takeInitial() : null;
      if (kept != null) {
        matrices.replaceFixed(kept); // encoded (and its spread logged) by the validation
      } else if (initial != null) {
        FineTuneLoop.LOG.info(
            "{} epoch 1: the item matrix of the zero-shot pass, same weights", state.stage);
        matrices.replaceFixed(initial);
        loop.report.logSpread(matrices.fixed());
      } else {
        matrices.replaceFixed(loop.encoder.itemMatrix(loop.manager));
        loop.report.logSpread(matrices.fixed());
      }
    }
    int stageIndex = state.stageIndex;
    int seedMix = (int) (options.seed() * 31 + stageIndex * 1_000_003L + epoch);
    Engine.getInstance().setRandomSeed(seedMix);
    List<TrainingSample> samples =
        new ArrayList<>(
            new FineTuneSampler(options.samplePolicy(), options.seed() + 7919L * stageIndex)
                .sample(loop.tuner.split.train(), epoch));
    Collections.shuffle(
        samples, new Random(options.seed() ^ (stageIndex * 0x9E3779B9L) ^ ((long) epoch << 20)));
    if (samples.size() > samplesPerEpoch) {
      samples = new ArrayList<>(samples.subList(0, samplesPerEpoch));
    }
    Map<String, NDArray> parameters = trainableParameters();
    // Weights may have been loaded into the primary model since the last epoch (best model,
    // resume); the fixed matrix changes between epochs and at refreshes, which redo the copies.
    loop.parallel.broadcastWeights();
    replicaMatrices = new ArrayList<>();
    // A trainable matrix is mirrored: broadcast with the weights, its gradient reduced.
    DataParallel.Mirror mirror = trainable ? loop.parallel.mirror(matrices.current(true)) : null;
    for (int i = 0; i < loop.parallel.size(); i++) {
      replicaMatrices.add(
          mirror != null
              ? mirror.get(i)
              : i == 0 ? matrices.current(false) : matrices.fixedCopyOn(loop.parallel.device(i)));
    }
    // Token counts of the histories, for grouping by length and the padding figure.
    IdentityHashMap<TrainingSample, Integer> lengths = new IdentityHashMap<>(samples.size() * 2);
    for (TrainingSample t : samples) {
      lengths.put(t, loop.softmax.encodeHistory(t).length());
    }
    ToIntFunction<TrainingSample> length = lengths::get;
    List<List<TrainingSample>> batches =
        MicroBatches.plan(
            samples,
            options.batchSize(),
            options.lengthGroupBatches(),
            length,
            new Random(options.seed() * 0x2545F491L + stageIndex * 131L + epoch));
    logPadding(samples, batches, length);
    try {
      trainBatches(batches, samples.size(), parameters);
    } finally {
      if (mirror != null) {
        mirror.close();
      } else {
        replicaMatrices.subList(1, replicaMatrices.size()).forEach(NDArray::close);
      }
      replicaMatrices = null;
    }
    state.epoch = epoch + 1;
    state.completedEpochs++;
  }

  private void trainBatches(
      List<List<TrainingSample>> batches, int sampleCount, Map<String, NDArray> parameters)
      throws IOException {
    Progress progress =
        new Progress(
            FineTuneLoop.LOG,
            String.format(Locale.ROOT, "%s epoch %d", state.stage, state.epoch + 1),
            sampleCount,
            "samples",
            30);
    if (state.batchesDoneInEpoch > 0) {
      FineTuneLoop.LOG.info(
          "{} epoch {}: resuming after micro-batch {} of {} (step {})",
          state.stage,
          state.epoch + 1,
          state.batchesDoneInEpoch,
          batches.size(),
          state.globalStep);
    }
    // A stage's own schedule is indexed by the stage's step, which runs in step with the run's.
    long stageOffset = state.globalStep - state.stageStep;
    boolean ownSchedule = options.freshOptimizerPerStage();
    StepLoop.Plan plan =
        new StepLoop.Plan(
            parameters,
            name -> name.equals(FineTuneLoop.ITEM_MATRIX) ? matrixRateFactor : 1,
            step -> schedule.rate(ownSchedule ? step - stageOffset : step),
            options.seed() * 31 + state.stageIndex * 1_000_003L);
    stepLoop.run(this, plan, batches, state.batchesDoneInEpoch, state.globalStep, progress);
    state.batchesDoneInEpoch = 0;
    state.stepsDoneInEpoch = 0;
  }

  @Override
  public void microBatch(List<TrainingSample> batch) {
    loop.softmax.microBatch(batch, trainable, replicaMatrices);
  }

  @Override
  public int samples(List<TrainingSample> batch) {
    return batch.size();
  }

  @Override
  public boolean afterStep(StepLoop.Step step) {
    OptimizerStep.Outcome outcome = step.result().outcome();
    state.skippedSteps = trainingStep.skippedSteps();
    state.globalStep = step.number();
    state.stageStep++;
    loop.steps.append(
        state.stage,
        state.epoch + 1,
        state.globalStep,
        step.loss(),
        step.rate(),
        outcome.norm(0),
        outcome.norm(1),
        outcome.skipped() ? 1 : 0);
    state.samplesSeen += step.samples();
    state.stepsDoneInEpoch++;
    if (refreshSteps > 0 && state.stepsDoneInEpoch % refreshSteps == 0 && !step.lastOfEpoch()) {
      // The next epoch and validation re-encode anyway, hence not after the last step.
      refreshMatrix();
    }
    return false;
  }

  @Override
  public void saveInsideEpoch(int batchesDone) throws IOException {
    state.batchesDoneInEpoch = batchesDone;
    state.saveLast(loop.optimizer, trainingStep.lossScaler(), trainable);
    state.save(false);
  }

  /** Re-encodes the item matrix with the current encoder, on every device (stage 1 only). */
  private void refreshMatrix() {
    FineTuneLoop.LOG.info(
        "{} epoch {}: re-encoding the item matrix after step {} (matrixRefreshSteps {})",
        state.stage,
        state.epoch + 1,
        state.globalStep,
        options.matrixRefreshSteps());
    matrices.replaceFixed(loop.encoder.itemMatrix(loop.manager));
    loop.report.logSpread(matrices.fixed());
    replicaMatrices.set(0, matrices.fixed());
    for (int i = 1; i < replicaMatrices.size(); i++) {
      replicaMatrices.get(i).close();
      replicaMatrices.set(i, matrices.fixedCopyOn(loop.parallel.device(i)));
    }
  }

  /**
   * Validates the current model and keeps it if it is the best so far. The original validates stage
   * 1 against the matrix the epoch trained with (encoded at its start); stage1ValidationReencodes
   * encodes a fresh one, which the next epoch then reuses.
   */
  @Override
  public void evaluate(int epochsDone) throws IOException {
    boolean fresh = reencode && options.stage1ValidationReencodes();
    NDArray evalMatrix =
        fresh
            ? loop.encoder.itemMatrix(loop.manager)
            : trainable ? matrices.normalizedTrainable() : matrices.fixed();
    if (fresh) {
      loop.report.logSpread(evalMatrix);
    }
    MetricReport validation =
        loop.evaluator.evaluate(loop.encoder, loop.tuner.validationExamples, evalMatrix);
    loop.logEval(state.stage, state.epoch, "validation", validation);
    double value = validation.get(options.validationMetric());
    FineTuneLoop.LOG.info(
        String.format(
            Locale.ROOT,
            "%s epoch %d: validation %s = %.5f (best %.5f)",
            state.stage,
            state.epoch,
            options.validationMetric(),
            value,
            state.selection.best()));
    if (state.selection.offer(value)) {
      state.bestStage = state.stage;
      state.bestValidation = FineTuneReport.node(validation);
      state.saveBest(evalMatrix);
    }
    if (fresh) {
      matrices.keepForNextEpoch(evalMatrix);
    } else if (evalMatrix != matrices.fixed()) {
      evalMatrix.close();
    }
    if (ended()) {
      FineTuneLoop.LOG.info(
          "{}: no improvement in {} evaluations, stopping", state.stage, patience);
    }
  }

  @Override
  public boolean ended() {
    return state.selection.exhausted(patience);
  }

  @Override
  public void save(int epochsDone, boolean stageDone) throws IOException {
    state.saveLast(loop.optimizer, trainingStep.lossScaler(), trainable);
    state.save(stageDone);
    int interruptAfter = loop.tuner.interruptAfterEpochs;
    if (interruptAfter >= 0 && state.completedEpochs >= interruptAfter) {
      throw new FineTuner.Interrupted(state.completedEpochs);
    }
  }

  /** Logs the share of computed positions that are tokens, this order against the other. */
  private void logPadding(
      List<TrainingSample> samples,
      List<List<TrainingSample>> batches,
      ToIntFunction<TrainingSample> length) {
    int chunk = loop.tuner.config().attentionWindow() / 2;
    boolean grouped = options.lengthGroupBatches() > 0;
    List<List<TrainingSample>> other =
        MicroBatches.plan(samples, options.batchSize(), grouped ? 0 : 32, length, new Random(0));
    FineTuneLoop.LOG.info(
        String.format(
            Locale.ROOT,
            "%s epoch %d: %d samples in %d micro-batches (%s),"
                + " %.1f%% of the positions computed are tokens, the rest padding (%s: %.1f%%)",
            state.stage,
            state.epoch + 1,
            samples.size(),
            batches.size(),
            grouped ? "grouped by length in runs of " + options.lengthGroupBatches() : "random",
            100 * MicroBatches.tokenShare(batches, length, chunk),
            grouped ? "random batches" : "grouped by length in runs of 32",
            100 * MicroBatches.tokenShare(other, length, chunk)));
  }

  private Map<String, NDArray> trainableParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : loop.model.parameterShapes().keySet()) {
      if (loop.model.parameter(name).requiresGradient()) {
        out.put(name, loop.model.parameter(name).getArray());
      }
    }
    if (trainable) {
      out.put(FineTuneLoop.ITEM_MATRIX, matrices.trainable());
    }
    return out;
  }
}
