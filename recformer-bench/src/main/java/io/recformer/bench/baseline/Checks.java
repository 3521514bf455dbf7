package io.recformer.bench.baseline;

import java.util.Locale;

/** Range checks shared by the baselines' config records, with messages naming the field. */
final class Checks {

  private Checks() {}

  static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d must be >= 1", field, value));
    }
  }

  /** The shared trainer's sizes, in the order every config checks them. */
  static void trainingLoop(int batchSize, int maxEpochs, int patience, int evalBatchSize) {
    positive("batchSize", batchSize);
    positive("maxEpochs", maxEpochs);
    positive("patience", patience);
    positive("evalBatchSize", evalBatchSize);
  }

  static void probability(String field, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %s must be in [0, 1) (typical 0.2-0.5)", field, value));
    }
  }

  static void learningRate(float learningRate) {
    if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "learningRate = %s must be a positive finite number (typical 1e-3)",
              learningRate));
    }
  }
}
