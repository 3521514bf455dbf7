package io.recformer.train.pretrain;

import io.recformer.train.model.Precision;
import io.recformer.train.run.Devices;
import java.util.Locale;

/**
 * Pre-training options. {@link #defaults()} are the original's settings (reference section 4);
 * tests and quick runs reduce the budgets.
 *
 * @param epochs passes over the training sequences, one pair per sequence each (original up to 32)
 * @param batchSize pairs per forward pass; also the number of in-batch negatives + 1 (original 64)
 * @param gradientAccumulation micro-batches per optimizer step (original 8)
 * @param learningRate AdamW peak rate (original 5e-5)
 * @param warmupSteps linear warmup steps (original 0)
 * @param weightDecay decoupled decay, never on bias/LayerNorm (original 0)
 * @param clipNorm maximum global gradient norm, 0 for none (original 1.0)
 * @param maskProbability fraction of tokens masked for MLM (0.15)
 * @param freezeWordEmbeddings keep the word embeddings fixed (original true)
 * @param evalEverySteps validate every N optimizer steps; 0 = after every epoch only
 * @param patience validations without improvement before stopping; 0 = never stop early
 * @param seed seeds pair sampling, shuffling, masking and dropout
 * @param device "cpu" (default), "gpu" or "gpu:N", or several comma-separated devices for
 *     data-parallel training ("gpu:0,gpu:1"; {@link io.recformer.train.run.DataParallel})
 * @param maxSteps stop after this many optimizer steps (validating there), 0 = no limit; the
 *     learning rate then decays to zero at this step instead of at the end of the last epoch. A
 *     bounded budget that, unlike a wall-clock limit, reproduces exactly
 * @param holdOutLastItems items cut from the end of every sequence (training and held-out) before
 *     pairs are drawn; 0 = none. 2 keeps only the leave-one-out training part, so pre-training on
 *     the dataset that will be fine-tuned never sees a validation or test target
 * @param gradientCheckpointing true = keep only each encoder layer's input during a training
 *     forward and recompute the layer in the backward pass (about a third more compute, far less
 *     activation memory: pre-training runs four forwards per batch, see docs/gpu.md); same
 *     gradients. Default false
 * @param precision FP32 (default) or FP16_MIXED: float16 matrix products with float32 master
 *     weights, LayerNorm, softmax, MLM logits and losses, and dynamic loss scaling; on a CUDA GPU
 *     about half the activation memory of the products and several times their speed (docs/gpu.md),
 *     on a CPU slower than FP32 (for tests only). Checkpoints stay float32
 */
public record PretrainOptions(
    int epochs,
    int batchSize,
    int gradientAccumulation,
    double learningRate,
    int warmupSteps,
    double weightDecay,
    double clipNorm,
    double maskProbability,
    boolean freezeWordEmbeddings,
    int evalEverySteps,
    int patience,
    long seed,
    String device,
    int maxSteps,
    int holdOutLastItems,
    boolean gradientCheckpointing,
    Precision precision) {

  public PretrainOptions {
    positive("epochs", epochs);
    positive("batchSize", batchSize);
    positive("gradientAccumulation", gradientAccumulation);
    if (batchSize < 2) {
      throw new IllegalArgumentException(
          "batchSize = "
              + batchSize
              + " must be >= 2: the contrastive loss needs in-batch negatives");
    }
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
    if (!(maskProbability > 0 && maskProbability < 1)) {
      throw new IllegalArgumentException(
          "maskProbability = " + maskProbability + " must be in (0, 1)");
    }
    if (evalEverySteps < 0 || patience < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "evalEverySteps = %d and patience = %d must be >= 0",
              evalEverySteps,
              patience));
    }
    Devices.validateList(device);
    if (maxSteps < 0) {
      throw new IllegalArgumentException("maxSteps = " + maxSteps + " must be >= 0 (0 = no limit)");
    }
    if (holdOutLastItems < 0) {
      throw new IllegalArgumentException(
          "holdOutLastItems = " + holdOutLastItems + " must be >= 0 (0 = whole sequences)");
    }
    if (precision == null) {
      throw new IllegalArgumentException("precision is required (FP32 or FP16_MIXED)");
    }
  }

  /** The options without gradient checkpointing, in FP32 (the fields before those two). */
  public PretrainOptions(
      int epochs,
      int batchSize,
      int gradientAccumulation,
      double learningRate,
      int warmupSteps,
      double weightDecay,
      double clipNorm,
      double maskProbability,
      boolean freezeWordEmbeddings,
      int evalEverySteps,
      int patience,
      long seed,
      String device,
      int maxSteps,
      int holdOutLastItems) {
    this(
        epochs,
        batchSize,
        gradientAccumulation,
        learningRate,
        warmupSteps,
        weightDecay,
        clipNorm,
        maskProbability,
        freezeWordEmbeddings,
        evalEverySteps,
        patience,
        seed,
        device,
        maxSteps,
        holdOutLastItems,
        false,
        Precision.FP32);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d must be >= 1", name, value));
    }
  }

  /** The original's settings on the CPU. */
  public static PretrainOptions defaults() {
    return new PretrainOptions(
        32, 64, 8, 5e-5, 0, 0.0, 1.0, 0.15, true, 0, 0, 42, "cpu", 0, 0, false, Precision.FP32);
  }

  /** A copy with the budgets of a small run. */
  public PretrainOptions withBudget(
      int newEpochs, int newBatchSize, int newAccumulation, double newLearningRate) {
    Copy c = new Copy(this);
    c.epochs = newEpochs;
    c.batchSize = newBatchSize;
    c.gradientAccumulation = newAccumulation;
    c.learningRate = newLearningRate;
    return c.build();
  }

  /** A copy with another seed. */
  public PretrainOptions withSeed(long newSeed) {
    Copy c = new Copy(this);
    c.seed = newSeed;
    return c.build();
  }

  /** A copy with another device. */
  public PretrainOptions withDevice(String newDevice) {
    Copy c = new Copy(this);
    c.device = newDevice;
    return c.build();
  }

  /** A copy that cuts {@code items} from the end of every sequence before drawing pairs. */
  public PretrainOptions withHoldOutLastItems(int items) {
    Copy c = new Copy(this);
    c.holdOutLastItems = items;
    return c.build();
  }

  /** A copy that stops after {@code steps} optimizer steps (0 = no limit). */
  public PretrainOptions withMaxSteps(int steps) {
    Copy c = new Copy(this);
    c.maxSteps = steps;
    return c.build();
  }

  /** A copy with gradient checkpointing on or off. */
  public PretrainOptions withGradientCheckpointing(boolean on) {
    Copy c = new Copy(this);
    c.gradientCheckpointing = on;
    return c.build();
  }

  /** A copy that trains in {@code newPrecision}. */
  public PretrainOptions withPrecision(Precision newPrecision) {
    Copy c = new Copy(this);
    c.precision = newPrecision;
    return c.build();
  }

  /** The fields of an options record, changed one at a time by the {@code with} methods. */
  private static final class Copy {
    int epochs;
    int batchSize;
    int gradientAccumulation;
    double learningRate;
    int warmupSteps;
    double weightDecay;
    double clipNorm;
    double maskProbability;
    boolean freezeWordEmbeddings;
    int evalEverySteps;
    int patience;
    long seed;
    String device;
    int maxSteps;
    int holdOutLastItems;
    boolean gradientCheckpointing;
    Precision precision;

    Copy(PretrainOptions o) {
      epochs = o.epochs;
      batchSize = o.batchSize;
      gradientAccumulation = o.gradientAccumulation;
      learningRate = o.learningRate;
      warmupSteps = o.warmupSteps;
      weightDecay = o.weightDecay;
      clipNorm = o.clipNorm;
      maskProbability = o.maskProbability;
      freezeWordEmbeddings = o.freezeWordEmbeddings;
      evalEverySteps = o.evalEverySteps;
      patience = o.patience;
      seed = o.seed;
      device = o.device;
      maxSteps = o.maxSteps;
      holdOutLastItems = o.holdOutLastItems;
      gradientCheckpointing = o.gradientCheckpointing;
      precision = o.precision;
    }

    PretrainOptions build() {
      return new PretrainOptions(
          epochs,
          batchSize,
          gradientAccumulation,
          learningRate,
          warmupSteps,
          weightDecay,
          clipNorm,
          maskProbability,
          freezeWordEmbeddings,
          evalEverySteps,
          patience,
          seed,
          device,
          maxSteps,
          holdOutLastItems,
          gradientCheckpointing,
          precision);
    }
  }
}
