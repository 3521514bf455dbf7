package io.recformer.train.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.metrics.CosineSpread;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.train.eval.Encoder;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.LinearSchedule;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.RunCheckpoints;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.StageRunner;
import io.recformer.train.run.StepLosses;
import io.recformer.train.run.TrainingStep;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a fine-tuning run (fresh or resumed): the zero-shot and popularity evaluations
 * at the start, the stages one after the other (each set up here and run by {@link StageRunner}
 * through {@link FineTuneStage}), and the final test evaluation of the best model with the report.
 * The optimizer is the run's own, or each stage's with {@code freshOptimizerPerStage}.
 */
final class FineTuneLoop {

  static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

  /** Name of the trainable item matrix among the optimizer's parameters. */
  static final String ITEM_MATRIX = ItemMatrices.TENSOR;

  // Read by FineTuneStage, the stage's side of this run.
  final FineTuner tuner;
  final FineTuneOptions options;
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
  final ItemMatrices matrices;
  final FineTuneState state;
  final FineTuneReport report;
  final long startNanos = System.nanoTime();
  AdamW optimizer;
  // The training loss of the current optimizer step, summed on the device.
  StepLosses losses;
  FineTuneLoss softmax;

  FineTuneLoop(
      FineTuner tuner,
      RunDirectory run,
      NDManager manager,
      RecformerModel model,
      DataParallel parallel,
      ItemTokenCache cache) {
    this.tuner = tuner;
    this.options = tuner.options;
    this.run = run;
    this.manager = manager;
    this.model = model;
    this.parallel = parallel;
    this.encoder = new Encoder(model, cache, tuner.tokenizer.padId(), options.evalBatchSize());
    this.evaluator =
        new RankingEvaluator(
            options.tiePolicy(), options.historyPolicy(), 256, options.historyPenalty());
    this.catalog = cache.catalog();
    this.metricNames = List.of("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR");
    this.steps = run.stepLog();
    this.evals = run.evalLog(metricNames);
    this.matrices = new ItemMatrices(manager);
    RunCheckpoints checkpoints =
        new RunCheckpoints(
            run,
            model,
            tuner.datasetFingerprint,
            options.seed(),
            Map.of("variant", options.variant().name()));
    this.state = new FineTuneState(options, run, checkpoints, matrices, steps, evals);
    this.report = new FineTuneReport(options, tuner.config(), run);
  }

  FineTuneResult execute(JsonNode resume) throws IOException {
    List<String> stages = FineTuner.stagesOf(options.variant());
    if (resume == null) {
      start(stages);
    }
    boolean freshStage = resume == null || state.restore(resume, stages);
    if (!options.freshOptimizerPerStage()) {
      // The original: one AdamW for the whole run; a resumed run takes its saved moments.
      optimizer = new AdamW(manager, AdamW.Options.withWeightDecay(options.weightDecay()));
      if (resume != null) {
        state.restoreOptimizer(optimizer);
      }
    }
    losses = new StepLosses(manager, 1);
    softmax =
        new FineTuneLoss(
            options, tuner.config(), encoder, tuner.tokenizer.clsId(), manager, parallel, losses);
    try {
      while (state.stageIndex < stages.size()) {
        runStage(freshStage);
        if (state.nextStage(stages)) {
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

  /** The run files, then the zero-shot and popularity test evaluations of a fresh run. */
  private void start(List<String> stages) throws IOException {
    report.writeRunFiles(
        tuner.split,
        tuner.validationExamples.size(),
        tuner.testExamples.size(),
        catalog.size(),
        tuner.datasetFingerprint);
    boolean startsFromInitialMatrix =
        options.variant() != Variant.BOTH_STAGES && options.variant() != Variant.STAGE1_ONLY;
    try (NDManager scope = manager.newSubManager()) {
      // Stage 1 encodes its own matrix; encode one here only for a user of it (a minute).
      NDArray m0 =
          options.zeroShotTest() || startsFromInitialMatrix ? encoder.itemMatrix(scope) : null;
      if (options.zeroShotTest()) {
        MetricReport zero = evaluator.evaluate(encoder, tuner.testExamples, m0);
        logEval("zero-shot", 0, "test", zero);
        state.zeroShot = FineTuneReport.node(zero);
        LOG.info("zero-shot test: {}", zero.metrics());
      } else {
        LOG.info("zero-shot test skipped (option zeroShotTest = false)");
      }
      MetricReport pop = evaluator.popularity(catalog, tuner.split.train(), tuner.testExamples);
      logEval("popularity", 0, "test", pop);
      state.popularity = FineTuneReport.node(pop);
      if (startsFromInitialMatrix) {
        // The fixed or trainable matrix starts from the initial model's encodings.
        ItemMatrices.write(run.resolve("initial-matrix.safetensors"), m0);
      } else if (m0 != null && stages.get(0).equals(FineTuner.STAGE1)) {
        // Encoded by the weights stage 1's first epoch starts from: that epoch takes it
        // instead of encoding the catalog a second time.
        matrices.keepInitial(m0);
      }
    }
    state.start(stages.get(0));
  }

  /**
   * The learning-rate schedule of the current stage: the original's one schedule over the whole run
   * (decaying to 0 at {@code epochs} stage-1 epochs, indexed by the run's step), or, with {@code
   * freshOptimizerPerStage}, the stage's own (indexed by the stage's step).
   */
  private LinearSchedule scheduleOf(boolean secondStage, long stepsPerEpoch) {
    int epochs =
        options.freshOptimizerPerStage()
            ? options.epochsOfStage(secondStage)
            : options.scheduleEpochs() > 0 ? options.scheduleEpochs() : options.epochs();
    return new LinearSchedule(
        options.learningRateOfStage(secondStage),
        options.warmupSteps(),
        Math.max(Math.max(1L, options.warmupSteps()), epochs * stepsPerEpoch));
  }

  private void runStage(boolean fresh) throws IOException {
    String stage = state.stage;
    boolean reencode = stage.equals(FineTuner.STAGE1);
    boolean secondStage = stage.equals(FineTuner.STAGE2);
    boolean trainable =
        options.variant() == Variant.TRAINABLE_MATRIX
            || (secondStage && options.stage2TrainsMatrix());
    int patience =
        secondStage || options.variant() == Variant.STAGE2_ONLY
            ? options.patienceStage2()
            : options.patienceStage1();
    // Both policies give the same number of samples every epoch.
    int available =
        new FineTuneSampler(options.samplePolicy(), options.seed())
            .sample(tuner.split.train(), 0)
            .size();
    int samplesPerEpoch =
        Math.max(
            1,
            options.samplesPerEpoch() > 0
                ? Math.min(options.samplesPerEpoch(), available)
                : available);
    long stageStart = System.nanoTime();
    long microBatches = ((long) samplesPerEpoch + options.batchSize() - 1) / options.batchSize();
    long stepsPerEpoch =
        (microBatches + options.gradientAccumulation() - 1) / options.gradientAccumulation();
    LinearSchedule schedule = scheduleOf(secondStage, stepsPerEpoch);
    if (options.freshOptimizerPerStage()) {
      optimizer = new AdamW(manager, AdamW.Options.withWeightDecay(options.weightDecay()));
    }
    // The trainable item matrix is clipped on its own: its gradients have another scale.
    OptimizerStep stepper =
        new OptimizerStep(
            optimizer,
            List.of(
                new OptimizerStep.Group(
                    "encoder", name -> !name.equals(ITEM_MATRIX), options.clipNorm()),
                new OptimizerStep.Group(ITEM_MATRIX, ITEM_MATRIX::equals, options.clipNorm())));
    stepper.restoreSkippedSteps(state.skippedSteps);
    TrainingStep trainingStep = new TrainingStep(stepper, parallel, losses, options.precision());
    try {
      if (fresh) {
        prepareStageMatrix(trainable, reencode);
      } else {
        // A run-wide optimizer was loaded once when the run resumed.
        state.loadLast(
            options.freshOptimizerPerStage() ? optimizer : null,
            trainingStep.lossScaler(), // a stage's own scaler
            trainable,
            reencode);
      }
      matrices.dropKeptForNextEpoch();
      FineTuneStage epochs =
          new FineTuneStage(
              this, reencode, trainable, patience, samplesPerEpoch, schedule, trainingStep);
      new StageRunner(LOG, tuner.stop, run.root())
          .run(
              new StageRunner.Settings(
                  stage,
                  options.epochsOfStage(secondStage),
                  options.evalEvery(),
                  true,
                  secondStage ? options.stage2Minutes() : options.stage1Minutes(),
                  true),
              epochs,
              state.epoch,
              stageStart,
              () -> state.globalStep);
    } finally {
      if (options.freshOptimizerPerStage()) {
        optimizer.close();
        optimizer = null;
      }
      matrices.dropKeptForNextEpoch();
    }
  }

  private void prepareStageMatrix(boolean trainable, boolean reencode) throws IOException {
    if (state.stage.equals(FineTuner.STAGE2) && options.variant() == Variant.BOTH_STAGES) {
      // Algorithm 1, stage 2: restart from the best model and freeze its matrix for good
      // (or, with stage2TrainsMatrix, train that matrix from there).
      state.loadBestModel();
      matrices.replace(trainable, matrices.read(state.bestMatrix()));
    } else if (!reencode) {
      matrices.replace(trainable, matrices.read(run.resolve("initial-matrix.safetensors")));
    }
  }

  private FineTuneResult finish() throws IOException {
    state.loadBestModel();
    NDArray finalMatrix = matrices.read(state.bestMatrix());
    MetricReport test = evaluator.evaluate(encoder, tuner.testExamples, finalMatrix);
    logEval("final", state.epoch, "test", test);
    CosineSpread spread = report.logSpread(finalMatrix);
    ItemMatrices.write(run.resolve("item-matrix.safetensors"), finalMatrix);
    finalMatrix.close();
    MetricReport zero = state.zeroShot == null ? null : FineTuneReport.parse(state.zeroShot);
    MetricReport pop = FineTuneReport.parse(state.popularity);
    MetricReport bestVal = FineTuneReport.parse(state.bestValidation);
    report.write(
        new FineTuneReport.Totals(
            state.globalStep,
            state.samplesSeen,
            tuner.validationExamples.size(),
            state.bestStage,
            (System.nanoTime() - startNanos) / 1e9),
        test,
        zero,
        pop,
        bestVal,
        spread);
    run.drawCharts(steps, evals, metricNames);
    LOG.info("final test: {}", test.metrics());
    return new FineTuneResult(
        run.root(), zero, test, pop, bestVal, state.bestStage, state.globalStep);
  }

  /** Appends a row to metrics-eval.csv. */
  void logEval(String stageName, int epochNumber, String splitName, MetricReport r) {
    Object[] row = new Object[4 + metricNames.size() + 1];
    row[0] = stageName;
    row[1] = epochNumber;
    row[2] = state.globalStep;
    row[3] = splitName;
    for (int i = 0; i < metricNames.size(); i++) {
      row[4 + i] = r.get(metricNames.get(i));
    }
    row[row.length - 1] = r.users();
    evals.append(row);
  }
}
