package io.recformer.train.pretrain;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.PretrainPairSampler;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.Devices;
import io.recformer.train.run.RunCheckpoints;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StageRunner;
import io.recformer.train.run.StepLoop;
import io.recformer.train.run.StopSignal;
import io.recformer.train.run.TrainingStep;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 * <p>Parts live in their own classes: the loop of one execution ({@link PretrainLoop}), the loss of
 * a micro-batch ({@link PretrainLoss}), the validation ({@link PretrainValidation}), the saved
 * state ({@link PretrainState}) and the report ({@link PretrainReport}). Shared with fine-tuning:
 * the epoch loop ({@link StageRunner}), the steps of an epoch ({@link StepLoop}, around {@link
 * TrainingStep}) and the saves ({@link RunCheckpoints}).
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
      prepare(model, options, initialWeights);
      ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
      try (DataParallel parallel = DataParallel.of(model, devices, options.seed())) {
        if (parallel.size() > 1) {
          LOG.info(
              "data-parallel pre-training on {} devices {}; in-batch negatives come from"
                  + " each device's shard",
              parallel.size(),
              devices);
        }
        return new PretrainLoop(
                options,
                config,
                tokenizer,
                train,
                heldOut,
                fingerprint,
                run,
                manager,
                model,
                parallel,
                optimizer,
                cache,
                stop,
                interruptAfterEpochs,
                interruptAfterStep)
            .execute(state);
      }
    }
  }

  /**
   * Sets a new model up for pre-training: the starting weights, frozen word embeddings and gradient
   * checkpointing as the options say (data-parallel replicas follow the primary).
   */
  static void prepare(
      RecformerModel model, PretrainOptions options, Map<String, WeightTensor> weights) {
    model.loadWeights(weights);
    model.freezeWordEmbeddings(options.freezeWordEmbeddings());
    model.setGradientCheckpointing(options.gradientCheckpointing());
    model.setPrecision(options.precision()); // replicas follow it
  }

  /** Thrown by the test hooks to simulate a killed process. */
  static final class Interrupted extends RuntimeException {
    Interrupted(String when) {
      super("interrupted after " + when);
    }
  }
}
