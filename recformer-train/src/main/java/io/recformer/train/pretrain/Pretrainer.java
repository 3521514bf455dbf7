package io.recformer.train.pretrain;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.PretrainPairSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ResumePoint;
import io.recformer.train.loss.InBatchContrastiveLoss;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-trains Recformer (reference section 4): each epoch draws one (history, next item) pair per
 * training sequence ({@link PretrainPairSampler}), and each batch's loss is the in-batch item-item
 * contrastive loss of the clean history and positive encodings plus {@code lambda} (the config's
 * {@code mlmWeight}, 0.1) times each of the two MLM losses, on whole-word-masked copies of the
 * history and of the positive item: {@code IIC + lambda * MLM_history + lambda * MLM_positive}, the
 * original's sum (each MLM term the mean over its own masked tokens). AdamW with a linear schedule,
 * global norm clipping and gradient accumulation; word embeddings frozen by default.
 *
 * <p>Validation is the in-batch next-item accuracy on pairs drawn once from held-out sequences
 * (batches of {@code batchSize}, no masking, no dropout); the best checkpoint is kept in {@code
 * best/}. Runs are reproducible (seeded sampling, shuffling and masking per epoch, dropout per
 * optimizer step) and resumable from their last validation or completed epoch: the resumed run
 * replays the interrupted epoch's pair order and masks, so it ends with the same weights and logs
 * as one that was never stopped.
 *
 * <p>The loss of a micro-batch is {@link PretrainLoss}, the report {@link PretrainReport}; the
 * optimizer step ({@link TrainingStep}) and the resumable checkpoint ({@link ResumePoint}) are
 * shared with fine-tuning. Over 400 lines: the loop with its mid-epoch resume points and the
 * validation, which share the session's counters.
 */
public final class Pretrainer {

  private static final Logger LOG = LoggerFactory.getLogger(Pretrainer.class);

  private final PretrainOptions options;
  private final RecformerConfig config;
  private final Map<String, WeightTensor> initialWeights;
  private final RecformerTokenizer tokenizer;
  private final ItemCatalog catalog;
  private final List<UserHistory> train;
  private final List<UserHistory> heldOut;
  private final String fingerprint;
  private int interruptAfterEpochs = -1;
  private long interruptAfterStep = -1;
  private StopSignal stop = StopSignal.none();

  /**
   * @param config model config (the tokenizer must encode with the same maxTokens and maxItems)
   * @param initialWeights starting weights, this project's names
   * @param catalog items of all sequences
   * @param train training sequences (oldest first)
   * @param heldOut validation sequences (e.g. a held-out category or a user sample)
   * @param datasetFingerprint identifies the data in the provenance
   */
  public Pretrainer(
      PretrainOptions options,
      RecformerConfig config,
      Map<String, WeightTensor> initialWeights,
      RecformerTokenizer tokenizer,
      ItemCatalog catalog,
      List<UserHistory> train,
      List<UserHistory> heldOut,
      String datasetFingerprint) {
    if (tokenizer.config().maxTokens() != config.maxTokens()
        || tokenizer.config().maxItems() != config.maxItems()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "the tokenizer encodes maxTokens %d / maxItems %d but the model config has %d / %d",
              tokenizer.config().maxTokens(),
              tokenizer.config().maxItems(),
              config.maxTokens(),
              config.maxItems()));
    }
    if (tokenizer.maskId() < 0) {
      throw new IllegalArgumentException("the tokenizer has no mask token; MLM needs one");
    }
    this.options = options;
    this.config = config;
    this.initialWeights = initialWeights;
    this.tokenizer = tokenizer;
    this.catalog = catalog;
    this.train = withoutLastItems(train, options.holdOutLastItems());
    this.heldOut = withoutLastItems(heldOut, options.holdOutLastItems());
    this.fingerprint = datasetFingerprint;
  }

  /**
   * Every sequence less its last {@code count} items (an empty one when it has no more). Sequences
   * are kept, not dropped, so the held-out count a resumed run reads back stays the same; the pair
   * sampler skips those left with fewer than 2 items.
   */
  static List<UserHistory> withoutLastItems(List<UserHistory> sequences, int count) {
    if (count == 0) {
      return List.copyOf(sequences);
    }
    List<UserHistory> cut = new ArrayList<>(sequences.size());
    for (UserHistory sequence : sequences) {
      cut.add(sequence.prefix(Math.max(0, sequence.size() - count)));
    }
    return List.copyOf(cut);
  }

  /**
   * Makes the run stop at its next optimizer step boundary once {@code signal} requests it, after
   * saving a checkpoint that {@link #resume} continues exactly; the run then ends with {@link
   * RunStoppedException}.
   */
  public void stopOn(StopSignal signal) {
    this.stop = Objects.requireNonNull(signal, "signal");
  }

  /** Test hook: stop (as if killed) after this many completed epochs. */
  void interruptAfterEpochs(int epochs) {
    this.interruptAfterEpochs = epochs;
  }

  /** Test hook: stop (as if killed) right after the first mid-epoch save at or past this step. */
  void interruptAfterStep(long step) {
    this.interruptAfterStep = step;
  }

  /** Runs from the start into a new or empty directory. */
  public PretrainResult run(Path runDirectory) throws IOException {
    return execute(RunDirectory.create(runDirectory), null);
  }

  /** Continues an interrupted run from its last saved state: a validation or a completed epoch. */
  public PretrainResult resume(Path runDirectory) throws IOException {
    RunDirectory run = RunDirectory.existing(runDirectory);
    return execute(run, run.readJson("state.json"));
  }

  private PretrainResult execute(RunDirectory run, JsonNode state) throws IOException {
    List<Device> devices = Devices.selectAll(options.device());
    try (NDManager manager = NDManager.newBaseManager(devices.get(0));
        RecformerModel model = RecformerModel.newInstance(manager, config, options.seed());
        AdamW optimizer =
            new AdamW(manager, AdamW.Options.withWeightDecay(options.weightDecay()))) {
      model.loadWeights(initialWeights);
      model.freezeWordEmbeddings(options.freezeWordEmbeddings());
      model.setPrecision(options.precision()); // replicas follow it
      ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
      try (DataParallel parallel = DataParallel.of(model, devices, options.seed())) {
        if (parallel.size() > 1) {
          LOG.info(
              "data-parallel pre-training on {} devices {}; in-batch negatives come from"
                  + " each device's shard",
              parallel.size(),
              devices);
        }
        return new Session(run, manager, model, parallel, optimizer, cache).execute(state);
      }
    }
  }

  /** Thrown by the test hooks to simulate a killed process. */
  static final class Interrupted extends RuntimeException {
    Interrupted(String when) {
      super("interrupted after " + when);
    }
  }

  private final class Session {
    final RunDirectory run;
    final NDManager manager;
    final RecformerModel model;
    final DataParallel parallel;
    final AdamW optimizer;
    final OptimizerStep stepper;
    // Total, IIC and MLM loss of the current optimizer step, summed on the device.
    final StepLosses losses;
    final TrainingStep trainingStep;
    final PretrainLoss loss;
    final ItemTokenCache cache;
    final BatchCollator collator;
    final CsvLog steps;
    final CsvLog evals;
    final List<TrainingSample> validationPairs;

    /** Completed epochs. */
    int epoch;

    /** Pairs of epoch {@code epoch + 1} already trained on when the run was last saved. */
    int pairsDoneInEpoch;

    long globalStep;
    double best = Double.NEGATIVE_INFINITY;
    long bestStep = -1;
    int bad;
    boolean stopped;

    Session(
        RunDirectory run,
        NDManager manager,
        RecformerModel model,
        DataParallel parallel,
        AdamW optimizer,
        ItemTokenCache cache) {
      this.run = run;
      this.manager = manager;
      this.model = model;
      this.parallel = parallel;
      this.optimizer = optimizer;
      this.stepper =
          new OptimizerStep(optimizer, List.of(OptimizerStep.Group.all(options.clipNorm())));
      this.losses = new StepLosses(manager, 3);
      this.trainingStep = new TrainingStep(stepper, parallel, losses, options.precision());
      this.cache = cache;
      // The model pads to its chunk size itself; see Encoder.
      this.collator = BatchCollator.unrounded(config, tokenizer.padId());
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
      this.validationPairs = new PretrainPairSampler(options.seed() + 1).sample(heldOut, 0);
      if (validationPairs.size() < 2) {
        throw new IllegalArgumentException(
            "held-out sequences give "
                + validationPairs.size()
                + " validation pairs; at least 2 are needed (sequences of >= 2 items)");
      }
    }

    PretrainResult execute(JsonNode state) throws IOException {
      if (state == null) {
        writeRunFiles();
      } else {
        epoch = state.get("epoch").asInt();
        globalStep = state.get("globalStep").asLong();
        best = state.get("best").asDouble();
        bestStep = state.get("bestStep").asLong();
        bad = state.get("bad").asInt();
        stopped = state.get("stopped").asBoolean();
        pairsDoneInEpoch = state.path("pairsDoneInEpoch").asInt(0); // absent before mid-epoch saves
        stepper.restoreSkippedSteps(state.path("skippedSteps").asLong(0));
        steps.truncate(state.get("stepRows").asInt());
        evals.truncate(state.get("evalRows").asInt());
        ResumePoint.restore(run.resolve("last"), model, optimizer, true);
        ResumePoint.restoreLossScaler(run.resolve("last"), trainingStep.lossScaler());
        LOG.info(
            "resuming {} at epoch {}, pair {} (step {})",
            run.root(),
            epoch + 1,
            pairsDoneInEpoch,
            globalStep);
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
      LinearSchedule schedule =
          new LinearSchedule(
              options.learningRate(),
              options.warmupSteps(),
              Math.max(Math.max(1L, options.warmupSteps()), totalSteps));
      while (epoch < options.epochs() && !stopped) {
        boolean budgetReached = trainEpoch(schedule);
        epoch++;
        pairsDoneInEpoch = 0;
        if (options.evalEverySteps() == 0) {
          validate();
        }
        if (budgetReached) {
          LOG.info("maxSteps = {} reached in epoch {}", options.maxSteps(), epoch);
          stopped = true;
        }
        saveLast();
        if (interruptAfterEpochs >= 0 && epoch >= interruptAfterEpochs) {
          throw new Interrupted(epoch + " epochs");
        }
        if (stop.requested() && epoch < options.epochs() && !stopped) {
          throw new RunStoppedException(run.root(), globalStep, stop);
        }
      }
      losses.close();
      new PretrainReport(options, run, steps, evals)
          .write(best, bestStep, globalStep, epoch, validationPairs.size());
      return new PretrainResult(run.root(), best, bestStep, globalStep);
    }

    /**
     * Trains one epoch from pair {@code pairsDoneInEpoch} on (0 unless resuming mid-epoch); true if
     * it ended early because {@code maxSteps} was reached.
     */
    private boolean trainEpoch(LinearSchedule schedule) throws IOException {
      List<TrainingSample> pairs =
          new ArrayList<>(new PretrainPairSampler(options.seed()).sample(train, epoch));
      Collections.shuffle(pairs, new Random(options.seed() ^ ((long) epoch << 20)));
      WholeWordMasker masker =
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
      int start = pairsDoneInEpoch;
      for (int from = 0; from < start; from += options.batchSize()) {
        // Replays the masks drawn for the pairs already trained on, so the masker continues
        // exactly where the interrupted run left it.
        List<TrainingSample> done =
            pairs.subList(from, Math.min(pairs.size(), from + options.batchSize()));
        if (done.size() >= 2) {
          loss.replayMasks(done, masker);
        }
      }
      long planned = (long) pairs.size() - start;
      if (options.maxSteps() > 0) { // the ETA is that of the step budget when it ends the epoch
        planned =
            Math.min(
                planned,
                (options.maxSteps() - globalStep)
                    * options.batchSize()
                    * options.gradientAccumulation());
      }
      Progress progress =
          new Progress(LOG, "pre-training epoch " + (epoch + 1), planned, "pairs", 30);
      int inGroup = 0;
      int batchSize = options.batchSize();
      for (int from = start; from < pairs.size(); from += batchSize) {
        List<TrainingSample> batch = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
        if (batch.size() < 2) {
          continue; // a last batch of one pair has no negative
        }
        if (inGroup == 0) {
          // Dropout is seeded per optimizer step, so a run resumed mid-epoch draws what an
          // uninterrupted one would.
          TrainingStep.seedDropout(options.seed() * 31 + globalStep);
        }
        loss.microBatch(batch, masker);
        inGroup++;
        boolean last = from + batchSize >= pairs.size() || pairs.size() - from - batchSize < 2;
        if (inGroup == options.gradientAccumulation() || last) {
          double rate = schedule.rate(globalStep);
          TrainingStep.Result result =
              trainingStep.apply(parameters, rate, name -> 1, globalStep + 1, inGroup);
          OptimizerStep.Outcome outcome = result.outcome();
          double[] means = result.losses(); // total, IIC, MLM
          globalStep++;
          steps.append(
              epoch + 1,
              globalStep,
              means[0],
              means[1],
              means[2],
              rate,
              outcome.norm(0),
              outcome.skipped() ? 1 : 0);
          progress.advance(
              (long) (inGroup - 1) * batchSize + batch.size(),
              String.format(Locale.ROOT, "step %d, loss %.4f", globalStep, means[0]));
          inGroup = 0;
          boolean validated =
              options.evalEverySteps() > 0 && globalStep % options.evalEverySteps() == 0;
          boolean budgetReached = options.maxSteps() > 0 && globalStep >= options.maxSteps();
          if (validated) {
            validate();
          }
          boolean stopRequested = Pretrainer.this.stop.requested();
          if ((validated || stopRequested) && !last && !budgetReached) {
            // A resumable point inside the epoch: long epochs survive an interruption.
            pairsDoneInEpoch = from + batchSize;
            saveLast();
            if (stopRequested) {
              throw new RunStoppedException(run.root(), globalStep, Pretrainer.this.stop);
            }
            if (interruptAfterStep >= 0 && globalStep >= interruptAfterStep) {
              throw new Interrupted("step " + globalStep);
            }
          }
          if (budgetReached) {
            if (!validated && options.evalEverySteps() > 0) {
              validate(); // the budget's last step is always validated
            }
            return true;
          }
        }
      }
      return false;
    }

    private void validate() throws IOException {
      int hits = 0;
      int rows = 0;
      for (int from = 0; from + 2 <= validationPairs.size(); from += options.batchSize()) {
        List<TrainingSample> batch =
            validationPairs.subList(
                from, Math.min(validationPairs.size(), from + options.batchSize()));
        if (batch.size() < 2) {
          break;
        }
        List<EncodedSequence> histories = new ArrayList<>();
        List<EncodedSequence> positives = new ArrayList<>();
        for (TrainingSample pair : batch) {
          histories.add(cache.encodeHistory(pair.history()));
          positives.add(cache.encodeItem(catalog.requireIndex(pair.targetItemId())));
        }
        try (NDManager scope = manager.newSubManager()) {
          NDArray logits =
              InBatchContrastiveLoss.logits(
                  model.encode(scope, collator.collate(histories), false).pooled(),
                  model.encode(scope, collator.collate(positives), false).pooled(),
                  config.temperature());
          hits += (int) Math.round(InBatchContrastiveLoss.accuracy(logits) * batch.size());
          rows += batch.size();
        }
      }
      double accuracy = (double) hits / rows;
      evals.append(epoch, globalStep, "validation", accuracy, rows);
      LOG.info(
          String.format(
              Locale.ROOT,
              "validation after step %d: in-batch accuracy %.4f (best %.4f)",
              globalStep,
              accuracy,
              best));
      if (accuracy > best) {
        best = accuracy;
        bestStep = globalStep;
        bad = 0;
        CheckpointManifest manifest =
            Checkpoints.manifest(model, fingerprint, options.seed(), Map.of("task", "pretrain"))
                .withTrainingState(globalStep, epoch, "pretrain")
                .withMetrics(Map.of("inBatchAccuracy", accuracy));
        Checkpoints.save(run.resolve("best"), model, manifest);
      } else {
        bad++;
        if (options.patience() > 0 && bad >= options.patience()) {
          stopped = true;
        }
      }
    }

    private void saveLast() throws IOException {
      ResumePoint.save(
          run.resolve("last"),
          model,
          Checkpoints.manifest(model, fingerprint, options.seed(), Map.of("task", "pretrain"))
              .withTrainingState(globalStep, epoch, "pretrain"),
          optimizer,
          trainingStep.lossScaler());
      ObjectNode s = RunDirectory.JSON.createObjectNode();
      s.put("epoch", epoch);
      s.put("globalStep", globalStep);
      s.put("best", best);
      s.put("bestStep", bestStep);
      s.put("bad", bad);
      s.put("stopped", stopped);
      s.put("pairsDoneInEpoch", pairsDoneInEpoch);
      s.put("skippedSteps", stepper.skippedSteps());
      s.put("stepRows", steps.rows());
      s.put("evalRows", evals.rows());
      run.writeJson("state.json", s);
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
}
