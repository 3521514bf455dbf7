package io.recformer.train.finetune;

import io.recformer.core.config.Pooling;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.train.model.Precision;
import io.recformer.train.run.Devices;
import java.util.Locale;

/**
 * Fine-tuning options. Defaults ({@link #defaults()}) are the original's settings (reference
 * section 5, and the differences table of docs/training.md): no gradient clipping, one AdamW and
 * one schedule across both stages, targets drawn at any position (an empty history included), and
 * stage-1 validation against the matrix the epoch trained with. This library's earlier choices stay
 * selectable ({@code clipNorm}, {@code freshOptimizerPerStage}, {@code samplePolicy}, {@code
 * stage1ValidationReencodes}); the committed recipes under config/ set them explicitly. Tests and
 * quick runs reduce the budgets.
 *
 * <p>Over 400 lines because it is one flat list: every option with its validation, and a builder
 * with one setter per option (the CLI binds config keys to these components by name).
 *
 * @param epochs upper bound of epochs per stage; patience usually stops earlier (default 128)
 * @param batchSize training sequences per forward pass; memory grows linearly (original 16)
 * @param gradientAccumulation micro-batches per optimizer step; effective batch = batchSize x this
 *     (original 8)
 * @param learningRate AdamW peak rate (original 5e-5)
 * @param warmupSteps optimizer steps of linear warmup at the start of the schedule (original 100;
 *     with {@code freshOptimizerPerStage}, at the start of each stage's)
 * @param weightDecay decoupled decay, never on bias/LayerNorm (original 0)
 * @param clipNorm maximum gradient norm of each parameter group (encoder, trainable item matrix), 0
 *     for none (default 0, the original's fine-tuning; 1.0 is Hugging Face's default and what the
 *     runs under config/ used)
 * @param evalEvery validate every N epochs (original 3) and after the last epoch of a stage
 * @param patienceStage1 evaluations without improvement before stage 1 stops (original 5)
 * @param patienceStage2 evaluations without improvement before stage 2 stops (original 3)
 * @param variant which schedule to run (default {@link Variant#BOTH_STAGES})
 * @param samplePolicy one random target per user per epoch at any position (the original's {@link
 *     FineTuneSampler.Policy#RANDOM_TARGET_ANY_POSITION}, default), at positions 1..n-1 ({@code
 *     RANDOM_TARGET}, never an empty history) or every prefix ({@code ALL_PREFIXES})
 * @param seed seeds sampling, shuffling, dropout and the evaluation subsample
 * @param maxTokens sequence length cap; 0 keeps the model config's (must match the tokenizer's)
 * @param pooling sequence representation; null keeps the model config's (CLS in the paper)
 * @param device "cpu" (default), "gpu" or "gpu:N", or several comma-separated devices for
 *     data-parallel training ("gpu:0,gpu:1"; {@link io.recformer.train.run.DataParallel})
 * @param evalBatchSize sequences per forward pass when encoding without gradient (32; on 2 CPU
 *     cores batches of 64 histories of 128 tokens encoded at half the speed of 8-32, see
 *     docs/benchmarks.md)
 * @param itemChunk items per chunk of the full softmax; bounds the logits block (65536)
 * @param tiePolicy ties in ranking (ORIGINAL = the original's optimistic rule)
 * @param historyPolicy whether history items are ranked (KEEP = original)
 * @param validationMetric metric that selects the best model (original NDCG@10)
 * @param samplesPerEpoch training samples per epoch, a fresh seeded draw every epoch; 0 = all the
 *     policy yields (the original). Shorter epochs mean more frequent validation.
 * @param validationUsers validation users in model selection, a fixed seeded subsample; 0 = all
 * @param testUsers test users in the zero-shot and final evaluations, a fixed seeded subsample; 0 =
 *     all (the protocol; smaller only for quick runs, and the report says so)
 * @param stage1Minutes wall-clock budget of stage 1 (or of the single stage of other variants), 0 =
 *     none: the stage ends after the epoch whose successor would overrun it
 * @param stage2Minutes wall-clock budget of stage 2, 0 = none
 * @param stage2Epochs epochs of stage 2 (with {@code freshOptimizerPerStage}, also of its
 *     schedule's decay), 0 = {@code epochs} as the original; a short stage 2 lets a time-bounded
 *     run spend its budget in stage 1
 * @param stage2LearningRate peak rate of stage 2's own schedule, 0 = {@code learningRate} as the
 *     original; needs {@code freshOptimizerPerStage}. Stage 2 then restarts its schedule from a
 *     trained model, which a lower peak disturbs less
 * @param zeroShotTest evaluate the untrained model on the test split before training (default true,
 *     the protocol); false skips it when the zero-shot number is already known, which saves a full
 *     pass over the test users
 * @param historyNegativeMargin cosine margin added, in training only, to the logit of every history
 *     item of a sample other than its target (0 = Algorithm 1 exactly). A history encoding sits
 *     close to its own items, which then crowd the top of the ranking although the next item is
 *     rarely one of them; raising them in the training softmax makes them hard negatives.
 *     Evaluation never changes: history items stay ranked as the protocol asks
 * @param lengthGroupBatches 0 = training micro-batches of consecutive shuffled samples (the
 *     original); N = each run of N micro-batches' worth of samples is sorted by history length
 *     before it is cut, and the micro-batches are shuffled. A batch pads to its longest history, so
 *     grouping computes less padding; it changes which samples share a batch, not which are seen
 * @param matrixRefreshSteps 0 = stage 1 re-encodes the item matrix once, before each epoch
 *     (Algorithm 1 exactly); N = also every N optimizer steps inside the epoch. The matrix the
 *     encoder trains against goes stale as the encoder moves: encoded once per epoch it swings
 *     between spread and bunched from one epoch to the next, and a bunched matrix gives a nearly
 *     flat softmax. Measured on Scientific (docs/results.md): every 88 steps damps the swing within
 *     four epochs but does not raise test. Only for the variants that re-encode (BOTH_STAGES,
 *     STAGE1_ONLY).
 * @param historyPenalty cosine subtracted from the score of every history item of a user, in
 *     training (each sample's history items other than its target) and in every validation and test
 *     ranking of the run ({@link io.recformer.core.metrics.HistoryPenalty}); 0 = the paper. A
 *     scoring rule of the model, not the protocol: history items stay ranked under KEEP
 * @param matrixLearningRate peak rate of a trainable item matrix ({@link Variant#TRAINABLE_MATRIX},
 *     or stage 2 with {@code stage2TrainsMatrix}; same warmup and decay as the encoder's), 0 = the
 *     encoder's rate. The matrix starts as unit-length encodings whose coordinates are about 0.05,
 *     while AdamW moves every coordinate by about the rate each step: a rate of its own lets the
 *     item vectors learn from the interactions (as ID embeddings do) while the encoder keeps a
 *     gentle rate
 * @param stage2TrainsMatrix false = Algorithm 1: stage 2 freezes the best model's item matrix; true
 *     = stage 2 starts from that matrix and trains it as a parameter beside the encoder
 *     (BOTH_STAGES only). In stage 1 the item vectors move only through the shared text encoder; a
 *     trainable matrix lets each row learn from the interactions from where its text put it
 * @param freshOptimizerPerStage false = the original: one AdamW (its moments) and one warmup and
 *     linear-decay schedule run through both stages, the schedule decaying to 0 at {@code epochs x
 *     steps per epoch} counted from the first stage-1 step, so stage 2 continues where stage 1's
 *     rate stopped; true = each stage starts a new AdamW and its own warmup and decay (over {@code
 *     epochsOfStage} epochs at {@code learningRateOfStage}), as the runs under config/ did
 * @param stage1ValidationReencodes false = the original: stage-1 validation (and the matrix kept
 *     with the best model, which stage 2 freezes) uses the item matrix encoded at the start of the
 *     epoch; true = validation re-encodes the matrix with the trained encoder, and the next epoch
 *     reuses that encoding, as the runs under config/ did
 * @param gradientCheckpointing true = keep only each encoder layer's input during a training
 *     forward and recompute the layer in the backward pass (about a third more compute, far less
 *     activation memory; for long inputs on a GPU, see docs/gpu.md); same gradients
 * @param precision FP32 (default) or FP16_MIXED: float16 matrix products with float32 master
 *     weights, LayerNorm, softmax and losses, and dynamic loss scaling; on a CUDA GPU about half
 *     the activation memory of the products and several times their speed (docs/gpu.md), on a CPU
 *     slower than FP32 (for tests only). Evaluation during the run uses it too; checkpoints and
 *     exports stay float32
 * @param scheduleEpochs with one schedule across both stages ({@code freshOptimizerPerStage}
 *     false), the epochs over which it decays to 0: 0 = {@code epochs}, the original, where a stage
 *     1 that runs all its epochs leaves stage 2 a rate of 0 (the original's stage 1 usually ends
 *     early on patience, long before its 128-epoch schedule does); {@code epochs + stage2Epochs}
 *     spreads the decay over both stages of a run whose budget is fixed in epochs
 */
public record FineTuneOptions(
    int epochs,
    int batchSize,
    int gradientAccumulation,
    double learningRate,
    int warmupSteps,
    double weightDecay,
    double clipNorm,
    int evalEvery,
    int patienceStage1,
    int patienceStage2,
    Variant variant,
    FineTuneSampler.Policy samplePolicy,
    long seed,
    int maxTokens,
    Pooling pooling,
    String device,
    int evalBatchSize,
    int itemChunk,
    TiePolicy tiePolicy,
    HistoryPolicy historyPolicy,
    String validationMetric,
    int samplesPerEpoch,
    int validationUsers,
    int testUsers,
    double stage1Minutes,
    double stage2Minutes,
    int stage2Epochs,
    double stage2LearningRate,
    boolean zeroShotTest,
    double historyNegativeMargin,
    int lengthGroupBatches,
    int matrixRefreshSteps,
    double historyPenalty,
    double matrixLearningRate,
    boolean stage2TrainsMatrix,
    boolean freshOptimizerPerStage,
    boolean stage1ValidationReencodes,
    boolean gradientCheckpointing,
    Precision precision,
    int scheduleEpochs) {

  public FineTuneOptions {
    positive("epochs", epochs);
    positive("batchSize", batchSize);
    positive("gradientAccumulation", gradientAccumulation);
    if (!(learningRate > 0 && learningRate < 1)) {
      throw new IllegalArgumentException("learningRate = " + learningRate + " must be in (0, 1)");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps = " + warmupSteps + " must be >= 0");
    }
    if (!(weightDecay >= 0 && weightDecay < 1)) {
      throw new IllegalArgumentException("weightDecay = " + weightDecay + " must be in [0, 1)");
    }
    if (!(clipNorm >= 0) || !Double.isFinite(clipNorm)) {
      throw new IllegalArgumentException("clipNorm = " + clipNorm + " must be >= 0 (0 = none)");
    }
    positive("evalEvery", evalEvery);
    positive("patienceStage1", patienceStage1);
    positive("patienceStage2", patienceStage2);
    if (variant == null
        || samplePolicy == null
        || tiePolicy == null
        || historyPolicy == null
        || precision == null) {
      throw new IllegalArgumentException(
          "variant, samplePolicy, tiePolicy, historyPolicy and precision are required");
    }
    if (maxTokens < 0) {
      throw new IllegalArgumentException(
          "maxTokens = " + maxTokens + " must be >= 0 (0 = the model config's)");
    }
    Devices.validateList(device);
    positive("evalBatchSize", evalBatchSize);
    positive("itemChunk", itemChunk);
    if (validationMetric == null || !validationMetric.matches("(NDCG|Recall)@(10|50)|MRR")) {
      throw new IllegalArgumentException(
          "validationMetric = '"
              + validationMetric
              + "' must be one of NDCG@10, Recall@10, NDCG@50, Recall@50, MRR");
    }
    nonNegative("samplesPerEpoch", samplesPerEpoch);
    nonNegative("validationUsers", validationUsers);
    nonNegative("testUsers", testUsers);
    if (!(stage1Minutes >= 0 && stage2Minutes >= 0)
        || !Double.isFinite(stage1Minutes + stage2Minutes)) {
      throw new IllegalArgumentException(
          "stage1Minutes = "
              + stage1Minutes
              + " and stage2Minutes = "
              + stage2Minutes
              + " must be >= 0 (0 = no budget)");
    }
    if (stage2Epochs < 0) {
      throw new IllegalArgumentException(
          "stage2Epochs = " + stage2Epochs + " must be >= 0 (0 = epochs)");
    }
    if (!(stage2LearningRate >= 0 && stage2LearningRate < 1)) {
      throw new IllegalArgumentException(
          "stage2LearningRate = " + stage2LearningRate + " must be in [0, 1) (0 = learningRate)");
    }
    if (!(historyNegativeMargin >= 0 && historyNegativeMargin <= 2)) {
      throw new IllegalArgumentException(
          "historyNegativeMargin = "
              + historyNegativeMargin
              + " must be in [0, 2] (a cosine margin; 0 = none)");
    }
    if (!(historyPenalty >= 0 && historyPenalty <= 2)) {
      throw new IllegalArgumentException(
          "historyPenalty = "
              + historyPenalty
              + " must be in [0, 2] (cosine; 0 = none, the paper)");
    }
    if (lengthGroupBatches < 0) {
      throw new IllegalArgumentException(
          "lengthGroupBatches = " + lengthGroupBatches + " must be >= 0 (0 = random batches)");
    }
    if (matrixRefreshSteps < 0) {
      throw new IllegalArgumentException(
          "matrixRefreshSteps = " + matrixRefreshSteps + " must be >= 0 (0 = once per epoch)");
    }
    if (matrixRefreshSteps > 0
        && variant != Variant.BOTH_STAGES
        && variant != Variant.STAGE1_ONLY) {
      throw new IllegalArgumentException(
          "matrixRefreshSteps = "
              + matrixRefreshSteps
              + " needs a variant whose stage 1 re-encodes the item matrix (BOTH_STAGES or"
              + " STAGE1_ONLY), not "
              + variant);
    }
    if (!(matrixLearningRate >= 0 && matrixLearningRate < 1)) {
      throw new IllegalArgumentException(
          "matrixLearningRate = " + matrixLearningRate + " must be in [0, 1) (0 = learningRate)");
    }
    if (stage2TrainsMatrix && variant != Variant.BOTH_STAGES) {
      throw new IllegalArgumentException(
          "stage2TrainsMatrix = true needs the variant BOTH_STAGES"
              + " (TRAINABLE_MATRIX trains the matrix in its only stage), not "
              + variant);
    }
    if (scheduleEpochs < 0) {
      throw new IllegalArgumentException(
          "scheduleEpochs = " + scheduleEpochs + " must be >= 0 (0 = epochs)");
    }
    if (scheduleEpochs > 0 && freshOptimizerPerStage) {
      throw new IllegalArgumentException(
          "scheduleEpochs = "
              + scheduleEpochs
              + " sets the length of the one schedule shared by both stages; with"
              + " freshOptimizerPerStage each stage has its own (epochs, stage2Epochs)");
    }
    if (stage2LearningRate > 0 && !freshOptimizerPerStage) {
      throw new IllegalArgumentException(
          "stage2LearningRate = "
              + stage2LearningRate
              + " needs freshOptimizerPerStage = true: with one schedule across both stages"
              + " (the original) stage 2 continues stage 1's rate");
    }
    if (matrixLearningRate > 0 && variant != Variant.TRAINABLE_MATRIX && !stage2TrainsMatrix) {
      throw new IllegalArgumentException(
          "matrixLearningRate = "
              + matrixLearningRate
              + " needs a trainable matrix (variant TRAINABLE_MATRIX, or stage2TrainsMatrix ="
              + " true), not "
              + variant);
    }
  }

  /** Epochs of the given stage: {@code stage2Epochs} in stage 2 when set, else {@code epochs}. */
  public int epochsOfStage(boolean secondStage) {
    return secondStage && stage2Epochs > 0 ? stage2Epochs : epochs;
  }

  /**
   * Factor from the encoder's rate to the trainable item matrix's: {@code matrixLearningRate} over
   * the stage's peak rate, 1 when unset.
   */
  public double matrixRateFactor(boolean secondStage) {
    return matrixLearningRate > 0 ? matrixLearningRate / learningRateOfStage(secondStage) : 1;
  }

  /**
   * Peak learning rate of the given stage ({@code stage2LearningRate} in stage 2 when set, which
   * only a fresh optimizer per stage allows).
   */
  public double learningRateOfStage(boolean secondStage) {
    return secondStage && stage2LearningRate > 0 ? stage2LearningRate : learningRate;
  }

  private static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d must be >= 0 (0 = all)", name, value));
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d must be >= 1", name, value));
    }
  }

  /** The original's settings (reference section 5) on the CPU. */
  public static FineTuneOptions defaults() {
    return new FineTuneOptions(
        128,
        16,
        8,
        5e-5,
        100,
        0.0,
        0.0,
        3,
        5,
        3,
        Variant.BOTH_STAGES,
        FineTuneSampler.Policy.RANDOM_TARGET_ANY_POSITION,
        42,
        0,
        null,
        "cpu",
        32,
        65536,
        TiePolicy.ORIGINAL,
        HistoryPolicy.KEEP,
        "NDCG@10",
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        true,
        0,
        0,
        0,
        0,
        0,
        false,
        false,
        false,
        false,
        Precision.FP32,
        0);
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder(defaults());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private int epochs;
    private int batchSize;
    private int gradientAccumulation;
    private double learningRate;
    private int warmupSteps;
    private double weightDecay;
    private double clipNorm;
    private int evalEvery;
    private int patienceStage1;
    private int patienceStage2;
    private Variant variant;
    private FineTuneSampler.Policy samplePolicy;
    private long seed;
    private int maxTokens;
    private Pooling pooling;
    private String device;
    private int evalBatchSize;
    private int itemChunk;
    private TiePolicy tiePolicy;
    private HistoryPolicy historyPolicy;
    private String validationMetric;
    private int samplesPerEpoch;
    private int validationUsers;
    private int testUsers;
    private double stage1Minutes;
    private double stage2Minutes;
    private int stage2Epochs;
    private double stage2LearningRate;
    private boolean zeroShotTest;
    private double historyNegativeMargin;
    private int lengthGroupBatches;
    private int matrixRefreshSteps;
    private double historyPenalty;
    private double matrixLearningRate;
    private boolean stage2TrainsMatrix;
    private boolean freshOptimizerPerStage;
    private boolean stage1ValidationReencodes;
    private boolean gradientCheckpointing;
    private Precision precision;
    private int scheduleEpochs;

    private Builder(FineTuneOptions o) {
      epochs = o.epochs;
      batchSize = o.batchSize;
      gradientAccumulation = o.gradientAccumulation;
      learningRate = o.learningRate;
      warmupSteps = o.warmupSteps;
      weightDecay = o.weightDecay;
      clipNorm = o.clipNorm;
      evalEvery = o.evalEvery;
      patienceStage1 = o.patienceStage1;
      patienceStage2 = o.patienceStage2;
      variant = o.variant;
      samplePolicy = o.samplePolicy;
      seed = o.seed;
      maxTokens = o.maxTokens;
      pooling = o.pooling;
      device = o.device;
      evalBatchSize = o.evalBatchSize;
      itemChunk = o.itemChunk;
      tiePolicy = o.tiePolicy;
      historyPolicy = o.historyPolicy;
      validationMetric = o.validationMetric;
      samplesPerEpoch = o.samplesPerEpoch;
      validationUsers = o.validationUsers;
      testUsers = o.testUsers;
      stage1Minutes = o.stage1Minutes;
      stage2Minutes = o.stage2Minutes;
      stage2Epochs = o.stage2Epochs;
      stage2LearningRate = o.stage2LearningRate;
      zeroShotTest = o.zeroShotTest;
      historyNegativeMargin = o.historyNegativeMargin;
      lengthGroupBatches = o.lengthGroupBatches;
      matrixRefreshSteps = o.matrixRefreshSteps;
      historyPenalty = o.historyPenalty;
      matrixLearningRate = o.matrixLearningRate;
      stage2TrainsMatrix = o.stage2TrainsMatrix;
      freshOptimizerPerStage = o.freshOptimizerPerStage;
      stage1ValidationReencodes = o.stage1ValidationReencodes;
      gradientCheckpointing = o.gradientCheckpointing;
      precision = o.precision;
      scheduleEpochs = o.scheduleEpochs;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder gradientAccumulation(int v) {
      gradientAccumulation = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder clipNorm(double v) {
      clipNorm = v;
      return this;
    }

    public Builder evalEvery(int v) {
      evalEvery = v;
      return this;
    }

    public Builder patienceStage1(int v) {
      patienceStage1 = v;
      return this;
    }

    public Builder patienceStage2(int v) {
      patienceStage2 = v;
      return this;
    }

    public Builder variant(Variant v) {
      variant = v;
      return this;
    }

    public Builder samplePolicy(FineTuneSampler.Policy v) {
      samplePolicy = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder maxTokens(int v) {
      maxTokens = v;
      return this;
    }

    public Builder pooling(Pooling v) {
      pooling = v;
      return this;
    }

    public Builder device(String v) {
      device = v;
      return this;
    }

    public Builder evalBatchSize(int v) {
      evalBatchSize = v;
      return this;
    }

    public Builder itemChunk(int v) {
      itemChunk = v;
      return this;
    }

    public Builder tiePolicy(TiePolicy v) {
      tiePolicy = v;
      return this;
    }

    public Builder historyPolicy(HistoryPolicy v) {
      historyPolicy = v;
      return this;
    }

    public Builder validationMetric(String v) {
      validationMetric = v;
      return this;
    }

    public Builder samplesPerEpoch(int v) {
      samplesPerEpoch = v;
      return this;
    }

    public Builder validationUsers(int v) {
      validationUsers = v;
      return this;
    }

    public Builder testUsers(int v) {
      testUsers = v;
      return this;
    }

    public Builder stage1Minutes(double v) {
      stage1Minutes = v;
      return this;
    }

    public Builder stage2Minutes(double v) {
      stage2Minutes = v;
      return this;
    }

    public Builder stage2Epochs(int v) {
      stage2Epochs = v;
      return this;
    }

    public Builder stage2LearningRate(double v) {
      stage2LearningRate = v;
      return this;
    }

    public Builder zeroShotTest(boolean v) {
      zeroShotTest = v;
      return this;
    }

    public Builder historyNegativeMargin(double v) {
      historyNegativeMargin = v;
      return this;
    }

    public Builder lengthGroupBatches(int v) {
      lengthGroupBatches = v;
      return this;
    }

    public Builder matrixRefreshSteps(int v) {
      matrixRefreshSteps = v;
      return this;
    }

    public Builder historyPenalty(double v) {
      historyPenalty = v;
      return this;
    }

    public Builder matrixLearningRate(double v) {
      matrixLearningRate = v;
      return this;
    }

    public Builder stage2TrainsMatrix(boolean v) {
      stage2TrainsMatrix = v;
      return this;
    }

    public Builder freshOptimizerPerStage(boolean v) {
      freshOptimizerPerStage = v;
      return this;
    }

    public Builder stage1ValidationReencodes(boolean v) {
      stage1ValidationReencodes = v;
      return this;
    }

    /**
     * This library's earlier choices where they differ from the original's: clipping at 1.0, a
     * fresh AdamW and schedule per stage, targets at positions 1..n-1, and stage-1 validation on a
     * re-encoded matrix (what the runs under config/ used).
     */
    public Builder earlierDefaults() {
      return clipNorm(1.0)
          .freshOptimizerPerStage(true)
          .samplePolicy(FineTuneSampler.Policy.RANDOM_TARGET)
          .stage1ValidationReencodes(true);
    }

    public Builder gradientCheckpointing(boolean v) {
      gradientCheckpointing = v;
      return this;
    }

    public Builder precision(Precision v) {
      precision = v;
      return this;
    }

    public Builder scheduleEpochs(int v) {
      scheduleEpochs = v;
      return this;
    }

    public FineTuneOptions build() {
      return new FineTuneOptions(
          epochs,
          batchSize,
          gradientAccumulation,
          learningRate,
          warmupSteps,
          weightDecay,
          clipNorm,
          evalEvery,
          patienceStage1,
          patienceStage2,
          variant,
          samplePolicy,
          seed,
          maxTokens,
          pooling,
          device,
          evalBatchSize,
          itemChunk,
          tiePolicy,
          historyPolicy,
          validationMetric,
          samplesPerEpoch,
          validationUsers,
          testUsers,
          stage1Minutes,
          stage2Minutes,
          stage2Epochs,
          stage2LearningRate,
          zeroShotTest,
          historyNegativeMargin,
          lengthGroupBatches,
          matrixRefreshSteps,
          historyPenalty,
          matrixLearningRate,
          stage2TrainsMatrix,
          freshOptimizerPerStage,
          stage1ValidationReencodes,
          gradientCheckpointing,
          precision,
          scheduleEpochs);
    }
  }
}
