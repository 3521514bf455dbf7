package io.recformer.train.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.PretrainPairSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.LinearSchedule;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.Progress;
import io.recformer.train.run.RunCheckpoints;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.StageRunner;
import io.recformer.train.run.StepLoop;
import io.recformer.train.run.StepLosses;
import io.recformer.train.run.StopSignal;
import io.recformer.train.run.TrainingStep;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a pre-training run (fresh or resumed): pre-training's side of the shared loop.
 * The epochs run in {@link StageRunner} (validation after each epoch when {@code evalEverySteps} is
 * 0), the steps in {@link StepLoop}; this class draws an epoch's pairs, masks and micro-batches,
 * logs each step, validates every {@code evalEverySteps} steps (each validation inside an epoch is
 * a resume point), and ends the run at {@code maxSteps}.
 */
final class PretrainLoop implements StageRunner.Stage, StepLoop.Epoch<List<TrainingSample>> {

  private static final Logger LOG = LoggerFactory.getLogger(Pretrainer.class);

  private final PretrainOptions options;
  private final RecformerConfig config;
  private final RecformerTokenizer tokenizer;
  private final List<UserHistory> train;
  private final List<UserHistory> heldOut;
  private final String fingerprint;
  private final ItemCatalog catalog;
  private final RunDirectory run;
  private final NDManager manager;
  private final RecformerModel model;
  private final DataParallel parallel;
  private final StopSignal stop;
  private final int interruptAfterEpochs;
  private final long interruptAfterStep;
  // Total, IIC and MLM loss of the current optimizer step, summed on the device.
  private final StepLosses losses;
  private final StepLoop stepLoop;
  private final PretrainLoss loss;
  private final CsvLog steps;
  private final CsvLog evals;
  private final PretrainValidation validation;
  private final PretrainState state;
  private LinearSchedule schedule;
  private WholeWordMasker masker;

  /**
   * @param interruptAfterEpochs test hook: stop (as if killed) after this many epochs, or -1
   * @param interruptAfterStep test hook: stop after the first save inside an epoch at or past this
   *     step, or -1
   */
  PretrainLoop(
      PretrainOptions options,
      RecformerConfig config,
      RecformerTokenizer tokenizer,
      List<UserHistory> train,
      List<UserHistory> heldOut,
      String fingerprint,
      RunDirectory run,
      NDManager manager,
      RecformerModel model,
      DataParallel parallel,
      AdamW optimizer,
      ItemTokenCache cache,
      StopSignal stop,
      int interruptAfterEpochs,
      long interruptAfterStep) {
    this.options = options;
    this.config = config;
    this.tokenizer = tokenizer;
    this.train = train;
    this.heldOut = heldOut;
    this.fingerprint = fingerprint;
    this.catalog = cache.catalog();
    this.run = run;
    this.manager = manager;
    this.model = model;
    this.parallel = parallel;
    this.stop = stop;
    this.interruptAfterEpochs = interruptAfterEpochs;
    this.interruptAfterStep = interruptAfterStep;
    OptimizerStep stepper =
        new OptimizerStep(optimizer, List.of(OptimizerStep.Group.all(options.clipNorm())));
    this.losses = new StepLosses(manager, 3);
    TrainingStep trainingStep = new TrainingStep(stepper, parallel, losses, options.precision());
    this.stepLoop = new StepLoop(trainingStep, options.gradientAccumulation(), stop, run.root());
    // The model pads to its chunk size itself; see Encoder.
    BatchCollator collator = BatchCollator.unrounded(config, tokenizer.padId());
    this.loss =
        new PretrainLoss(options, config, tokenizer, cache, collator, manager, parallel, losses);
    this.steps =
        new CsvLog(
            run.resolve("metrics-steps.csv"),
            List.of(
                "epoch",
                "step",
                "loss",
                "iic_loss",
                "mlm_loss",
                "learning_rate",
                "grad_norm",
                "skipped"));
    this.evals =
        new CsvLog(
            run.resolve("metrics-eval.csv"),
            List.of("epoch", "step", "split", "accuracy", "pairs"));
    this.validation =
        new PretrainValidation(
            new PretrainPairSampler(options.seed() + 1).sample(heldOut, 0),
            options.batchSize(),
            config,
            cache,
            collator);
    RunCheckpoints checkpoints =
        new RunCheckpoints(run, model, fingerprint, options.seed(), Map.of("task", "pretrain"));
    this.state =
        new PretrainState(checkpoints, optimizer, trainingStep.lossScaler(), stepper, steps, evals);
  }

  PretrainResult execute(JsonNode saved) throws IOException {
    if (saved == null) {
      writeRunFiles();
    } else {
      state.restore(saved);
      LOG.info(
          "resuming {} at epoch {}, pair {} (step {})",
          run.root(),
          state.epoch + 1,
          state.pairsDoneInEpoch,
          state.globalStep);
    }
    int pairsPerEpoch = new PretrainPairSampler(options.seed()).sample(train, 0).size();
    if (pairsPerEpoch < 2) {
      throw new IllegalArgumentException(
          "training sequences give " + pairsPerEpoch + " pairs; at least 2 are needed");
    }
    long micro = ((long) pairsPerEpoch + options.batchSize() - 1) / options.batchSize();
    long perEpoch = (micro + options.gradientAccumulation() - 1) / options.gradientAccumulation();
    long totalSteps = options.epochs() * perEpoch;
    if (options.maxSteps() > 0) {
      totalSteps = Math.min(totalSteps, options.maxSteps());
    }
    schedule =
        new LinearSchedule(
            options.learningRate(),
            options.warmupSteps(),
            Math.max(Math.max(1L, options.warmupSteps()), totalSteps));
    new StageRunner(LOG, stop, run.root())
        .run(
            new StageRunner.Settings(
                "pre-training",
                options.epochs(),
                options.evalEverySteps() == 0 ? 1 : 0,
                false,
                0,
                false),
            this,
            state.epoch,
            System.nanoTime(),
            () -> state.globalStep);
    losses.close();
    double best = state.selection.best();
    new PretrainReport(options, run, steps, evals)
        .write(best, state.bestStep, state.globalStep, state.epoch, validation.size());
    return new PretrainResult(run.root(), best, state.bestStep, state.globalStep);
  }

  /**
   * Trains one epoch from pair {@code pairsDoneInEpoch} on (0 unless resuming mid-epoch); marks the
   * run stopped when {@code maxSteps} was reached in it.
   */
  @Override
  public void trainEpoch(int epoch) throws IOException {
    List<TrainingSample> pairs =
        new ArrayList<>(new PretrainPairSampler(options.seed()).sample(train, epoch));
    Collections.shuffle(pairs, new Random(options.seed() ^ ((long) epoch << 20)));
    masker =
        new WholeWordMasker(
            options.maskProbability(),
            tokenizer.maskId(),
            config.vocabSize(),
            tokenizer::isSpecial,
            options.seed() * 1_000_003L + epoch);
    Map<String, NDArray> parameters = new LinkedHashMap<>();
    for (String name : model.parameterShapes().keySet()) {
      if (model.parameter(name).requiresGradient()) {
        parameters.put(name, model.parameter(name).getArray());
      }
    }
    parallel.broadcastWeights(); // the primary may have been loaded since (resume)
    List<List<TrainingSample>> batches = new ArrayList<>();
    for (int from = 0; from < pairs.size(); from += options.batchSize()) {
      List<TrainingSample> batch =
          pairs.subList(from, Math.min(pairs.size(), from + options.batchSize()));
      if (batch.size() >= 2) { // a last batch of one pair has no negative
        batches.add(batch);
      }
    }
    int start = state.pairsDoneInEpoch;
    int done = start / options.batchSize();
    for (int b = 0; b < done; b++) {
      // Replays the masks drawn for the pairs already trained on, so the masker continues
      // exactly where the interrupted run left it.
      loss.replayMasks(batches.get(b), masker);
    }
    long planned = (long) pairs.size() - start;
    if (options.maxSteps() > 0) { // the ETA is that of the step budget when it ends the epoch
      planned =
          Math.min(
              planned,
              (options.maxSteps() - state.globalStep)
                  * options.batchSize()
                  * options.gradientAccumulation());
    }
    Progress progress =
        new Progress(LOG, "pre-training epoch " + (epoch + 1), planned, "pairs", 30);
    StepLoop.Plan plan =
        new StepLoop.Plan(parameters, name -> 1, schedule::rate, options.seed() * 31);
    boolean budgetReached = stepLoop.run(this, plan, batches, done, state.globalStep, progress);
    state.epoch = epoch + 1;
    state.pairsDoneInEpoch = 0;
    if (budgetReached) {
      LOG.info("maxSteps = {} reached in epoch {}", options.maxSteps(), state.epoch);
      state.stopped = true;
    }
  }

  @Override
  public void microBatch(List<TrainingSample> batch) {
    loss.microBatch(batch, masker);
  }

  @Override
  public int samples(List<TrainingSample> batch) {
    return batch.size();
  }

  @Override
  public boolean afterStep(StepLoop.Step step) throws IOException {
    state.globalStep = step.number();
    OptimizerStep.Outcome outcome = step.result().outcome();
    double[] means = step.result().losses(); // total, IIC, MLM
    steps.append(
        state.epoch + 1,
        step.number(),
        means[0],
        means[1],
        means[2],
        step.rate(),
        outcome.norm(0),
        outcome.skipped() ? 1 : 0);
    boolean validated = resumePointAfter(step);
    if (validated) {
      validate();
    }
    if (options.maxSteps() > 0 && step.number() >= options.maxSteps()) {
      if (!validated && options.evalEverySteps() > 0) {
        validate(); // the budget's last step is always validated
      }
      return true;
    }
    return false;
  }

  /** Every validation inside an epoch is a resume point: long epochs survive an interruption. */
  @Override
  public boolean resumePointAfter(StepLoop.Step step) {
    return options.evalEverySteps() > 0 && step.number() % options.evalEverySteps() == 0;
  }

  @Override
  public void saveInsideEpoch(int batchesDone) throws IOException {
    state.pairsDoneInEpoch = batchesDone * options.batchSize();
    state.saveLast();
    if (!stop.requested() && interruptAfterStep >= 0 && state.globalStep >= interruptAfterStep) {
      throw new Pretrainer.Interrupted("step " + state.globalStep);
    }
  }

  @Override
  public void evaluate(int epochsDone) throws IOException {
    validate();
  }

  @Override
  public boolean ended() {
    return state.stopped;
  }

  @Override
  public void save(int epochsDone, boolean stageDone) throws IOException {
    state.saveLast();
    if (interruptAfterEpochs >= 0 && state.epoch >= interruptAfterEpochs) {
      throw new Pretrainer.Interrupted(state.epoch + " epochs");
    }
  }

  private void validate() throws IOException {
    PretrainValidation.Result r = validation.run(model, manager);
    evals.append(state.epoch, state.globalStep, "validation", r.accuracy(), r.pairs());
    LOG.info(
        String.format(
            Locale.ROOT,
            "validation after step %d: in-batch accuracy %.4f (best %.4f)",
            state.globalStep,
            r.accuracy(),
            state.selection.best()));
    if (state.selection.offer(r.accuracy())) {
      state.bestStep = state.globalStep;
      state.saveBest(r.accuracy());
    } else if (state.selection.exhausted(options.patience())) {
      state.stopped = true;
    }
  }

  private void writeRunFiles() throws IOException {
    ObjectNode c = RunDirectory.JSON.createObjectNode();
    c.set("options", RunDirectory.JSON.valueToTree(options));
    c.set("model", RunDirectory.JSON.readTree(ConfigJson.toJson(config)));
    c.put("trainSequences", train.size());
    c.put("heldOutSequences", heldOut.size());
    c.put("items", catalog.size());
    run.writeJson("config.json", c);
    run.writeTrainingProvenance(fingerprint, options.seed(), options.device(), "pretrain");
  }
}
