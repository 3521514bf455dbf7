package io.recformer.train.finetune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.metrics.CosineSpread;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.data.split.UserSampling;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ResumePoint;
import io.recformer.train.eval.Encoder;
import io.recformer.train.eval.ItemMatrixSpread;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.LinearSchedule;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.Devices;
import io.recformer.train.run.Progress;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StepLosses;
import io.recformer.train.run.StopSignal;
import io.recformer.train.run.TrainingStep;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes a Recformer model with Algorithm 1 (reference section 5) or one of its ablation
 * variants ({@link Variant}), evaluating the test split before (zero-shot) and after training with
 * the protocol of section 6, into a run directory ({@link RunDirectory}).
 *
 * <p>Stage 1 re-encodes the whole item matrix at the start of every epoch (no gradient,
 * length-sorted batches) and trains one epoch of full-softmax cross-entropy of {@code cos / tau}
 * against that constant matrix; the softmax is computed in item chunks ({@link ItemSoftmaxLoss}) so
 * the peak memory is the matrix plus one chunk of logits. Validation every {@code evalEvery} epochs
 * scores with the matrix the epoch trained against, as the original does ({@code
 * stage1ValidationReencodes} re-encodes it instead, and the next epoch reuses that encoding); the
 * best model and its matrix are kept in {@code best/}; {@code patience} evaluations without
 * improvement end the stage. Stage 2 reloads the best model, freezes its matrix for good and trains
 * the encoder only. The best metric carries over from stage 1, so {@code best/} always holds the
 * overall best and stage 2 only replaces it when it improves.
 *
 * <p>One AdamW and one linear schedule (warmup, then decay to 0 at {@code epochs x steps per
 * epoch}) run through both stages, as in the original; {@code freshOptimizerPerStage} gives each
 * stage its own. A partial accumulation group at the end of an epoch is stepped too. Reproducible:
 * sampling, shuffling and dropout are seeded from the options' seed, the stage and the epoch (the
 * PyTorch generator is reseeded at every epoch), so the same seed and config give the same metrics,
 * and a run resumed from its last completed epoch ({@link #resume}) continues exactly as if it had
 * not been interrupted.
 *
 * <p>Parts live in their own classes: the loss of a micro-batch ({@link FineTuneLoss}), the item
 * matrices and who owns them ({@link ItemMatrices}), the report ({@link FineTuneReport}), and,
 * shared with pre-training, the optimizer step ({@link TrainingStep}) and the resumable checkpoint
 * ({@link ResumePoint}). Still over 400 lines: the inner {@code Session} is the run's state machine
 * (stages, epochs, the counters saved in state.json, validation and the best model), whose state
 * has not been moved into a class of its own yet.
 */
public final class FineTuner {

  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);
  static final String STAGE1 = "stage1";
  static final String STAGE2 = "stage2";

  /** Name of the trainable item matrix among the optimizer's parameters. */
  private static final String ITEM_MATRIX = ItemMatrices.TENSOR;

  private final FineTuneOptions options;
  private final RecformerConfig config;
  private final Map<String, WeightTensor> initialWeights;
  private final RecformerTokenizer tokenizer;
  private final LeaveOneOutSplit split;
  private final List<Example> validationExamples;
  private final List<Example> testExamples;
  private final String datasetFingerprint;
  private int interruptAfterEpochs = -1;
  private StopSignal stop = StopSignal.none();

  /**
   * @param config the model's config; {@code maxTokens} and {@code pooling} are overridden by the
   *     options when set, and the tokenizer must have been opened with the resulting maxTokens
   * @param initialWeights the starting weights (pre-trained or imported), this project's names
   * @param tokenizer open tokenizer (stays owned by the caller)
   * @param split leave-one-out split of the dataset to fine-tune on
   */
  public FineTuner(
      FineTuneOptions options,
      RecformerConfig config,
      Map<String, WeightTensor> initialWeights,
      RecformerTokenizer tokenizer,
      LeaveOneOutSplit split) {
    this.options = options;
    RecformerConfig.Builder b = config.toBuilder();
    if (options.maxTokens() > 0) {
      b.maxTokens(options.maxTokens());
    }
    if (options.pooling() != null) {
      b.pooling(options.pooling());
    }
    this.config = b.build();
    if (tokenizer.config().maxTokens() != this.config.maxTokens()
        || tokenizer.config().maxItems() != this.config.maxItems()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "the tokenizer encodes maxTokens %d / maxItems %d but the run uses %d / %d; open the"
                  + " tokenizer with the run's config",
              tokenizer.config().maxTokens(),
              tokenizer.config().maxItems(),
              this.config.maxTokens(),
              this.config.maxItems()));
    }
    this.initialWeights = initialWeights;
    this.tokenizer = tokenizer;
    this.split = split;
    this.datasetFingerprint = split.dataset().fingerprint();
    if (split.validation().isEmpty() || split.test().isEmpty()) {
      throw new IllegalArgumentException(
          "the split has no validation or test users (users need" + " at least 3 interactions)");
    }
    this.validationExamples =
        validationSubsample(split.validation(), options.validationUsers(), options.seed());
    this.testExamples = testSubsample(split.test(), options.testUsers(), options.seed());
  }

  /** The test users of a run's zero-shot and final evaluations ({@code testUsers} option). */
  public static List<Example> testSubsample(List<Example> test, int users, long seed) {
    return UserSampling.examples(test, users, seed ^ 0x7E57L);
  }

  /** The validation users of a run's model selection ({@code validationUsers} option). */
  public static List<Example> validationSubsample(List<Example> validation, int users, long seed) {
    return UserSampling.examples(validation, users, seed ^ 0x5EEDL);
  }

  /** The resolved model config of this run. */
  public RecformerConfig config() {
    return config;
  }

  /** Test hook: stop (as if killed) after this many completed epochs of the whole run. */
  /**
   * Makes the run stop at its next optimizer step (or epoch) boundary once {@code signal} requests
   * it, after saving a checkpoint that {@link #resume} continues exactly; the run then ends with
   * {@link RunStoppedException}.
   */
  public void stopOn(StopSignal signal) {
    this.stop = Objects.requireNonNull(signal, "signal");
  }

  void interruptAfterEpochs(int epochs) {
    this.interruptAfterEpochs = epochs;
  }

  /** Runs from the start into {@code runDirectory} (which must be new or empty). */
  public FineTuneResult run(Path runDirectory) throws IOException {
    return execute(RunDirectory.create(runDirectory), null);
  }

  /** Continues an interrupted run from its last completed epoch. */
  public FineTuneResult resume(Path runDirectory) throws IOException {
    RunDirectory run = RunDirectory.existing(runDirectory);
    return execute(run, run.readJson("state.json"));
  }

  /** Thrown by the test hook to simulate a process killed between epochs. */
  static final class Interrupted extends RuntimeException {
    Interrupted(int epochs) {
      super("interrupted after " + epochs + " epochs");
    }
  }

  private FineTuneResult execute(RunDirectory run, JsonNode resumeState) throws IOException {
    List<Device> devices = Devices.selectAll(options.device());
    try (NDManager manager = NDManager.newBaseManager(devices.get(0));
        RecformerModel model = RecformerModel.newInstance(manager, config, options.seed())) {
      model.loadWeights(initialWeights);
      model.setGradientCheckpointing(options.gradientCheckpointing()); // replicas follow it
      model.setPrecision(options.precision()); // replicas follow this too
      ItemTokenCache cache = new ItemTokenCache(tokenizer, split.dataset().items()).tokenizeAll();
      try (DataParallel parallel = DataParallel.of(model, devices, options.seed())) {
        if (parallel.size() > 1) {
          LOG.info("data-parallel training on {} devices {}", parallel.size(), devices);
        }
        Session s = new Session(run, manager, model, parallel, cache);
        return s.execute(resumeState);
      }
    }
  }

  /** One execution of the run (fresh or resumed): the mutable state of the loop. */
  private final class Session {
    final RunDirectory run;
    final NDManager manager;
    final RecformerModel model;
    final DataParallel parallel;
    final Encoder encoder;
    final RankingEvaluator evaluator;
    final ItemCatalog catalog;
    final CsvLog steps;
    final CsvLog evals;
    final List<String> metricNames;
    final long startNanos = System.nanoTime();

    // State saved in state.json after every epoch.
    String stage;
    int stageIndex;
    int epoch;
    long globalStep;
    long stageStep;
    double bestMetric = Double.NEGATIVE_INFINITY;
    String bestStage = "initial";
    int badEvaluations;
    int completedEpochs;
    long samplesSeen;
    ObjectNode zeroShot;
    ObjectNode popularity;
    ObjectNode bestValidation;

    final ItemMatrices matrices;
    AdamW optimizer;
    OptimizerStep stepper;
    TrainingStep trainingStep;
    // The training loss of the current optimizer step, summed on the device.
    StepLosses losses;
    FineTuneLoss softmax;
    long skippedSteps;
    // Where a stopped run left its epoch: micro-batches and optimizer steps done (0 at a boundary).
    int batchesDoneInEpoch;
    long stepsDoneInEpoch;

    Session(
        RunDirectory run,
        NDManager manager,
        RecformerModel model,
        DataParallel parallel,
        ItemTokenCache cache) {
      this.run = run;
      this.manager = manager;
      this.model = model;
      this.parallel = parallel;
      this.encoder = new Encoder(model, cache, tokenizer.padId(), options.evalBatchSize());
      this.evaluator =
          new RankingEvaluator(
              options.tiePolicy(), options.historyPolicy(), 256, options.historyPenalty());
      this.catalog = cache.catalog();
      this.metricNames = List.of("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR");
      this.steps = run.stepLog();
      this.evals = run.evalLog(metricNames);
      this.matrices = new ItemMatrices(manager);
    }

    FineTuneResult execute(JsonNode resume) throws IOException {
      List<String> stages = stagesOf(options.variant());
      if (resume == null) {
        writeRunFiles();
        boolean startsFromInitialMatrix =
            options.variant() != Variant.BOTH_STAGES && options.variant() != Variant.STAGE1_ONLY;
        try (NDManager scope = manager.newSubManager()) {
          // Stage 1 encodes its own matrix; encode one here only for a user of it (a minute).
          NDArray m0 =
              options.zeroShotTest() || startsFromInitialMatrix ? encoder.itemMatrix(scope) : null;
          if (options.zeroShotTest()) {
            MetricReport zero = evaluator.evaluate(encoder, testExamples, m0);
            logEval("zero-shot", 0, "test", zero);
            zeroShot = FineTuneReport.node(zero);
            LOG.info("zero-shot test: {}", zero.metrics());
          } else {
            LOG.info("zero-shot test skipped (option zeroShotTest = false)");
          }
          MetricReport pop = evaluator.popularity(catalog, split.train(), testExamples);
          logEval("popularity", 0, "test", pop);
          popularity = FineTuneReport.node(pop);
          if (startsFromInitialMatrix) {
            // The fixed or trainable matrix starts from the initial model's encodings.
            ItemMatrices.write(run.resolve("initial-matrix.safetensors"), m0);
          } else if (m0 != null && stages.get(0).equals(STAGE1)) {
            // Encoded by the weights stage 1's first epoch starts from: that epoch takes it
            // instead of encoding the catalog a second time.
            matrices.keepInitial(m0);
          }
        }
        stageIndex = 0;
        stage = stages.get(0);
        epoch = 0;
      }
      boolean freshStage = resume == null || restore(resume, stages);
      if (!options.freshOptimizerPerStage()) {
        // The original: one AdamW for the whole run; a resumed run takes its saved moments.
        optimizer = new AdamW(manager, AdamW.Options.withWeightDecay(options.weightDecay()));
        if (resume != null) {
          ResumePoint.restoreOptimizer(run.resolve("last"), optimizer, false);
        }
      }
      losses = new StepLosses(manager, 1);
      softmax =
          new FineTuneLoss(options, config, encoder, tokenizer.clsId(), manager, parallel, losses);
      try {
        while (stageIndex < stages.size()) {
          runStage(freshStage);
          stageIndex++;
          if (stageIndex < stages.size()) {
            stage = stages.get(stageIndex);
            epoch = 0;
            stageStep = 0;
            badEvaluations = 0;
            freshStage = true;
          }
        }
      } finally {
        losses.close();
        if (optimizer != null) {
          optimizer.close();
          optimizer = null;
        }
      }
      return finish();
    }

    /**
     * The learning-rate schedule of the current stage: the original's one schedule over the whole
     * run (decaying to 0 at {@code epochs} stage-1 epochs, indexed by the run's step), or, with
     * {@code freshOptimizerPerStage}, the stage's own (indexed by the stage's step).
     */
    private LinearSchedule scheduleOf(boolean secondStage, long stepsPerEpoch) {
      int epochs =
          options.freshOptimizerPerStage() ? options.epochsOfStage(secondStage) : options.epochs();
      return new LinearSchedule(
          options.learningRateOfStage(secondStage),
          options.warmupSteps(),
          Math.max(Math.max(1L, options.warmupSteps()), epochs * stepsPerEpoch));
    }

    /** The step a schedule from {@link #scheduleOf} is read at for the next optimizer step. */
    private long scheduleStep() {
      return options.freshOptimizerPerStage() ? stageStep : globalStep;
    }

    private void runStage(boolean fresh) throws IOException {
      boolean reencode = stage.equals(STAGE1);
      boolean trainable =
          options.variant() == Variant.TRAINABLE_MATRIX
              || (stage.equals(STAGE2) && options.stage2TrainsMatrix());
      int patience =
          stage.equals(STAGE2) || options.variant() == Variant.STAGE2_ONLY
              ? options.patienceStage2()
              : options.patienceStage1();
      // Both policies give the same number of samples every epoch.
      int available =
          new FineTuneSampler(options.samplePolicy(), options.seed())
              .sample(split.train(), 0)
              .size();
      int samplesPerEpoch =
          Math.max(
              1,
              options.samplesPerEpoch() > 0
                  ? Math.min(options.samplesPerEpoch(), available)
                  : available);
      boolean secondStage = stage.equals(STAGE2);
      double budgetMinutes = secondStage ? options.stage2Minutes() : options.stage1Minutes();
      int epochs = options.epochsOfStage(secondStage);
      long stageStart = System.nanoTime();
      long microBatches = ((long) samplesPerEpoch + options.batchSize() - 1) / options.batchSize();
      long stepsPerEpoch =
          (microBatches + options.gradientAccumulation() - 1) / options.gradientAccumulation();
      LinearSchedule schedule = scheduleOf(secondStage, stepsPerEpoch);
      if (options.freshOptimizerPerStage()) {
        optimizer = new AdamW(manager, AdamW.Options.withWeightDecay(options.weightDecay()));
      }
      // The trainable item matrix is clipped on its own: its gradients have another scale.
      stepper =
          new OptimizerStep(
              optimizer,
              List.of(
                  new OptimizerStep.Group(
                      "encoder", name -> !name.equals(ITEM_MATRIX), options.clipNorm()),
                  new OptimizerStep.Group(ITEM_MATRIX, ITEM_MATRIX::equals, options.clipNorm())));
      stepper.restoreSkippedSteps(skippedSteps);
      trainingStep = new TrainingStep(stepper, parallel, losses, options.precision());
      try {
        if (fresh) {
          prepareStageMatrix(trainable, reencode);
        } else {
          loadLast(trainable, reencode);
        }
        matrices.dropKeptForNextEpoch();
        while (epoch < epochs) {
          long epochStart = System.nanoTime();
          if (reencode && batchesDoneInEpoch == 0) { // mid-epoch, the saved matrix was loaded
            NDArray kept = matrices.takeKeptForNextEpoch();
            NDArray initial = kept == null ? matrices.takeInitial() : null;
            if (kept != null) {
              matrices.replaceFixed(kept); // encoded (and its spread logged) by the validation
            } else if (initial != null) {
              LOG.info("{} epoch 1: the item matrix of the zero-shot pass, same weights", stage);
              matrices.replaceFixed(initial);
              logSpread(matrices.fixed());
            } else {
              matrices.replaceFixed(encoder.itemMatrix(manager));
              logSpread(matrices.fixed());
            }
          }
          trainEpoch(schedule, samplesPerEpoch, trainable);
          epoch++;
          completedEpochs++;
          boolean stop = false;
          if (epoch % options.evalEvery() == 0 || epoch == epochs) {
            stop = evaluateAndKeepBest(reencode, trainable) >= patience;
          }
          saveLast(trainable);
          saveState(stop || epoch == epochs);
          if (interruptAfterEpochs >= 0 && completedEpochs >= interruptAfterEpochs) {
            throw new Interrupted(completedEpochs);
          }
          if (FineTuner.this.stop.requested()) {
            throw new RunStoppedException(run.root(), globalStep, FineTuner.this.stop);
          }
          if (stop) {
            LOG.info("{}: no improvement in {} evaluations, stopping", stage, patience);
            break;
          }
          if (budgetMinutes > 0 && epoch < epochs) {
            // Stop before an epoch that would overrun the budget, estimating it by the last one.
            double spent = (System.nanoTime() - stageStart) / 60e9;
            double last = (System.nanoTime() - epochStart) / 60e9;
            if (spent + last > budgetMinutes) {
              LOG.info(
                  String.format(
                      Locale.ROOT,
                      "%s: time budget of %.1f min reached after %d"
                          + " epochs (%.1f min spent, an epoch takes %.1f min)",
                      stage,
                      budgetMinutes,
                      epoch,
                      spent,
                      last));
              if (epoch % options.evalEvery() != 0) {
                evaluateAndKeepBest(reencode, trainable);
                saveLast(trainable);
              }
              saveState(true);
              break;
            }
          }
        }
      } finally {
        if (options.freshOptimizerPerStage()) {
          optimizer.close();
          optimizer = null;
        }
        stepper = null;
        trainingStep = null;
        matrices.dropKeptForNextEpoch();
      }
    }

    /**
     * Validates the current model, keeps it if it is the best so far, and returns the number of
     * evaluations in a row without improvement.
     */
    private int evaluateAndKeepBest(boolean reencode, boolean trainable) throws IOException {
      // The original validates stage 1 against the matrix the epoch trained with (encoded at its
      // start); stage1ValidationReencodes encodes a fresh one, which the next epoch then reuses.
      boolean fresh = reencode && options.stage1ValidationReencodes();
      NDArray evalMatrix =
          fresh
              ? encoder.itemMatrix(manager)
              : trainable ? matrices.normalizedTrainable() : matrices.fixed();
      if (fresh) {
        logSpread(evalMatrix);
      }
      MetricReport validation = evaluator.evaluate(encoder, validationExamples, evalMatrix);
      logEval(stage, epoch, "validation", validation);
      double value = validation.get(options.validationMetric());
      LOG.info(
          String.format(
              Locale.ROOT,
              "%s epoch %d: validation %s = %.5f (best %.5f)",
              stage,
              epoch,
              options.validationMetric(),
              value,
              bestMetric));
      if (value > bestMetric) {
        bestMetric = value;
        bestStage = stage;
        bestValidation = FineTuneReport.node(validation);
        badEvaluations = 0;
        saveBest(evalMatrix);
      } else {
        badEvaluations++;
      }
      if (fresh) {
        matrices.keepForNextEpoch(evalMatrix);
      } else if (evalMatrix != matrices.fixed()) {
        evalMatrix.close();
      }
      return badEvaluations;
    }

    private void prepareStageMatrix(boolean trainable, boolean reencode) throws IOException {
      if (stage.equals(STAGE2) && options.variant() == Variant.BOTH_STAGES) {
        // Algorithm 1, stage 2: restart from the best model and freeze its matrix for good
        // (or, with stage2TrainsMatrix, train that matrix from there).
        Checkpoints.loadInto(model, Checkpoints.read(run.resolve("best")).weights());
        matrices.replace(trainable, matrices.read(run.resolve("best/item-matrix.safetensors")));
      } else if (!reencode) {
        matrices.replace(trainable, matrices.read(run.resolve("initial-matrix.safetensors")));
      }
    }

    private void loadLast(boolean trainable, boolean reencode) throws IOException {
      Path last = run.resolve("last");
      // A run-wide optimizer was loaded once when the run resumed.
      ResumePoint.restore(last, model, options.freshOptimizerPerStage() ? optimizer : null, false);
      ResumePoint.restoreLossScaler(last, trainingStep.lossScaler()); // a stage's own scaler
      if (!reencode || batchesDoneInEpoch > 0) {
        matrices.replace(trainable, matrices.read(last.resolve("item-matrix.safetensors")));
      }
    }

    private void trainEpoch(LinearSchedule schedule, int samplesPerEpoch, boolean trainable)
        throws IOException {
      int seedMix = (int) (options.seed() * 31 + stageIndex * 1_000_003L + epoch);
      Engine.getInstance().setRandomSeed(seedMix);
      List<TrainingSample> samples =
          new ArrayList<>(
              new FineTuneSampler(options.samplePolicy(), options.seed() + 7919L * stageIndex)
                  .sample(split.train(), epoch));
      Collections.shuffle(
          samples, new Random(options.seed() ^ (stageIndex * 0x9E3779B9L) ^ ((long) epoch << 20)));
      if (samples.size() > samplesPerEpoch) {
        samples = new ArrayList<>(samples.subList(0, samplesPerEpoch));
      }
      Map<String, NDArray> parameters = trainableParameters(trainable);
      // Weights may have been loaded into the primary model since the last epoch (best model,
      // resume); the fixed matrix changes between epochs and at refreshes, which redo the copies.
      parallel.broadcastWeights();
      List<NDArray> replicaMatrices = new ArrayList<>();
      // A trainable matrix is mirrored: broadcast with the weights, its gradient reduced.
      DataParallel.Mirror mirror = trainable ? parallel.mirror(matrices.current(true)) : null;
      for (int i = 0; i < parallel.size(); i++) {
        replicaMatrices.add(
            mirror != null
                ? mirror.get(i)
                : i == 0 ? matrices.current(false) : matrices.fixedCopyOn(parallel.device(i)));
      }
      // Token counts of the histories, for grouping by length and the padding figure.
      IdentityHashMap<TrainingSample, Integer> lengths = new IdentityHashMap<>(samples.size() * 2);
      for (TrainingSample t : samples) {
        lengths.put(t, softmax.encodeHistory(t).length());
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
        trainSamples(batches, samples.size(), schedule, parameters, trainable, replicaMatrices);
      } finally {
        if (mirror != null) {
          mirror.close();
        } else {
          replicaMatrices.subList(1, replicaMatrices.size()).forEach(NDArray::close);
        }
      }
    }

    private void trainSamples(
        List<List<TrainingSample>> batches,
        int sampleCount,
        LinearSchedule schedule,
        Map<String, NDArray> parameters,
        boolean trainable,
        List<NDArray> replicaMatrices)
        throws IOException {
      Progress progress =
          new Progress(
              LOG,
              String.format(Locale.ROOT, "%s epoch %d", stage, epoch + 1),
              sampleCount,
              "samples",
              30);
      int inGroup = 0;
      int samplesInGroup = 0;
      int refreshSteps = stage.equals(STAGE1) ? options.matrixRefreshSteps() : 0;
      double matrixRateFactor = options.matrixRateFactor(stage.equals(STAGE2));
      if (batchesDoneInEpoch > 0) {
        LOG.info(
            "{} epoch {}: resuming after micro-batch {} of {} (step {})",
            stage,
            epoch + 1,
            batchesDoneInEpoch,
            batches.size(),
            globalStep);
      }
      for (int b = batchesDoneInEpoch; b < batches.size(); b++) {
        List<TrainingSample> batch = batches.get(b);
        if (inGroup == 0) {
          // Dropout is seeded per optimizer step, so a run resumed mid-epoch draws what an
          // uninterrupted one would.
          TrainingStep.seedDropout(options.seed() * 31 + stageIndex * 1_000_003L + globalStep);
        }
        softmax.microBatch(batch, trainable, replicaMatrices);
        inGroup++;
        samplesInGroup += batch.size();
        boolean last = b == batches.size() - 1;
        if (inGroup == options.gradientAccumulation() || last) {
          double rate = schedule.rate(scheduleStep());
          TrainingStep.Result result =
              trainingStep.apply(
                  parameters,
                  rate,
                  name -> name.equals(ITEM_MATRIX) ? matrixRateFactor : 1,
                  globalStep + 1,
                  inGroup);
          OptimizerStep.Outcome outcome = result.outcome();
          skippedSteps = trainingStep.skippedSteps();
          double loss = result.losses()[0];
          globalStep++;
          stageStep++;
          steps.append(
              stage,
              epoch + 1,
              globalStep,
              loss,
              rate,
              outcome.norm(0),
              outcome.norm(1),
              outcome.skipped() ? 1 : 0);
          progress.advance(
              samplesInGroup, String.format(Locale.ROOT, "step %d, loss %.4f", globalStep, loss));
          samplesSeen += samplesInGroup;
          inGroup = 0;
          samplesInGroup = 0;
          stepsDoneInEpoch++;
          if (refreshSteps > 0 && stepsDoneInEpoch % refreshSteps == 0 && !last) {
            // The next epoch and validation re-encode anyway, hence not after the last step.
            refreshMatrix(replicaMatrices);
          }
          if (FineTuner.this.stop.requested() && !last) {
            // The last step of an epoch goes on to the epoch's end, which saves anyway.
            batchesDoneInEpoch = b + 1;
            saveLast(trainable);
            saveState(false);
            throw new RunStoppedException(run.root(), globalStep, FineTuner.this.stop);
          }
        }
      }
      batchesDoneInEpoch = 0;
      stepsDoneInEpoch = 0;
    }

    /** Re-encodes the item matrix with the current encoder, on every device (stage 1 only). */
    private void refreshMatrix(List<NDArray> replicaMatrices) {
      LOG.info(
          "{} epoch {}: re-encoding the item matrix after step {} (matrixRefreshSteps {})",
          stage,
          epoch + 1,
          globalStep,
          options.matrixRefreshSteps());
      matrices.replaceFixed(encoder.itemMatrix(manager));
      logSpread(matrices.fixed());
      replicaMatrices.set(0, matrices.fixed());
      for (int i = 1; i < replicaMatrices.size(); i++) {
        replicaMatrices.get(i).close();
        replicaMatrices.set(i, matrices.fixedCopyOn(parallel.device(i)));
      }
    }

    /** Logs the share of computed positions that are tokens, this order against the other. */
    private void logPadding(
        List<TrainingSample> samples,
        List<List<TrainingSample>> batches,
        ToIntFunction<TrainingSample> length) {
      int chunk = config.attentionWindow() / 2;
      boolean grouped = options.lengthGroupBatches() > 0;
      List<List<TrainingSample>> other =
          MicroBatches.plan(samples, options.batchSize(), grouped ? 0 : 32, length, new Random(0));
      LOG.info(
          String.format(
              Locale.ROOT,
              "%s epoch %d: %d samples in %d micro-batches (%s),"
                  + " %.1f%% of the positions computed are tokens, the rest padding (%s: %.1f%%)",
              stage,
              epoch + 1,
              samples.size(),
              batches.size(),
              grouped ? "grouped by length in runs of " + options.lengthGroupBatches() : "random",
              100 * MicroBatches.tokenShare(batches, length, chunk),
              grouped ? "random batches" : "grouped by length in runs of 32",
              100 * MicroBatches.tokenShare(other, length, chunk)));
    }

    private Map<String, NDArray> trainableParameters(boolean trainable) {
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (String name : model.parameterShapes().keySet()) {
        if (model.parameter(name).requiresGradient()) {
          out.put(name, model.parameter(name).getArray());
        }
      }
      if (trainable) {
        out.put(ITEM_MATRIX, matrices.trainable());
      }
      return out;
    }

    private void saveBest(NDArray evalMatrix) throws IOException {
      Path best = run.resolve("best");
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put(options.validationMetric(), bestMetric);
      CheckpointManifest manifest =
          Checkpoints.manifest(
                  model,
                  datasetFingerprint,
                  options.seed(),
                  Map.of("variant", options.variant().name()))
              .withTrainingState(globalStep, epoch, stage)
              .withMetrics(metrics);
      Checkpoints.save(best, model, manifest);
      ItemMatrices.write(best.resolve("item-matrix.safetensors"), evalMatrix);
    }

    private void saveLast(boolean trainable) throws IOException {
      Path last = run.resolve("last");
      CheckpointManifest manifest =
          Checkpoints.manifest(
                  model,
                  datasetFingerprint,
                  options.seed(),
                  Map.of("variant", options.variant().name()))
              .withTrainingState(globalStep, epoch, stage);
      ResumePoint.save(last, model, manifest, optimizer, trainingStep.lossScaler());
      NDArray current = matrices.current(trainable);
      // Stage 1 re-encodes its matrix every epoch, except when resuming inside one.
      if (current != null && (!stage.equals(STAGE1) || batchesDoneInEpoch > 0)) {
        ItemMatrices.write(last.resolve("item-matrix.safetensors"), current);
      }
    }

    private void saveState(boolean stageDone) throws IOException {
      ObjectNode s = RunDirectory.JSON.createObjectNode();
      s.put("stage", stage);
      s.put("stageIndex", stageIndex);
      s.put("stageDone", stageDone);
      s.put("epoch", epoch);
      s.put("globalStep", globalStep);
      s.put("stageStep", stageStep);
      s.put("bestMetric", bestMetric);
      s.put("bestStage", bestStage);
      s.put("badEvaluations", badEvaluations);
      s.put("completedEpochs", completedEpochs);
      s.put("samplesSeen", samplesSeen);
      s.put("skippedSteps", skippedSteps);
      s.put("batchesDoneInEpoch", batchesDoneInEpoch);
      s.put("stepsDoneInEpoch", stepsDoneInEpoch);
      s.put("stepRows", steps.rows());
      s.put("evalRows", evals.rows());
      if (zeroShot != null) {
        s.set("zeroShot", zeroShot);
      }
      s.set("popularity", popularity);
      if (bestValidation != null) {
        s.set("bestValidation", bestValidation);
      }
      run.writeJson("state.json", s);
    }

    /** Restores the saved state; true if the next stage starts fresh. */
    private boolean restore(JsonNode s, List<String> stages) {
      stageIndex = s.get("stageIndex").asInt();
      stage = s.get("stage").asText();
      epoch = s.get("epoch").asInt();
      globalStep = s.get("globalStep").asLong();
      stageStep = s.get("stageStep").asLong();
      bestMetric = s.get("bestMetric").asDouble();
      bestStage = s.get("bestStage").asText();
      badEvaluations = s.get("badEvaluations").asInt();
      completedEpochs = s.get("completedEpochs").asInt();
      samplesSeen = s.path("samplesSeen").asLong(0);
      skippedSteps = s.path("skippedSteps").asLong(0);
      batchesDoneInEpoch = s.path("batchesDoneInEpoch").asInt(0);
      stepsDoneInEpoch = s.path("stepsDoneInEpoch").asLong(0);
      zeroShot =
          s.has("zeroShot") && s.get("zeroShot").isObject() ? (ObjectNode) s.get("zeroShot") : null;
      popularity = (ObjectNode) s.get("popularity");
      bestValidation = s.has("bestValidation") ? (ObjectNode) s.get("bestValidation") : null;
      steps.truncate(s.get("stepRows").asInt());
      evals.truncate(s.get("evalRows").asInt());
      LOG.info("resuming {} after {} epoch {} (step {})", run.root(), stage, epoch, globalStep);
      if (s.get("stageDone").asBoolean()) {
        stageIndex++;
        if (stageIndex < stages.size()) {
          stage = stages.get(stageIndex);
        }
        epoch = 0;
        stageStep = 0;
        badEvaluations = 0;
        return true;
      }
      return false;
    }

    private FineTuneResult finish() throws IOException {
      Checkpoints.loadInto(model, Checkpoints.read(run.resolve("best")).weights());
      NDArray finalMatrix = matrices.read(run.resolve("best/item-matrix.safetensors"));
      MetricReport test = evaluator.evaluate(encoder, testExamples, finalMatrix);
      logEval("final", epoch, "test", test);
      CosineSpread spread = logSpread(finalMatrix);
      ItemMatrices.write(run.resolve("item-matrix.safetensors"), finalMatrix);
      finalMatrix.close();
      MetricReport zero = zeroShot == null ? null : FineTuneReport.parse(zeroShot);
      MetricReport pop = FineTuneReport.parse(popularity);
      MetricReport bestVal = FineTuneReport.parse(bestValidation);
      new FineTuneReport(options, config, run)
          .write(
              new FineTuneReport.Totals(
                  globalStep,
                  samplesSeen,
                  validationExamples.size(),
                  bestStage,
                  (System.nanoTime() - startNanos) / 1e9),
              test,
              zero,
              pop,
              bestVal,
              spread);
      run.drawCharts(steps, evals, metricNames);
      LOG.info("final test: {}", test.metrics());
      return new FineTuneResult(run.root(), zero, test, pop, bestVal, bestStage, globalStep);
    }

    /**
     * Logs how spread out the item vectors are and the logit spread that gives at the training
     * temperature: under about one nat the softmax is nearly flat (see {@link CosineSpread}).
     */
    private CosineSpread logSpread(NDArray itemMatrix) {
      CosineSpread spread = ItemMatrixSpread.of(itemMatrix, options.seed());
      LOG.info(
          String.format(
              Locale.ROOT,
              "item matrix: %s; logit sd at temperature %s: %.2f",
              spread,
              config.temperature(),
              spread.logitSpread(config.temperature())));
      return spread;
    }

    private void writeRunFiles() throws IOException {
      ObjectNode c = RunDirectory.JSON.createObjectNode();
      c.set("options", RunDirectory.JSON.valueToTree(optionsMap()));
      c.set("model", RunDirectory.JSON.readTree(ConfigJson.toJson(config)));
      c.put("dataset", split.dataset().name());
      c.put("trainSequences", split.train().size());
      c.put("validationUsers", validationExamples.size());
      c.put("testUsers", testExamples.size());
      c.put("items", catalog.size());
      run.writeJson("config.json", c);
      run.writeTrainingProvenance(datasetFingerprint, options.seed(), options.device(), "finetune");
    }

    private Map<String, Object> optionsMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      for (var component : FineTuneOptions.class.getRecordComponents()) {
        try {
          Object v = component.getAccessor().invoke(options);
          m.put(
              component.getName(),
              v == null ? null : v instanceof Number || v instanceof Boolean ? v : v.toString());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return m;
    }

    private void logEval(String stageName, int epochNumber, String splitName, MetricReport r) {
      Object[] row = new Object[4 + metricNames.size() + 1];
      row[0] = stageName;
      row[1] = epochNumber;
      row[2] = globalStep;
      row[3] = splitName;
      for (int i = 0; i < metricNames.size(); i++) {
        row[4 + i] = r.get(metricNames.get(i));
      }
      row[row.length - 1] = r.users();
      evals.append(row);
    }
  }

  static List<String> stagesOf(Variant v) {
    return switch (v) {
      case BOTH_STAGES -> List.of(STAGE1, STAGE2);
      case STAGE1_ONLY -> List.of(STAGE1);
      case STAGE2_ONLY -> List.of(STAGE2);
      case FIXED_MATRIX -> List.of("fixed-matrix");
      case TRAINABLE_MATRIX -> List.of("trainable-matrix");
    };
  }
}
