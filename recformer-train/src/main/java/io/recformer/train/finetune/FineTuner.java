package io.recformer.train.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.data.split.UserSampling;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.RecformerModel;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 * <p>Parts live in their own classes: one execution of the run, its stages one after the other
 * ({@link FineTuneLoop}), a stage's epochs, steps and validation ({@link FineTuneStage}), the loss
 * of a micro-batch ({@link FineTuneLoss}), the item matrices and who owns them ({@link
 * ItemMatrices}), the counters of state.json with the best and last checkpoints ({@link
 * FineTuneState}) and the report ({@link FineTuneReport}). Shared with pre-training: the epoch loop
 * ({@link StageRunner}), the steps of an epoch ({@link StepLoop}, around {@link TrainingStep}) and
 * the saves ({@link RunCheckpoints}).
 */
public final class FineTuner {

  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);
  static final String STAGE1 = "stage1";
  static final String STAGE2 = "stage2";

  // Package-private: read by the run's loop (FineTuneLoop, FineTuneStage).
  final FineTuneOptions options;
  private final RecformerConfig config;
  private final Map<String, WeightTensor> initialWeights;
  final RecformerTokenizer tokenizer;
  final LeaveOneOutSplit split;
  final List<Example> validationExamples;
  final List<Example> testExamples;
  final String datasetFingerprint;
  int interruptAfterEpochs = -1;
  StopSignal stop = StopSignal.none();

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

  /**
   * Makes the run stop at its next optimizer step (or epoch) boundary once {@code signal} requests
   * it, after saving a checkpoint that {@link #resume} continues exactly; the run then ends with
   * {@link RunStoppedException}.
   */
  public void stopOn(StopSignal signal) {
    this.stop = Objects.requireNonNull(signal, "signal");
  }

  /** Test hook: stop (as if killed) after this many completed epochs of the whole run. */
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
        return new FineTuneLoop(this, run, manager, model, parallel, cache).execute(resumeState);
      }
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
